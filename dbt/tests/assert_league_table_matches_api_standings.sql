{{
    config(
        enabled=pitchlake.endpoints_enabled(['fixtures', 'standings']),
        severity=var('reconciliation_severity', 'error'),
        meta={'dagster': {'ref': {'name': 'league_table'}}},
    )
}}

{#-
  The league table computed from the matches agrees with the API's standings on played, won,
  drawn, lost, goals for and goals against, for every team of every league season whose table is
  complete (every match that counts in it is over) and whose standings were fetched. Points may
  differ (deductions): that is points_adjustment, not an error.

  A team the API ranks but the computed table lacks (or the reverse) fails too. Seasons without API
  standings, and seasons still being played, are not compared. With
  `--vars '{reconciliation_severity: warn}'` disagreements are reported without failing the build.
  `meta.dagster.ref` makes this test an asset check of league_table in Dagster (a singular test
  reads several models, so dagster-dbt attaches it to none unless told which).
-#}

with

complete_seasons as (

    select league_id, season
    from {{ ref('dim_seasons') }}
    where is_table_complete and has_api_standings

),

computed as (

    select league_table.*
    from {{ ref('league_table') }} as league_table
    inner join complete_seasons
        on complete_seasons.league_id = league_table.league_id
        and complete_seasons.season = league_table.season

),

disagreements as (

    select
        league_id, season, team_id, 'differs from the API' as problem,
        played, api_played, won, api_won, drawn, api_drawn, lost, api_lost,
        goals_for, api_goals_for, goals_against, api_goals_against
    from computed
    where not has_api_standings
        or played <> api_played
        or won <> api_won
        or drawn <> api_drawn
        or lost <> api_lost
        or goals_for <> api_goals_for
        or goals_against <> api_goals_against

),

missing as (

    select
        standings.league_id, standings.season, standings.team_id, 'in the API standings only' as problem,
        null as played, standings.played as api_played, null as won, standings.won as api_won,
        null as drawn, standings.drawn as api_drawn, null as lost, standings.lost as api_lost,
        null as goals_for, standings.goals_for as api_goals_for, null as goals_against, standings.goals_against as api_goals_against
    from {{ ref('fct_standings') }} as standings
    inner join complete_seasons
        on complete_seasons.league_id = standings.league_id
        and complete_seasons.season = standings.season
    left join computed
        on computed.league_id = standings.league_id
        and computed.season = standings.season
        and computed.team_id = standings.team_id
    where computed.team_id is null
        and standings.played > 0

)

select * from disagreements
union all
select * from missing
