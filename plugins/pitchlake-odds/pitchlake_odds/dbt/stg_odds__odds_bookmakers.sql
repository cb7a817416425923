{{ config(enabled=pitchlake.endpoints_enabled('odds_bookmakers')) }}

{#-
  One row per bookmaker whose odds the API publishes, from the newest /odds/bookmakers fetch (a
  list without partition keys). Shipped by the pitchlake-odds plugin; `pitchlake render dbt`
  copies it into models/staging/odds/.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('odds', 'odds_bookmakers'), []) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {{ pitchlake.json_fields('item', [
            ('id', 'bigint', 'bookmaker_id'),
            ('name', 'varchar', 'bookmaker_name'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['bookmaker_id']) }}
