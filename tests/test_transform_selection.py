"""`pitchlake transform` builds what is new in the lake: the models and tests downstream of the dbt
sources whose data.json files changed since the last successful transform of the target, nothing
when nothing did (dbt is not even started), everything the first time.

Real dbt-duckdb over a real file lake (the sandbox's clean ingest, copied into a project of its
own), in as few dbt runs as the assertions allow: one full build (the module's fixture), then in
the last test a failed build, an explicit --select, the build of the new data and a full refresh
into a second warehouse to compare it with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pitchlake.config import load_config
from pitchlake.lake import open_lake, quarantine
from pitchlake.testing.config import new_project
from pitchlake.transform import plan_transform, read_state, state_key

from .rig import ROOT

pytestmark = pytest.mark.timeout(600)

STANDINGS = "raw/standings/season=2024/league_id=39/ingestion_date=2025-01-26/data.json"
NOTHING_NEW = "nothing new in the lake since the last transform (dev); nothing to build"
#: The warehouse tables dbt builds (the raw schema holds views over the lake).
BUILT_SCHEMAS = ("staging", "intermediate", "marts")


class Project:
    """A project of its own (its dbt/ and target/), a file lake holding a clean ingest, a warehouse."""

    def __init__(self, workdir: Path, files: dict[str, bytes]):
        self.workdir = workdir
        self.config_path = new_project(workdir, base_url="http://127.0.0.1:9", lake_uri=f"file://{workdir}/lake")
        self.config = load_config(self.config_path)
        self.lake = open_lake(self.config.lake.uri)
        for key, body in files.items():
            self.lake.put(key, body)
        self.duckdb = workdir / "warehouse" / "pitchlake.duckdb"
        self.results = workdir / "dbt" / "target" / "run_results.json"

    def transform(self, *args: str, duckdb_file: Path | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "PITCHLAKE_DUCKDB": str(duckdb_file or self.duckdb)}
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "pitchlake", "transform", "--config", str(self.config_path), *args],
                                capture_output=True, text=True, env=env, cwd=ROOT, timeout=500)
        print(f"pitchlake transform {' '.join(args)}: exit {result.returncode} in {time.monotonic() - started:.1f} s")
        return result

    def ran(self, *statuses: str) -> set[str]:
        """The unique ids of the nodes the last dbt run ran (that ended in one of ``statuses``)."""
        return {result["unique_id"] for result in json.loads(self.results.read_text())["results"]
                if not statuses or result["status"] in statuses}

    def state(self) -> bytes:
        return self.lake.read(state_key("dev"))

    def plan(self, monkeypatch, **kwargs):
        monkeypatch.setenv("PITCHLAKE_DUCKDB", str(self.duckdb))
        return plan_transform(self.config, lake=self.lake, **kwargs)


def models(nodes: set[str]) -> set[str]:
    return {node.split(".")[-1] for node in nodes if node.startswith("model.")}


def tables_of(path: Path) -> dict[str, list[tuple]]:
    """Every table dbt built in the warehouse at ``path``, its rows sorted, floats to 9 places:
    DuckDB's parallel sums add in no fixed order, so two builds of one table differ in the last bits."""
    with duckdb.connect(str(path), read_only=True) as connection:
        names = connection.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' "
            f"and table_schema in {BUILT_SCHEMAS} order by all").fetchall()
        return {f"{schema}.{name}": sorted((tuple(round(value, 9) if isinstance(value, float) else value for value in row)
                                            for row in connection.execute(f'select * from "{schema}"."{name}"').fetchall()),
                                           key=repr)
                for schema, name in names}


@pytest.fixture(scope="module")
def project(tmp_path_factory, clean_lake) -> Project:
    built = Project(tmp_path_factory.mktemp("transform-selection"), clean_lake)
    first = built.transform()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "no transform of dev recorded in the lake yet: building everything" in first.stderr
    assert first.stdout.startswith("dbt build: ")
    assert "model.pitchlake.stg_api_football__fixtures" in built.ran() and built.duckdb.exists()
    return built


