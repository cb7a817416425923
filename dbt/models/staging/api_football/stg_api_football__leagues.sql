{{ config(enabled=pitchlake.endpoints_enabled('leagues')) }}

{#- One row per league, from its newest fetch. -#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'leagues'), ['league_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {{ pitchlake.json_fields('item', [
            ('league.id', 'bigint', 'league_id'),
            ('league.name', 'varchar', 'league_name'),
            ('league.type', 'varchar', 'league_type'),
            ('league.logo', 'varchar', 'league_logo_url'),
            ('country.name', 'varchar', 'country_name'),
            ('country.code', 'varchar', 'country_code'),
            ('country.flag', 'varchar', 'country_flag_url'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['league_id']) }}
