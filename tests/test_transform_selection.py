"""`pitchlake transform` builds what is new in the lake: the models and tests downstream of the dbt
sources whose data.json files changed since the last successful transform of the target, nothing
when nothing did (dbt is not even started), everything the first time.

Real dbt-duckdb over a real file lake (the sandbox's clean ingest, copied into a project of its
own), in as few dbt runs as the assertions allow: one full build (the module's fixture), then in
the last test a failed build, an explicit --select, the build of the new data and a full refresh
into a second warehouse to compare it with. The build of new league seasons' data narrows the
generic data tests of the models keyed by league season to those league seasons
(dbt/macros/tests_where.sql), and only then.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from pitchlake.config import load_config
from pitchlake.lake import open_lake, quarantine
from pitchlake.testing.config import new_project
from pitchlake.transform import (
    TESTED_LEAGUE_SEASONS_ENV,
    begin_transform,
    league_season_of,
    plan_transform,
    read_state,
    state_key,
)

from .rig import ROOT

pytestmark = pytest.mark.timeout(600)

STANDINGS = "raw/standings/season=2024/league_id=39/ingestion_date=2025-01-26/data.json"
NOTHING_NEW = "nothing new in the lake since the last transform (dev); nothing to build"
#: What the plan of a build narrowed to league 39's season 2024 adds to its reason.
NARROWED = "; tests narrowed to league/season 39/2024"
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
        self.compiled = workdir / "dbt" / "target" / "compiled" / "pitchlake" / "models"

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


def read_league_seasons(sql: str) -> set[tuple[int, int]] | None:
    """The league seasons the compiled SQL of a generic test reads (tests_where.sql's filter), None
    when it reads its whole model."""
    found = re.findall(r"league_id = (\d+) and season in \(([^)]*)\)", sql)
    return {(int(league), int(season)) for league, seasons in found for season in seasons.split(",")} if found else None


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
    # ... of its league season: the tests of the models keyed by league season read only that one
    league, season = league_season_of(fixtures)
    assert plan.reason == (f"changes in fixtures (1 removed): building source:api_football.fixtures+; "
                           f"tests narrowed to league/season {league}/{season}")
    assert plan.league_seasons == ((league, season),)
    assert plan.dbt_env() == {TESTED_LEAGUE_SEASONS_ENV: f"[[{league},{season}]]"}
    lake.put(fixtures, saved)
    # two new fetches of one league season: the tests read that league season only
    new = [STANDINGS.replace("2025-01-26", "2025-01-27"), STANDINGS.replace("2025-01-26", "2025-01-28")]
    for key in new:
        lake.put(key, body)
    plan = project.plan(monkeypatch)
    assert plan.reason == "new data in standings (2 partitions): building source:api_football.standings+" + NARROWED
    assert plan.league_seasons == ((39, 2024),)
    # ... and one of another endpoint, in the config's order: a league's fetch is no league season's,
    # and no model keyed by league season reads it: the tests stay narrowed
    new.append("raw/leagues/league_id=39/ingestion_date=2025-01-27/data.json")
    lake.put(new[-1], body)
    plan = project.plan(monkeypatch)
    assert plan.reason == ("new data in leagues (1 partition), standings (2 partitions): "
                           "building source:api_football.leagues+ source:api_football.standings+" + NARROWED)
    assert plan.league_seasons == ((39, 2024),)
    # a league season's table with a file that names none: every test reads everything
    odd = STANDINGS.replace("season=2024", "season=x")
    lake.put(odd, body)
    assert (project.plan(monkeypatch).league_seasons, project.plan(monkeypatch).dbt_env()) == ((), {})
    lake.delete(odd)
    assert set(plan.fetches) - set(read_state(lake, "dev").fetches) == set(new)
    for key in new:
        lake.delete(key)
    assert project.plan(monkeypatch).select == []
    # everything: no warehouse, no state for the target, a state that is no state, --full-refresh
    # (a league season's file is new again, so each of these would narrow an incremental plan's tests: none does)
    lake.put(new[0], body)
    monkeypatch.setenv("PITCHLAKE_DUCKDB", str(project.workdir / "gone.duckdb"))
    gone = plan_transform(project.config)
    assert gone.reason == f"no warehouse at {project.workdir / 'gone.duckdb'}: building everything"
    first = plan_transform(project.config, target="snowflake")
    assert first.reason == "no transform of snowflake recorded in the lake yet: building everything"
    assert gone.league_seasons == first.league_seasons == ()
    lake.put(state_key("snowflake"), b"[]")
    corrupt = plan_transform(project.config, target="snowflake")
    lake.delete(state_key("snowflake"))
    assert corrupt.select is None and corrupt.reason.startswith("cannot read the state of the last transform (")
    assert corrupt.league_seasons == ()
    full = project.plan(monkeypatch, full_refresh=True)
    assert (full.select, full.reason, full.league_seasons) == (None, "--full-refresh: building everything", ())
    assert full.fetches == {**read_state(lake, "dev").fetches, new[0]: "api_football.standings"}
    assert project.plan(monkeypatch).league_seasons == ((39, 2024),)
    # an edited model, or another config, changes what any model may hold: everything
    model = project.workdir / "dbt" / "models" / "marts" / "league_table.sql"
    for edited in (model, project.config_path):
        saved = edited.read_bytes()
        edited.write_bytes(saved + b"\n")
        changed = project.plan(monkeypatch)
        edited.write_bytes(saved)
        assert (changed.select, changed.reason, changed.league_seasons) == (
            None, "the dbt project or the config changed since the last transform: building everything", ()), edited
    # an explicit --select is dbt's, as given, and leaves the state alone
    explicit = project.plan(monkeypatch, select=["tag:x", "+league_table"])
    assert (explicit.select, explicit.fetches, explicit.league_seasons) == (["tag:x", "+league_table"], None, ())
    # A build marks what it is given as unfinished until it succeeds, with its league seasons when
    # its tests were narrowed, none (all of them) when it builds everything ...
    saved_state = project.state()
    begin_transform(project.config, "dev", full, lake=lake)
    assert (read_state(lake, "dev").unfinished, read_state(lake, "dev").unfinished_league_seasons) == (full.tables, ())
    assert project.plan(monkeypatch).league_seasons == ()
    lake.put(state_key("dev"), saved_state)
    # ... and the next build tests them again, beside its own.
    other = STANDINGS.replace("season=2024", "season=2023")
    lake.put(other, body)
    narrowed = project.plan(monkeypatch)
    begin_transform(project.config, "dev", narrowed, lake=lake)
    assert read_state(lake, "dev").unfinished_league_seasons == ((39, 2023), (39, 2024))
    lake.delete(new[0])
    assert project.plan(monkeypatch).league_seasons == ((39, 2023), (39, 2024))
    lake.put(state_key("dev"), saved_state)
    lake.delete(other)
    assert project.plan(monkeypatch).select == []


def test_the_models_keyed_by_league_season_read_only_tables_partitioned_by_league_season(project):
    """Without dbt, from the manifest of the module's build: what lets the plan narrow the tests of
    the models listed in `league_season_models` whatever leagues' or venues' files changed (files
    keyed otherwise): none of those models reads such a table, and each has its league_id and season."""
    listed = yaml.safe_load((project.workdir / "dbt" / "dbt_project.yml").read_text())["vars"]["league_season_models"]
    manifest = json.loads((project.workdir / "dbt" / "target" / "manifest.json").read_text())
    assert len(listed) >= 10
    for name in listed:
        node = f"model.pitchlake.{name}"
        assert {"league_id", "season"} <= set(manifest["nodes"][node]["columns"]), name
        upstream, todo = set(), [node]
        while todo:
            for parent in manifest["parent_map"][todo.pop()]:
                if parent not in upstream:
                    upstream.add(parent)
                    todo.append(parent)
        sources = {parent for parent in upstream if parent.startswith("source.")}
        assert sources, name
        for source in sources:
            path = manifest["sources"][source]["config"]["meta"]["pitchlake"]["path"]
            assert "/season=" in path and "/league_id=" in path, (name, source, path)


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
    assert "new data in standings (1 partition): building source:api_football.standings+" + NARROWED in failed.stderr
    assert [node for node in project.ran("fail") if "stg_api_football__standings" in node], project.ran("fail", "error")
    after = read_state(lake, "dev")
    assert after.fetches == read_state_from(state) and after.unfinished == ("api_football.standings",)
    assert after.unfinished_league_seasons == ((39, 2024),)
    # The bad fetch is deleted (as an operator would): the lake is back to what the state says, but
    # the warehouse holds part of it, so the standings are still to be built.
    lake.delete(bad_key)
    # Its league season is still tested: the warehouse may hold what failed.
    plan = project.plan(monkeypatch)
    assert plan.reason == ("changes in standings (unfinished by a failed transform): building source:api_football.standings+"
                           + NARROWED)
    assert plan.league_seasons == ((39, 2024),)

    # 2. An explicit --select builds what it names, and only that; the state does not move.
    marked = project.state()
    explicit = project.transform("--select", "stg_api_football__leagues")
    assert explicit.returncode == 0, explicit.stdout + explicit.stderr
    assert "building --select stg_api_football__leagues as given" in explicit.stderr
    assert models(project.ran()) == {"stg_api_football__leagues"}
    assert project.state() == marked

    # 3. A new, good fetch of the standings: only the standings, what reads them and their tests.
    lake.put(STANDINGS.replace("2025-01-26", "2025-01-28"), json.dumps(envelope).encode())
    since = time.time()
    built = project.transform()
    assert built.returncode == 0, built.stdout + built.stderr
    assert ("changes in standings (1 partition, unfinished by a failed transform): building source:api_football.standings+"
            + NARROWED in built.stderr)
    ran = project.ran()
    assert {"stg_api_football__standings", "fct_standings", "league_table", "dim_teams", "dim_leagues",
            "dim_seasons"} <= models(ran)
    assert not models(ran) & {"stg_api_football__fixtures", "stg_api_football__teams", "stg_api_football__players",
                              "fct_matches", "stg_api_football__fixture_details"}
    assert any(node.startswith("test.") and "stg_api_football__standings" in node for node in ran)
    assert read_state(lake, "dev").unfinished == () and read_state(lake, "dev").unfinished_league_seasons == ()
    with duckdb.connect(str(project.duckdb), read_only=True) as connection:
        assert connection.execute("select max(ingestion_date)::varchar from staging.stg_api_football__standings"
                                  ).fetchall() == [("2025-01-28",)]
    # Its generic tests on the models keyed by league season read league 39's season 2024 only (and
    # rows without a league season), beside a test's own `where`; the other models' tests (dim_teams')
    # and the model a relationship points to read everything.
    marts = project.compiled / "marts" / "_marts__models.yml"
    staging = project.compiled / "staging" / "api_football" / "_api_football__models.yml"
    relationship = marts / "relationships_fct_standings_team_id__team_id__ref_dim_teams_.sql"
    where = next(path for path in marts.glob("expression_is_true_league_tabl*.sql") if "has_api_standings" in path.read_text())
    for test in (marts / "expression_is_true_fct_standings_played_won_drawn_lost.sql",
                 marts / "not_null_fct_standings_league_id.sql", staging / "not_null_stg_api_football__standings_season.sql",
                 relationship, where):
        sql = test.read_text()
        assert test.stat().st_mtime >= since, test
        assert read_league_seasons(sql) == {(39, 2024)}, sql
        assert sql.count("or league_id is null or season is null)") == 1, sql
    assert "where (has_api_standings) and (((league_id = 39 and season in (2024)))" in where.read_text()
    assert "dim_teams" in relationship.read_text()
    for test in ("not_null_dim_teams_team_id.sql", "unique_dim_teams_team_id.sql"):
        assert (marts / test).stat().st_mtime >= since, test
        assert read_league_seasons((marts / test).read_text()) is None, test

    # 4. ... and the warehouse is the one a full refresh builds from the same lake, table for table.
    full = project.workdir / "full" / "pitchlake.duckdb"
    refreshed = project.transform("--full-refresh", duckdb_file=full)
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert "--full-refresh: building everything" in refreshed.stderr
    selective, everything = tables_of(project.duckdb), tables_of(full)
    assert len(everything) > 15 and selective.keys() == everything.keys()
    for table, rows in everything.items():
        assert selective[table] == rows, table
    # The state now describes the other warehouse: this one may be behind it, so it is built whole.
    again = project.plan(monkeypatch)
    assert again.select is None and again.reason == f"the last transform of dev built another warehouse ({full}): building everything"


def read_state_from(document: bytes) -> dict[str, str]:
    return {key: name for name, keys in json.loads(document)["sources"].items() for key in keys}
