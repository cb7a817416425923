"""Dagster definitions of pitchlake: raw API-Football assets, dbt models, schedules.

Rendered by `pitchlake render dagster` from config/endpoints.json and the installed
endpoint plugins: do not edit. `pitchlake render dagster --check` fails when it is stale.
"""

from pathlib import Path

from dagster_dbt import DbtProject

from pitchlake_dagster.runtime import (
    code_location,
    endpoint_asset,
    ingest_schedule,
    partitions,
)

#: The project folder: this module is its dagster/definitions.py.
ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "config/endpoints.json")

#: Each endpoint is partitioned by its own keys, with the values the config gives them.
BY_LEAGUE_ID = partitions(
    league_id=["39"],
)
BY_LEAGUE_ID_SEASON = partitions(
    league_id=["39"],
    season=["2024", "2026"],
)

raw_leagues = endpoint_asset(
    "leagues",
    partitions=BY_LEAGUE_ID,
    api_path="leagues",
    refresh="weekly",
    description="A league with all its seasons and their coverage flags.",
)
raw_teams = endpoint_asset(
    "teams",
    partitions=BY_LEAGUE_ID_SEASON,
    api_path="teams",
    refresh="weekly",
    description="The teams of a league season, with their home venue.",
)
raw_fixtures = endpoint_asset(
    "fixtures",
    partitions=BY_LEAGUE_ID_SEASON,
    api_path="fixtures",
    refresh="daily",
    description="Every match of a league season, with its status and score.",
)
raw_venues = endpoint_asset(
    "venues",
    partitions=BY_LEAGUE_ID,
    api_path="venues",
    refresh="weekly",
    description="The venues of each country that has a league of the scope.",
    deps=[raw_leagues],
)
raw_fixture_details = endpoint_asset(
    "fixture_details",
    partitions=BY_LEAGUE_ID_SEASON,
    api_path="fixtures",
    refresh="daily",
    description="Finished matches with their events, lineups, team and player statistics, fetched once each.",
    deps=[raw_fixtures, raw_leagues],
)
raw_standings = endpoint_asset(
    "standings",
    partitions=BY_LEAGUE_ID_SEASON,
    api_path="standings",
    refresh="weekly",
    description="The league table(s) of a league season.",
    deps=[raw_fixtures, raw_leagues],
)
raw_players = endpoint_asset(
    "players",
    partitions=BY_LEAGUE_ID_SEASON,
    api_path="players",
    refresh="monthly",
    description="Every player of a league season with his season statistics (20 a page).",
    deps=[raw_leagues],
)

RAW_ASSETS = [
    raw_leagues,
    raw_teams,
    raw_fixtures,
    raw_venues,
    raw_fixture_details,
    raw_standings,
    raw_players,
]

dbt_project = DbtProject(project_dir=ROOT / "dbt", profiles_dir=ROOT / "dbt")

defs = code_location(
    RAW_ASSETS,
    schedules=[
        ingest_schedule(
            "ingest_by_league_id",
            assets=[raw_leagues, raw_venues],
            cron_schedule="0 6 * * *",
            config_path=CONFIG,
        ),
        ingest_schedule(
            "ingest_by_league_id_season",
            assets=[
                raw_teams,
                raw_fixtures,
                raw_fixture_details,
                raw_standings,
                raw_players,
            ],
            cron_schedule="0 6 * * *",
            config_path=CONFIG,
        ),
    ],
    config_path=CONFIG,
    dbt_project=dbt_project,
)
