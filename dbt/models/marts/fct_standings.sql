{{ config(enabled=pitchlake.endpoints_enabled('standings')) }}

{#- The API's standings: one row per team, league season and table (group), as the API last published them. -#}

with

standings as (

    select * from {{ ref('stg_api_football__standings') }}

),

final as (

    select
        league_id,
        season,
        group_name,
        group_index,
        team_id,
        rank,
        points,
        played,
        won,
        drawn,
        lost,
        goals_for,
        goals_against,
        goal_difference,
        home_played,
        home_won,
        home_drawn,
        home_lost,
        home_goals_for,
        home_goals_against,
        away_played,
        away_won,
        away_drawn,
        away_lost,
        away_goals_for,
        away_goals_against,
        form,
        rank_change,
        description,
        updated_at,
        ingestion_date
    from standings

)

select * from final
