{{
    config(
        enabled=pitchlake.endpoints_enabled('players'),
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['league_id', 'season'],
        on_schema_change='append_new_columns',
    )
}}

{#-
  One row per player, league season and team he played for in it (a player transferred mid-season
  has one row per team), with his profile and season statistics: the newest fetch of each league
  season replaces the previous one as a whole.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'players'), ['season', 'league_id']) }}

),

items as (

    {{ pitchlake.unnest_json_fields('source', 'value', 'response', ['league_id', 'season', 'ingestion_date', 'filename'], 'item', [
        ('player.id', 'bigint', 'player_id'),
        ('player.name', 'varchar', 'player_name'),
        ('player.firstname', 'varchar', 'first_name'),
        ('player.lastname', 'varchar', 'last_name'),
        ('player.birth.date', 'date', 'birth_date'),
        ('player.birth.place', 'varchar', 'birth_place'),
        ('player.birth.country', 'varchar', 'birth_country'),
        ('player.nationality', 'varchar', 'nationality'),
        ('player.height', 'varchar', 'height'),
        ('player.weight', 'varchar', 'weight'),
        ('player.photo', 'varchar', 'photo_url'),
        ('statistics', 'json', 'statistics'),
    ]) }}

),

statistics as (

    {{ pitchlake.unnest_json_fields('items', 'statistics', none, ['league_id', 'season', 'ingestion_date', 'filename', 'player_id', 'player_name', 'first_name', 'last_name', 'birth_date', 'birth_place', 'birth_country', 'nationality', 'height', 'weight', 'photo_url'], 'statistic', [
        ('league.id', 'bigint', 'statistic_league_id'),
        ('team.id', 'bigint', 'team_id'),
        ('team.name', 'varchar', 'team_name'),
        ('games.position', 'varchar', 'position'),
        ('games.number', 'integer', 'shirt_number'),
        ('games.captain', 'boolean', 'is_captain'),
        ('games.appearences', 'integer', 'appearances'),
        ('games.lineups', 'integer', 'starts'),
        ('games.minutes', 'integer', 'minutes_played'),
        ('games.rating', 'double', 'rating'),
        ('substitutes.in', 'integer', 'substituted_in'),
        ('substitutes.out', 'integer', 'substituted_out'),
        ('substitutes.bench', 'integer', 'on_bench'),
        ('shots.total', 'integer', 'shots'),
        ('shots.on', 'integer', 'shots_on_target'),
        ('goals.total', 'integer', 'goals'),
        ('goals.assists', 'integer', 'assists'),
        ('goals.conceded', 'integer', 'goals_conceded'),
        ('goals.saves', 'integer', 'saves'),
        ('passes.total', 'integer', 'passes'),
        ('passes.key', 'integer', 'key_passes'),
        ('passes.accuracy', 'integer', 'pass_accuracy'),
        ('tackles.total', 'integer', 'tackles'),
        ('tackles.blocks', 'integer', 'blocks'),
        ('tackles.interceptions', 'integer', 'interceptions'),
        ('duels.total', 'integer', 'duels'),
        ('duels.won', 'integer', 'duels_won'),
        ('dribbles.attempts', 'integer', 'dribbles_attempted'),
        ('dribbles.success', 'integer', 'dribbles_succeeded'),
        ('fouls.drawn', 'integer', 'fouls_drawn'),
        ('fouls.committed', 'integer', 'fouls_committed'),
        ('cards.yellow', 'integer', 'yellow_cards'),
        ('cards.yellowred', 'integer', 'second_yellow_cards'),
        ('cards.red', 'integer', 'red_cards'),
        ('penalty.scored', 'integer', 'penalties_scored'),
        ('penalty.missed', 'integer', 'penalties_missed'),
        ('penalty.saved', 'integer', 'penalties_saved'),
    ]) }}

),

renamed as (

    select
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        player_id,
        player_name,
        first_name,
        last_name,
        birth_date,
        birth_place,
        birth_country,
        nationality,
        height,
        weight,
        photo_url,
        statistic_league_id,
        team_id,
        team_name,
        position,
        shirt_number,
        is_captain,
        appearances,
        starts,
        minutes_played,
        rating,
        substituted_in,
        substituted_out,
        on_bench,
        shots,
        shots_on_target,
        goals,
        assists,
        goals_conceded,
        saves,
        passes,
        key_passes,
        pass_accuracy,
        tackles,
        blocks,
        interceptions,
        duels,
        duels_won,
        dribbles_attempted,
        dribbles_succeeded,
        fouls_drawn,
        fouls_committed,
        yellow_cards,
        second_yellow_cards,
        red_cards,
        penalties_scored,
        penalties_missed,
        penalties_saved,
        ingestion_date,
        filename
    from statistics

),

typed as (

    select
        player_id,
        league_id,
        season,
        team_id,
        team_name,
        player_name,
        first_name,
        last_name,
        birth_date,
        birth_place,
        birth_country,
        nationality,
        try_cast(replace(height, ' cm', '') as integer) as height_cm,
        try_cast(replace(weight, ' kg', '') as integer) as weight_kg,
        photo_url,
        position,
        shirt_number,
        is_captain,
        appearances,
        starts,
        minutes_played,
        rating,
        substituted_in,
        substituted_out,
        on_bench,
        shots,
        shots_on_target,
        goals,
        assists,
        goals_conceded,
        saves,
        passes,
        key_passes,
        pass_accuracy,
        tackles,
        blocks,
        interceptions,
        duels,
        duels_won,
        dribbles_attempted,
        dribbles_succeeded,
        fouls_drawn,
        fouls_committed,
        yellow_cards,
        second_yellow_cards,
        red_cards,
        penalties_scored,
        penalties_missed,
        penalties_saved,
        ingestion_date,
        filename
    from renamed
    where team_id is not null
        {# statistics of other competitions, should the API send any, belong to their own league season #}
        and coalesce(statistic_league_id, league_id) = league_id

),

deduplicated as (

    select * from typed
    {{ pitchlake.newest_first(['player_id', 'league_id', 'season', 'team_id']) }}

)

select * from deduplicated
where {{ pitchlake.keep_newest('deduplicated', ['league_id', 'season']) }}
