{{
    config(
        enabled=pitchlake.endpoints_enabled('fixtures'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['league_id', 'season'],
        on_schema_change='append_new_columns',
    )
}}

{%- set league_seasons = pitchlake.changed_league_seasons([ref('stg_api_football__fixtures')]) %}

{#-
  One row per match. `counts_in_table` marks the matches a league table is made of: the regular
  season of a league, the group stage of a cup ("Group A - 1"), the league phase of the new
  European formats; qualifying rounds and knock-out rounds never count. Incremental by league
  season (macros/incremental_marts.sql): a run rebuilds every match of the league seasons fetched
  within the lookback window.
-#}

with

fixtures as (

    select * from {{ ref('stg_api_football__fixtures') }}
    where {{ pitchlake.league_season_filter(league_seasons) }}

),

stages as (

    select
        *,
        case
            when round like 'Regular Season%' then 'regular_season'
            when round like 'League Stage%' then 'league_stage'
            when round like 'Group %' then 'group_stage'
            when round like 'Qualifying%' or round like '%Qualifying%' or round like 'Preliminary%' then 'qualifying'
            else 'knockout'
        end as stage,
        status in {{ pitchlake.sql_list(var('finished_statuses')) }} as is_finished
    from fixtures

),

final as (

    select
        fixture_id,
        league_id,
        season,
        round,
        stage,
        case when stage = 'group_stage' then split_part(round, ' - ', 1) end as group_name,
        try_cast(nullif(split_part(round, ' - ', 2), '') as integer) as matchday,
        stage in ('regular_season', 'league_stage', 'group_stage') as counts_in_table,
        kickoff_at,
        cast(kickoff_at as date) as kickoff_date,
        venue_id,
        referee,
        status,
        status_description,
        is_finished,
        home_team_id,
        away_team_id,
        home_goals,
        away_goals,
        halftime_home_goals,
        halftime_away_goals,
        extratime_home_goals,
        extratime_away_goals,
        penalty_home_goals,
        penalty_away_goals,
        case
            when not is_finished then null
            when home_goals > away_goals then 'home'
            when home_goals < away_goals then 'away'
            else 'draw'
        end as result,
        case
            when is_home_team_winner then home_team_id
            when is_away_team_winner then away_team_id
        end as winner_team_id,
        ingestion_date
    from stages

)

select * from final
