{{
    config(
        enabled=pitchlake.endpoints_enabled('fixture_details'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='fixture_id',
        on_schema_change='append_new_columns',
    )
}}

{#- One row per team statistic of a fixture (shots, possession, ...); percentages also as numbers. -#}

with

fixture_details as (

    select * from {{ ref('stg_api_football__fixture_details') }}
    where {{ pitchlake.lookback_filter() }}

),

teams as (

    {{ pitchlake.unnest_json_fields('fixture_details', 'team_statistics', none, ['fixture_id', 'league_id', 'season', 'ingestion_date'], 'team_statistics', [
        ('team.id', 'bigint', 'team_id'),
        ('statistics', 'json', 'statistics'),
    ]) }}

),

statistics as (

    {{ pitchlake.unnest_json_fields('teams', 'statistics', none, ['fixture_id', 'league_id', 'season', 'team_id', 'ingestion_date'], 'statistic', [
        ('type', 'varchar', 'statistic_type'),
        ('value', 'varchar', 'statistic_value'),
    ]) }}

),

renamed as (

    select
        fixture_id,
        league_id,
        season,
        team_id,
        statistic_type,
        statistic_value,
        ingestion_date
    from statistics

),

typed as (

    select
        fixture_id,
        league_id,
        season,
        team_id,
        statistic_type,
        statistic_value,
        try_cast(replace(statistic_value, '%', '') as double) as statistic_number,
        ingestion_date
    from renamed

)

select * from typed
