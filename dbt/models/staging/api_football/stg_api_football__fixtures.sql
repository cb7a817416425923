{{
    config(
        enabled=pitchlake.endpoints_enabled('fixtures'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='fixture_id',
        on_schema_change='append_new_columns',
    )
}}

{#- One row per fixture (match), from the newest fetch of its league season. -#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'fixtures'), ['season', 'league_id']) }}

),

items as (

    {{ pitchlake.unnest_json_fields('source', 'value', 'response', ['ingestion_date', 'filename'], 'item', pitchlake.fixture_fields()) }}

),

renamed as (

    select
        fixture_id,
        league_id,
        season,
        round,
        league_name,
        league_country,
        league_logo_url,
        league_flag_url,
        kickoff_at,
        kickoff_timestamp,
        timezone,
        referee,
        venue_id,
        venue_name,
        venue_city,
        status,
        status_description,
        elapsed_minutes,
        home_team_id,
        home_team_name,
        home_team_logo_url,
        is_home_team_winner,
        away_team_id,
        away_team_name,
        away_team_logo_url,
        is_away_team_winner,
        home_goals,
        away_goals,
        halftime_home_goals,
        halftime_away_goals,
        fulltime_home_goals,
        fulltime_away_goals,
        extratime_home_goals,
        extratime_away_goals,
        penalty_home_goals,
        penalty_away_goals,
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
