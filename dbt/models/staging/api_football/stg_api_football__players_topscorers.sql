{{ config(enabled=pitchlake.endpoints_enabled('players_topscorers')) }}

{#-
  One row per player and team of a league season's /players/topscorers list (the API's
  first 20 players by goals), from the newest fetch of the league season (macros/top_players_list.sql).
-#}

{{ pitchlake.top_players_list(source('api_football', 'players_topscorers')) }}
