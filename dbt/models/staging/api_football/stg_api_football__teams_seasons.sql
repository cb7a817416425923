{{ config(enabled=pitchlake.endpoints_enabled('teams_seasons')) }}

{#-
  One row per team and season (its start year) the API has data for of the team, from the newest
  /teams/seasons fetch of the team. The items are bare integers.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'teams_seasons'), ['team_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['team_id', 'ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        cast(team_id as bigint) as team_id,
        {#- the item is the year itself #}
        cast(item as integer) as season,
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['team_id', 'season']) }}
