{{ config(enabled=pitchlake.endpoints_enabled('predictions')) }}

{#-
  One row per fixture the API made a prediction for, from the newest fetch of its partition. A
  match is fetched daily while it is upcoming and never once it kicked off, so the newest fetch is
  the last prediction made before the match. The response names no fixture: its id is the
  partition's (the request's fixture=).
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'predictions'), ['season', 'league_id', 'fixture_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['fixture_id', 'league_id', 'season', 'ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        cast(fixture_id as bigint) as fixture_id,
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        {{ pitchlake.json_fields('item', [
            ('teams.home.id', 'bigint', 'home_team_id'),
            ('teams.away.id', 'bigint', 'away_team_id'),
            ('predictions.winner.id', 'bigint', 'predicted_winner_team_id'),
            ('predictions.winner.name', 'varchar', 'predicted_winner_team_name'),
            ('predictions.winner.comment', 'varchar', 'winner_comment'),
            ('predictions.win_or_draw', 'boolean', 'is_win_or_draw'),
            ('predictions.under_over', 'varchar', 'under_over'),
            ('predictions.goals.home', 'varchar', 'home_goals_line'),
            ('predictions.goals.away', 'varchar', 'away_goals_line'),
            ('predictions.advice', 'varchar', 'advice'),
            ('predictions.percent.home', 'varchar', 'percent_home_text'),
            ('predictions.percent.draw', 'varchar', 'percent_draw_text'),
            ('predictions.percent.away', 'varchar', 'percent_away_text'),
        ]) }},
        ingestion_date,
        filename
    from items

),

typed as (

    select
        fixture_id,
        league_id,
        season,
        home_team_id,
        away_team_id,
        predicted_winner_team_id,
        predicted_winner_team_name,
        winner_comment,
        is_win_or_draw,
        under_over,
        home_goals_line,
        away_goals_line,
        advice,
        {#- "45%" -> 45.0; null when the API gives none #}
        try_cast(replace(percent_home_text, '%', '') as double) as percent_home,
        try_cast(replace(percent_draw_text, '%', '') as double) as percent_draw,
        try_cast(replace(percent_away_text, '%', '') as double) as percent_away,
        ingestion_date,
        filename
    from renamed

)

select * from typed
{{ pitchlake.newest_first(['fixture_id']) }}