def test_with_nothing_new_dbt_is_not_even_started(project):
    warehouse, results, log = project.duckdb.read_bytes(), project.results.stat().st_mtime_ns, project.state()
    again = project.transform()
    assert (again.returncode, again.stdout, again.stderr) == (0, NOTHING_NEW + "\n", "")
    # no dbt: no run results, and neither the warehouse nor the state changed
    assert project.results.stat().st_mtime_ns == results
    assert project.duckdb.read_bytes() == warehouse and project.state() == log


def test_what_counts_as_new(project, monkeypatch):
    """Without dbt: the plan of each change to the lake (each undone before the next)."""
    lake, body = project.lake, project.lake.read(STANDINGS)
    assert project.plan(monkeypatch).select == []
    # what dbt does not read is no change: a fetch dated after today (read on its day), pages of a
    # fetch under way, a disabled endpoint's fetch, anything outside raw/
    ignored = [STANDINGS.replace("2025-01-26", "2999-01-01"), STANDINGS.replace("data.json", "_pages/page-2.json"),
               "raw/coachs/team_id=40/ingestion_date=2025-01-26/data.json", "elsewhere/data.json"]
    for key in ignored:
        lake.put(key, body)
    assert project.plan(monkeypatch).select == []
    for key in ignored:
        lake.delete(key)
    # a quarantined data.json is a change of its endpoint
    fixtures = next(key for key in lake.list("raw/fixtures/") if key.endswith("/data.json"))
    saved = lake.read(fixtures)
    quarantine(lake, fixtures, "a test")
    plan = project.plan(monkeypatch)
    assert plan.select == ["source:api_football.fixtures+"]
    assert plan.reason == "changes in fixtures (1 removed): building source:api_football.fixtures+"
    lake.put(fixtures, saved)
    # two new fetches of one endpoint, one of another, in the config's order
    new = [STANDINGS.replace("2025-01-26", "2025-01-27"), STANDINGS.replace("2025-01-26", "2025-01-28"),
           "raw/leagues/league_id=39/ingestion_date=2025-01-27/data.json"]
    for key in new:
        lake.put(key, body)
    plan = project.plan(monkeypatch)
    assert plan.reason == ("new data in leagues (1 partition), standings (2 partitions): "
                           "building source:api_football.leagues+ source:api_football.standings+")
    assert set(plan.fetches) - set(read_state(lake, "dev").fetches) == set(new)
    for key in new:
        lake.delete(key)
    assert project.plan(monkeypatch).select == []
    # everything: no warehouse, no state for the target, a state that is no state, --full-refresh
    monkeypatch.setenv("PITCHLAKE_DUCKDB", str(project.workdir / "gone.duckdb"))
    assert plan_transform(project.config).reason == f"no warehouse at {project.workdir / 'gone.duckdb'}: building everything"
    assert plan_transform(project.config, target="snowflake").reason == \
        "no transform of snowflake recorded in the lake yet: building everything"
    lake.put(state_key("snowflake"), b"[]")
    corrupt = plan_transform(project.config, target="snowflake")
    lake.delete(state_key("snowflake"))
    assert corrupt.select is None and corrupt.reason.startswith("cannot read the state of the last transform (")
    full = project.plan(monkeypatch, full_refresh=True)
    assert (full.select, full.reason) == (None, "--full-refresh: building everything")
    assert full.fetches == read_state(lake, "dev").fetches
    # an edited model, or another config, changes what any model may hold: everything
    model = project.workdir / "dbt" / "models" / "marts" / "league_table.sql"
    for edited in (model, project.config_path):
        saved = edited.read_bytes()
        edited.write_bytes(saved + b"\n")
        changed = project.plan(monkeypatch)
        edited.write_bytes(saved)
        assert (changed.select, changed.reason) == (
            None, "the dbt project or the config changed since the last transform: building everything"), edited
    assert project.plan(monkeypatch).select == []
    # an explicit --select is dbt's, as given, and leaves the state alone
    explicit = project.plan(monkeypatch, select=["tag:x", "+league_table"])
    assert (explicit.select, explicit.fetches) == (["tag:x", "+league_table"], None)


