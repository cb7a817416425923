{{ config(enabled=pitchlake.endpoints_enabled('fixtures_headtohead')) }}

{#-
  One row per match between the two teams of a pair (past and upcoming), from the newest
  /fixtures/headtohead fetch that lists it: the columns of stg_api_football__fixtures, and the pair
  the match was listed for. A pair is fetched while the two have a match coming up, so a match is
  in the newest fetch of its pair (team_id, the smaller id, and opponent_id); should two pairs'
  fetches list it, the newest fetch wins.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'fixtures_headtohead'), ['team_id', 'opponent_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['team_id', 'opponent_id', 'ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        cast(team_id as bigint) as team_id,
        cast(opponent_id as bigint) as opponent_id,
        {{ pitchlake.json_fields('item', pitchlake.fixture_fields()) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['fixture_id']) }}
