{%- set from_match_details = pitchlake.endpoints_enabled(['fixtures', 'fixture_details']) -%}
{%- set from_api = pitchlake.endpoints_enabled('players') -%}
{{
    config(
        enabled=from_match_details or from_api,
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['league_id', 'season'],
        on_schema_change='append_new_columns',
    )
}}

{%- set upstreams = [] %}
{%- if from_match_details %}
{%- do upstreams.extend([ref('int_api_football__fixture_player_statistics'), ref('stg_api_football__fixture_details'), ref('fct_matches')]) %}
{%- endif %}
{%- if from_api %}{% do upstreams.append(ref('stg_api_football__players')) %}{% endif %}
{%- set league_seasons = pitchlake.changed_league_seasons(upstreams, cutoff_columns=['ingestion_date', 'api_ingestion_date']) %}

{#-
  One row per player, league season and team: what he did for that team in that competition.

  The statistics are summed from the players' match statistics (fixture details, fetched after
  every match) in a league season whose details are complete: every finished match fetched, player
  statistics present. Elsewhere they are the API's own season totals (/players), and where /players
  has no row either, the sums of the matches there are. stats_source says which, row by row; the
  api_* columns keep the API's totals beside the sums (tests/assert_player_season_stats_match_api_players.sql
  compares them). /players stays the source of what match statistics lack: pass_accuracy,
  second_yellow_cards, the position's full name and the profiles (dim_players).

  Incremental by league season (macros/incremental_marts.sql): a run rebuilds every row of the
  league seasons with match statistics, match details, matches or /players fetched within the
  lookback window (of the newest ingestion_date or api_ingestion_date the mart holds).
-#}

