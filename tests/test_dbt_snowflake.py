"""The Snowflake flavour of the dbt project: offline parse, and the real Snowflake SQL run on fakesnow.

The sources are shaped like the external tables Terraform creates: one table per enabled endpoint
with a VARIANT ``value`` (the envelope of one data.json), the partition columns, ``ingestion_date``
and ``filename``. Here they are ordinary fakesnow tables loaded from the lake files, so staging
(``:`` paths, ``lateral flatten``, ``::`` casts) and the marts run as dbt-snowflake compiles them.
fakesnow cannot create dbt-snowflake's temporary tables, so the incremental run uses
``snowflake_tmp_relation_type: transient`` (what a real account may also use).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

try:  # dbt-snowflake (the snowflake extra) and fakesnow (the test extra)
    import dbt.adapters.snowflake  # noqa: F401
    import fakesnow
    import snowflake.connector
except ImportError as error:  # every test fails, naming the install step
    MISSING: ImportError | None = error
else:
    MISSING = None

from pitchlake.config import load_config
from pitchlake.dbt_sources import source_tables
from pitchlake.testing.config import SHIPPED
from pitchlake.transform import dbt_command
from pitchlake_sandbox.synthetic_lake import add_day, write_synthetic_lake

from . import tools
from .recorded_lake import RECORDED, write_recorded_lake

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(autouse=True, scope="module")
def snowflake_modules():
    if MISSING is not None:
        tools.missing(f"the Python module {MISSING.name} ({MISSING})", tools.PIP)


DATABASE = "PITCHLAKE"
RAW = "RAW"


def snowflake_env(workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SNOWFLAKE_")}
    env.update(
        SNOWFLAKE_ACCOUNT="fakesnow", SNOWFLAKE_USER="fake", SNOWFLAKE_PASSWORD="snow", SNOWFLAKE_DATABASE=DATABASE,
        PITCHLAKE_RAW_SCHEMA=RAW, PITCHLAKE_DBT_THREADS="1",  # fakesnow: one connection per database file
        DBT_TARGET_PATH=str(workdir / "dbt_target"), DBT_LOG_PATH=str(workdir / "dbt_logs"),
    )
    return env


def load_lake(db_path: Path, lakes: list[Path], *, loaded: set[Path]) -> int:
    """Create (once) a table per enabled endpoint shaped like its external table, and insert every
    data.json of the lakes not loaded yet, as the external table would list it."""
    with fakesnow.patch(db_path=db_path):
        connection = snowflake.connector.connect(database=DATABASE, schema=RAW)
        try:
            return load_tables(connection.cursor(), lakes, loaded=loaded)
        finally:
            connection.close()


def load_tables(cursor, lakes: list[Path], *, loaded: set[Path]) -> int:
    """:func:`load_lake` through any connection's cursor (fakesnow's server's, say)."""
    config = load_config(SHIPPED)
    tables = [table for tables in source_tables(config).values() for table in tables]
    count = 0
    for table in tables:
        columns = ", ".join(f"{key} {kind}" for key, kind in table.partition_types.items())
        cursor.execute(f"create table if not exists {DATABASE}.{RAW}.{table.name} "
                       f"(value variant, {columns}, ingestion_date date, filename varchar)")
        for lake in lakes:
            for path in sorted(lake.glob(table.path)):
                if path in loaded:
                    continue
                keys = dict(part.split("=", 1) for part in path.relative_to(lake).parts if "=" in part)
                values = [keys[key] for key in table.partition_keys]
                cursor.execute(
                    f"insert into {DATABASE}.{RAW}.{table.name} ({', '.join(['value', *table.partition_keys, 'ingestion_date', 'filename'])}) "
                    f"select parse_json(%s), {', '.join(['%s'] * len(values))}, %s, %s",
                    (path.read_text(), *values, keys["ingestion_date"], str(path)),
                )
                loaded.add(path)
                count += 1
    return count


