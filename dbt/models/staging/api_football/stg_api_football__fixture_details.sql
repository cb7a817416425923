{{
    config(
        enabled=pitchlake.endpoints_enabled('fixture_details'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='fixture_id',
        on_schema_change='append_new_columns',
    )
}}

{#-
  One row per fixture whose details (events, lineups, team and player statistics) were fetched,
  from its newest fetch. The nested arrays are kept as JSON for the models that unnest them
  (int_api_football__fixture_events, _lineups, _statistics, _player_statistics); the match itself
  is in stg_api_football__fixtures.
-#}

with

source as (

    select * from {{ source('api_football', 'fixture_details') }}
    where {{ pitchlake.lookback_filter() }}

),

items as (

    {{ pitchlake.unnest_json_fields('source', 'value', 'response', ['ingestion_date', 'filename'], 'item', [
        ('fixture.id', 'bigint', 'fixture_id'),
        ('league.id', 'bigint', 'league_id'),
        ('league.season', 'integer', 'season'),
        ('fixture.status.short', 'varchar', 'status'),
        ('teams.home.id', 'bigint', 'home_team_id'),
        ('teams.away.id', 'bigint', 'away_team_id'),
        ('events', 'json', 'events'),
        ('lineups', 'json', 'lineups'),
        ('statistics', 'json', 'team_statistics'),
        ('players', 'json', 'player_statistics'),
    ]) }}

),

renamed as (

    select
        fixture_id,
        league_id,
        season,
        status,
        home_team_id,
        away_team_id,
        events,
        lineups,
        team_statistics,
        player_statistics,
        ingestion_date,
        filename
    from items

),

newest as (

    select * from renamed
    {{ pitchlake.newest_first(['fixture_id']) }}

)

select * from newest
where {{ pitchlake.keep_newest('newest', ['fixture_id']) }}
