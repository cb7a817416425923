{{ config(enabled=pitchlake.endpoints_enabled('leagues')) }}

{#- One row per league season the API knows, with its dates and coverage flags (from /leagues). -#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'leagues'), ['league_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

leagues as (

    select
        {{ pitchlake.json_fields('item', [
            ('league.id', 'bigint', 'league_id'),
        ]) }},
        item,
        ingestion_date,
        filename
    from items

),

seasons as (

    {{ pitchlake.unnest_json('leagues', 'item', 'seasons', ['league_id', 'ingestion_date', 'filename'], 'league_season') }}

),

renamed as (

    select
        league_id,
        {{ pitchlake.json_fields('league_season', [
            ('year', 'integer', 'season'),
            ('start', 'date', 'season_start_date'),
            ('end', 'date', 'season_end_date'),
            ('current', 'boolean', 'is_current'),
            ('coverage.fixtures.events', 'boolean', 'has_events'),
            ('coverage.fixtures.lineups', 'boolean', 'has_lineups'),
            ('coverage.fixtures.statistics_fixtures', 'boolean', 'has_fixture_statistics'),
            ('coverage.fixtures.statistics_players', 'boolean', 'has_player_statistics'),
            ('coverage.standings', 'boolean', 'has_standings'),
            ('coverage.players', 'boolean', 'has_players'),
            ('coverage.injuries', 'boolean', 'has_injuries'),
            ('coverage.predictions', 'boolean', 'has_predictions'),
            ('coverage.odds', 'boolean', 'has_odds'),
        ]) }},
        ingestion_date,
        filename
    from seasons

)

select * from renamed
{{ pitchlake.newest_first(['league_id', 'season']) }}
