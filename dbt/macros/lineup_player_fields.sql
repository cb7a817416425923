{#-
  The fields of a player of a team's match sheet (an item of a lineup's `startXI` or `substitutes`,
  in the fixture details or /fixtures/lineups), as `json_fields` takes them:
  int_api_football__fixture_lineups and stg_api_football__fixtures_lineups read the same shape into
  the same columns.
-#}
{% macro lineup_player_fields() -%}
  {{ return([
    ('player.id', 'bigint', 'player_id'),
    ('player.name', 'varchar', 'player_name'),
    ('player.number', 'integer', 'shirt_number'),
    ('player.pos', 'varchar', 'position'),
    ('player.grid', 'varchar', 'grid_position'),
  ]) }}
{%- endmacro %}
