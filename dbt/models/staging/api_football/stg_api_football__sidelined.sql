{{ config(enabled=pitchlake.endpoints_enabled('sidelined')) }}

{#-
  One row per player and spell he was sidelined (injured, ill, suspended), as his newest answer
  lists them. /sidelined is asked 20 players at a time (players=id-id-...) and has no partition
  key: each day's data.json holds only the players asked that day, so every fetch is read and a
  player's newest answer (his whole list of spells) replaces his older ones.
-#}

with

source as (

    select * from {{ source('api_football', 'sidelined') }}
    where {{ pitchlake.lookback_filter() }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

players as (

    select
        {{ pitchlake.json_fields('item', [
            ('id', 'bigint', 'player_id'),
        ]) }},
        item,
        ingestion_date,
        filename
    from items
    {{ pitchlake.newest_first(['player_id']) }}

),

spells as (

    {{ pitchlake.unnest_json('players', 'item', 'sidelined', ['player_id', 'ingestion_date', 'filename'], 'spell') }}

),

renamed as (

    select
        player_id,
        spell_index,
        {{ pitchlake.json_fields('spell', [
            ('type', 'varchar', 'sidelined_type'),
            ('start', 'varchar', 'start_date_text'),
            ('end', 'varchar', 'end_date_text'),
        ]) }},
        ingestion_date,
        filename
    from spells

),

typed as (

    select
        player_id,
        spell_index,
        sidelined_type,
        try_cast(start_date_text as date) as start_date,
        try_cast(end_date_text as date) as end_date,
        ingestion_date,
        filename
    from renamed

)

select * from typed
