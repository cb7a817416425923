{{ config(enabled=pitchlake.endpoints_enabled('fixtures_statistics')) }}

{#-
  One row per team statistic (shots, possession, ...) of a finished match, from the newest
  /fixtures/statistics fetch of the match: the columns of int_api_football__fixture_statistics (the
  same statistics, read from fixture_details), so a model can switch from one to the other;
  percentages also as numbers. The response names no match: its id, league and season are the
  partition's.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'fixtures_statistics'), ['season', 'league_id', 'fixture_id']) }}

),

teams as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['fixture_id', 'league_id', 'season', 'ingestion_date', 'filename'], 'team_statistics') }}

),

team_ids as (

    select
        cast(fixture_id as bigint) as fixture_id,
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        {{ pitchlake.json_fields('team_statistics', [
            ('team.id', 'bigint', 'team_id'),
        ]) }},
        team_statistics,
        ingestion_date,
        filename
    from teams

),

statistics as (

    {{ pitchlake.unnest_json('team_ids', 'team_statistics', 'statistics', ['fixture_id', 'league_id', 'season', 'team_id', 'ingestion_date', 'filename'], 'statistic') }}

),

renamed as (

    select
        fixture_id,
        league_id,
        season,
        team_id,
        {{ pitchlake.json_fields('statistic', [
            ('type', 'varchar', 'statistic_type'),
            ('value', 'varchar', 'statistic_value'),
        ]) }},
        ingestion_date,
        filename
    from statistics

),

typed as (

    select
        fixture_id,
        team_id,
        statistic_type,
        statistic_value,
        try_cast(replace(statistic_value, '%', '') as double) as statistic_number,
        league_id,
        season,
        ingestion_date,
        filename
    from renamed

)

select * from typed
{{ pitchlake.newest_first(['fixture_id', 'team_id', 'statistic_type']) }}
