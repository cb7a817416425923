{{ config(enabled=pitchlake.endpoints_enabled('players_topassists')) }}

{#-
  One row per player and team of a league season's /players/topassists list (the API's
  first 20 players by assists), from the newest fetch of the league season (macros/top_players_list.sql).
-#}

{{ pitchlake.top_players_list(source('api_football', 'players_topassists')) }}
