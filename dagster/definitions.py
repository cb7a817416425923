"""Dagster definitions of pitchlake: raw API-Football assets, dbt models, schedules.

Rendered by `pitchlake render dagster` from config/endpoints.json and the installed
endpoint plugins: do not edit. `pitchlake render dagster --check` fails when it is stale.
"""

from pathlib import Path

from dagster import Definitions, EnvVar, define_asset_job
from dagster_dbt import DbtCliResource, DbtProject

from pitchlake_dagster.runtime import (
    ApiFootballResource,
    LakeResource,
    PitchlakeResource,
    current_season_schedule,
    dbt_models,
    endpoint_asset,
    freshness_checks,
    season_league_partitions,
)

#: The project folder: this module is its dagster/definitions.py.
ROOT = Path(__file__).resolve().parents[1]

PARTITIONS = season_league_partitions(
    seasons=["2024", "2026"],
    leagues=["39"],
)
CURRENT_SEASON = "2026"

raw_leagues = endpoint_asset(
    "leagues",
    partitions_def=PARTITIONS,
    api_path="leagues",
    refresh="daily",
    description="A league with all its seasons and their coverage flags.",
)
raw_teams = endpoint_asset(
    "teams",
    partitions_def=PARTITIONS,
    api_path="teams",
    refresh="daily",
    description="The teams of a league season, with their home venue.",
)
raw_fixtures = endpoint_asset(
    "fixtures",
    partitions_def=PARTITIONS,
    api_path="fixtures",
    refresh="daily",
    description="Every match of a league season, with its status and score.",
)
raw_venues = endpoint_asset(
    "venues",
    partitions_def=PARTITIONS,
    api_path="venues",
    refresh="daily",
    description="The venues of each country that has a league of the scope.",
    deps=[raw_leagues],
)
raw_fixture_details = endpoint_asset(
    "fixture_details",
    partitions_def=PARTITIONS,
    api_path="fixtures",
    refresh="daily",
    description="Finished matches with their events, lineups, team and player statistics, fetched once each.",
    deps=[raw_fixtures, raw_leagues],
)
raw_standings = endpoint_asset(
    "standings",
    partitions_def=PARTITIONS,
    api_path="standings",
    refresh="daily",
    description="The league table(s) of a league season.",
    deps=[raw_leagues],
)
raw_players = endpoint_asset(
    "players",
    partitions_def=PARTITIONS,
    api_path="players",
    refresh="daily",
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
dbt_project.prepare_if_dev()
dbt_assets = dbt_models(dbt_project)

current_season = define_asset_job("current_season", selection=RAW_ASSETS)

defs = Definitions(
    assets=[*RAW_ASSETS, dbt_assets],
    asset_checks=freshness_checks(RAW_ASSETS, current_season=CURRENT_SEASON),
    jobs=[current_season],
    schedules=[
        current_season_schedule(
            current_season,
            cron_schedule="0 6 * * *",
            season=CURRENT_SEASON,
            partitions_def=PARTITIONS,
        ),
    ],
    resources={
        "pitchlake": PitchlakeResource(
            config_path=str(ROOT / "config/endpoints.json"),
            lake=LakeResource(uri=EnvVar("PITCHLAKE_LAKE")),
            api=ApiFootballResource(api_key=EnvVar("FOOTBALL_API_KEY")),
        ),
        "dbt": DbtCliResource(project_dir=dbt_project),
    },
)
