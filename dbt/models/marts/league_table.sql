{{
    config(
        enabled=pitchlake.endpoints_enabled('fixtures'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['league_id', 'season'],
        on_schema_change='append_new_columns',
    )
}}

{%- set with_standings = pitchlake.endpoints_enabled('standings') %}
{%- set upstreams = [ref('fct_matches')] + ([ref('fct_standings')] if with_standings else []) %}
{#- a league season whose team_name is no longer dim_teams' (a rename fetched in another league season) is rebuilt too -#}
{%- set renamed_teams -%}
    select existing.league_id, existing.season
    from {{ this }} as existing
    left join {{ ref('dim_teams') }} as teams on teams.team_id = existing.team_id
    where existing.team_name is distinct from teams.team_name
{%- endset %}
{%- set league_seasons = pitchlake.changed_league_seasons(upstreams, also=[renamed_teams]) %}

{#-
  The league table computed from finished matches (3 points a win, 1 a draw), per league season
  and, for cups, per group, beside the API's standings of the same team and group.

  Only matches that count in a table are used (`fct_matches.counts_in_table`: regular season,
  league phase, group stage); qualifying and knock-out rounds never are. The API is the truth for
  points: `points_adjustment = api_points - points` is the deduction (or bonus) the API applied,
  while played, won, drawn, lost and goals must agree with it exactly once the table is complete
  (see tests/assert_league_table_matches_api_standings.sql). Every count, sum and rank is an
  integer on both adapters (DuckDB's count and sum would give bigint and hugeint). The team's
  name is dim_teams' (from /teams, else the standings, else the matches).

  Incremental by league season (macros/incremental_marts.sql): a run rebuilds the tables of the
  league seasons whose matches or standings were fetched within the lookback window, and of those
  where a team's name changed in dim_teams.
-#}

with

matches as (

    select * from {{ ref('fct_matches') }}
    where counts_in_table and is_finished
        and {{ pitchlake.league_season_filter(league_seasons) }}

),

team_matches as (

    select league_id, season, group_name, home_team_id as team_id, home_goals as goals_for, away_goals as goals_against
    from matches
    union all
    select league_id, season, group_name, away_team_id as team_id, away_goals as goals_for, home_goals as goals_against
    from matches

),

computed as (

    select
        league_id,
        season,
        team_id,
        max(group_name) as group_name,
        cast(count(*) as integer) as played,
        cast(sum(case when goals_for > goals_against then 1 else 0 end) as integer) as won,
        cast(sum(case when goals_for = goals_against then 1 else 0 end) as integer) as drawn,
        cast(sum(case when goals_for < goals_against then 1 else 0 end) as integer) as lost,
        cast(sum(goals_for) as integer) as goals_for,
        cast(sum(goals_against) as integer) as goals_against
    from team_matches
    group by league_id, season, team_id

),

with_points as (

    select
        *,
        cast(goals_for - goals_against as integer) as goal_difference,
        cast(3 * won + drawn as integer) as points
    from computed

),

ranked as (

    select
        *,
        cast(rank() over (
            partition by league_id, season, group_name
            order by points desc, goal_difference desc, goals_for desc
        ) as integer) as rank
    from with_points

),

fetched as (

    {#- the newest fetch the league season's table comes from: its fixtures, or its standings -#}
    select league_id, season, max(ingestion_date) as ingestion_date
    from (
        select league_id, season, ingestion_date from {{ ref('fct_matches') }}
        where {{ pitchlake.league_season_filter(league_seasons) }}
        {% if with_standings %}
        union all
        select league_id, season, ingestion_date from {{ ref('fct_standings') }}
        where {{ pitchlake.league_season_filter(league_seasons) }}
        {% endif %}
    ) as fetches
    group by league_id, season

),

{% if with_standings %}
api_standings as (

    {#- the API row of the team's own table: its group in a cup; in a league its only row -#}
    select
        ranked.league_id,
        ranked.season,
        ranked.team_id,
        standings.group_name,
        {% for column in ['rank', 'points', 'played', 'won', 'drawn', 'lost', 'goals_for', 'goals_against'] %}
        cast(standings.{{ column }} as integer) as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from ranked
    inner join {{ ref('fct_standings') }} as standings
        on standings.league_id = ranked.league_id
        and standings.season = ranked.season
        and standings.team_id = ranked.team_id
        and {{ pitchlake.league_season_filter(league_seasons, 'standings') }}
    qualify row_number() over (
        partition by ranked.league_id, ranked.season, ranked.team_id
        order by case when standings.group_name = ranked.group_name then 0 else 1 end, standings.group_index
    ) = 1

),
{% else %}
api_standings as (

    select
        league_id, season, team_id,
        cast(null as varchar) as group_name,
        {% for column in ['rank', 'points', 'played', 'won', 'drawn', 'lost', 'goals_for', 'goals_against'] %}
        cast(null as integer) as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from ranked
    where false

),
{% endif %}

teams as (

    select team_id, team_name from {{ ref('dim_teams') }}

),

final as (

    select
        ranked.league_id,
        ranked.season,
        coalesce(ranked.group_name, api_standings.group_name) as group_name,
        ranked.team_id,
        teams.team_name,
        ranked.rank,
        ranked.played,
        ranked.won,
        ranked.drawn,
        ranked.lost,
        ranked.goals_for,
        ranked.goals_against,
        ranked.goal_difference,
        ranked.points,
        api_standings.rank as api_rank,
        api_standings.points as api_points,
        cast(api_standings.points - ranked.points as integer) as points_adjustment,
        api_standings.played as api_played,
        api_standings.won as api_won,
        api_standings.drawn as api_drawn,
        api_standings.lost as api_lost,
        api_standings.goals_for as api_goals_for,
        api_standings.goals_against as api_goals_against,
        api_standings.team_id is not null as has_api_standings,
        fetched.ingestion_date
    from ranked
    left join api_standings
        on api_standings.league_id = ranked.league_id
        and api_standings.season = ranked.season
        and api_standings.team_id = ranked.team_id
    left join teams
        on teams.team_id = ranked.team_id
    left join fetched
        on fetched.league_id = ranked.league_id
        and fetched.season = ranked.season

)

select * from final
