{{ config(enabled=pitchlake.endpoints_enabled('fixtures')) }}

{#-
  One row per team (club or national team): its newest attributes from /teams, else from the
  standings or the matches, so that every team a match, table, event or player refers to is here.
-#}

with

fixtures as (

    select * from {{ ref('stg_api_football__fixtures') }}

),

fixture_teams as (

    select team_id, team_name, team_logo_url
    from (
        select home_team_id as team_id, home_team_name as team_name, home_team_logo_url as team_logo_url, kickoff_at
        from fixtures
        union all
        select away_team_id, away_team_name, away_team_logo_url, kickoff_at
        from fixtures
    ) as sides
    qualify row_number() over (partition by team_id order by kickoff_at desc) = 1

),

{% if pitchlake.endpoints_enabled('teams') %}
teams as (

    select * from {{ ref('stg_api_football__teams') }}
    qualify row_number() over (partition by team_id order by season desc, ingestion_date desc, league_id) = 1

),
{% endif %}

{% if pitchlake.endpoints_enabled('standings') %}
standing_teams as (

    select team_id, team_name, team_logo_url
    from {{ ref('stg_api_football__standings') }}
    qualify row_number() over (partition by team_id order by season desc, ingestion_date desc, league_id) = 1

),
{% endif %}

team_ids as (

    select team_id from fixture_teams
    {% if pitchlake.endpoints_enabled('teams') %}
    union
    select team_id from teams
    {% endif %}
    {% if pitchlake.endpoints_enabled('standings') %}
    union
    select team_id from standing_teams
    {% endif %}
    {% if pitchlake.endpoints_enabled('players') %}
    union
    select team_id from {{ ref('stg_api_football__players') }}
    {% endif %}
    {% if pitchlake.endpoints_enabled('fixture_details') %}
    union
    select team_id from {{ ref('int_api_football__fixture_events') }} where team_id is not null
    union
    select team_id from {{ ref('int_api_football__fixture_lineups') }} where team_id is not null
    {% endif %}

),

final as (

    select
        team_ids.team_id,
        coalesce(
            {%- if pitchlake.endpoints_enabled('teams') %} teams.team_name, {% endif -%}
            {%- if pitchlake.endpoints_enabled('standings') %} standing_teams.team_name, {% endif -%}
            fixture_teams.team_name
        ) as team_name,
        coalesce(
            {%- if pitchlake.endpoints_enabled('teams') %} teams.team_logo_url, {% endif -%}
            {%- if pitchlake.endpoints_enabled('standings') %} standing_teams.team_logo_url, {% endif -%}
            fixture_teams.team_logo_url
        ) as team_logo_url,
        {% if pitchlake.endpoints_enabled('teams') %}
        teams.team_code,
        teams.country_name,
        teams.founded_year,
        teams.is_national_team,
        teams.venue_id as home_venue_id
        {% else %}
        cast(null as varchar) as team_code,
        cast(null as varchar) as country_name,
        cast(null as integer) as founded_year,
        cast(null as boolean) as is_national_team,
        cast(null as bigint) as home_venue_id
        {% endif %}
    from team_ids
    left join fixture_teams on fixture_teams.team_id = team_ids.team_id
    {% if pitchlake.endpoints_enabled('teams') %}
    left join teams on teams.team_id = team_ids.team_id
    {% endif %}
    {% if pitchlake.endpoints_enabled('standings') %}
    left join standing_teams on standing_teams.team_id = team_ids.team_id
    {% endif %}

)

select * from final
