{#-
  The four top lists of a league season (/players/topscorers, topassists, topyellowcards,
  topredcards) answer the same shape: each list's staging model is this query over its own source,
  so the four cannot drift apart. One row per player and team of the newest fetch of each league
  season: his place in the list (list_rank) and the season statistics the list gives. A player who
  played for two teams of the league has one statistics entry, and one row, per team, with the
  same list_rank.
-#}
{% macro top_players_list(relation) -%}

with

source as (

    {{ pitchlake.newest_fetches(relation, ['season', 'league_id']) }}

),

items as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['league_id', 'season', 'ingestion_date', 'filename'], 'item') }}

),

statistics as (

    {{ pitchlake.unnest_json('items', 'item', 'statistics', ['league_id', 'season', 'item_index', 'ingestion_date', 'filename', 'item'], 'statistic') }}

),

renamed as (

    select
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        item_index + 1 as list_rank,
        {{ pitchlake.json_fields('item', [
            ('player.id', 'bigint', 'player_id'),
            ('player.name', 'varchar', 'player_name'),
        ]) }},
        {{ pitchlake.json_fields('statistic', [
            ('league.id', 'bigint', 'statistic_league_id'),
            ('team.id', 'bigint', 'team_id'),
            ('team.name', 'varchar', 'team_name'),
            ('games.position', 'varchar', 'position'),
            ('games.appearences', 'integer', 'appearances'),
            ('games.minutes', 'integer', 'minutes_played'),
            ('goals.total', 'integer', 'goals'),
            ('goals.assists', 'integer', 'assists'),
            ('penalty.scored', 'integer', 'penalties_scored'),
            ('cards.yellow', 'integer', 'yellow_cards'),
            ('cards.yellowred', 'integer', 'second_yellow_cards'),
            ('cards.red', 'integer', 'red_cards'),
        ]) }},
        ingestion_date,
        filename
    from statistics

),

final as (

    select
        league_id,
        season,
        list_rank,
        player_id,
        player_name,
        team_id,
        team_name,
        position,
        appearances,
        minutes_played,
        goals,
        assists,
        penalties_scored,
        yellow_cards,
        second_yellow_cards,
        red_cards,
        ingestion_date,
        filename
    from renamed
    {# statistics of other competitions, should the API send any, belong to their own league season #}
    where coalesce(statistic_league_id, league_id) = league_id

)

select * from final
{{ pitchlake.newest_first(['league_id', 'season', 'player_id', 'team_id']) }}

{%- endmacro %}