def dbt_snowflake(db_path: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """``dbt <args> --target snowflake`` in a fakesnow-patched interpreter, on the database files of ``db_path``.

    ``build`` leaves out the dbt unit tests (league_table's): dbt-snowflake stages a unit test's
    inputs in a temporary table, which fakesnow cannot create ("TEMPORARY table names can only use
    the temp catalog"). They run on DuckDB (tests/test_dbt_duckdb.py) and on a real account."""
    if args[0] == "build":
        args = (*args, "--exclude-resource-type", "unit_test")
    argv = dbt_command(args[0], target="snowflake", args=args[1:], project_dir=REPO / "dbt")[1:]
    return subprocess.run([sys.executable, "-m", "fakesnow", "-d", str(db_path), "-m", "dbt.cli.main", *argv],
                          env=snowflake_env(workdir), cwd=REPO, capture_output=True, text=True, timeout=800)


def query(db_path: Path, sql: str) -> list[tuple]:
    with fakesnow.patch(db_path=db_path):
        connection = snowflake.connector.connect(database=DATABASE)
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            connection.close()


@pytest.fixture(scope="module")
def snowflake_warehouse(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dbt-snowflake")
    db_path = workdir / "fakesnow"
    db_path.mkdir()
    recorded = write_recorded_lake(workdir / "recorded")
    synthetic = write_synthetic_lake(workdir / "synthetic", leagues=1, seasons=2, cups=1, days=2, detail_rounds=6)
    loaded: set[Path] = set()
    assert load_lake(db_path, [recorded, synthetic.root], loaded=loaded) > 20
    result = dbt_snowflake(db_path, workdir, "build", "--full-refresh")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    results = json.loads((workdir / "dbt_target" / "run_results.json").read_text())["results"]
    reconciliations = {r["unique_id"].split(".")[2]: r["status"] for r in results if r["unique_id"].startswith("test.pitchlake.assert_")}
    assert reconciliations == {"assert_league_table_matches_api_standings": "pass", "assert_player_season_stats_match_api_players": "pass"}
    return db_path, workdir, synthetic, recorded, loaded


def test_parse_for_snowflake_works_offline(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SNOWFLAKE_", "PITCHLAKE_"))}
    env.update(DBT_TARGET_PATH=str(tmp_path / "target"), DBT_LOG_PATH=str(tmp_path / "logs"))
    result = subprocess.run(dbt_command("parse", target="snowflake", args=["--no-partial-parse"], project_dir=REPO / "dbt"), env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "snowflake"
    models = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert {"stg_api_football__fixtures", "fct_matches", "league_table", "fct_match_events", "dim_seasons"} <= models


def test_snowflake_staging_speaks_snowflake(snowflake_warehouse):
    _, workdir, *_ = snowflake_warehouse
    compiled = next((workdir / "dbt_target" / "compiled").rglob("stg_api_football__fixtures.sql")).read_text()
    assert "lateral flatten(input => source.value:\"response\")" in compiled
    assert 'item:"fixture"."id"::bigint as fixture_id' in compiled
    assert "json_extract" not in compiled


def test_snowflake_build_gives_the_same_tables(snowflake_warehouse):
    db_path, _, synthetic, _, _ = snowflake_warehouse
    matches = dict(query(db_path, "select league_id, count(*) from MARTS.FCT_MATCHES group by league_id"))
    assert matches[39] == 380 and matches[4] == 298
    for league in synthetic.leagues:
        assert matches[league.id] == sum(len(m) for (lid, _), m in synthetic.matches.items() if lid == league.id)
    champion = query(db_path, "select team_id, points, won, drawn, lost from MARTS.LEAGUE_TABLE where league_id = 39 and season = 2024 order by rank limit 1")
    assert [tuple(int(v) for v in row) for row in champion] == [(40, 84, 25, 9, 4)]
    (league, season), deductions = next(iter(synthetic.deductions.items()))
    (team, points), = deductions.items()
    adjustments = query(db_path, "select league_id, season, team_id, points_adjustment from MARTS.LEAGUE_TABLE where points_adjustment <> 0")
    assert [tuple(int(v) for v in row) for row in adjustments] == [(league, season, team, points)]
    events = query(db_path, "select count(*) from MARTS.FCT_MATCH_EVENTS where fixture_id = 1208397")
    fixture = json.loads((RECORDED / "fixtures/fixture_id_1208397_with_events_lineups_stats_players_footballay.json").read_text())
    assert events == [(len(fixture["response"][0]["events"]),)]
    possession = query(db_path, "select statistic_number from INTERMEDIATE.INT_API_FOOTBALL__FIXTURE_STATISTICS "
                                "where fixture_id = 1208397 and team_id = 33 and statistic_type = 'Ball Possession'")
    assert possession == [(67.0,)]
    players = query(db_path, "select height_cm, weight_kg from STAGING.STG_API_FOOTBALL__PLAYERS where player_id = 54")
    assert players == [(188, 83)]
    # season statistics summed from the match statistics: Bruno Fernandes in the recorded match
    bruno = query(db_path, "select appearances, starts, minutes_played, rating, assists, is_captain, stats_source "
                           "from MARTS.FCT_PLAYER_SEASON_STATS where player_id = 1485 and season = 2024")
    assert [(*(int(v) for v in row[:3]), float(row[3]), int(row[4]), *row[5:]) for row in bruno] == [(1, 1, 90, 9.2, 1, True, "fixture_details")]
    # the cup's details are complete (six rounds, all fetched): summed and reconciled with /players; the
    # league's are not (six rounds of 38): the API's totals
    cup = next(league for league in synthetic.leagues if league.type == "Cup")
    sources = query(db_path, "select league_id, stats_source, has_complete_match_details, count(*), "
                             "sum(case when appearances = coalesce(api_appearances, 0) and minutes_played = coalesce(api_minutes_played, 0) "
                             "and goals = coalesce(api_goals, 0) and abs(coalesce(rating - api_rating, 0)) <= 0.000001 then 1 else 0 end) "
                             f"from MARTS.FCT_PLAYER_SEASON_STATS where league_id in ({cup.id}, {synthetic.leagues[0].id}) group by all order by 1")
    assert [(int(row[0]), *row[1:3]) for row in sources] == [(synthetic.leagues[0].id, "players", False), (cup.id, "fixture_details", True)]
    assert all(int(row[3]) == int(row[4]) > 0 for row in sources)


def test_snowflake_incremental_run(snowflake_warehouse):
    db_path, workdir, synthetic, _, loaded = snowflake_warehouse
    league = synthetic.leagues[0]
    sql = (f"select count(*) from MARTS.FCT_MATCHES where league_id = {league.id} and season = {synthetic.current_season} "
           "and is_finished")
    before = query(db_path, sql)[0][0]
    add_day(synthetic)
    assert load_lake(db_path, [synthetic.root], loaded=loaded) > 0
    result = dbt_snowflake(db_path, workdir, "build", "--vars", "{snowflake_tmp_relation_type: transient}")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert query(db_path, sql)[0][0] == before + 10
    compiled = next((workdir / "dbt_target" / "compiled").rglob("fct_matches.sql")).read_text()
    assert "(league_id = " in compiled, "the league seasons the new day changed, inlined"
