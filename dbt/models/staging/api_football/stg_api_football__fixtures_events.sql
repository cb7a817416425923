{{ config(enabled=pitchlake.endpoints_enabled('fixtures_events')) }}

{#-
  One row per event (goal, card, substitution, VAR decision) of a finished match, in the API's
  order, from the newest /fixtures/events fetch of the match: the columns of
  int_api_football__fixture_events (the same events, read from fixture_details), so a model can
  switch from one to the other. The response names no match: its id, league and season are the
  partition's.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'fixtures_events'), ['season', 'league_id', 'fixture_id']) }}

),

events as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['fixture_id', 'league_id', 'season', 'ingestion_date', 'filename'], 'event') }}

),

renamed as (

    select
        cast(fixture_id as bigint) as fixture_id,
        event_index,
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        {{ pitchlake.json_fields('event', pitchlake.match_event_fields()) }},
        ingestion_date,
        filename
    from events

)

select * from renamed
{{ pitchlake.newest_first(['fixture_id', 'event_index']) }}
