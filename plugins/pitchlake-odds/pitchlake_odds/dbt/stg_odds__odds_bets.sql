{{ config(enabled=pitchlake.endpoints_enabled('odds_bets')) }}

{#-
  One row per bet (market) of pre-match odds, from the newest /odds/bets fetch (a list without
  partition keys). Shipped by the pitchlake-odds plugin; `pitchlake render dbt` copies it into
  models/staging/odds/.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('odds', 'odds_bets'), []) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {{ pitchlake.json_fields('item', [
            ('id', 'bigint', 'bet_id'),
            ('name', 'varchar', 'bet_name'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['bet_id']) }}
