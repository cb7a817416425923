{{ config(enabled=pitchlake.endpoints_enabled('fixtures')) }}

{#- One row per venue: from /venues when fetched, else from the teams' home venues, else from the matches. -#}

with

fixtures as (

    select * from {{ ref('stg_api_football__fixtures') }}

),

candidates as (

    {% if pitchlake.endpoints_enabled('venues') %}
    select
        venue_id, venue_name, venue_address, venue_city, country_name, venue_capacity, venue_surface, venue_image_url,
        1 as priority, ingestion_date
    from {{ ref('stg_api_football__venues') }}
    union all
    {% endif %}
    {% if pitchlake.endpoints_enabled('teams') %}
    select
        venue_id, venue_name, venue_address, venue_city, country_name, venue_capacity, venue_surface, venue_image_url,
        2 as priority, ingestion_date
    from {{ ref('stg_api_football__teams') }}
    where venue_id is not null
    union all
    {% endif %}
    select
        venue_id, venue_name, cast(null as varchar), venue_city, league_country, cast(null as integer), cast(null as varchar),
        cast(null as varchar), 3 as priority, ingestion_date
    from fixtures
    where venue_id is not null

),

final as (

    select
        venue_id,
        venue_name,
        venue_address,
        venue_city,
        country_name,
        venue_capacity,
        venue_surface,
        venue_image_url
    from candidates
    qualify row_number() over (partition by venue_id order by priority, ingestion_date desc, venue_name) = 1

)

select * from final
