{{ config(enabled=pitchlake.endpoints_enabled('fixtures_players')) }}

{#-
  One row per player of a team's statistics of a finished match (every player of the match sheet,
  an unused substitute included, with null minutes and rating), from the newest /fixtures/players
  fetch of the match: the columns of int_api_football__fixture_player_statistics (the same
  statistics, read from fixture_details), so a model can switch from one to the other. The API
  gives each player one `statistics` entry per match; only the first is read. The response names
  no match: its id, league and season are the partition's.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'fixtures_players'), ['season', 'league_id', 'fixture_id']) }}

),

team_entries as (

    {{ pitchlake.unnest_json('source', 'value', 'response', ['fixture_id', 'league_id', 'season', 'ingestion_date', 'filename'], 'team_entry') }}

),

teams as (

    select
        cast(fixture_id as bigint) as fixture_id,
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        {{ pitchlake.json_fields('team_entry', [('team.id', 'bigint', 'team_id')]) }},
        team_entry,
        ingestion_date,
        filename
    from team_entries

),

player_entries as (

    {{ pitchlake.unnest_json('teams', 'team_entry', 'players', ['fixture_id', 'league_id', 'season', 'team_id', 'ingestion_date', 'filename'], 'player_entry') }}

),

player_statistics as (

    {{ pitchlake.unnest_json('player_entries', 'player_entry', 'statistics', ['fixture_id', 'league_id', 'season', 'team_id', 'ingestion_date', 'filename', 'player_entry', 'player_entry_index'], 'statistic') }}

),

renamed as (

    select
        fixture_id,
        league_id,
        season,
        team_id,
        player_entry_index as player_index,
        {{ pitchlake.json_fields('player_entry', [
            ('player.id', 'bigint', 'player_id'),
            ('player.name', 'varchar', 'player_name'),
        ]) }},
        {{ pitchlake.json_fields('statistic', pitchlake.player_match_statistics_fields()) }},
        ingestion_date,
        filename
    from player_statistics
    where statistic_index = 0

),

typed as (

    select
        fixture_id,
        league_id,
        season,
        team_id,
        player_index,
        player_id,
        player_name,
        shirt_number,
        position,
        is_substitute,
        is_captain,
        minutes_played,
        rating,
        offsides,
        shots,
        shots_on_target,
        goals,
        assists,
        goals_conceded,
        saves,
        passes,
        key_passes,
        {# the number of accurate passes, as a string ("13"); try_cast: never fail a build on a stray "%" #}
        try_cast(passes_accuracy_text as integer) as accurate_passes,
        tackles,
        blocks,
        interceptions,
        duels,
        duels_won,
        dribbles_attempted,
        dribbles_succeeded,
        dribbled_past,
        fouls_drawn,
        fouls_committed,
        yellow_cards,
        red_cards,
        penalties_won,
        penalties_committed,
        penalties_scored,
        penalties_missed,
        penalties_saved,
        ingestion_date,
        filename
    from renamed

)

select * from typed
{{ pitchlake.newest_first(['fixture_id', 'team_id', 'player_index']) }}
