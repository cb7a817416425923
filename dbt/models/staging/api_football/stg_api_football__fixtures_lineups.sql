{{ config(enabled=pitchlake.endpoints_enabled('fixtures_lineups')) }}

{#-
  One row per player on a team's match sheet (the starting eleven and the substitutes) of a
  finished match, from the newest /fixtures/lineups fetch of the match: the columns of
  int_api_football__fixture_lineups (the same sheets, read from fixture_details), so a model can
  switch from one to the other. The response names no match: its id, league and season are the
  partition's.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'fixtures_lineups'), ['season', 'league_id', 'fixture_id']) }}

),

team_lineups as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['fixture_id', 'league_id', 'season', 'ingestion_date', 'filename'], 'team_lineup') }}

),

teams as (

    select
        cast(fixture_id as bigint) as fixture_id,
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        {{ pitchlake.json_fields('team_lineup', [
            ('team.id', 'bigint', 'team_id'),
            ('formation', 'varchar', 'formation'),
            ('coach.id', 'bigint', 'coach_id'),
            ('coach.name', 'varchar', 'coach_name'),
        ]) }},
        team_lineup,
        ingestion_date,
        filename
    from team_lineups

),

starters as (

    {{ pitchlake.unnest_json('teams', 'team_lineup', 'startXI', ['fixture_id', 'league_id', 'season', 'team_id', 'formation', 'coach_id', 'coach_name', 'ingestion_date', 'filename'], 'lineup_player') }}

),

substitutes as (

    {{ pitchlake.unnest_json('teams', 'team_lineup', 'substitutes', ['fixture_id', 'league_id', 'season', 'team_id', 'formation', 'coach_id', 'coach_name', 'ingestion_date', 'filename'], 'lineup_player') }}

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
        {{ pitchlake.json_fields('lineup_player', pitchlake.lineup_player_fields()) }},
        formation,
        coach_id,
        coach_name,
        league_id,
        season,
        ingestion_date,
        filename
    from sheets

)

select * from renamed
{{ pitchlake.newest_first(['fixture_id', 'team_id', 'is_starter', 'sheet_index']) }}
