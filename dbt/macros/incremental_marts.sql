{#
  Incremental marts, by league season.

  New data arrives by league season: every fetch of /fixtures, /standings, /teams, /players and
  fixture details is a partition `season=.../league_id=...`, and a daily run re-fetches only the
  current seasons. So the marts whose rows all belong to one league season (fct_matches,
  fct_match_events, fct_standings, fct_player_season_stats, league_table) are `incremental`,
  `delete+insert` on `unique_key=['league_id', 'season']`: an incremental run rebuilds the league
  seasons that received data, all of their rows, and leaves the others alone.

  Which league seasons (`changed_league_seasons`): those with a row in any of the mart's upstream
  models fetched on or after the mart's cutoff, the same lookback rule as staging
  (`lookback_cutoff`): `lookback_days` before the newest ingestion_date the mart itself holds (over
  `cutoff_columns`, e.g. fct_player_season_stats' ingestion_date and api_ingestion_date). The
  window is relative to the mart, not to its upstreams, so a mart skipped by a failed build
  catches up on the next one. The list is looked up first (run_query, one small `select distinct`
  per upstream) and inlined as constants (`league_season_filter`: `(league_id = 39 and season in
  (2024, 2025)) or ...`, portable to DuckDB and Snowflake), as `newest_fetches` does for files:
  the compiled SQL says which league seasons a run rebuilt, DuckDB and Snowflake prune on the
  constants, and a run without new data for a mart is `where false`, a delete and insert of nothing.

  Why whole league seasons, and not the upstream rows of the window: a league season's facts are
  computed from all of its rows (the table from every finished match, the season statistics from
  every match sheet, whether the details are complete from every finished match), and a row that
  disappeared from the newest fetch (a team dropped from the standings) must disappear from the
  mart too: the delete removes every row of the league season, the insert writes what upstream
  holds now. Why constants, and not a semi-join on the upstreams in the mart's SQL: the same rows,
  but no pruning on Snowflake, and nothing in target/ that says what was rebuilt.

  `also`: more `select league_id, season ...` queries whose league seasons are rebuilt too, for
  what is not dated: league_table denormalises dim_teams' team_name (a table, rebuilt every run), so
  it also rebuilds the league seasons where a team's name in the mart is no longer dim_teams'.

  Not incremental, and why: the dimensions (dim_leagues, dim_teams, dim_players, dim_venues) are
  keyed by league, team, player or venue, not by league season: a team's row is chosen from every
  league season it played in, so it cannot be rebuilt from one league season's rows, and they are
  small (a row per key). dim_seasons is keyed by league season, but /leagues, re-fetched daily,
  lists every season of a league, so every league season of a fetched league would count as
  changed; one row per league season, a group by over fct_matches.

  Limits: a mart's league_id and season must not be null (a null never matches the filter, nor
  delete+insert's delete). A league season that vanishes from every upstream stays in the mart (no
  new row, so no delete); upstream staging only loses rows on a full refresh, which rebuilds the
  marts too (`pitchlake transform --full-refresh`). A mart built before a cutoff column existed
  (league_table before its ingestion_date) rereads every league season once.

  dbt unit tests: dbt demands an `is_incremental` override in a unit test of a model that calls
  `is_incremental()` itself. The marts call it only through these macros, which treat a node not
  materialized `incremental` (a unit test's is `unit`, and has no `this`) as a full build:
  league_table's unit tests (rendered from a template, without overrides) exercise the full build,
  with no run_query.
#}

{#- Is this an incremental run of an incremental model (never in a unit test, nor while parsing)? -#}
{% macro building_incrementally() -%}
  {{ return(execute and model.config.materialized == 'incremental' and this is not none and is_incremental()) }}
{%- endmacro %}

{#- The cutoff date (ISO string) of an incremental run of the current mart, or none: reread everything. -#}
{% macro mart_cutoff(cutoff_columns=['ingestion_date']) -%}
  {%- if not pitchlake.building_incrementally() -%}{{ return(none) }}{%- endif -%}
  {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
  {%- for column in cutoff_columns -%}
    {%- if column | lower not in existing -%}{{ return(none) }}{%- endif -%}
  {%- endfor -%}
  {%- set maxima = [] -%}
  {%- for column in cutoff_columns -%}{%- do maxima.append('max(' ~ column ~ ')') -%}{%- endfor -%}
  {%- set newest = [] -%}
  {%- for value in run_query('select ' ~ maxima | join(', ') ~ ' from ' ~ this).rows[0] -%}
    {%- if value is not none -%}
      {%- do newest.append(modules.datetime.date.fromisoformat((value | string)[:10])) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if not newest -%}{{ return(none) }}{%- endif -%}
  {{ return(((newest | max) - modules.datetime.timedelta(days=var('lookback_days', 3) | int)).isoformat()) }}
{%- endmacro %}

{#-
  The league seasons an incremental run of the current mart rebuilds, as a sorted list of
  (league_id, season) pairs; none on a full build (and while parsing, and in unit tests).
  `upstreams`: the relations the mart reads, each with league_id, season and ingestion_date.
-#}
{% macro changed_league_seasons(upstreams, cutoff_columns=['ingestion_date'], also=[]) -%}
  {%- if not pitchlake.building_incrementally() -%}{{ return(none) }}{%- endif -%}
  {%- set cutoff = pitchlake.mart_cutoff(cutoff_columns) -%}
  {%- set selects = [] -%}
  {%- for upstream in upstreams -%}
    {%- do selects.append(
        'select league_id, season from ' ~ upstream
        ~ (" where ingestion_date >= cast('" ~ cutoff ~ "' as date)" if cutoff else '')
    ) -%}
  {%- endfor -%}
  {%- do selects.extend(also) -%}
  {%- set changed = run_query(
      'select distinct league_id, season from (' ~ selects | join(' union all ') ~ ') as changed'
      ~ ' where league_id is not null and season is not null order by league_id, season'
  ) -%}
  {%- set league_seasons = [] -%}
  {%- for row in changed.rows -%}{%- do league_seasons.append((row[0] | int, row[1] | int)) -%}{%- endfor -%}
  {{ return(league_seasons) }}
{%- endmacro %}

{#-
  A predicate keeping the rows of `league_seasons` (from changed_league_seasons): `true` on a full
  build, `false` when nothing changed, else one disjunct per league:
  `(league_id = 39 and season in (2023, 2024))`. `alias` qualifies the columns.
-#}
{% macro league_season_filter(league_seasons, alias=none) -%}
  {%- set prefix = alias ~ '.' if alias else '' -%}
  {%- if league_seasons is none -%}
    true
  {%- elif not league_seasons -%}
    false
  {%- else -%}
    {%- set by_league = {} -%}
    {%- for league_id, season in league_seasons -%}
      {%- do by_league.setdefault(league_id, []).append(season | string) -%}
    {%- endfor -%}
    ({% for league_id in by_league | sort %}
        {{- ' or ' if not loop.first }}({{ prefix }}league_id = {{ league_id }} and {{ prefix }}season in ({{ by_league[league_id] | join(', ') }}))
    {%- endfor %})
  {%- endif -%}
{%- endmacro %}

{#-
  dbt-duckdb's delete+insert on a composite unique_key deletes `using` the whole increment
  (`delete from target using increment where target.league_id = increment.league_id and ...`): a
  join of every row of a rebuilt league season with every row of its increment, quadratic in a
  league season's size (a season of match events: 5,000 x 5,000). The same, `using` the increment's
  distinct keys: one match per target row. (dbt-snowflake's is already a semi-join, `(keys) in
  (select distinct keys ...)`.) The root project's macro wins dbt's dispatch for the duckdb adapter.
-#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {%- set dest_cols_csv = get_quoted_csv(dest_columns | map(attribute="name")) -%}
    {%- if unique_key %}
        {%- set keys = [unique_key] if unique_key is string else unique_key %}
        delete from {{ target }} as DBT_INCREMENTAL_TARGET
        using (select distinct {{ keys | join(', ') }} from {{ source }}) as DBT_INCREMENTAL_KEYS
        where (
            {% for key in keys -%}
            DBT_INCREMENTAL_KEYS.{{ key }} = DBT_INCREMENTAL_TARGET.{{ key }}{{ ' and' if not loop.last }}
            {% endfor -%}
            {%- for predicate in incremental_predicates or [] %}
            and {{ predicate }}
            {%- endfor %}
        );
    {%- endif %}

    insert into {{ target }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ source }}
    )
{%- endmacro %}
