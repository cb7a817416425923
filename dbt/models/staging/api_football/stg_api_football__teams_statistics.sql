{{ config(enabled=pitchlake.endpoints_enabled('teams_statistics')) }}

{#-
  One row per team and league season, from the newest /teams/statistics fetch of the team in the
  league season: its results, goals, clean sheets, form, streaks and penalties. The response is one
  object (the statistics themselves), not a list of items, so its fields are read from the envelope;
  an answer without statistics (the API then sends an empty list) has no row. The goals and cards
  by 15-minute band, the goal lines and the formations stay in the lake.
-#}

with

source as (

    {{ pitchlake.newest_fetches(source('api_football', 'teams_statistics'), ['season', 'league_id', 'team_id']) }}

),

renamed as (

    select
        cast(league_id as bigint) as league_id,
        cast(season as integer) as season,
        cast(team_id as bigint) as team_id,
        {{ pitchlake.json_fields('value', [
            ('response.team.id', 'bigint', 'response_team_id'),
            ('response.team.name', 'varchar', 'team_name'),
            ('response.league.name', 'varchar', 'league_name'),
            ('response.form', 'varchar', 'form'),
            ('response.fixtures.played.total', 'integer', 'played'),
            ('response.fixtures.wins.total', 'integer', 'won'),
            ('response.fixtures.draws.total', 'integer', 'drawn'),
            ('response.fixtures.loses.total', 'integer', 'lost'),
            ('response.goals.for.total.total', 'integer', 'goals_for'),
            ('response.goals.against.total.total', 'integer', 'goals_against'),
            ('response.fixtures.played.home', 'integer', 'home_played'),
            ('response.fixtures.wins.home', 'integer', 'home_won'),
            ('response.fixtures.draws.home', 'integer', 'home_drawn'),
            ('response.fixtures.loses.home', 'integer', 'home_lost'),
            ('response.goals.for.total.home', 'integer', 'home_goals_for'),
            ('response.goals.against.total.home', 'integer', 'home_goals_against'),
            ('response.fixtures.played.away', 'integer', 'away_played'),
            ('response.fixtures.wins.away', 'integer', 'away_won'),
            ('response.fixtures.draws.away', 'integer', 'away_drawn'),
            ('response.fixtures.loses.away', 'integer', 'away_lost'),
            ('response.goals.for.total.away', 'integer', 'away_goals_for'),
            ('response.goals.against.total.away', 'integer', 'away_goals_against'),
            ('response.goals.for.average.total', 'varchar', 'goals_for_average_text'),
            ('response.goals.against.average.total', 'varchar', 'goals_against_average_text'),
            ('response.clean_sheet.total', 'integer', 'clean_sheets'),
            ('response.clean_sheet.home', 'integer', 'home_clean_sheets'),
            ('response.clean_sheet.away', 'integer', 'away_clean_sheets'),
            ('response.failed_to_score.total', 'integer', 'failed_to_score'),
            ('response.failed_to_score.home', 'integer', 'home_failed_to_score'),
            ('response.failed_to_score.away', 'integer', 'away_failed_to_score'),
            ('response.biggest.streak.wins', 'integer', 'longest_winning_streak'),
            ('response.biggest.streak.draws', 'integer', 'longest_drawing_streak'),
            ('response.biggest.streak.loses', 'integer', 'longest_losing_streak'),
            ('response.biggest.wins.home', 'varchar', 'biggest_home_win'),
            ('response.biggest.wins.away', 'varchar', 'biggest_away_win'),
            ('response.biggest.loses.home', 'varchar', 'biggest_home_loss'),
            ('response.biggest.loses.away', 'varchar', 'biggest_away_loss'),
            ('response.biggest.goals.for.home', 'integer', 'most_goals_for_home'),
            ('response.biggest.goals.for.away', 'integer', 'most_goals_for_away'),
            ('response.biggest.goals.against.home', 'integer', 'most_goals_against_home'),
            ('response.biggest.goals.against.away', 'integer', 'most_goals_against_away'),
            ('response.penalty.total', 'integer', 'penalties_taken'),
            ('response.penalty.scored.total', 'integer', 'penalties_scored'),
            ('response.penalty.missed.total', 'integer', 'penalties_missed'),
        ]) }},
        ingestion_date,
        filename
    from source

),

typed as (

    select
        league_id,
        season,
        team_id,
        team_name,
        league_name,
        form,
        played,
        won,
        drawn,
        lost,
        goals_for,
        goals_against,
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
        {#- "1.4" -> 1.4; try_cast: never fail a build on a stray string #}
        try_cast(goals_for_average_text as double) as goals_for_average,
        try_cast(goals_against_average_text as double) as goals_against_average,
        clean_sheets,
        home_clean_sheets,
        away_clean_sheets,
        failed_to_score,
        home_failed_to_score,
        away_failed_to_score,
        longest_winning_streak,
        longest_drawing_streak,
        longest_losing_streak,
        biggest_home_win,
        biggest_away_win,
        biggest_home_loss,
        biggest_away_loss,
        most_goals_for_home,
        most_goals_for_away,
        most_goals_against_home,
        most_goals_against_away,
        penalties_taken,
        penalties_scored,
        penalties_missed,
        ingestion_date,
        filename
    from renamed
    {# an answer without statistics (response: []) names no team #}
    where response_team_id is not null

)

select * from typed
{{ pitchlake.newest_first(['league_id', 'season', 'team_id']) }}
