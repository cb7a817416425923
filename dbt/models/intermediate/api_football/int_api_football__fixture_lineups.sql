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

team_lineups as (

    {{ pitchlake.unnest_json('fixture_details', 'lineups', none, ['fixture_id', 'ingestion_date'], 'team_lineup') }}

),

teams as (

    select
        fixture_id,
        {{ pitchlake.json_fields('team_lineup', [
            ('team.id', 'bigint', 'team_id'),
            ('formation', 'varchar', 'formation'),
            ('coach.id', 'bigint', 'coach_id'),
            ('coach.name', 'varchar', 'coach_name'),
        ]) }},
        team_lineup,
        ingestion_date
    from team_lineups

),

starters as (

    {{ pitchlake.unnest_json('teams', 'team_lineup', 'startXI', ['fixture_id', 'team_id', 'formation', 'coach_id', 'coach_name', 'ingestion_date'], 'lineup_player') }}

),

substitutes as (

    {{ pitchlake.unnest_json('teams', 'team_lineup', 'substitutes', ['fixture_id', 'team_id', 'formation', 'coach_id', 'coach_name', 'ingestion_date'], 'lineup_player') }}

),

sheets as (

    select *, true as is_starter from starters
    union all
    select *, false as is_starter from substitutes

),

renamed as (

    select
        fixture_id,
        team_id,
        is_starter,
        lineup_player_index as sheet_index,
        {{ pitchlake.json_fields('lineup_player', [
            ('player.id', 'bigint', 'player_id'),
            ('player.name', 'varchar', 'player_name'),
            ('player.number', 'integer', 'shirt_number'),
            ('player.pos', 'varchar', 'position'),
            ('player.grid', 'varchar', 'grid_position'),
        ]) }},
        formation,
        coach_id,
        coach_name,
        ingestion_date
    from sheets

)

select * from renamed
