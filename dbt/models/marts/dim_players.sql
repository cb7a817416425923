{{ config(enabled=pitchlake.endpoints_enabled('fixtures')) }}

{#-
  One row per player: his profile from /players (newest season), else his name from the match
  sheets (lineups and the players' match statistics) and events, so that every player an event, a
  lineup or a match statistic refers to is here.
-#}

with

candidates as (

    {% if pitchlake.endpoints_enabled('players') %}
    select
        player_id, player_name, first_name, last_name, birth_date, birth_place, birth_country, nationality,
        height_cm, weight_kg, photo_url, 1 as priority, season, ingestion_date
    from {{ ref('stg_api_football__players') }}
    {% endif %}
    {% if pitchlake.endpoints_enabled('fixture_details') %}
    {{ 'union all' if pitchlake.endpoints_enabled('players') }}
    {# match sheets and events name millions of appearances: one row per player first (named
       columns: without /players, this select names the union's) #}
    select
        player_id, max(player_name) as player_name, cast(null as varchar) as first_name, cast(null as varchar) as last_name,
        cast(null as date) as birth_date, cast(null as varchar) as birth_place, cast(null as varchar) as birth_country,
        cast(null as varchar) as nationality, cast(null as integer) as height_cm, cast(null as integer) as weight_kg,
        cast(null as varchar) as photo_url, 2 as priority, cast(null as integer) as season, max(ingestion_date) as ingestion_date
    from (
        select player_id, player_name, ingestion_date from {{ ref('int_api_football__fixture_lineups') }}
        union all
        select player_id, player_name, ingestion_date from {{ ref('int_api_football__fixture_player_statistics') }}
    ) as match_sheet_players
    where player_id is not null
    group by player_id
    union all
    select
        player_id, max(player_name), cast(null as varchar), cast(null as varchar), cast(null as date), cast(null as varchar), cast(null as varchar), cast(null as varchar),
        cast(null as integer), cast(null as integer), cast(null as varchar),
        3 as priority, cast(null as integer), max(ingestion_date)
    from (
        select player_id, player_name, ingestion_date from {{ ref('int_api_football__fixture_events') }}
        union all
        select assist_player_id, assist_player_name, ingestion_date from {{ ref('int_api_football__fixture_events') }}
    ) as event_players
    where player_id is not null
    group by player_id
    {% endif %}
    {% if not pitchlake.endpoints_enabled(['players']) and not pitchlake.endpoints_enabled(['fixture_details']) %}
    select
        cast(null as bigint) as player_id, cast(null as varchar) as player_name, cast(null as varchar) as first_name,
        cast(null as varchar) as last_name, cast(null as date) as birth_date, cast(null as varchar) as birth_place,
        cast(null as varchar) as birth_country, cast(null as varchar) as nationality, cast(null as integer) as height_cm,
        cast(null as integer) as weight_kg, cast(null as varchar) as photo_url, 1 as priority,
        cast(null as integer) as season, cast(null as date) as ingestion_date
    where false
    {% endif %}

),

final as (

    select
        player_id,
        player_name,
        first_name,
        last_name,
        birth_date,
        birth_place,
        birth_country,
        nationality,
        height_cm,
        weight_kg,
        photo_url
    from candidates
    qualify row_number() over (
        partition by player_id
        order by priority, season desc nulls last, ingestion_date desc, player_name
    ) = 1

)

select * from final
