{%- set from_injuries = pitchlake.endpoints_enabled('injuries') -%}
{%- set from_sidelined = pitchlake.endpoints_enabled(['sidelined', 'players']) -%}
{{ config(enabled=pitchlake.endpoints_enabled('fixtures') and (from_injuries or from_sidelined)) }}

{#-
  One row per match, team and player who was absent (or doubtful) for it: the players /injuries
  lists for the fixture, and the players whose /sidelined spell covers the match day. Count the
  rows of a fixture and team (`where is_missing`) for how many players it was missing.

  /injuries names the fixture and the team. /sidelined names neither: a spell counts for the
  matches of the player's teams (his teams of the league season in /players) whose kick-off day
  lies between its start and end (an end still null: ongoing). A player /players lists with both
  teams of a match (a transfer between them in the season) cannot be placed, and is left out.
  A spell's player needs a /players row of the league season, as /sidelined asks only those.
  Either endpoint may be disabled: its rows are then none (no_rows), and the mart is disabled
  only when both are. A table, not incremental.
-#}

with

matches as (

    select fixture_id, league_id, season, kickoff_at, kickoff_date, home_team_id, away_team_id, is_finished
    from {{ ref('fct_matches') }}

),

{% if from_injuries %}
injuries as (

    select
        fixture_id,
        league_id,
        season,
        kickoff_at,
        team_id,
        player_id,
        player_name,
        absence_type,
        reason,
        ingestion_date
    from {{ ref('stg_api_football__injuries') }}

),
{% else %}
injuries as (

    {{ pitchlake.no_rows([('fixture_id', 'bigint'), ('league_id', 'bigint'), ('season', 'integer'),
                          ('kickoff_at', 'timestamp_tz'), ('team_id', 'bigint'), ('player_id', 'bigint'),
                          ('player_name', 'varchar'), ('absence_type', 'varchar'), ('reason', 'varchar'),
                          ('ingestion_date', 'date')]) }}

),
{% endif %}

{% if from_sidelined %}
spells as (

    select player_id, spell_index, sidelined_type, start_date, end_date
    from {{ ref('stg_api_football__sidelined') }}
    where start_date is not null

),

player_teams as (

    select distinct player_id, league_id, season, team_id, player_name
    from {{ ref('stg_api_football__players') }}

),

sidelined as (

    {# the spell covering the match day (the newest, should two overlap) #}
    select
        matches.fixture_id,
        player_teams.team_id,
        player_teams.player_id,
        player_teams.player_name,
        spells.sidelined_type,
        spells.start_date as sidelined_start_date,
        spells.end_date as sidelined_end_date
    from matches
    inner join player_teams
        on player_teams.league_id = matches.league_id
        and player_teams.season = matches.season
        and player_teams.team_id in (matches.home_team_id, matches.away_team_id)
    inner join spells
        on spells.player_id = player_teams.player_id
        and spells.start_date <= matches.kickoff_date
        and (spells.end_date is null or spells.end_date >= matches.kickoff_date)
    qualify min(player_teams.team_id) over (partition by matches.fixture_id, player_teams.player_id)
            = max(player_teams.team_id) over (partition by matches.fixture_id, player_teams.player_id)
        and row_number() over (
            partition by matches.fixture_id, player_teams.player_id
            order by spells.start_date desc, spells.spell_index
        ) = 1

),
{% else %}
sidelined as (

    {{ pitchlake.no_rows([('fixture_id', 'bigint'), ('team_id', 'bigint'), ('player_id', 'bigint'),
                          ('player_name', 'varchar'), ('sidelined_type', 'varchar'),
                          ('sidelined_start_date', 'date'), ('sidelined_end_date', 'date')]) }}

),
{% endif %}

absences as (

    select
        coalesce(injuries.fixture_id, sidelined.fixture_id) as fixture_id,
        injuries.league_id as injuries_league_id,
        injuries.season as injuries_season,
        injuries.kickoff_at as injuries_kickoff_at,
        coalesce(injuries.team_id, sidelined.team_id) as team_id,
        coalesce(injuries.player_id, sidelined.player_id) as player_id,
        coalesce(injuries.player_name, sidelined.player_name) as player_name,
        injuries.fixture_id is not null as is_in_injuries,
        injuries.absence_type,
        injuries.reason,
        injuries.ingestion_date as injuries_ingestion_date,
        sidelined.fixture_id is not null as is_sidelined,
        sidelined.sidelined_type,
        sidelined.sidelined_start_date,
        sidelined.sidelined_end_date
    from injuries
    full outer join sidelined
        on sidelined.fixture_id = injuries.fixture_id
        and sidelined.player_id = injuries.player_id

),

final as (

    select
        absences.fixture_id,
        coalesce(matches.league_id, absences.injuries_league_id) as league_id,
        coalesce(matches.season, absences.injuries_season) as season,
        coalesce(matches.kickoff_at, absences.injuries_kickoff_at) as kickoff_at,
        matches.is_finished,
        absences.team_id,
        case
            when absences.team_id = matches.home_team_id then 'home'
            when absences.team_id = matches.away_team_id then 'away'
        end as side,
        absences.player_id,
        absences.player_name,
        {# a sidelined spell alone: the player was out, as /injuries' "Missing Fixture" #}
        coalesce(absences.absence_type, 'Missing Fixture') = 'Missing Fixture' as is_missing,
        absences.is_in_injuries,
        absences.absence_type,
        absences.reason,
        absences.is_sidelined,
        absences.sidelined_type,
        absences.sidelined_start_date,
        absences.sidelined_end_date,
        absences.injuries_ingestion_date
    from absences
    {# /injuries of a league season whose /fixtures the lake lacks keep their own league, season and kick-off #}
    left join matches
        on matches.fixture_id = absences.fixture_id

)

select * from final