{#- the statistics both sources give, in the mart's column order; `counted` ones are 0 when absent -#}
{%- set statistics = [
    ('appearances', 'integer'), ('starts', 'integer'), ('minutes_played', 'integer'), ('rating', 'double'),
    ('goals', 'integer'), ('assists', 'integer'), ('goals_conceded', 'integer'), ('saves', 'integer'),
    ('shots', 'integer'), ('shots_on_target', 'integer'), ('passes', 'integer'), ('key_passes', 'integer'),
    ('tackles', 'integer'), ('blocks', 'integer'), ('interceptions', 'integer'), ('duels', 'integer'),
    ('duels_won', 'integer'), ('dribbles_attempted', 'integer'), ('dribbles_succeeded', 'integer'),
    ('fouls_drawn', 'integer'), ('fouls_committed', 'integer'), ('yellow_cards', 'integer'), ('red_cards', 'integer'),
    ('penalties_scored', 'integer'), ('penalties_missed', 'integer'), ('penalties_saved', 'integer'),
] -%}
{%- set counted = ['appearances', 'starts', 'minutes_played', 'goals', 'assists', 'yellow_cards', 'red_cards'] -%}
{%- set keys = ['player_id', 'league_id', 'season', 'team_id'] -%}
{#- a player's totals of a league season and team, as both sources give them -#}
{%- set totals = [('player_id', 'bigint'), ('league_id', 'bigint'), ('season', 'integer'), ('team_id', 'bigint'),
                  ('is_captain', 'boolean')] + statistics + [('position', 'varchar'), ('shirt_number', 'integer')] -%}

with

{% if from_match_details %}
match_statistics as (

    select * from {{ ref('int_api_football__fixture_player_statistics') }}
    where player_id is not null
        and {{ pitchlake.league_season_filter(league_seasons) }}

),

newest_matches as (

    {# the shirt number and position of his most recently fetched match #}
    select
        player_id,
        league_id,
        season,
        team_id,
        shirt_number,
        case position
            when 'G' then 'Goalkeeper'
            when 'D' then 'Defender'
            when 'M' then 'Midfielder'
            when 'F' then 'Attacker'
        end as position
    from match_statistics
    qualify row_number() over (
        partition by player_id, league_id, season, team_id
        order by ingestion_date desc, fixture_id desc
    ) = 1

),

match_sums as (

    {# a match counts as an appearance when he has minutes: an unused substitute has none #}
    select
        player_id,
        league_id,
        season,
        team_id,
        max(case when is_captain then 1 else 0 end) = 1 as is_captain,
        cast(sum(case when minutes_played > 0 then 1 else 0 end) as integer) as appearances,
        cast(sum(case when minutes_played > 0 and not coalesce(is_substitute, false) then 1 else 0 end) as integer) as starts,
        cast(sum(minutes_played) as integer) as minutes_played,
        avg(case when minutes_played > 0 then rating end) as rating,
        cast(sum(goals) as integer) as goals,
        cast(sum(assists) as integer) as assists,
        cast(sum(goals_conceded) as integer) as goals_conceded,
        cast(sum(saves) as integer) as saves,
        cast(sum(shots) as integer) as shots,
        cast(sum(shots_on_target) as integer) as shots_on_target,
        cast(sum(passes) as integer) as passes,
        cast(sum(key_passes) as integer) as key_passes,
        cast(sum(tackles) as integer) as tackles,
        cast(sum(blocks) as integer) as blocks,
        cast(sum(interceptions) as integer) as interceptions,
        cast(sum(duels) as integer) as duels,
        cast(sum(duels_won) as integer) as duels_won,
        cast(sum(dribbles_attempted) as integer) as dribbles_attempted,
        cast(sum(dribbles_succeeded) as integer) as dribbles_succeeded,
        cast(sum(fouls_drawn) as integer) as fouls_drawn,
        cast(sum(fouls_committed) as integer) as fouls_committed,
        cast(sum(yellow_cards) as integer) as yellow_cards,
        cast(sum(red_cards) as integer) as red_cards,
        cast(sum(penalties_scored) as integer) as penalties_scored,
        cast(sum(penalties_missed) as integer) as penalties_missed,
        cast(sum(penalties_saved) as integer) as penalties_saved
    from match_statistics
    group by player_id, league_id, season, team_id

),

match_totals as (

    select
        match_sums.*,
        newest_matches.position,
        newest_matches.shirt_number
    from match_sums
    inner join newest_matches
        on newest_matches.player_id = match_sums.player_id
        and newest_matches.league_id = match_sums.league_id
        and newest_matches.season = match_sums.season
        and newest_matches.team_id = match_sums.team_id

),

fetched_details as (

    {# a row staged before player_statistics was kept has none: not fetched, until a full refresh #}
    select fixture_id, league_id, season, ingestion_date
    from {{ ref('stg_api_football__fixture_details') }}
    where player_statistics is not null
        and {{ pitchlake.league_season_filter(league_seasons) }}

),

finished_matches as (

    select fixture_id, league_id, season
    from {{ ref('fct_matches') }}
    where is_finished
        and {{ pitchlake.league_season_filter(league_seasons) }}

),

unfetched_by_season as (

    select finished_matches.league_id, finished_matches.season, count(*) as unfetched_matches
    from finished_matches
    left join fetched_details
        on fetched_details.fixture_id = finished_matches.fixture_id
    where fetched_details.fixture_id is null
    group by finished_matches.league_id, finished_matches.season

),

seasons_with_player_statistics as (

    select distinct league_id, season
    from match_statistics

),

match_seasons as (

    {# complete: every finished match's details fetched, and they carry player statistics #}
    select
        fetched_details.league_id,
        fetched_details.season,
        max(fetched_details.ingestion_date) as details_fetched_on,
        max(case
            when unfetched_by_season.league_id is null and seasons_with_player_statistics.league_id is not null then 1
            else 0
        end) = 1 as has_complete_match_details
    from fetched_details
    left join unfetched_by_season
        on unfetched_by_season.league_id = fetched_details.league_id
        and unfetched_by_season.season = fetched_details.season
    left join seasons_with_player_statistics
        on seasons_with_player_statistics.league_id = fetched_details.league_id
        and seasons_with_player_statistics.season = fetched_details.season
    group by fetched_details.league_id, fetched_details.season

),
{% else %}
match_totals as (

    {{ pitchlake.no_rows(totals) }}

),

match_seasons as (

    {{ pitchlake.no_rows([('league_id', 'bigint'), ('season', 'integer'), ('details_fetched_on', 'date'),
                          ('has_complete_match_details', 'boolean')]) }}

),
{% endif %}

{% if from_api %}
api_totals as (

    select
        player_id,
        league_id,
        season,
        team_id,
        is_captain,
        {%- for column, type in statistics %}
        {{ column }},
        {%- endfor %}
        position,
        shirt_number,
        pass_accuracy,
        second_yellow_cards,
        ingestion_date
    from {{ ref('stg_api_football__players') }}
    where {{ pitchlake.league_season_filter(league_seasons) }}

),
{% else %}
api_totals as (

    {{ pitchlake.no_rows(totals + [('pass_accuracy', 'integer'), ('second_yellow_cards', 'integer'),
                                   ('ingestion_date', 'date')]) }}

),
{% endif %}

player_teams as (

    {# every player, league season and team of either source #}
    select
        {%- for key in keys %}
        coalesce(match_totals.{{ key }}, api_totals.{{ key }}) as {{ key }},
        {%- endfor %}
        api_totals.player_id is not null as has_api_stats
    from match_totals
    full outer join api_totals
        on api_totals.player_id = match_totals.player_id
        and api_totals.league_id = match_totals.league_id
        and api_totals.season = match_totals.season
        and api_totals.team_id = match_totals.team_id

),

sourced as (

    {# the matches' sums where the season's details are complete, or where /players has no row #}
    select
        player_teams.*,
        coalesce(match_seasons.has_complete_match_details, false) as has_complete_match_details,
        match_seasons.details_fetched_on,
        case
            when match_seasons.has_complete_match_details or not player_teams.has_api_stats then 'fixture_details'
            else 'players'
        end as stats_source
    from player_teams
    left join match_seasons
        on match_seasons.league_id = player_teams.league_id
        and match_seasons.season = player_teams.season

),

final as (

    select
        sourced.player_id,
        sourced.league_id,
        sourced.season,
        sourced.team_id,
        coalesce(api_totals.position, match_totals.position) as position,
        coalesce(api_totals.shirt_number, match_totals.shirt_number) as shirt_number,
        case
            when sourced.stats_source = 'fixture_details' then coalesce(match_totals.is_captain, false)
            else api_totals.is_captain
        end as is_captain,
        {%- for column, type in statistics %}
        {%- set chosen = "case when sourced.stats_source = 'fixture_details' then match_totals." ~ column ~ " else api_totals." ~ column ~ " end" %}
        {{ 'coalesce(' ~ chosen ~ ', 0)' if column in counted else chosen }} as {{ column }},
        {%- endfor %}
        api_totals.pass_accuracy,
        case when sourced.has_api_stats then coalesce(api_totals.second_yellow_cards, 0) end as second_yellow_cards,
        case
            when sourced.stats_source = 'fixture_details' then sourced.details_fetched_on
            else api_totals.ingestion_date
        end as ingestion_date,
        sourced.stats_source,
        sourced.has_complete_match_details,
        sourced.has_api_stats,
        api_totals.appearances as api_appearances,
        api_totals.minutes_played as api_minutes_played,
        api_totals.goals as api_goals,
        api_totals.assists as api_assists,
        api_totals.yellow_cards as api_yellow_cards,
        api_totals.red_cards as api_red_cards,
        api_totals.rating as api_rating,
        api_totals.ingestion_date as api_ingestion_date
    from sourced
    left join match_totals
        on match_totals.player_id = sourced.player_id
        and match_totals.league_id = sourced.league_id
        and match_totals.season = sourced.season
        and match_totals.team_id = sourced.team_id
    left join api_totals
        on api_totals.player_id = sourced.player_id
        and api_totals.league_id = sourced.league_id
        and api_totals.season = sourced.season
        and api_totals.team_id = sourced.team_id

)

select * from final
