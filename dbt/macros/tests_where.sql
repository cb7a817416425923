{#
  Generic data tests on the league seasons that changed.

  Every generic data test (unique, not_null, relationships, accepted_values, the project's
  tests/generic/...) reads its model through `get_where_subquery(relation)`, which dbt documents as
  the macro to override to template a test's `where`. This one keeps dbt's behaviour (the test's
  own `where` config, or the relation as it is) except when the environment variable
  PITCHLAKE_TESTED_LEAGUE_SEASONS (JSON) or the var `pitchlake_tested_league_seasons` lists league
  seasons (`[[39, 2024], [140, 2024]]`) and the tested model is one of `league_season_models`
  (dbt_project.yml): the test then reads
  `(select * from <model> where [(<its where>) and] (<league_season_filter> or league_id is null or season is null))`,
  the filter the incremental marts inline (`(league_id = 39 and season in (2024)) or ...`), so
  DuckDB and Snowflake prune on the same constants. Rows whose league_id or season is null are
  always read: they belong to no league season, and a not_null test on those columns must still
  see them. Unlike dbt's `dbt_subquery`, the subquery has no alias (DuckDB and Snowflake need
  none): tests that alias their model (`relationships_composite`: `{{ model }} as child`) work.

  `pitchlake transform` and the Dagster dbt assets set PITCHLAKE_TESTED_LEAGUE_SEASONS to the league
  seasons of the lake files added or removed since its last successful build in the tables
  partitioned by league season (`season=.../league_id=...`, the only tables these models read): the
  rows of the other league seasons were tested when they were built and no build since has changed
  them. Unset (a full build, --full-refresh, an explicit --select, dbt run by hand), every test
  reads everything.
  Singular tests (tests/*.sql: the reconciliations with the API) do not go through this macro:
  they always read every finished season.

  What a narrowed test cannot see: a duplicate across league seasons (a `unique` fixture_id
  repeated in an unchanged league season), and a row of an unchanged league season that another,
  unnarrowed relation (a dimension the test joins) no longer matches. A full build sees both.
#}
{% macro get_where_subquery(relation) -%}
  {%- set tested = var('pitchlake_tested_league_seasons', none) -%}
  {#- pitchlake passes the list in PITCHLAKE_TESTED_LEAGUE_SEASONS (JSON), not in --vars (the var
      is for dbt run by hand): dbt parses the whole project again whenever --vars change, and they
      would change with every build. Read only when the tests run (`execute`): an env var read
      while parsing would make dbt parse the files that read it again whenever it changes. -#}
  {%- if tested is none and execute -%}
    {%- set tested = fromjson(env_var('PITCHLAKE_TESTED_LEAGUE_SEASONS', '') or 'null') -%}
  {%- endif -%}
  {%- set name = (relation.identifier or '') | lower -%}
  {%- if tested and name in var('league_season_models', []) -%}
    {%- set league_seasons = [] -%}
    {%- for league_id, season in tested -%}
      {%- do league_seasons.append((league_id | int, season | int)) -%}
    {%- endfor -%}
    {%- set where = config.get('where', '') -%}
    {%- set filtered -%}
      (select * from {{ relation }} where {% if where %}({{ where }}) and {% endif -%}
        ({{ pitchlake.league_season_filter(league_seasons) }} or league_id is null or season is null))
    {%- endset -%}
    {{ return(filtered) }}
  {%- endif -%}
  {{ return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) }}
{%- endmacro %}
