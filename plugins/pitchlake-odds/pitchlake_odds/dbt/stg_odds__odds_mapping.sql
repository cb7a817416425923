{{ config(enabled=pitchlake.endpoints_enabled('odds_mapping')) }}

{#-
  One row per match for which the API had pre-match odds, from the newest /odds/mapping fetch (a
  list across every league, without partition keys). Shipped by the pitchlake-odds plugin;
  `pitchlake render dbt` copies it into models/staging/odds/.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('odds', 'odds_mapping'), []) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {{ pitchlake.json_fields('item', [
            ('fixture.id', 'bigint', 'fixture_id'),
            ('league.id', 'bigint', 'league_id'),
            ('league.season', 'integer', 'season'),
            ('fixture.date', 'timestamp_tz', 'kickoff_at'),
            ('update', 'timestamp_tz', 'odds_updated_at'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['fixture_id']) }}
