{#
  Incremental loads with a lookback window on ingestion_date.

  On an incremental run a model reads only the partitions fetched from `lookback_days` days before
  the newest ingestion_date it already holds: the cutoff is computed before the query runs and
  inlined as a constant, so DuckDB prunes whole lake files on the ingestion_date=... partition and
  Snowflake prunes external-table partitions. Rows of a key that the target already holds from a
  newer ingestion_date are dropped (`keep_newest`), so a late, older partition never overwrites a
  newer one.
#}

{% macro lookback_cutoff(column='ingestion_date') -%}
  {%- if not execute or not is_incremental() -%}{{ return(none) }}{%- endif -%}
  {%- set newest = run_query('select max(' ~ column ~ ') from ' ~ this).columns[0].values()[0] -%}
  {%- if newest is none -%}{{ return(none) }}{%- endif -%}
  {%- set newest = modules.datetime.date.fromisoformat((newest | string)[:10]) -%}
  {{ return((newest - modules.datetime.timedelta(days=var('lookback_days', 3) | int)).isoformat()) }}
{%- endmacro %}

{#-
  The fetches a model may read: none dated after today (UTC), which pitchlake never writes but an
  older version did when PITCHLAKE_TODAY was set in the future (the planner ignores such folders
  too); and on an incremental run, only `<column> >= <cutoff>`. Both dates are inlined constants.
-#}
{% macro lookback_filter(column='ingestion_date') -%}
  {%- set cutoff = pitchlake.lookback_cutoff(column) -%}
  {%- set today = modules.datetime.datetime.now(modules.pytz.utc).date().isoformat() -%}
  {{ column }} <= cast('{{ today }}' as date)
  {%- if cutoff %} and {{ column }} >= cast('{{ cutoff }}' as date){% endif -%}
{%- endmacro %}

{#- On incremental runs: drop rows of `relation_alias` whose key the target holds from a newer ingestion_date. -#}
{% macro keep_newest(relation_alias, keys, column='ingestion_date') -%}
  {%- if is_incremental() -%}
    not exists (
      select 1 from {{ this }} as existing
      where {% for key in keys %}existing.{{ key }} = {{ relation_alias }}.{{ key }} and {% endfor -%}
      existing.{{ column }} > {{ relation_alias }}.{{ column }}
    )
  {%- else -%}
    true
  {%- endif -%}
{%- endmacro %}

{#- The newest row of each key: `qualify` on ingestion_date, then the file name for a stable tie-break. -#}
{% macro newest_first(keys, column='ingestion_date') -%}
  qualify row_number() over (
    partition by {{ keys | join(', ') }}
    order by {{ column }} desc, filename desc
  ) = 1
{%- endmacro %}

{#- Is every endpoint in `names` enabled in config/endpoints.json (by source table name)? -#}
{% macro endpoints_enabled(names) -%}
  {%- set enabled = pitchlake.enabled_endpoints() -%}
  {%- for name in ([names] if names is string else names) -%}
    {%- if name not in enabled -%}{{ return(false) }}{%- endif -%}
  {%- endfor -%}
  {{ return(true) }}
{%- endmacro %}

{#- ('a', 'b') from a list of strings, for `in` filters on vars. -#}
{% macro sql_list(values) -%}
  ({% for value in values %}{{ pitchlake.sql_string(value) }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#-
  The rows of `relation` (a lake source) that matter: for endpoints whose every fetch is a whole
  snapshot of its partition (a league season's fixtures, standings, players...), only the newest
  fetch of each partition (`partition_keys`), within the lookback window on incremental runs.
  The newest files are looked up first (in `fetch_list`: the file names and partition columns,
  without parsing the files) and inlined as constants, so DuckDB reads only those files, and Snowflake only the partitions of the
  window: re-fetched, superseded snapshots are never parsed. Past `max_inlined_files` files the
  choice is made in SQL instead (same rows, no pruning).
-#}
{% macro newest_fetches(relation, partition_keys, column='ingestion_date') -%}
  {#- An endpoint without partition keys (a reference list) is one partition: its newest fetch. -#}
  {%- set window = pitchlake.lookback_filter(column) -%}
  {%- set keys = partition_keys | join(', ') -%}
  {%- set newest_first = ('partition by ' ~ keys ~ ' ' if keys else '') ~ 'order by ' ~ column ~ ' desc, filename desc' -%}
  {%- set files = [] -%}
  {%- if execute -%}
    {%- set newest = run_query(
        'select filename from (select filename, ' ~ column ~ (', ' ~ keys if keys else '') ~ ' from '
        ~ pitchlake.fetch_list(relation) ~ ' where ' ~ window ~ ') as fetches qualify row_number() over ('
        ~ newest_first ~ ') = 1'
    ) -%}
    {%- for row in newest.rows -%}{%- do files.append(pitchlake.sql_string(row[0])) -%}{%- endfor -%}
  {%- endif -%}
  {%- if files | length <= var('max_inlined_files', 5000) %}
    select * from {{ relation }}
    where {{ window }}
      and filename in ({{ files | join(',\n        ') if files else 'null' }})
  {%- else %}
    select * from {{ relation }}
    where {{ window }}
    qualify row_number() over ({{ newest_first }}) = 1
  {%- endif -%}
{%- endmacro %}
