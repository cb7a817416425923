"""The marts are incremental by league season (dbt/macros/incremental_marts.sql): after one more
day of data, an incremental build rebuilds only the league seasons that received data, and every
mart equals, row for row, what a build from scratch of the same lake gives. On DuckDB and on
Snowflake (fakesnow)."""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pitchlake.config import load_config
from pitchlake.testing.config import new_project
from pitchlake.transform import run_dbt
from pitchlake_sandbox.synthetic_lake import SyntheticLake, add_day, write_synthetic_lake

from .test_dbt_snowflake import MISSING, dbt_snowflake, load_lake, query

pytestmark = pytest.mark.timeout(600)

#: mart -> its materialization: the facts and the league table by league season, the dimensions as tables
MARTS = {
    "fct_matches": "incremental", "fct_match_events": "incremental", "fct_standings": "incremental",
    "fct_player_season_stats": "incremental", "league_table": "incremental",
    "dim_leagues": "table", "dim_seasons": "table", "dim_teams": "table", "dim_players": "table", "dim_venues": "table",
}
#: league-season mart -> the endpoints whose data it is computed from
LEAGUE_SEASON_MARTS = {
    "fct_matches": ["fixtures"], "fct_match_events": ["fixture_details"], "fct_standings": ["standings"],
    "fct_player_season_stats": ["fixture_details", "fixtures", "players"], "league_table": ["fixtures", "standings"],
}
LOOKBACK_DAYS = 3


def small_lake(root: Path) -> SyntheticLake:
    """A league and a cup, two seasons each. Five days of the current season: the closed seasons'
    backfill (the two days before) is then outside the lookback window (3 days) of the next day."""
    return write_synthetic_lake(root, leagues=1, cups=1, seasons=2, days=5, detail_rounds=2)


def fetched_league_seasons(lake: SyntheticLake, endpoints: list[str], since: date) -> set[tuple[int, int]]:
    """The league seasons with a data.json of ``endpoints`` fetched on or after ``since``."""
    fetched = set()
    for endpoint in endpoints:
        for path in (lake.root / "raw" / endpoint).glob("season=*/league_id=*/ingestion_date=*/data.json"):
            keys = dict(part.split("=", 1) for part in path.parts if "=" in part)
            if date.fromisoformat(keys["ingestion_date"]) >= since:
                fetched.add((int(keys["league_id"]), int(keys["season"])))
    return fetched


def expected_filter(league_seasons: list[tuple[int, int]]) -> str:
    """What macros/incremental_marts.sql's league_season_filter inlines for these league seasons."""
    by_league: dict[int, list[int]] = {}
    for league, season in sorted(league_seasons):
        by_league.setdefault(league, []).append(season)
    return "(" + " or ".join(f"(league_id = {league} and season in ({', '.join(map(str, seasons))}))"
                             for league, seasons in sorted(by_league.items())) + ")"


def filtered_league_seasons(sql: str) -> set[tuple[int, int]]:
    """Every league season a compiled model's league-season filters name."""
    return {(int(league), int(season)) for league, seasons in re.findall(r"\(league_id = (\d+) and season in \(([\d, ]+)\)\)", sql)
            for season in seasons.split(", ")}


def normalized(rows: list[tuple]) -> list[tuple]:
    """Rows comparable across builds: floats rounded to 9 places (parallel sums differ in the last
    bits), Decimals as floats, sorted with nulls first."""
    def value(v):
        if isinstance(v, (float, Decimal)):
            return round(float(v), 9)
        return v
    rows = [tuple(value(v) for v in row) for row in rows]
    return sorted(rows, key=lambda row: tuple((v is not None, str(type(v)), v if v is not None else 0) for v in row))


def build_seconds(results_path: Path) -> dict[str, float]:
    results = json.loads(results_path.read_text())
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"] if r["unique_id"].startswith("model.")} | {
        "(total)": results["elapsed_time"]}


# --------------------------------------------------------------------------------------------
# DuckDB


class Warehouse:
    """A config over ``lake`` and the DuckDB file dbt builds from it (in ``workdir``)."""

    def __init__(self, workdir: Path, lake: Path):
        self.workdir = workdir
        self.duckdb = workdir / "warehouse" / "pitchlake.duckdb"
        self.env = {"PITCHLAKE_DUCKDB": str(self.duckdb), "DBT_TARGET_PATH": str(workdir / "dbt_target"),
                    "DBT_LOG_PATH": str(workdir / "dbt_logs"), "PITCHLAKE_DBT_THREADS": "2"}
        self.config = load_config(new_project(workdir, base_url="http://127.0.0.1:9", lake_uri=f"file://{lake}"))

    def build(self, *, full_refresh: bool = False) -> float:
        started = time.perf_counter()
        assert run_dbt(self.config, full_refresh=full_refresh, args=["--quiet"], env=self.env) == 0, "dbt build failed (see the output above)"
        return time.perf_counter() - started

    def compiled(self, model: str) -> str:
        return next((self.workdir / "dbt_target" / "compiled").rglob(f"{model}.sql")).read_text()

    def seconds(self) -> dict[str, float]:
        return build_seconds(self.workdir / "dbt_target" / "run_results.json")


