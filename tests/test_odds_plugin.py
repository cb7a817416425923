"""pitchlake-odds end to end, as a user meets it (issue 19): `pip install pitchlake-odds` into a
fresh virtualenv, enable its four endpoints in config/endpoints.json, and everything pitchlake
derives follows with no other edit: `plugins`, the item schemas against API-Football's own
description, `ingest` of the keyless lists, the Dagster definitions, the state machine, the
Snowflake external tables, the dbt sources, the staging models and the fct_match_odds_1x2 mart,
which dbt builds and tests on DuckDB over a lake holding the real /odds sample. Then `pip
uninstall` it, take it out of the config, render again: the project's rendered files are the ones
it had before, byte for byte.

The virtualenv is made as tests/test_external_plugin.py makes its own (``plugin_venv``: a fresh
one that borrows the shared environment's dependencies through a ``.pth`` line, pitchlake and the
plugin pip-installed as wheels).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from pitchlake.project import init

from .test_external_plugin import ROOT, pip, plugin_venv, run

PLUGIN = ROOT / "plugins" / "pitchlake-odds"
#: Real answers of the four paths (tests/data/api-football-docs/odds/, copied into the package's tests).
SAMPLES = PLUGIN / "tests" / "samples" / "odds"
ENDPOINTS = ("odds", "odds_mapping", "odds_bookmakers", "odds_bets")
#: The day of the real /odds sample's match (fixture 1378041, Serie A 2025, kick-off 2026-01-04 11:30 UTC).
KEY, TODAY, EARLIER = "sandbox-key", "2026-01-04", "2026-01-01"
MATCH, DROPPED = 1378041, 1378040
#: What a run writes into the project (dbt's target and logs); everything else is rendered or init's.
RUN_PRODUCTS = ("dbt/target/", "dbt/logs/", "dbt/.user.yml")

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtualenv with pitchlake and pitchlake-odds pip-installed into it."""
    return plugin_venv(tmp_path_factory.mktemp("odds-plugin"), PLUGIN, "pitchlake_odds")


def project_files(project: Path) -> dict[str, bytes]:
    """Every file of the project but the config and what a run writes."""
    files = {}
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if path.is_file() and relative != "config/endpoints.json" and "__pycache__" not in relative \
                and not relative.startswith(RUN_PRODUCTS):
            files[relative] = path.read_bytes()
    return files


def write_fetch(lake: Path, endpoint: str, partition: str, date: str, document: dict) -> Path:
    path = lake / "raw" / endpoint / partition / f"ingestion_date={date}" / "data.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(document))
    return path


