{{ config(enabled=pitchlake.endpoints_enabled('fixtures_rounds')) }}

{#-
  One row per round of a league season ("Regular Season - 1", "Quarter-finals"), in the API's
  order, from the newest /fixtures/rounds fetch of the league season. The items are bare strings,
  spelt as stg_api_football__fixtures' round.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'fixtures_rounds'), ['season', 'league_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['league_id', 'season', 'ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        {#- the item is the string itself: DuckDB's cast of a JSON string keeps its quotes, Snowflake's of a VARIANT does not #}
        {% if target.type == 'snowflake' %}cast(item as varchar){% else %}json_extract_string(item, '$'){% endif %} as round,
        item_index as round_index,
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['league_id', 'season', 'round']) }}
