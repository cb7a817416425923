"""pitchlake in a Dagster project of one's own: :func:`pitchlake_dagster.definitions`, the ``dg``
component, and the example project ``examples/football_analytics`` (a ``dg`` project with an asset
of its own downstream of ``league_table``), set up as its README says and run for real: the
sandbox as API-Football, a file lake, dbt-duckdb, Dagster in-process.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

import pitchlake_dagster
from pitchlake.config import load_config
from pitchlake.planner import Selection
from pitchlake.runner import ingest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "football_analytics"
DATA = ROOT / "tests" / "data" / "api-football"
BIN = Path(sys.executable).parent
TODAY = "2025-01-26"
SECRET = "pl-factory-SECRET-0123456789"
TITLE_RACE = dg.AssetKey("title_race")


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"pitchlake_definitions_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The example project as a user sets it up: copied, then ``pitchlake init`` in it (which keeps
    its README), on a plan whose per-minute limit does not slow the sandbox down."""
    project = tmp_path_factory.mktemp("user") / "football_analytics"
    shutil.copytree(EXAMPLE, project)
    readme = (project / "README.md").read_bytes()
    initialised = subprocess.run([sys.executable, "-m", "pitchlake", "init"], cwd=project, capture_output=True,
                                 text=True, timeout=120)
    assert initialised.returncode == 0, initialised.stdout + initialised.stderr
    assert "kept the folder's own README.md" in initialised.stdout and (project / "README.md").read_bytes() == readme
    config = project / "config" / "endpoints.json"
    document = json.loads(config.read_text())
    document["api"]["limits"] = {"per_day": 100000, "per_minute": 6000}
    config.write_text(json.dumps(document, indent=2) + "\n")
    return project


@pytest.fixture(scope="module")
def loaded(example):
    """The same project's definitions three ways: its ``dg`` defs folder (the component and the
    team's asset), the factory, and the module ``pitchlake render dagster`` wrote."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
        patch.syspath_prepend(str(example / "src"))
        component = dg.load_from_defs_folder(path_within_project=example / "src" / "football_analytics")
        factory = pitchlake_dagster.definitions(config=example / "config" / "endpoints.json")
        rendered = load_module(example / "dagster" / "definitions.py").defs
        yield {"component": component, "factory": factory, "rendered": rendered}


def shape(defs: dg.Definitions) -> dict:
    """What a code location offers, comparable across definitions objects."""
    graph = defs.resolve_asset_graph()
    keys = sorted(graph.get_all_asset_keys() - {TITLE_RACE})

    def partitions(key):
        partitions_def = graph.get(key).partitions_def
        return None if partitions_def is None else (type(partitions_def).__name__, partitions_def.get_partition_keys())

    return {
        "assets": {key.to_user_string(): (partitions(key), sorted(graph.get(key).parent_keys), graph.get(key).group_name,
                                          graph.get(key).backfill_policy) for key in keys},
        "checks": sorted((key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys),
        "schedules": sorted((schedule.name, schedule.cron_schedule, sorted(schedule.job.selection.resolve(graph)))
                            for schedule in defs.schedules),
        "resources": {name: type(resource).__name__ for name, resource in defs.resources.items()},
        "executor": defs.executor.name,
    }


def test_the_factory_and_the_component_build_what_the_rendered_module_holds(loaded):
    rendered = shape(loaded["rendered"])
    assert len(rendered["assets"]) > 20 and rendered["schedules"] and rendered["checks"]
    assert rendered["resources"] == {"pitchlake": "PitchlakeResource", "dbt": "DbtCliResource"}
    assert shape(loaded["factory"]) == rendered
    assert shape(loaded["component"]) == rendered


def test_the_component_is_listed_by_dg_from_the_installed_entry_point():
    from dagster.components.core.package_entry import discover_entry_point_package_objects

    found = {(key.namespace, key.name): value for key, value in discover_entry_point_package_objects().items()}
    assert found[("pitchlake_dagster", "PitchlakeComponent")] is pitchlake_dagster.PitchlakeComponent


def test_the_reconciliation_is_an_asset_check_of_league_table(loaded):
    checks = {key.name for key in loaded["factory"].resolve_asset_graph().asset_check_keys
              if key.asset_key == dg.AssetKey(["marts", "league_table"])}
    assert "assert_league_table_matches_api_standings" in checks


def test_the_daemon_evaluates_the_freshness_checks_hourly_without_a_materialisation(loaded):
    defs = loaded["factory"]
    keys = [key for key in defs.resolve_asset_graph().asset_check_keys if key.name == "freshness"]
    freshness = dg.AssetSelection.checks(*keys)
    start = datetime(2026, 11, 30, 10, 30)
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs, instance, asset_selection=freshness, evaluation_time=start)
        assert first.total_requested == 0  # no hour has passed since the first evaluation
        later = dg.evaluate_automation_conditions(defs, instance, asset_selection=freshness, cursor=first.cursor,
                                                  evaluation_time=start + timedelta(hours=1))
        # the selection holds the seven checks alone: they run, and no raw asset is materialised for them
        assert len(keys) == 7 and later.total_requested == 7


def test_the_example_projects_own_asset_reads_the_league_table(example, loaded, sandbox_factory, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no warehouse here but the one the run builds
    sandbox = sandbox_factory(data=[DATA], today=TODAY, keys=(SECRET,), per_minute=6000, per_day=100000)
    for name, value in {"FOOTBALL_API_KEY": SECRET, "PITCHLAKE_TODAY": TODAY, "API_FOOTBALL_BASE_URL": sandbox.url,
                        "PITCHLAKE_LAKE": f"file://{tmp_path}/lake", "PITCHLAKE_DUCKDB": str(tmp_path / "pitchlake.duckdb"),
                        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}.items():
        monkeypatch.setenv(name, value)
    config = load_config(example / "config" / "endpoints.json")
    assert ingest(config, Selection(endpoints=tuple(entry.name for entry in config.endpoints))).exit_code == 0

    defs = loaded["component"]
    # everything but the raw assets: the dbt models (their relationship tests need every mart) and the team's own
    downstream = dg.AssetSelection.all() - dg.AssetSelection.groups("raw")
    with dg.instance_for_test() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=list(downstream.resolve(defs.resolve_asset_graph())))
    assert result.success
    built = {event.asset_key: event.materialization.metadata for event in result.get_asset_materialization_events()}
    races = built[TITLE_RACE]["races"].value
    assert {"league_id": 39, "season": 2024, "leader_team_id": 40, "lead": 10} in races  # Liverpool, by 10 points
    assert built[TITLE_RACE]["dagster/row_count"].value == len(races)
    assert built[dg.AssetKey(["marts", "league_table"])]["dagster/row_count"].value >= 20, "dbt tables report row counts"
    checks = {check.check_name: check.passed for check in result.get_asset_check_evaluations()
              if check.asset_key == dg.AssetKey(["marts", "league_table"])}
    assert checks.get("assert_league_table_matches_api_standings") is True
