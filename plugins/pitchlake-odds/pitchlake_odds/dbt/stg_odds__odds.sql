{{
    config(
        enabled=pitchlake.endpoints_enabled('odds'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='fixture_id',
        on_schema_change='append_new_columns',
    )
}}

{#-
  One row per match, bookmaker, bet and value of the pre-match odds (Home 3.55 of Match Winner at
  10Bet), from the newest fetch that holds the match. Shipped by the pitchlake-odds plugin;
  `pitchlake render dbt` copies it into models/staging/odds/.

  The API offers a match's odds from about 14 days before it and deletes them some days after, so
  the newest fetch of a league season holds only the matches around its day: every fetch is read
  (on incremental runs, those of the lookback window), not only the newest of each partition, and
  each match keeps the rows of the newest fetch that holds it (its closing odds, once played).
  Incremental by match: a fetch replaces the rows of the matches it holds, and leaves the others.
-#}

with

source as (

    select * from {{ source('odds', 'odds') }}
    where {{ pitchlake.lookback_filter() }}

),

matches as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['ingestion_date', 'filename'], 'item') }}

),

match_odds as (

    select
        {{ pitchlake.json_fields('item', [
            ('fixture.id', 'bigint', 'fixture_id'),
            ('league.id', 'bigint', 'league_id'),
            ('league.season', 'integer', 'season'),
            ('fixture.date', 'timestamp_tz', 'kickoff_at'),
            ('update', 'timestamp_tz', 'odds_updated_at'),
        ]) }},
        item,
        ingestion_date,
        filename
    from matches

),

newest_match_odds as (

    select * from match_odds
    {{ pitchlake.newest_first(['fixture_id']) }}

),

bookmakers as (

    {{ pitchlake.unnest_json('newest_match_odds', 'item', 'bookmakers',
        ['fixture_id', 'league_id', 'season', 'kickoff_at', 'odds_updated_at', 'ingestion_date', 'filename'], 'bookmaker') }}

),

bookmaker_bets as (

    select
        fixture_id,
        league_id,
        season,
        kickoff_at,
        odds_updated_at,
        bookmaker_index,
        {{ pitchlake.json_fields('bookmaker', [
            ('id', 'bigint', 'bookmaker_id'),
            ('name', 'varchar', 'bookmaker_name'),
        ]) }},
        bookmaker,
        ingestion_date,
        filename
    from bookmakers

),

bets as (

    {{ pitchlake.unnest_json('bookmaker_bets', 'bookmaker', 'bets',
        ['fixture_id', 'league_id', 'season', 'kickoff_at', 'odds_updated_at', 'bookmaker_index', 'bookmaker_id',
         'bookmaker_name', 'ingestion_date', 'filename'], 'bet') }}

),

bet_prices as (

    select
        fixture_id,
        league_id,
        season,
        kickoff_at,
        odds_updated_at,
        bookmaker_index,
        bookmaker_id,
        bookmaker_name,
        bet_index,
        {{ pitchlake.json_fields('bet', [
            ('id', 'bigint', 'bet_id'),
            ('name', 'varchar', 'bet_name'),
        ]) }},
        bet,
        ingestion_date,
        filename
    from bets

),

prices as (

    {{ pitchlake.unnest_json('bet_prices', 'bet', 'values',
        ['fixture_id', 'league_id', 'season', 'kickoff_at', 'odds_updated_at', 'bookmaker_index', 'bookmaker_id',
         'bookmaker_name', 'bet_index', 'bet_id', 'bet_name', 'ingestion_date', 'filename'], 'price') }}

),

renamed as (

    select
        fixture_id,
        league_id,
        season,
        kickoff_at,
        bookmaker_id,
        bookmaker_name,
        bet_id,
        bet_name,
        {{ pitchlake.json_fields('price', [
            ('value', 'varchar', 'bet_value'),
            ('odd', 'double', 'odd'),
        ]) }},
        odds_updated_at,
        ingestion_date,
        filename,
        bookmaker_index,
        bet_index,
        price_index
    from prices

),

{#- A value the API lists twice for a bookmaker's bet keeps its first place in the answer. -#}
deduplicated as (

    select * from renamed
    qualify row_number() over (
        partition by fixture_id, bookmaker_id, bet_id, bet_value
        order by bookmaker_index, bet_index, price_index
    ) = 1

),

final as (

    select
        fixture_id,
        league_id,
        season,
        kickoff_at,
        bookmaker_id,
        bookmaker_name,
        bet_id,
        bet_name,
        bet_value,
        odd,
        odds_updated_at,
        ingestion_date,
        filename
    from deduplicated
    where {{ pitchlake.keep_newest('deduplicated', ['fixture_id']) }}

)

select * from final
