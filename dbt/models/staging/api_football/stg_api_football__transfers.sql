{{ config(enabled=pitchlake.endpoints_enabled('transfers')) }}

{#-
  One row per transfer of a player, in the API's order. A player is listed under every team he
  joined or left; his newest listing (from any team) is the one kept.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'transfers'), ['team_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

players as (

    select
        {{ pitchlake.json_fields('item', [
            ('player.id', 'bigint', 'player_id'),
            ('player.name', 'varchar', 'player_name'),
        ]) }},
        item,
        ingestion_date,
        filename
    from items
    {{ pitchlake.newest_first(['player_id']) }}

),

transfers as (

    {{ pitchlake.unnest_json('players', 'item', 'transfers', ['player_id', 'player_name', 'ingestion_date', 'filename'], 'transfer') }}

),

renamed as (

    select
        player_id,
        transfer_index,
        player_name,
        {{ pitchlake.json_fields('transfer', [
            ('date', 'varchar', 'transfer_date_text'),
            ('type', 'varchar', 'transfer_type'),
            ('teams.in.id', 'bigint', 'to_team_id'),
            ('teams.in.name', 'varchar', 'to_team_name'),
            ('teams.out.id', 'bigint', 'from_team_id'),
            ('teams.out.name', 'varchar', 'from_team_name'),
        ]) }},
        ingestion_date,
        filename
    from transfers

),

typed as (

    select
        player_id,
        transfer_index,
        player_name,
        try_cast(transfer_date_text as date) as transfer_date,
        transfer_type,
        to_team_id,
        to_team_name,
        from_team_id,
        from_team_name,
        ingestion_date,
        filename
    from renamed

)

select * from typed
