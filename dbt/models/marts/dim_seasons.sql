{{ config(enabled=pitchlake.endpoints_enabled('fixtures')) }}

{#-
  One row per league season: the API's dates and coverage flags (from /leagues) and what the
  matches say: how many there are, how many are finished, whether the table is complete (every
  match that counts in it is over) and whether the API's standings were fetched.
-#}

with

matches as (

    select * from {{ ref('fct_matches') }}

),

match_seasons as (

    select
        league_id,
        season,
        count(*) as matches,
        sum(case when is_finished then 1 else 0 end) as finished_matches,
        sum(case when counts_in_table then 1 else 0 end) as table_matches,
        sum(case when counts_in_table and status not in {{ pitchlake.sql_list(var('finished_statuses') + var('void_statuses')) }} then 1 else 0 end) as pending_table_matches,
        sum(case when status not in {{ pitchlake.sql_list(var('finished_statuses') + var('void_statuses')) }} then 1 else 0 end) as pending_matches,
        min(kickoff_at) as first_kickoff_at,
        max(kickoff_at) as last_kickoff_at
    from matches
    group by league_id, season

),

{% if pitchlake.endpoints_enabled('standings') %}
standing_seasons as (

    select league_id, season, count(distinct team_id) as api_standings_teams
    from {{ ref('stg_api_football__standings') }}
    group by league_id, season

),
{% endif %}

season_ids as (

    select league_id, season from match_seasons
    {% if pitchlake.endpoints_enabled('leagues') %}
    union
    select league_id, season from {{ ref('stg_api_football__league_seasons') }}
    {% endif %}
    {% if pitchlake.endpoints_enabled('standings') %}
    union
    select league_id, season from standing_seasons
    {% endif %}
    {% if pitchlake.endpoints_enabled('teams') %}
    union
    select league_id, season from {{ ref('stg_api_football__teams') }}
    {% endif %}
    {% if pitchlake.endpoints_enabled('players') %}
    union
    select league_id, season from {{ ref('stg_api_football__players') }}
    {% endif %}

),

final as (

    select
        season_ids.league_id,
        season_ids.season,
        {% if pitchlake.endpoints_enabled('leagues') %}
        league_seasons.season_start_date,
        league_seasons.season_end_date,
        coalesce(league_seasons.is_current, false) as is_current,
        league_seasons.has_events,
        league_seasons.has_lineups,
        league_seasons.has_fixture_statistics,
        league_seasons.has_player_statistics,
        league_seasons.has_standings,
        league_seasons.has_players,
        league_seasons.has_injuries,
        {% endif %}
        coalesce(match_seasons.matches, 0) as matches,
        coalesce(match_seasons.finished_matches, 0) as finished_matches,
        coalesce(match_seasons.table_matches, 0) as table_matches,
        match_seasons.first_kickoff_at,
        match_seasons.last_kickoff_at,
        coalesce(match_seasons.matches, 0) > 0 and match_seasons.pending_matches = 0 as is_finished,
        coalesce(match_seasons.table_matches, 0) > 0 and match_seasons.pending_table_matches = 0 as is_table_complete,
        {% if pitchlake.endpoints_enabled('standings') %}
        standing_seasons.league_id is not null as has_api_standings
        {% else %}
        false as has_api_standings
        {% endif %}
    from season_ids
    left join match_seasons
        on match_seasons.league_id = season_ids.league_id and match_seasons.season = season_ids.season
    {% if pitchlake.endpoints_enabled('leagues') %}
    left join {{ ref('stg_api_football__league_seasons') }} as league_seasons
        on league_seasons.league_id = season_ids.league_id and league_seasons.season = season_ids.season
    {% endif %}
    {% if pitchlake.endpoints_enabled('standings') %}
    left join standing_seasons
        on standing_seasons.league_id = season_ids.league_id and standing_seasons.season = season_ids.season
    {% endif %}

)

select * from final
