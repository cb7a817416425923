{{ config(enabled=pitchlake.endpoints_enabled('leagues_seasons')) }}

{#-
  One row per season (its start year) the API has data for in some league, from the newest
  /leagues/seasons fetch. The endpoint has no partition key (one data.json per fetch, each the
  whole list), so its newest fetch is the newest file; the items are bare integers.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'leagues_seasons'), []) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {#- the item is the year itself #}
        cast(item as integer) as season,
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['season']) }}
