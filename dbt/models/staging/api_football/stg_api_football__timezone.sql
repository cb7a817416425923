{{ config(enabled=pitchlake.endpoints_enabled('timezone')) }}

{#-
  One row per time zone name the API accepts in timezone= (fixtures, injuries), from the newest
  /timezone fetch. The endpoint has no partition key (one data.json per fetch, each the whole
  list), so its newest fetch is the newest file; the items are bare strings.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'timezone'), []) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {#- the item is the string itself: DuckDB's cast of a JSON string keeps its quotes, Snowflake's of a VARIANT does not #}
        {% if target.type == 'snowflake' %}cast(item as varchar){% else %}json_extract_string(item, '$'){% endif %} as timezone_name,
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['timezone_name']) }}
