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
  One row per player of a team's match statistics (the fixture details' `players`): every player of
  the match sheet, an unused substitute included (with null minutes and rating). The API gives each
  player one `statistics` entry per match; only the first is read.
-#}

with

fixture_details as (

    select * from {{ ref('stg_api_football__fixture_details') }}
    where {{ pitchlake.lookback_filter() }}

),

teams as (

    {{ pitchlake.unnest_json_fields('fixture_details', 'player_statistics', none, ['fixture_id', 'league_id', 'season', 'ingestion_date'], 'team_entry', [
        ('team.id', 'bigint', 'team_id'),
        ('players', 'json', 'players'),
    ]) }}

),

players as (

    {{ pitchlake.unnest_json_fields('teams', 'players', none, ['fixture_id', 'league_id', 'season', 'team_id', 'ingestion_date'], 'player_entry', [
        ('player.id', 'bigint', 'player_id'),
        ('player.name', 'varchar', 'player_name'),
        ('statistics', 'json', 'statistics'),
    ]) }}

),

player_statistics as (

    {{ pitchlake.unnest_json_fields('players', 'statistics', none, ['fixture_id', 'league_id', 'season', 'team_id', 'player_entry_index', 'player_id', 'player_name', 'ingestion_date'], 'statistic', pitchlake.player_match_statistics_fields()) }}

),

renamed as (

    select
        fixture_id,
        league_id,
        season,
        team_id,
        player_entry_index as player_index,
        player_id,
        player_name,
        {%- for path, type, name in pitchlake.player_match_statistics_fields() %}
        {{ name }},
        {%- endfor %}
        ingestion_date
    from player_statistics
    where statistic_index = 0

),

typed as (

    select
        fixture_id,
        league_id,
        season,
        team_id,
        player_index,
        player_id,
        player_name,
        shirt_number,
        position,
        is_substitute,
        is_captain,
        minutes_played,
        rating,
        offsides,
        shots,
        shots_on_target,
        goals,
        assists,
        goals_conceded,
        saves,
        passes,
        key_passes,
        {# the number of accurate passes, as a string ("13"); try_cast: never fail a build on a stray "%" #}
        try_cast(passes_accuracy_text as integer) as accurate_passes,
        tackles,
        blocks,
        interceptions,
        duels,
        duels_won,
        dribbles_attempted,
        dribbles_succeeded,
        dribbled_past,
        fouls_drawn,
        fouls_committed,
        yellow_cards,
        red_cards,
        penalties_won,
        penalties_committed,
        penalties_scored,
        penalties_missed,
        penalties_saved,
        ingestion_date
    from renamed

)

select * from typed
