{{
    config(
        enabled=pitchlake.endpoints_enabled(['fixtures', 'fixture_details']),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['league_id', 'season'],
        on_schema_change='append_new_columns',
    )
}}

{%- set league_seasons = pitchlake.changed_league_seasons([ref('int_api_football__fixture_events')]) %}

{#-
  One row per event of a match (goal, card, substitution, VAR), from the fixture details.
  Incremental by league season (macros/incremental_marts.sql).
-#}

with

events as (

    select * from {{ ref('int_api_football__fixture_events') }}
    where {{ pitchlake.league_season_filter(league_seasons) }}

),

final as (

    select
        fixture_id,
        event_index,
        league_id,
        season,
        team_id,
        player_id,
        assist_player_id,
        elapsed_minutes,
        extra_minutes,
        elapsed_minutes + coalesce(extra_minutes, 0) as minute,
        event_type,
        event_detail,
        comments,
        event_type = 'Goal' and coalesce(event_detail, '') <> 'Missed Penalty' as is_goal,
        event_type = 'Goal' and event_detail = 'Own Goal' as is_own_goal,
        event_type = 'Card' as is_card,
        lower(event_type) = 'subst' as is_substitution,
        ingestion_date
    from events

)

select * from final
