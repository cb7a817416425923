{{
    config(
        enabled=pitchlake.endpoints_enabled('odds'),
        schema='marts',
        materialized='table',
    )
}}

{%- set match_winner_bet_id = 1 %}

{#-
  One row per match and bookmaker: the bookmaker's pre-match 1X2 odds (bet Match Winner, id 1),
  the probabilities they imply (1 / odd, normalised to sum to 1: the margin taken out in
  proportion) and the bookmaker's margin (the overround, sum of 1 / odd minus 1), from the newest
  fetch that holds the match (its closing odds, once played). Only bookmakers that price all three
  outcomes, each above 1, are kept.

  A mart shipped by the pitchlake-odds plugin: `pitchlake render dbt` copies every model of a
  plugin into models/staging/<source>/ (here models/staging/odds/), so this one sets the marts'
  schema and materialization itself.
-#}

with

match_winner_odds as (

    select * from {{ ref('stg_odds__odds') }}
    where bet_id = {{ match_winner_bet_id }}

),

bookmaker_prices as (

    select
        fixture_id,
        league_id,
        season,
        kickoff_at,
        bookmaker_id,
        bookmaker_name,
        max(case when bet_value = 'Home' then odd end) as home_odd,
        max(case when bet_value = 'Draw' then odd end) as draw_odd,
        max(case when bet_value = 'Away' then odd end) as away_odd,
        max(odds_updated_at) as odds_updated_at,
        max(ingestion_date) as ingestion_date
    from match_winner_odds
    group by fixture_id, league_id, season, kickoff_at, bookmaker_id, bookmaker_name

),

complete_prices as (

    select * from bookmaker_prices
    where home_odd > 1 and draw_odd > 1 and away_odd > 1

),

implied_probabilities as (

    select
        *,
        1 / home_odd as home_implied,
        1 / draw_odd as draw_implied,
        1 / away_odd as away_implied,
        1 / home_odd + 1 / draw_odd + 1 / away_odd as implied_total
    from complete_prices

),

final as (

    select
        fixture_id,
        league_id,
        season,
        kickoff_at,
        bookmaker_id,
        bookmaker_name,
        home_odd,
        draw_odd,
        away_odd,
        home_implied / implied_total as home_probability,
        draw_implied / implied_total as draw_probability,
        away_implied / implied_total as away_probability,
        implied_total - 1 as bookmaker_margin,
        odds_updated_at,
        ingestion_date
    from implied_probabilities

)

select * from final
