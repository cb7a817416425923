{{
    config(
        enabled=pitchlake.endpoints_enabled('teams'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['league_id', 'season'],
        on_schema_change='append_new_columns',
    )
}}

{#-
  One row per team and league season it plays in, with its home venue, from the newest fetch.
  Incremental: the newest fetch of a league season replaces its rows as a whole.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'teams'), ['season', 'league_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['league_id', 'season', 'ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        {{ pitchlake.json_fields('item', [
            ('team.id', 'bigint', 'team_id'),
            ('team.name', 'varchar', 'team_name'),
            ('team.code', 'varchar', 'team_code'),
            ('team.country', 'varchar', 'country_name'),
            ('team.founded', 'integer', 'founded_year'),
            ('team.national', 'boolean', 'is_national_team'),
            ('team.logo', 'varchar', 'team_logo_url'),
            ('venue.id', 'bigint', 'venue_id'),
            ('venue.name', 'varchar', 'venue_name'),
            ('venue.address', 'varchar', 'venue_address'),
            ('venue.city', 'varchar', 'venue_city'),
            ('venue.capacity', 'integer', 'venue_capacity'),
            ('venue.surface', 'varchar', 'venue_surface'),
            ('venue.image', 'varchar', 'venue_image_url'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
where {{ pitchlake.keep_newest('renamed', ['league_id', 'season']) }}
