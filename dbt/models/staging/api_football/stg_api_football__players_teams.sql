{{ config(enabled=pitchlake.endpoints_enabled('players_teams')) }}

{#-
  One row per player, team he played for (club or national team) and season he played there, from
  the newest /players/teams fetch of the player. The response names no player: his id is the
  partition's (the request's player=). A team the API lists without any season has no row.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'players_teams'), ['player_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['player_id', 'ingestion_date', 'filename'], 'item') }}

),

teams as (

    select
        cast(player_id as bigint) as player_id,
        {{ pitchlake.json_fields('item', [
            ('team.id', 'bigint', 'team_id'),
            ('team.name', 'varchar', 'team_name'),
            ('team.logo', 'varchar', 'team_logo_url'),
        ]) }},
        item,
        ingestion_date,
        filename
    from items

),

seasons as (

    {{ pitchlake.unnest_json('teams', 'item', 'seasons', ['player_id', 'team_id', 'team_name', 'team_logo_url', 'ingestion_date', 'filename'], 'team_season') }}

),

renamed as (

    select
        player_id,
        team_id,
        team_name,
        team_logo_url,
        {#- the season is the item itself, a year #}
        cast(team_season as integer) as season,
        ingestion_date,
        filename
    from seasons

)

select * from renamed
{{ pitchlake.newest_first(['player_id', 'team_id', 'season']) }}
