{{ config(enabled=pitchlake.endpoints_enabled('injuries')) }}

{#- One row per player missing (or doubtful for) a fixture, from the newest fetch of the league season. -#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'injuries'), ['season', 'league_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        {{ pitchlake.json_fields('item', [
            ('fixture.id', 'bigint', 'fixture_id'),
            ('player.id', 'bigint', 'player_id'),
            ('player.name', 'varchar', 'player_name'),
            ('player.type', 'varchar', 'absence_type'),
            ('player.reason', 'varchar', 'reason'),
            ('team.id', 'bigint', 'team_id'),
            ('league.id', 'bigint', 'league_id'),
            ('league.season', 'integer', 'season'),
            ('fixture.date', 'timestamp_tz', 'kickoff_at'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['fixture_id', 'player_id']) }}
