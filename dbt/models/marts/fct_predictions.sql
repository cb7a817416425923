{{ config(enabled=pitchlake.endpoints_enabled(['fixtures', 'predictions'])) }}

{#-
  One row per fixture the API made a prediction for, its last prediction before kick-off beside
  the match as it went (fct_matches): the predicted winner, the actual winner and whether the
  prediction was right. `is_hit` is true when the predicted winner won, false when it drew or
  lost, and null until the match is finished (or when the API named no winner), so
  `avg(case when is_hit then 1.0 else 0.0 end)` over finished matches is how often the predicted
  winner won. `is_win_or_draw_hit` scores the double chance the API's win_or_draw advises.
  A table, not incremental: one small row per predicted match.
-#}

with

predictions as (

    select * from {{ ref('stg_api_football__predictions') }}

),

matches as (

    select * from {{ ref('fct_matches') }}

),

joined as (

    select
        predictions.fixture_id,
        predictions.league_id,
        predictions.season,
        matches.kickoff_at,
        coalesce(matches.home_team_id, predictions.home_team_id) as home_team_id,
        coalesce(matches.away_team_id, predictions.away_team_id) as away_team_id,
        predictions.predicted_winner_team_id,
        case
            when predictions.predicted_winner_team_id is null then null
            when predictions.predicted_winner_team_id = coalesce(matches.home_team_id, predictions.home_team_id) then 'home'
            when predictions.predicted_winner_team_id = coalesce(matches.away_team_id, predictions.away_team_id) then 'away'
        end as predicted_winner_side,
        predictions.is_win_or_draw,
        predictions.under_over,
        predictions.advice,
        predictions.percent_home,
        predictions.percent_draw,
        predictions.percent_away,
        predictions.ingestion_date as predicted_on,
        matches.status,
        coalesce(matches.is_finished, false) as is_finished,
        matches.home_goals,
        matches.away_goals,
        matches.result,
        matches.winner_team_id as actual_winner_team_id
    from predictions
    left join matches
        on matches.fixture_id = predictions.fixture_id

),

final as (

    select
        *,
        case
            when not is_finished or predicted_winner_team_id is null then null
            else coalesce(actual_winner_team_id = predicted_winner_team_id, false)
        end as is_hit,
        case
            when not is_finished or predicted_winner_team_id is null then null
            else coalesce(actual_winner_team_id = predicted_winner_team_id, false) or result = 'draw'
        end as is_win_or_draw_hit
    from joined

)

select * from final
