{#-
  The fields of a match as /fixtures answers it (an item of `response`), as `json_fields` takes
  them: stg_api_football__fixtures and stg_api_football__fixtures_headtohead read the same shape
  into the same columns.
-#}
{% macro fixture_fields() -%}
  {{ return([
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
  ]) }}
{%- endmacro %}