def test_duckdb_incremental_marts_equal_a_full_rebuild(tmp_path):
    lake = small_lake(tmp_path / "lake")
    warehouse = Warehouse(tmp_path / "incremental", lake.root)
    first = warehouse.build()
    manifest = json.loads((warehouse.workdir / "dbt_target" / "manifest.json").read_text())
    materialized = {node["name"]: node["config"]["materialized"] for node in manifest["nodes"].values() if node["name"] in MARTS}
    assert materialized == MARTS

    day = add_day(lake)
    incremental = warehouse.build()
    incremental_models = warehouse.seconds()
    # each mart rebuilt the league seasons of its endpoints fetched within the lookback window of
    # what it held (the day before), and no other: the current seasons, not the closed ones
    # (fetched before the window); fct_match_events only the league's, the cup's matches were all
    # over (and their details fetched) before the window
    since = day - timedelta(days=1 + LOOKBACK_DAYS)
    current = {(league.id, lake.current_season) for league in lake.leagues}
    for mart, endpoints in LEAGUE_SEASON_MARTS.items():
        changed = fetched_league_seasons(lake, endpoints, since)
        assert changed and changed <= current, mart
        sql = warehouse.compiled(mart)
        assert expected_filter(changed) in sql, mart
        assert filtered_league_seasons(sql) == changed, mart
    assert fetched_league_seasons(lake, ["fixture_details"], since) == {(lake.leagues[0].id, lake.current_season)}

    rebuilt = Warehouse(tmp_path / "rebuilt", lake.root)
    full = rebuilt.build(full_refresh=True)
    print(f"\nDuckDB, {lake.fixtures} fixtures: first build {first:.1f}s, incremental build after one day {incremental:.1f}s, "
          f"full rebuild {full:.1f}s (dbt build, tests included)")
    full_models = rebuilt.seconds()
    for model in [*MARTS, "(total)"]:
        print(f"  {model:28} incremental {incremental_models.get(model, 0):6.2f}s  full {full_models.get(model, 0):6.2f}s")

    with duckdb.connect() as connection:
        connection.execute(f"attach '{warehouse.duckdb}' as incremental (read_only)")
        connection.execute(f"attach '{rebuilt.duckdb}' as rebuilt (read_only)")
        for mart in MARTS:
            columns = [row[0] for row in connection.execute(
                "select column_name from information_schema.columns where table_catalog = 'rebuilt' "
                "and table_schema = 'marts' and table_name = ? order by ordinal_position", [mart]).fetchall()]
            assert columns, mart
            select = ", ".join(f'"{column}"' for column in columns)
            ours = connection.execute(f"select {select} from incremental.marts.{mart}").fetchall()
            theirs = connection.execute(f"select {select} from rebuilt.marts.{mart}").fetchall()
            assert theirs, mart
            assert normalized(ours) == normalized(theirs), mart


# --------------------------------------------------------------------------------------------
# Snowflake (fakesnow)


def test_snowflake_incremental_marts_equal_a_full_rebuild(tmp_path):
    """The same on fakesnow, as cheaply as it allows: a first build, one more day, an incremental
    build (increments staged in transient tables: fakesnow cannot create temporary ones), then the
    marts alone rebuilt from scratch (`--full-refresh --select marts`) over the same staging, and
    compared with the incremental ones. Every mart runs its incremental strategy on fakesnow."""
    if MISSING is not None:
        pytest.fail(f"the Python module {MISSING.name} is missing ({MISSING})", pytrace=False)
    db_path = tmp_path / "fakesnow"
    db_path.mkdir()
    lake = small_lake(tmp_path / "lake")
    loaded: set[Path] = set()
    assert load_lake(db_path, [lake.root], loaded=loaded) > 10
    result = dbt_snowflake(db_path, tmp_path, "build", "--full-refresh")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]

    add_day(lake)
    assert load_lake(db_path, [lake.root], loaded=loaded) > 0
    started = time.perf_counter()
    result = dbt_snowflake(db_path, tmp_path, "build", "--vars", "{snowflake_tmp_relation_type: transient}")
    incremental = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    since = lake.last_day - timedelta(days=1 + LOOKBACK_DAYS)
    for mart, endpoints in LEAGUE_SEASON_MARTS.items():
        compiled = next((tmp_path / "dbt_target" / "compiled").rglob(f"{mart}.sql")).read_text()
        assert filtered_league_seasons(compiled) == fetched_league_seasons(lake, endpoints, since), mart

    def marts() -> dict[str, list[tuple]]:
        tables = {}
        for mart in MARTS:
            columns = [row[0] for row in query(db_path, "select column_name from PITCHLAKE.INFORMATION_SCHEMA.COLUMNS "
                                                        f"where table_schema = 'MARTS' and table_name = '{mart.upper()}' order by ordinal_position")]
            assert columns, mart
            tables[mart] = normalized(query(db_path, f"select {', '.join(columns)} from PITCHLAKE.MARTS.{mart.upper()}"))
        return tables

    incremental_marts = marts()
    started = time.perf_counter()
    result = dbt_snowflake(db_path, tmp_path, "run", "--full-refresh", "--select", "marts")
    full = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    refreshed = json.loads((tmp_path / "dbt_target" / "run_results.json").read_text())["results"]
    assert {r["unique_id"].split(".")[-1] for r in refreshed if r["unique_id"].startswith("model.") and r["status"] == "success"} == set(MARTS)
    print(f"\nfakesnow: incremental build {incremental:.1f}s (dbt build, staging and tests included), "
          f"marts from scratch {full:.1f}s (dbt run)")
    rebuilt = marts()
    for mart in MARTS:
        assert rebuilt[mart], mart
        assert incremental_marts[mart] == rebuilt[mart], mart
