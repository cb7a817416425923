{{ config(enabled=pitchlake.endpoints_enabled('players_squads')) }}

{#- One row per player of a team's current squad, from the newest fetch of the team's squad. -#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'players_squads'), ['team_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

teams as (

    select
        {{ pitchlake.json_fields('item', [
            ('team.id', 'bigint', 'team_id'),
        ]) }},
        item,
        ingestion_date,
        filename
    from items

),

squad_players as (

    {{ pitchlake.unnest_json('teams', 'item', 'players', ['team_id', 'ingestion_date', 'filename'], 'squad_player') }}

),

renamed as (

    select
        team_id,
        {{ pitchlake.json_fields('squad_player', [
            ('id', 'bigint', 'player_id'),
            ('name', 'varchar', 'player_name'),
            ('age', 'integer', 'age'),
            ('number', 'integer', 'shirt_number'),
            ('position', 'varchar', 'position'),
            ('photo', 'varchar', 'photo_url'),
        ]) }},
        ingestion_date,
        filename
    from squad_players

)

select * from renamed
{{ pitchlake.newest_first(['team_id', 'player_id']) }}
