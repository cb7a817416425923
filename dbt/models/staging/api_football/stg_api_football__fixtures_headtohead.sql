{{ config(enabled=pitchlake.endpoints_enabled('fixtures_headtohead')) }}

{#-
  One row per match between the two teams of a pair (past and upcoming), from the newest
  /fixtures/headtohead fetch that lists it: the columns of stg_api_football__fixtures, and the pair
  the match was listed for. A pair is fetched while the two have a match coming up, so a match is
  in the newest fetch of its pair (team_id, the smaller id, and opponent_id); should two pairs'
  fetches list it, the newest fetch wins.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'fixtures_headtohead'), ['team_id', 'opponent_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['team_id', 'opponent_id', 'ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        cast(team_id as bigint) as team_id,
        cast(opponent_id as bigint) as opponent_id,
        {{ pitchlake.json_fields('item', [
            ('fixture.id', 'bigint', 'fixture_id'),
            ('league.id', 'bigint', 'league_id'),
            ('league.season', 'integer', 'season'),
            ('league.round', 'varchar', 'round'),
            ('league.name', 'varchar', 'league_name'),
            ('league.country', 'varchar', 'league_country'),
            ('league.logo', 'varchar', 'league_logo_url'),
            ('league.flag', 'varchar', 'league_flag_url'),
            ('fixture.date', 'timestamp_tz', 'kickoff_at'),
            ('fixture.timestamp', 'bigint', 'kickoff_timestamp'),
            ('fixture.timezone', 'varchar', 'timezone'),
            ('fixture.referee', 'varchar', 'referee'),
            ('fixture.venue.id', 'bigint', 'venue_id'),
            ('fixture.venue.name', 'varchar', 'venue_name'),
            ('fixture.venue.city', 'varchar', 'venue_city'),
            ('fixture.status.short', 'varchar', 'status'),
            ('fixture.status.long', 'varchar', 'status_description'),
            ('fixture.status.elapsed', 'integer', 'elapsed_minutes'),
            ('teams.home.id', 'bigint', 'home_team_id'),
            ('teams.home.name', 'varchar', 'home_team_name'),
            ('teams.home.logo', 'varchar', 'home_team_logo_url'),
            ('teams.home.winner', 'boolean', 'is_home_team_winner'),
            ('teams.away.id', 'bigint', 'away_team_id'),
            ('teams.away.name', 'varchar', 'away_team_name'),
            ('teams.away.logo', 'varchar', 'away_team_logo_url'),
            ('teams.away.winner', 'boolean', 'is_away_team_winner'),
            ('goals.home', 'integer', 'home_goals'),
            ('goals.away', 'integer', 'away_goals'),
            ('score.halftime.home', 'integer', 'halftime_home_goals'),
            ('score.halftime.away', 'integer', 'halftime_away_goals'),
            ('score.fulltime.home', 'integer', 'fulltime_home_goals'),
            ('score.fulltime.away', 'integer', 'fulltime_away_goals'),
            ('score.extratime.home', 'integer', 'extratime_home_goals'),
            ('score.extratime.away', 'integer', 'extratime_away_goals'),
            ('score.penalty.home', 'integer', 'penalty_home_goals'),
            ('score.penalty.away', 'integer', 'penalty_away_goals'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['fixture_id']) }}
