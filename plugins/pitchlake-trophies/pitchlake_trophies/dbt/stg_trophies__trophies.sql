{{ config(enabled=pitchlake.endpoints_enabled('trophies')) }}

{#-
  One row per trophy (or runner-up place) of a team, from the newest fetch of the team.
  Shipped by the pitchlake-trophies plugin; `pitchlake render dbt` copies it into
  models/staging/trophies/. It builds on the project's macros, as the built-in staging models do.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('trophies', 'trophies'), ['team_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['team_id', 'ingestion_date', 'filename'], 'item') }}

),

renamed as (

    select
        cast(team_id as bigint) as team_id,
        {{ pitchlake.json_fields('item', [
            ('league', 'varchar', 'competition_name'),
            ('country', 'varchar', 'country_name'),
            ('season', 'varchar', 'season_label'),
            ('place', 'varchar', 'place'),
        ]) }},
        ingestion_date,
        filename
    from items

)

select * from renamed
{{ pitchlake.newest_first(['team_id', 'competition_name', 'season_label', 'place']) }}
