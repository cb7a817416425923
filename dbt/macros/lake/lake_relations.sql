{#
  The sources are relations shaped like Snowflake's external tables: one row per complete
  data.json, `value` holding the API envelope, the partition keys, ingestion_date and filename.

  On Snowflake they are the external tables Terraform creates. On DuckDB, this on-run-start hook
  creates them as views over the lake the run points at (`var('lake')`, else PITCHLAKE_LAKE),
  reading only the `.../ingestion_date=*/data.json` files of each endpoint (never `_pages/` or
  `_out_of_plan.json`). An endpoint with no data.json yet (not ingested, skipped by coverage, out of
  plan) gets an empty view of the same shape, so the build still runs.
#}

{% macro create_lake_relations() -%}
  {{ return(adapter.dispatch('create_lake_relations', 'pitchlake')()) }}
{%- endmacro %}

{% macro default__create_lake_relations() -%}
  {{ return('') }}
{%- endmacro %}

{% macro snowflake__create_lake_relations() -%}
  {%- if execute and var('refresh_external_tables', false) -%}
    {%- for node in pitchlake.lake_source_nodes() %}
      alter external table {{ source(node.source_name, node.name) }} refresh;
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}

{% macro duckdb__create_lake_relations() -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set root = pitchlake.lake_root() -%}
  {%- set schemas = [] -%}
  {%- for node in pitchlake.lake_source_nodes() -%}
    {%- set meta = pitchlake.lake_meta(node) -%}
    {%- set pattern = root ~ '/' ~ meta.path -%}
    {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.identifier) -%}
    {%- if node.schema not in schemas -%}
      {%- do run_query('create schema if not exists ' ~ adapter.quote(node.database) ~ '.' ~ adapter.quote(node.schema)) -%}
      {%- do schemas.append(node.schema) -%}
    {%- endif -%}
    {#- The source's files, listed without reading them (see fetch_list). -#}
    {%- set listing -%}
      select
        {%- for key in meta.partition_keys %}
        cast(regexp_extract(file, '/{{ key }}=([^/]+)/', 1) as {{ meta.partition_types[key] }}) as {{ key }},
        {%- endfor %}
        cast(regexp_extract(file, '/ingestion_date=([^/]+)/', 1) as date) as ingestion_date,
        file as filename
      from glob({{ pitchlake.sql_string(pattern) }})
    {%- endset -%}
    {%- do run_query('create or replace view ' ~ pitchlake.fetch_list(relation) ~ ' as ' ~ listing) -%}
    {%- set files = run_query('select count(*) from ' ~ pitchlake.fetch_list(relation)).columns[0].values()[0] -%}
    {%- set hive_types = [] -%}
    {%- for key in meta.partition_keys -%}
      {%- do hive_types.append(pitchlake.sql_string(key) ~ ": " ~ pitchlake.sql_string(meta.partition_types[key])) -%}
    {%- endfor -%}
    {%- do hive_types.append("'ingestion_date': 'date'") -%}
    {%- if files > 0 -%}
      {%- set body -%}
        select
          {%- for key in meta.partition_keys %}
          {{ key }},
          {%- endfor %}
          ingestion_date,
          filename,
          json as value
        from read_json_objects(
          {{ pitchlake.sql_string(pattern) }},
          format = 'auto',
          hive_partitioning = true,
          hive_types = { {{ hive_types | join(', ') }} },
          filename = true,
          maximum_object_size = {{ var('max_data_json_bytes', 536870912) }}
        )
      {%- endset -%}
    {%- else -%}
      {{ log("pitchlake: no data.json for source " ~ node.source_name ~ "." ~ node.name ~ " under " ~ pattern ~ ": empty", info=true) }}
      {%- set body -%}
        select
          {%- for key in meta.partition_keys %}
          cast(null as {{ meta.partition_types[key] }}) as {{ key }},
          {%- endfor %}
          cast(null as date) as ingestion_date,
          cast(null as varchar) as filename,
          cast(null as json) as value
        where false
      {%- endset -%}
    {%- endif -%}
    {%- do run_query('create or replace view ' ~ relation ~ ' as ' ~ body) -%}
  {%- endfor -%}
  {{ return('') }}
{%- endmacro %}


{#-
  A relation with a source's partition columns, ingestion_date and filename, one row per
  data.json, for choosing which files to read. On DuckDB a view over glob() that the on-run-start
  hook creates beside each source (`<source>__files`): querying the source itself for those
  columns would parse every file (2 s for a 1.2 GB fixture_details), and full builds would grow
  with every daily re-fetch kept in the lake. On Snowflake the external table itself.
-#}
{% macro fetch_list(relation) -%}
  {{ return(adapter.dispatch('fetch_list', 'pitchlake')(relation)) }}
{%- endmacro %}

{% macro default__fetch_list(relation) -%}
  {{ return(relation) }}
{%- endmacro %}

{% macro duckdb__fetch_list(relation) -%}
  {{ return(relation.incorporate(path={'identifier': relation.identifier ~ '__files'})) }}
{%- endmacro %}


{#- Source nodes that come from the lake (generated with meta.pitchlake). -#}
{% macro lake_source_nodes() -%}
  {%- set nodes = [] -%}
  {%- for node in graph.sources.values() -%}
    {%- if pitchlake.lake_meta(node) -%}{%- do nodes.append(node) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(nodes) }}
{%- endmacro %}


{#- The generated meta.pitchlake of a source node (endpoint, partition keys, path), if any. -#}
{% macro lake_meta(node) -%}
  {{ return((node.config.meta or {}).get('pitchlake') or (node.meta or {}).get('pitchlake')) }}
{%- endmacro %}


{#- The lake root as DuckDB reads it: a path for file:// URIs, the URI itself for s3://. -#}
{% macro lake_root() -%}
  {%- set uri = var('lake', env_var('PITCHLAKE_LAKE', 'file://./lake')) | string -%}
  {%- if uri.startswith('file://') -%}{%- set uri = uri[7:] -%}{%- endif -%}
  {{ return(uri.rstrip('/')) }}
{%- endmacro %}


{% macro sql_string(text) -%}
  '{{ text | replace("'", "''") }}'
{%- endmacro %}
