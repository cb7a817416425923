{{
    config(
        enabled=pitchlake.endpoints_enabled('fixture_details'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='fixture_id',
        on_schema_change='append_new_columns',
    )
}}

{#- One row per player in a team's match sheet: the starting eleven and the substitutes. -#}

with

fixture_details as (

    select * from {{ ref('stg_api_football__fixture_details') }}
    where {{ pitchlake.lookback_filter() }}

),

teams as (

    {{ pitchlake.unnest_json_fields('fixture_details', 'lineups', none, ['fixture_id', 'league_id', 'season', 'ingestion_date'], 'team_lineup', [
        ('team.id', 'bigint', 'team_id'),
        ('formation', 'varchar', 'formation'),
        ('coach.id', 'bigint', 'coach_id'),
        ('coach.name', 'varchar', 'coach_name'),
        ('startXI', 'json', 'starting_eleven'),
        ('substitutes', 'json', 'substitutes'),
    ]) }}

),

starters as (

    {{ pitchlake.unnest_json_fields('teams', 'starting_eleven', none, ['fixture_id', 'league_id', 'season', 'team_id', 'formation', 'coach_id', 'coach_name', 'ingestion_date'], 'lineup_player', pitchlake.lineup_player_fields()) }}

),

substitutes as (

    {{ pitchlake.unnest_json_fields('teams', 'substitutes', none, ['fixture_id', 'league_id', 'season', 'team_id', 'formation', 'coach_id', 'coach_name', 'ingestion_date'], 'lineup_player', pitchlake.lineup_player_fields()) }}

),

sheets as (

    select *, true as is_starter from starters
    union all
    select *, false as is_starter from substitutes

),

renamed as (

    select
        fixture_id,
        league_id,
        season,
        team_id,
        is_starter,
        lineup_player_index as sheet_index,
        player_id,
        player_name,
        shirt_number,
        position,
        grid_position,
        formation,
        coach_id,
        coach_name,
        ingestion_date
    from sheets

)

select * from renamed
