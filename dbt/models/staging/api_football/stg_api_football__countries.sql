{{ config(enabled=pitchlake.endpoints_enabled('countries')) }}

{#-
  One row per country the API has competitions for, from the newest /countries fetch. The
  endpoint has no partition key (one data.json per fetch, each the whole list), so its newest
  fetch is the newest file.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'countries'), []) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {{ pitchlake.json_fields('item', [
            ('name', 'varchar', 'country_name'),
            ('code', 'varchar', 'country_code'),
            ('flag', 'varchar', 'country_flag_url'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['country_name']) }}