def odds_lake(lake: Path) -> dict:
    """The real /odds answer as the league season's fetch of TODAY, and a fetch of EARLIER made
    from it (test data): the same match with other prices, and a match the API has since deleted.
    Returns the real answer's item."""
    real = json.loads((SAMPLES / "odds.json").read_text())
    item = real["response"][0]
    before = copy.deepcopy(item)
    for bookmaker in before["bookmakers"]:
        for bet in bookmaker["bets"]:
            for value in bet["values"]:
                value["odd"] = f"{float(value['odd']) + 0.5:.2f}"
    dropped = copy.deepcopy(item)
    dropped["fixture"].update(id=DROPPED, date="2026-01-03T19:45:00+00:00", timestamp=1767469500)
    earlier = {**real, "parameters": {"league": "135", "season": "2025"}, "results": 2, "response": [before, dropped]}
    write_fetch(lake, "odds", "season=2025/league_id=135", EARLIER, earlier)
    write_fetch(lake, "odds", "season=2025/league_id=135", TODAY, real)
    write_fetch(lake, "odds_mapping", "", TODAY, json.loads((SAMPLES / "mapping.json").read_text()))
    return item


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A new project with compose and terraform; the lake and the warehouse live beside it."""
    project = tmp_path / "project"
    init(project, extra=("compose", "terraform"))
    return project


def test_install_enable_render_transform_uninstall(venv, workdir, sandbox_factory):
    before = project_files(workdir)
    config = workdir / "config" / "endpoints.json"
    document = json.loads(config.read_text())
    document["endpoints"] += [{"plugin": name} for name in ENDPOINTS]
    config.write_text(json.dumps(document, indent=2) + "\n")
    lake, warehouse = workdir.parent / "lake", workdir.parent / "warehouse.duckdb"
    sandbox = sandbox_factory(data=[SAMPLES], today=TODAY, keys=(KEY,), per_minute=6000, per_day=100000)
    env = {"FOOTBALL_API_KEY": KEY, "API_FOOTBALL_BASE_URL": sandbox.url, "PITCHLAKE_TODAY": TODAY,
           "PITCHLAKE_LAKE": f"file://{lake}"}

    def pitchlake(*args: str) -> subprocess.CompletedProcess:
        return run(venv, "pitchlake", *args, "--config", "config/endpoints.json", cwd=workdir, env=env)

    # The plugin's own tests (the contract kit: the real /odds answer was asked by fixture, so the
    # kit skips odds, which the plugin's own test checks), and in the same run pitchlake's checks of
    # every installed endpoint against API-Football's OpenAPI description and a real answer of its
    # path, and of the paths the built-ins leave to other packages.
    own = run(venv, "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "-k", "odds or left_out_on_purpose",
              "tests", str(ROOT / "tests" / "test_openapi_catalogue.py"), cwd=venv.parent / "pitchlake-odds")
    summary = re.search(r"(\d+) passed", own.stdout)
    assert own.returncode == 0 and summary and int(summary[1]) >= 57 + 2 * len(ENDPOINTS), own.stdout + own.stderr
    assert "skipped" not in own.stdout, own.stdout  # the kit checks odds on its stand-in sample

    # pitchlake plugins: the four endpoints, with their distribution, and nothing broken.
    listing = json.loads(pitchlake("plugins", "--json").stdout)
    assert [row for row in listing["plugins"] if row.get("distribution") == "pitchlake-odds"] == [
        {"kind": "endpoint", "name": name, "distribution": "pitchlake-odds", "version": "0.1.0", "plugin": "odds"}
        for name in sorted(ENDPOINTS)]
    assert listing["problems"] == []

    # The keyless lists: one request each, from the sandbox serving the real answers; then fresh for a month.
    selection = ("--endpoint", "odds_bookmakers", "--endpoint", "odds_bets")
    ingest = pitchlake("ingest", *selection, "--json")
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert json.loads(ingest.stdout)["api_requests"] == 2
    for name in ("odds_bookmakers", "odds_bets"):
        assert (lake / "raw" / name / f"ingestion_date={TODAY}" / "data.json").is_file()
    after = json.loads(pitchlake("plan", *selection, "--json").stdout)
    assert after["tasks"] == [] and {skip["endpoint"] for skip in after["skipped"]} == {"odds_bookmakers", "odds_bets"}
    item = odds_lake(lake)

    # Every rendered artifact gains the endpoints.
    for adapter in ("dagster", "stepfunctions", "dbt"):
        rendered = pitchlake("render", adapter)
        assert rendered.returncode == 0, rendered.stderr
        assert pitchlake("render", adapter, "--check").returncode == 0
    definitions = (workdir / "dagster" / "definitions.py").read_text()
    compile(definitions, "definitions.py", "exec")
    asl = (workdir / "terraform" / "modules" / "workflow" / "state_machine.asl.json").read_text()
    tables = json.loads((workdir / "terraform" / "modules" / "snowflake" / "endpoints.json").read_text())["endpoints"]
    sources = (workdir / "dbt" / "models" / "staging" / "_sources.yml").read_text()
    for name in ENDPOINTS:
        assert f"raw_{name} = endpoint_asset(" in definitions and f'"{name}"' in definitions, name
        assert f'"{name}"' in asl, name
        assert tables[name]["plugin"] == name and tables[name]["location"] == f"raw/{name}/", tables[name]
        assert f"      - name: {name}\n" in sources, name
    assert tables["odds"] == {"plugin": "odds", "location": "raw/odds/", "partition_keys": ["season", "league_id"],
                              "partition_types": {"season": "INT", "league_id": "INT"}}
    assert "  - name: odds\n" in sources
    models = workdir / "dbt" / "models" / "staging" / "odds"
    assert sorted(path.name for path in models.iterdir()) == [
        "_odds__models.yml", "fct_match_odds_1x2.sql", "stg_odds__odds.sql", "stg_odds__odds_bets.sql",
        "stg_odds__odds_bookmakers.sql", "stg_odds__odds_mapping.sql"]
    assert (models / "fct_match_odds_1x2.sql").read_text().startswith("{# Generated by pitchlake from plugin odds (pitchlake-odds)")

    # dbt builds the plugin's models and runs their tests over the lake: the staging models and the mart.
    dbt = run(venv, "python", "-m", "dbt.cli.main", "build", "--project-dir", "dbt", "--profiles-dir", "dbt",
              "--select", "path:models/staging/odds", cwd=workdir,
              env={**env, "PITCHLAKE_DUCKDB": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    assert dbt.returncode == 0, dbt.stdout[-4000:] + dbt.stderr[-2000:]
    bookmakers = len(item["bookmakers"])
    prices = sum(len(bet["values"]) for bookmaker in item["bookmakers"] for bet in bookmaker["bets"])
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        def query(sql: str) -> list[tuple]:
            return connection.execute(sql).fetchall()

        # each match from the newest fetch that holds it: the real prices of TODAY, the deleted match of EARLIER
        assert query("select fixture_id, ingestion_date::varchar, count(*), count(distinct bookmaker_id), min(season), min(league_id) "
                     "from staging.stg_odds__odds group by all order by fixture_id") == [
            (DROPPED, EARLIER, prices, bookmakers, 2025, 135), (MATCH, TODAY, prices, bookmakers, 2025, 135)]
        assert query(f"select home_odd, draw_odd, away_odd, round(bookmaker_margin, 9), round(home_probability, 9) "
                     f"from marts.fct_match_odds_1x2 where fixture_id = {MATCH} and bookmaker_name = '10Bet'") == [
            (3.55, 3.05, 2.24, round(1 / 3.55 + 1 / 3.05 + 1 / 2.24 - 1, 9), round((1 / 3.55) / (1 / 3.55 + 1 / 3.05 + 1 / 2.24), 9))]
        assert query("select count(*), count(distinct fixture_id) from marts.fct_match_odds_1x2") == [(2 * bookmakers, 2)]
        assert query("select count(*) from staging.stg_odds__odds_mapping") == [(100,)]
        assert query("select count(*) from staging.stg_odds__odds_bookmakers") == [(31,)]
        assert query("select count(*), count(bet_name) from staging.stg_odds__odds_bets") == [(327, 326)]

    # Uninstalled, the config that enables it is invalid, and says which plugin is missing.
    pip(venv, "uninstall", "--yes", "pitchlake-odds")
    invalid = pitchlake("validate")
    assert invalid.returncode == 2
    index = len(document["endpoints"]) - len(ENDPOINTS)
    assert (f"config/endpoints.json: /endpoints/{index}/plugin: no installed plugin provides endpoint odds; installed: "
            in invalid.stderr), invalid.stderr
    listing = json.loads(pitchlake("plugins", "--json").stdout)
    assert not [row for row in listing["plugins"] if row["name"] in ENDPOINTS]

    # Taken out of the config, every rendered file is stale until rendered again; then the project
    # is the one init wrote, byte for byte: nothing of the plugin remains.
    document["endpoints"] = [entry for entry in document["endpoints"] if entry["plugin"] not in ENDPOINTS]
    config.write_text(json.dumps(document, indent=2) + "\n")
    stale = pitchlake("render", "dbt", "--check")
    assert stale.returncode == 1
    assert "dbt/models/staging/odds/fct_match_odds_1x2.sql: no longer rendered; `pitchlake render` deletes it" in stale.stdout
    for adapter in ("dagster", "stepfunctions", "dbt"):
        assert pitchlake("render", adapter, "--check").returncode == 1, adapter
        assert pitchlake("render", adapter).returncode == 0, adapter
    assert not models.exists(), "render deletes the files of an uninstalled plugin, and their folder"
    after_uninstall = project_files(workdir)
    assert sorted(set(after_uninstall) ^ set(before)) == []
    assert [name for name in before if after_uninstall[name] != before[name]] == []
