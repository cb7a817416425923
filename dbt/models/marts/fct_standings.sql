{{
    config(
        enabled=pitchlake.endpoints_enabled('standings'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['league_id', 'season'],
        on_schema_change='append_new_columns',
    )
}}

{%- set league_seasons = pitchlake.changed_league_seasons([ref('stg_api_football__standings')]) %}

{#-
  The API's standings: one row per team, league season and table (group), as the API last
  published them. Incremental by league season (macros/incremental_marts.sql).
-#}

with

standings as (

    select * from {{ ref('stg_api_football__standings') }}
    where {{ pitchlake.league_season_filter(league_seasons) }}

),

final as (

    select
        league_id,
        season,
        group_name,
        group_index,
        team_id,
        rank,
        points,
        played,
        won,
        drawn,
        lost,
        goals_for,
        goals_against,
        goal_difference,
        home_played,
        home_won,
        home_drawn,
        home_lost,
        home_goals_for,
        home_goals_against,
        away_played,
        away_won,
        away_drawn,
        away_lost,
        away_goals_for,
        away_goals_against,
        form,
        rank_change,
        description,
        updated_at,
        ingestion_date
    from standings

)

select * from final
