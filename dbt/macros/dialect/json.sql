{#
  JSON access, one macro per operation, one implementation per dialect (adapter.dispatch).
  The lake's raw rows carry the API envelope in `value` (JSON on DuckDB, VARIANT on Snowflake).
  Paths are dotted key names relative to the expression: 'fixture.id', 'goals.for'.
#}

{#- A scalar at `path`, cast to `type` (bigint, integer, double, boolean, varchar, date, timestamp_tz). -#}
{% macro json_value(expr, path, type='varchar') -%}
  {{ return(adapter.dispatch('json_value', 'pitchlake')(expr, path, type)) }}
{%- endmacro %}

{% macro duckdb__json_value(expr, path, type) -%}
  {%- set text = "json_extract_string(" ~ expr ~ ", '" ~ pitchlake.json_path(path) ~ "')" -%}
  {%- if type | lower in ('varchar', 'string', 'text') -%}
    {{ text }}
  {%- else -%}
    cast({{ text }} as {{ pitchlake.sql_type(type) }})
  {%- endif -%}
{%- endmacro %}

{% macro snowflake__json_value(expr, path, type) -%}
  {{ expr }}:{{ pitchlake.snowflake_path(path) }}::{{ pitchlake.sql_type(type) }}
{%- endmacro %}


{#-
  Many values of one JSON expression at once: `fields` is a list of (path, type, column name),
  type `json` for a sub-document (JSON on DuckDB, VARIANT on Snowflake); renders one
  `<value> as <column name>` per field, comma-separated, for a select list.

  DuckDB parses the JSON once for all fields: every column reads its element of the same
  `json_extract_string(expr, [all paths])` list (`json_extract` for sub-documents), which DuckDB's
  common-subexpression elimination evaluates once per row: several times faster than one
  extraction per field.
-#}
{% macro json_fields(expr, fields) -%}
  {{ return(adapter.dispatch('json_fields', 'pitchlake')(expr, fields)) }}
{%- endmacro %}

{% macro default__json_fields(expr, fields) -%}
  {%- for path, type, name in fields %}
    {%- if type | lower == 'json' %}
        {{ pitchlake.json_object(expr, path) }} as {{ name }}{{ ',' if not loop.last }}
    {%- else %}
        {{ pitchlake.json_value(expr, path, type) }} as {{ name }}{{ ',' if not loop.last }}
    {%- endif %}
  {%- endfor -%}
{%- endmacro %}

{% macro duckdb__json_fields(expr, fields) -%}
  {%- set scalars, documents = [], [] -%}
  {%- for path, type, name in fields -%}
    {%- do (documents if type | lower == 'json' else scalars).append("'" ~ pitchlake.json_path(path) ~ "'") -%}
  {%- endfor -%}
  {%- set scalar_list = "json_extract_string(" ~ expr ~ ", [" ~ scalars | join(", ") ~ "])" -%}
  {%- set document_list = "json_extract(" ~ expr ~ ", [" ~ documents | join(", ") ~ "])" -%}
  {%- set positions = {'scalar': 0, 'json': 0} -%}
  {%- for path, type, name in fields %}
    {%- if type | lower == 'json' %}
      {%- do positions.update({'json': positions.json + 1}) %}
        {{ document_list }}[{{ positions.json }}] as {{ name }}{{ ',' if not loop.last }}
    {%- else %}
      {%- do positions.update({'scalar': positions.scalar + 1}) %}
      {%- if type | lower in ('varchar', 'string', 'text') %}
        {{ scalar_list }}[{{ positions.scalar }}] as {{ name }}{{ ',' if not loop.last }}
      {%- else %}
        cast({{ scalar_list }}[{{ positions.scalar }}] as {{ pitchlake.sql_type(type) }}) as {{ name }}{{ ',' if not loop.last }}
      {%- endif %}
    {%- endif %}
  {%- endfor -%}
{%- endmacro %}


{#- The JSON sub-document at `path` (JSON on DuckDB, VARIANT on Snowflake). -#}
{% macro json_object(expr, path) -%}
  {{ return(adapter.dispatch('json_object', 'pitchlake')(expr, path)) }}
{%- endmacro %}

{% macro duckdb__json_object(expr, path) -%}
  json_extract({{ expr }}, '{{ pitchlake.json_path(path) }}')
{%- endmacro %}

{% macro snowflake__json_object(expr, path) -%}
  {{ expr }}:{{ pitchlake.snowflake_path(path) }}
{%- endmacro %}


{#-
  A select statement with one row per element of the JSON array at `path` of column `expr` of
  `relation` (the whole column when path is none): the `columns` of the relation, the element as
  `<alias>` and its 0-based position as `<alias>_index`. Rows whose array is missing, null or empty
  produce no row.

  DuckDB unnests in the select list: a lateral join would make DuckDB's decorrelation hash the
  whole envelope of every row, which is 20-60x slower on lake files.
-#}
{% macro unnest_json(relation, expr, path, columns, alias) -%}
  {{ return(adapter.dispatch('unnest_json', 'pitchlake')(relation, expr, path, columns, alias)) }}
{%- endmacro %}

{% macro duckdb__unnest_json(relation, expr, path, columns, alias) -%}
  select
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    unnest(__elements) as {{ alias }},
    generate_subscripts(__elements, 1) - 1 as {{ alias }}_index
  from (
    select
      {%- for column in columns %}
      {{ column }},
      {%- endfor %}
      json_extract({{ expr }}, '{{ pitchlake.json_path(path) if path else '$' }}[*]') as __elements
    from {{ relation }}
  ) as {{ relation }}
{%- endmacro %}

{% macro snowflake__unnest_json(relation, expr, path, columns, alias) -%}
  select
    {%- for column in columns %}
    {{ relation }}.{{ column }},
    {%- endfor %}
    {{ alias }}_elements.value as {{ alias }},
    {{ alias }}_elements.index as {{ alias }}_index
  from {{ relation }},
    lateral flatten(input => {{ relation }}.{{ expr }}{{ ':' ~ pitchlake.snowflake_path(path) if path }}) as {{ alias }}_elements
{%- endmacro %}


{#-
  `unnest_json` and `json_fields` in one: a select statement with one row per element of the JSON
  array at `path` of column `expr` of `relation` (the whole column when path is none), with the
  `columns` of the relation, the `fields` of the element (as `json_fields` takes them: (path, type,
  column name)) and its 0-based position as `<alias>_index`; not the element itself. Same rows and
  values as `unnest_json` followed by `json_fields` on `<alias>` (what other adapters run).

  DuckDB parses each document once: `json_transform` reads the array and, of each element, only
  the fields, into a LIST of STRUCT, which is unnested. `unnest_json` then `json_fields` serialize
  every element back to JSON text and parse it again: twice the work on large documents (the
  fixture details, the players of a match). Scalars are read as text (VARCHAR), then cast as
  `json_fields` casts them: json_transform writes a value as json_extract_string does (strings
  unquoted, numbers as JSON writes them, objects and arrays as JSON text), so every value matches.
-#}
{% macro unnest_json_fields(relation, expr, path, columns, alias, fields) -%}
  {{ return(adapter.dispatch('unnest_json_fields', 'pitchlake')(relation, expr, path, columns, alias, fields)) }}
{%- endmacro %}

{% macro default__unnest_json_fields(relation, expr, path, columns, alias, fields) -%}
  select
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    {{ pitchlake.json_fields(alias, fields) }},
    {{ alias }}_index
  from (
    {{ pitchlake.unnest_json(relation, expr, path, columns, alias) }}
  ) as {{ relation }}
{%- endmacro %}

{% macro duckdb__unnest_json_fields(relation, expr, path, columns, alias, fields) -%}
  {%- set element = {} -%}
  {%- set documents = [] -%}
  {%- for field_path, type, name in fields -%}
    {%- set keys = field_path.split('.') -%}
    {%- set node = [element] -%}
    {%- for key in keys[:-1] -%}
      {%- if node[-1][key] is string -%}
        {%- do exceptions.raise_compiler_error("unnest_json_fields: '" ~ field_path ~ "' is inside another field") -%}
      {%- endif -%}
      {%- if key not in node[-1] -%}{%- do node[-1].update({key: {}}) -%}{%- endif -%}
      {%- do node.append(node[-1][key]) -%}
    {%- endfor -%}
    {%- if keys[-1] in node[-1] -%}
      {%- do exceptions.raise_compiler_error("unnest_json_fields: '" ~ field_path ~ "' twice, or with fields inside it") -%}
    {%- endif -%}
    {%- do node[-1].update({keys[-1]: 'JSON' if type | lower == 'json' else 'VARCHAR'}) -%}
    {%- if type | lower == 'json' -%}{%- do documents.append(name) -%}{%- endif -%}
  {%- endfor -%}
  {#- The structure json_transform reads: the element's fields, in a list, at `path`. -#}
  {%- set structure = [[element]] -%}
  {%- for key in (path.split('.') | reverse if path else []) -%}
    {%- do structure.append({key: structure[-1]}) -%}
  {%- endfor -%}
  {%- set array_path = pitchlake.json_path(path) if path else '$' -%}
  select
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    {%- for field_path, type, name in fields %}
      {%- set value -%}
        {{ alias }}{% for key in field_path.split('.') %}[{{ pitchlake.sql_string(key) }}]{% endfor %}
      {%- endset %}
      {%- if type | lower == 'json' %}
    {#- json_transform reads a JSON null as NULL where json_extract gives JSON 'null': the rows
        without a document (null, or no such key) read it again with json_extract from their
        element; coalesce evaluates that for those rows only #}
    coalesce({{ value }}, json_extract(__document, '{{ array_path }}[' || {{ alias }}_index || ']{{ pitchlake.json_path(field_path)[1:] }}')) as {{ name }},
      {%- elif type | lower in ('varchar', 'string', 'text') %}
    {{ value }} as {{ name }},
      {%- else %}
    cast({{ value }} as {{ pitchlake.sql_type(type) }}) as {{ name }},
      {%- endif %}
    {%- endfor %}
    {{ alias }}_index
  from (
    select
      {%- for column in columns %}
      {{ column }},
      {%- endfor %}
      {%- if documents %}
      __document,
      {%- endif %}
      unnest(__elements) as {{ alias }},
      generate_subscripts(__elements, 1) - 1 as {{ alias }}_index
    from (
      select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        {%- if documents %}
        {{ expr }} as __document,
        {%- endif %}
        json_transform({{ expr }}, {{ pitchlake.sql_string(tojson(structure[-1])) }}){% for key in (path.split('.') if path else []) %}[{{ pitchlake.sql_string(key) }}]{% endfor %} as __elements
      from {{ relation }}
    ) as {{ relation }}
  ) as {{ relation }}
{%- endmacro %}


{#- Helpers -#}

{% macro json_path(path) -%}
  {#- '$.a.b' with every key quoted, so keys such as "for" or "goalsDiff" need no special care -#}
  $
  {%- for key in path.split('.') -%}
    ."{{ key }}"
  {%- endfor -%}
{%- endmacro %}

{% macro snowflake_path(path) -%}
  {#- "a"."b": quoted, so element names keep their case -#}
  {%- for key in path.split('.') -%}
    {{ '.' if not loop.first }}"{{ key }}"
  {%- endfor -%}
{%- endmacro %}

{% macro sql_type(type) -%}
  {{ return(adapter.dispatch('sql_type', 'pitchlake')(type | lower)) }}
{%- endmacro %}

{% macro default__sql_type(type) -%}
  {{ return(type) }}
{%- endmacro %}

{% macro duckdb__sql_type(type) -%}
  {{ return({'timestamp_tz': 'timestamptz', 'string': 'varchar', 'text': 'varchar', 'float': 'double', 'int': 'integer'}.get(type, type)) }}
{%- endmacro %}

{% macro snowflake__sql_type(type) -%}
  {{ return({'string': 'varchar', 'text': 'varchar', 'float': 'double', 'int': 'integer', 'json': 'variant'}.get(type, type)) }}
{%- endmacro %}

{#- A relation of `columns` (`[(name, type), ...]`, types as sql_type takes them) and no row: what a
    model reads in place of a disabled endpoint's, with the columns and types the enabled one gives. -#}
{% macro no_rows(columns) -%}
    select
        {%- for name, type in columns %}
        cast(null as {{ pitchlake.sql_type(type) }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
{%- endmacro %}
