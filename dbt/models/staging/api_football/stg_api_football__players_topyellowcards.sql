{{ config(enabled=pitchlake.endpoints_enabled('players_topyellowcards')) }}

{#-
  One row per player and team of a league season's /players/topyellowcards list (the API's
  first 20 players by yellow cards), from the newest fetch of the league season (macros/top_players_list.sql).
-#}

{{ pitchlake.top_players_list(source('api_football', 'players_topyellowcards')) }}
