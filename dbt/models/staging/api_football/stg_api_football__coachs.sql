{{ config(enabled=pitchlake.endpoints_enabled('coachs')) }}

{#- One row per coach (the API spells the endpoint "coachs"), with his current team, from his newest fetch. -#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'coachs'), ['team_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {{ pitchlake.json_fields('item', [
            ('id', 'bigint', 'coach_id'),
            ('name', 'varchar', 'coach_name'),
            ('firstname', 'varchar', 'first_name'),
            ('lastname', 'varchar', 'last_name'),
            ('birth.date', 'date', 'birth_date'),
            ('birth.place', 'varchar', 'birth_place'),
            ('birth.country', 'varchar', 'birth_country'),
            ('nationality', 'varchar', 'nationality'),
            ('photo', 'varchar', 'photo_url'),
            ('team.id', 'bigint', 'current_team_id'),
            ('team.name', 'varchar', 'current_team_name'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['coach_id']) }}
