{{ config(enabled=pitchlake.endpoints_enabled('players_profiles')) }}

{#-
  One row per player, his profile (name, birth, nationality, height, position), from the newest
  /players/profiles fetch of the player (paginated: the pages are merged into one data.json
  before it is written, and with player= the answer is one page).
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'players_profiles'), ['player_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {{ pitchlake.json_fields('item', [
            ('player.id', 'bigint', 'player_id'),
            ('player.name', 'varchar', 'player_name'),
            ('player.firstname', 'varchar', 'first_name'),
            ('player.lastname', 'varchar', 'last_name'),
            ('player.age', 'integer', 'age'),
            ('player.birth.date', 'date', 'birth_date'),
            ('player.birth.place', 'varchar', 'birth_place'),
            ('player.birth.country', 'varchar', 'birth_country'),
            ('player.nationality', 'varchar', 'nationality'),
            ('player.height', 'varchar', 'height'),
            ('player.weight', 'varchar', 'weight'),
            ('player.number', 'integer', 'shirt_number'),
            ('player.position', 'varchar', 'position'),
            ('player.photo', 'varchar', 'photo_url'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['player_id']) }}
