{{
    config(
        enabled=pitchlake.endpoints_enabled(['fixtures', 'fixture_details', 'players']),
        severity=var('reconciliation_severity', 'error'),
        meta={'dagster': {'ref': {'name': 'fct_player_season_stats'}}},
    )
}}

{#-
  The season statistics summed from the players' match statistics agree with the API's own season
  totals (/players), player by player and team by team: appearances, minutes, goals, assists,
  yellow and red cards exactly (the API's null counting as 0), the rating to the API's 6 decimals.

  Compared: every league season whose match details are complete (every finished match fetched,
  with player statistics) and no newer than its /players fetch, so that both count the same
  matches; a league season still being played is compared on the days /players is fetched. A
  player in /players without a match (registered, never on the pitch) agrees when the API gives him
  nothing; a player who played but is missing from /players fails. Disagreements name the player.
  With `--vars '{reconciliation_severity: warn}'` they are reported without failing the build.
  What the real API shows (see docs/design.md, "Player season statistics"): its rating is the mean
  of the match ratings cut to 6 decimals, and it lists players who never played with null counts.
-#}

with

api_fetches as (

    select league_id, season, max(ingestion_date) as fetched_on
    from {{ ref('stg_api_football__players') }}
    group by league_id, season

),

compared as (

    select stats.*
    from {{ ref('fct_player_season_stats') }} as stats
    inner join api_fetches
        on api_fetches.league_id = stats.league_id
        and api_fetches.season = stats.season
    where stats.has_complete_match_details
        and stats.stats_source = 'fixture_details'
        and stats.ingestion_date <= api_fetches.fetched_on

),

disagreements as (

    select
        compared.league_id,
        compared.season,
        compared.team_id,
        compared.player_id,
        players.player_name,
        case when compared.has_api_stats then 'differs from /players' else 'not in /players' end as problem,
        compared.appearances,
        coalesce(compared.api_appearances, 0) as api_appearances,
        compared.minutes_played,
        coalesce(compared.api_minutes_played, 0) as api_minutes_played,
        compared.goals,
        coalesce(compared.api_goals, 0) as api_goals,
        compared.assists,
        coalesce(compared.api_assists, 0) as api_assists,
        compared.yellow_cards,
        coalesce(compared.api_yellow_cards, 0) as api_yellow_cards,
        compared.red_cards,
        coalesce(compared.api_red_cards, 0) as api_red_cards,
        compared.rating,
        compared.api_rating
    from compared
    left join {{ ref('dim_players') }} as players
        on players.player_id = compared.player_id
    where compared.appearances <> coalesce(compared.api_appearances, 0)
        or compared.minutes_played <> coalesce(compared.api_minutes_played, 0)
        or compared.goals <> coalesce(compared.api_goals, 0)
        or compared.assists <> coalesce(compared.api_assists, 0)
        or compared.yellow_cards <> coalesce(compared.api_yellow_cards, 0)
        or compared.red_cards <> coalesce(compared.api_red_cards, 0)
        or (compared.rating is null) <> (compared.api_rating is null)
        or abs(compared.rating - compared.api_rating) > 0.000001

)

select * from disagreements