def test_only_what_is_downstream_of_new_data_is_built_and_a_failed_build_is_built_again(project, monkeypatch):
    lake, state = project.lake, project.state()
    envelope = json.loads(lake.read(STANDINGS))
    # 1. A fetch the API got wrong (a team played one match more than it won, drew and lost):
    # the build of the standings fails on its test, and the state keeps what the last success saw.
    bad_key = STANDINGS.replace("2025-01-26", "2025-01-27")
    bad = json.loads(json.dumps(envelope))
    bad["response"][0]["league"]["standings"][0][0]["all"]["played"] += 1
    lake.put(bad_key, json.dumps(bad).encode())
    failed = project.transform()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "new data in standings (1 partition): building source:api_football.standings+" in failed.stderr
    assert [node for node in project.ran("fail") if "stg_api_football__standings" in node], project.ran("fail", "error")
    after = read_state(lake, "dev")
    assert after.fetches == read_state_from(state) and after.unfinished == ("api_football.standings",)
    # The bad fetch is deleted (as an operator would): the lake is back to what the state says, but
    # the warehouse holds part of it, so the standings are still to be built.
    lake.delete(bad_key)
    plan = project.plan(monkeypatch)
    assert plan.reason == "changes in standings (unfinished by a failed transform): building source:api_football.standings+"

    # 2. An explicit --select builds what it names, and only that; the state does not move.
    marked = project.state()
    explicit = project.transform("--select", "stg_api_football__leagues")
    assert explicit.returncode == 0, explicit.stdout + explicit.stderr
    assert "building --select stg_api_football__leagues as given" in explicit.stderr
    assert models(project.ran()) == {"stg_api_football__leagues"}
    assert project.state() == marked

    # 3. A new, good fetch of the standings: only the standings, what reads them and their tests.
    lake.put(STANDINGS.replace("2025-01-26", "2025-01-28"), json.dumps(envelope).encode())
    built = project.transform()
    assert built.returncode == 0, built.stdout + built.stderr
    assert ("changes in standings (1 partition, unfinished by a failed transform): building source:api_football.standings+"
            in built.stderr)
    ran = project.ran()
    assert {"stg_api_football__standings", "fct_standings", "league_table", "dim_teams", "dim_leagues",
            "dim_seasons"} <= models(ran)
    assert not models(ran) & {"stg_api_football__fixtures", "stg_api_football__teams", "stg_api_football__players",
                              "fct_matches", "stg_api_football__fixture_details"}
    assert any(node.startswith("test.") and "stg_api_football__standings" in node for node in ran)
    assert read_state(lake, "dev").unfinished == ()
    with duckdb.connect(str(project.duckdb), read_only=True) as connection:
        assert connection.execute("select max(ingestion_date)::varchar from staging.stg_api_football__standings"
                                  ).fetchall() == [("2025-01-28",)]

    # 4. ... and the warehouse is the one a full refresh builds from the same lake, table for table.
    full = project.workdir / "full" / "pitchlake.duckdb"
    refreshed = project.transform("--full-refresh", duckdb_file=full)
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert "--full-refresh: building everything" in refreshed.stderr
    selective, everything = tables_of(project.duckdb), tables_of(full)
    assert len(everything) > 15 and selective.keys() == everything.keys()
    for table, rows in everything.items():
        assert selective[table] == rows, table
    assert project.plan(monkeypatch).select == []


def read_state_from(document: bytes) -> dict[str, str]:
    return {key: name for name, keys in json.loads(document)["sources"].items() for key in keys}
