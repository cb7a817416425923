{{
    config(
        enabled=pitchlake.endpoints_enabled('fixture_details'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='fixture_id',
        on_schema_change='append_new_columns',
    )
}}

{#- One row per event (goal, card, substitution, VAR decision) of a fixture, in the API's order. -#}

with

fixture_details as (

    select * from {{ ref('stg_api_football__fixture_details') }}
    where {{ pitchlake.lookback_filter() }}

),

events as (

    {{ pitchlake.unnest_json_fields('fixture_details', 'events', none, ['fixture_id', 'league_id', 'season', 'ingestion_date'], 'event', pitchlake.match_event_fields()) }}

),

renamed as (

    select
        fixture_id,
        event_index,
        league_id,
        season,
        elapsed_minutes,
        extra_minutes,
        team_id,
        team_name,
        player_id,
        player_name,
        assist_player_id,
        assist_player_name,
        event_type,
        event_detail,
        comments,
        ingestion_date
    from events

)

select * from renamed
