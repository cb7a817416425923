{{ config(enabled=pitchlake.endpoints_enabled('venues')) }}

{#- One row per venue (stadium), from the newest fetch of its country. -#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'venues'), ['country']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['country', 'ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {{ pitchlake.json_fields('item', [
            ('id', 'bigint', 'venue_id'),
            ('name', 'varchar', 'venue_name'),
            ('address', 'varchar', 'venue_address'),
            ('city', 'varchar', 'venue_city'),
            ('country', 'varchar', 'item_country'),
            ('capacity', 'integer', 'venue_capacity'),
            ('surface', 'varchar', 'venue_surface'),
            ('image', 'varchar', 'venue_image_url'),
        ]) }},
        country as partition_country,
        ingestion_date,
        filename
    from items

),

typed as (

    select
        venue_id,
        venue_name,
        venue_address,
        venue_city,
        coalesce(item_country, partition_country) as country_name,
        venue_capacity,
        venue_surface,
        venue_image_url,
        ingestion_date,
        filename
    from renamed

)

select * from typed
{{ pitchlake.newest_first(['venue_id']) }}
