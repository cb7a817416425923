{#-
  The fields of a match event (an item of the fixture details' `events`, or of /fixtures/events),
  as `json_fields` takes them: int_api_football__fixture_events and stg_api_football__fixtures_events
  read the same shape into the same columns.
-#}
{% macro match_event_fields() -%}
  {{ return([
    ('time.elapsed', 'integer', 'elapsed_minutes'),
    ('time.extra', 'integer', 'extra_minutes'),
    ('team.id', 'bigint', 'team_id'),
    ('team.name', 'varchar', 'team_name'),
    ('player.id', 'bigint', 'player_id'),
    ('player.name', 'varchar', 'player_name'),
    ('assist.id', 'bigint', 'assist_player_id'),
    ('assist.name', 'varchar', 'assist_player_name'),
    ('type', 'varchar', 'event_type'),
    ('detail', 'varchar', 'event_detail'),
    ('comments', 'varchar', 'comments'),
  ]) }}
{%- endmacro %}
