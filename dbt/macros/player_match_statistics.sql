{#-
  The fields of a player's statistics of one match (an entry of `statistics` in a team's `players`
  of a match: fixtures?ids= embeds them, /fixtures/players answers them) as `json_fields` takes
  them: int_api_football__fixture_player_statistics and stg_api_football__fixtures_players read
  the same shape into the same columns, so a model can switch from one to the other.
-#}
{% macro player_match_statistics_fields() -%}
  {{ return([
    ('games.minutes', 'integer', 'minutes_played'),
    ('games.number', 'integer', 'shirt_number'),
    ('games.position', 'varchar', 'position'),
    ('games.rating', 'double', 'rating'),
    ('games.captain', 'boolean', 'is_captain'),
    ('games.substitute', 'boolean', 'is_substitute'),
    ('offsides', 'integer', 'offsides'),
    ('shots.total', 'integer', 'shots'),
    ('shots.on', 'integer', 'shots_on_target'),
    ('goals.total', 'integer', 'goals'),
    ('goals.conceded', 'integer', 'goals_conceded'),
    ('goals.assists', 'integer', 'assists'),
    ('goals.saves', 'integer', 'saves'),
    ('passes.total', 'integer', 'passes'),
    ('passes.key', 'integer', 'key_passes'),
    ('passes.accuracy', 'varchar', 'passes_accuracy_text'),
    ('tackles.total', 'integer', 'tackles'),
    ('tackles.blocks', 'integer', 'blocks'),
    ('tackles.interceptions', 'integer', 'interceptions'),
    ('duels.total', 'integer', 'duels'),
    ('duels.won', 'integer', 'duels_won'),
    ('dribbles.attempts', 'integer', 'dribbles_attempted'),
    ('dribbles.success', 'integer', 'dribbles_succeeded'),
    ('dribbles.past', 'integer', 'dribbled_past'),
    ('fouls.drawn', 'integer', 'fouls_drawn'),
    ('fouls.committed', 'integer', 'fouls_committed'),
    ('cards.yellow', 'integer', 'yellow_cards'),
    ('cards.red', 'integer', 'red_cards'),
    ('penalty.won', 'integer', 'penalties_won'),
    ('penalty.commited', 'integer', 'penalties_committed'),
    ('penalty.scored', 'integer', 'penalties_scored'),
    ('penalty.missed', 'integer', 'penalties_missed'),
    ('penalty.saved', 'integer', 'penalties_saved'),
  ]) }}
{%- endmacro %}
