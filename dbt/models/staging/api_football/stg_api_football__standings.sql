{{
    config(
        enabled=pitchlake.endpoints_enabled('standings'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['league_id', 'season'],
        on_schema_change='append_new_columns',
    )
}}

{#-
  One row per team and table (group) of a league season: the API's standings, from the newest fetch.
  A league has one group (named after the league); a cup one per group, and the API may add derived
  tables such as "Ranking of third-placed teams", so a team can appear in more than one group.
  Incremental: the newest fetch of a league season replaces its rows as a whole, so a daily run
  reads only the league seasons fetched inside the lookback window.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'standings'), ['season', 'league_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

leagues as (

    select
        {{ pitchlake.json_fields('item', [
            ('league.id', 'bigint', 'league_id'),
            ('league.season', 'integer', 'season'),
        ]) }},
        item,
        ingestion_date,
        filename
    from items

),

tables as (

    {{ pitchlake.unnest_json('leagues', 'item', 'league.standings', ['league_id', 'season', 'ingestion_date', 'filename'], 'standings_table') }}

),

rows as (

    {{ pitchlake.unnest_json('tables', 'standings_table', none, ['league_id', 'season', 'standings_table_index', 'ingestion_date', 'filename'], 'standing') }}

),

renamed as (

    select
        league_id,
        season,
        standings_table_index as group_index,
        {{ pitchlake.json_fields('standing', [
            ('group', 'varchar', 'group_name'),
            ('team.id', 'bigint', 'team_id'),
            ('team.name', 'varchar', 'team_name'),
            ('team.logo', 'varchar', 'team_logo_url'),
            ('rank', 'integer', 'rank'),
            ('points', 'integer', 'points'),
            ('goalsDiff', 'integer', 'goal_difference'),
            ('all.played', 'integer', 'played'),
            ('all.win', 'integer', 'won'),
            ('all.draw', 'integer', 'drawn'),
            ('all.lose', 'integer', 'lost'),
            ('all.goals.for', 'integer', 'goals_for'),
            ('all.goals.against', 'integer', 'goals_against'),
            ('home.played', 'integer', 'home_played'),
            ('home.win', 'integer', 'home_won'),
            ('home.draw', 'integer', 'home_drawn'),
            ('home.lose', 'integer', 'home_lost'),
            ('home.goals.for', 'integer', 'home_goals_for'),
            ('home.goals.against', 'integer', 'home_goals_against'),
            ('away.played', 'integer', 'away_played'),
            ('away.win', 'integer', 'away_won'),
            ('away.draw', 'integer', 'away_drawn'),
            ('away.lose', 'integer', 'away_lost'),
            ('away.goals.for', 'integer', 'away_goals_for'),
            ('away.goals.against', 'integer', 'away_goals_against'),
            ('form', 'varchar', 'form'),
            ('status', 'varchar', 'rank_change'),
            ('description', 'varchar', 'description'),
            ('update', 'timestamp_tz', 'updated_at'),
        ]) }},
        ingestion_date,
        filename
    from rows

)

select * from renamed
where {{ pitchlake.keep_newest('renamed', ['league_id', 'season']) }}
