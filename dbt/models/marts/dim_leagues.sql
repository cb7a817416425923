{{ config(enabled=pitchlake.endpoints_enabled('fixtures')) }}

{#-
  One row per league (or cup): from /leagues when fetched, else from what the fixtures say about it,
  so that every league a match, table or player refers to is here.
-#}

with

fixtures as (

    select * from {{ ref('stg_api_football__fixtures') }}

),

fixture_leagues as (

    select
        league_id,
        league_name,
        league_country as country_name,
        league_logo_url,
        league_flag_url as country_flag_url
    from fixtures
    qualify row_number() over (partition by league_id order by kickoff_at desc, fixture_id desc) = 1

),

league_ids as (

    select league_id from fixture_leagues
    {% if pitchlake.endpoints_enabled('leagues') %}
    union
    select league_id from {{ ref('stg_api_football__leagues') }}
    {% endif %}
    {% if pitchlake.endpoints_enabled('standings') %}
    union
    select league_id from {{ ref('stg_api_football__standings') }}
    {% endif %}
    {% if pitchlake.endpoints_enabled('teams') %}
    union
    select league_id from {{ ref('stg_api_football__teams') }}
    {% endif %}
    {% if pitchlake.endpoints_enabled('players') %}
    union
    select league_id from {{ ref('stg_api_football__players') }}
    {% endif %}

),

final as (

    select
        league_ids.league_id,
        {% if pitchlake.endpoints_enabled('leagues') %}
        coalesce(leagues.league_name, fixture_leagues.league_name) as league_name,
        leagues.league_type,
        coalesce(leagues.country_name, fixture_leagues.country_name) as country_name,
        leagues.country_code,
        coalesce(leagues.league_logo_url, fixture_leagues.league_logo_url) as league_logo_url,
        coalesce(leagues.country_flag_url, fixture_leagues.country_flag_url) as country_flag_url,
        leagues.league_id is not null as is_from_leagues_endpoint
        {% else %}
        fixture_leagues.league_name,
        cast(null as varchar) as league_type,
        fixture_leagues.country_name,
        cast(null as varchar) as country_code,
        fixture_leagues.league_logo_url,
        fixture_leagues.country_flag_url,
        false as is_from_leagues_endpoint
        {% endif %}
    from league_ids
    left join fixture_leagues on fixture_leagues.league_id = league_ids.league_id
    {% if pitchlake.endpoints_enabled('leagues') %}
    left join {{ ref('stg_api_football__leagues') }} as leagues on leagues.league_id = league_ids.league_id
    {% endif %}

)

select * from final
