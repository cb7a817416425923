{{ config(enabled=pitchlake.endpoints_enabled('players')) }}

{#- One row per player, league season and team: what he did for that team in that competition. -#}

with

players as (

    select * from {{ ref('stg_api_football__players') }}

),

final as (

    select
        player_id,
        league_id,
        season,
        team_id,
        position,
        shirt_number,
        is_captain,
        coalesce(appearances, 0) as appearances,
        coalesce(starts, 0) as starts,
        coalesce(minutes_played, 0) as minutes_played,
        rating,
        coalesce(goals, 0) as goals,
        coalesce(assists, 0) as assists,
        goals_conceded,
        saves,
        shots,
        shots_on_target,
        passes,
        key_passes,
        pass_accuracy,
        tackles,
        blocks,
        interceptions,
        duels,
        duels_won,
        dribbles_attempted,
        dribbles_succeeded,
        fouls_drawn,
        fouls_committed,
        coalesce(yellow_cards, 0) as yellow_cards,
        coalesce(second_yellow_cards, 0) as second_yellow_cards,
        coalesce(red_cards, 0) as red_cards,
        penalties_scored,
        penalties_missed,
        penalties_saved,
        ingestion_date
    from players

)

select * from final
