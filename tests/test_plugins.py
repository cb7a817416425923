"""Plugins are found through real entry points of real (tiny) distributions on sys.path; a broken
one is reported with its distribution and version while the others keep working."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

GOOD = '''
from pitchlake import hookimpl
from pitchlake.endpoints import Endpoint

@hookimpl
def register_endpoints(register):
    register(Endpoint(name="trophies_test", path="trophies", partition_keys=("team_id",),
                      params={"team": "{team_id}"}, item_schema={"type": "object"}))
'''
BROKEN_IMPORT = "import this_module_does_not_exist\n"
RAISES = '''
from pitchlake import hookimpl

@hookimpl
def register_endpoints(register):
    raise RuntimeError("boom in the plugin")
'''
CLASH = '''
from pitchlake import hookimpl
from pitchlake.endpoints import Endpoint

@hookimpl
def register_endpoints(register):
    register(Endpoint(name="fixtures", path="fixtures", partition_keys=(), params={}, item_schema={}))
'''
MISSPELT = '''
from pitchlake import hookimpl

@hookimpl
def register_endpoint(register):
    pass
'''


def make_distribution(site: Path, name: str, version: str, module: str, code: str) -> None:
    """A minimal installed distribution: a module plus a .dist-info with its entry point, which
    importlib.metadata finds on sys.path exactly as it finds a pip-installed one."""
    (site / f"{module}.py").write_text(textwrap.dedent(code))
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[pitchlake]\n{module} = {module}\n")


def plugins_json(site: Path, **env) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(site), **env}
    result = subprocess.run(
        [sys.executable, "-m", "pitchlake", "plugins", "--json"], capture_output=True, text=True, env=environment, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def site(tmp_path):
    make_distribution(tmp_path, "pitchlake-test-good", "1.2.3", "plt_good", GOOD)
    make_distribution(tmp_path, "pitchlake-test-broken", "0.0.1", "plt_broken", BROKEN_IMPORT)
    make_distribution(tmp_path, "pitchlake-test-raises", "0.0.2", "plt_raises", RAISES)
    make_distribution(tmp_path, "pitchlake-test-clash", "0.0.3", "plt_clash", CLASH)
    make_distribution(tmp_path, "pitchlake-test-misspelt", "0.0.4", "plt_misspelt", MISSPELT)
    return tmp_path


def rows(listing, kind):
    return {row["name"]: row for row in listing["plugins"] if row["kind"] == kind}


def test_builtins_are_listed_with_their_distribution():
    listing = plugins_json(Path("/nonexistent"))
    endpoints = rows(listing, "endpoint")
    assert {"leagues", "teams", "venues", "fixtures", "fixture_details", "standings", "players",
            "players_squads", "injuries", "transfers", "coachs"} <= set(endpoints)
    assert {row["distribution"] for row in endpoints.values()} == {"pitchlake"}
    assert set(rows(listing, "lake backend")) >= {"file", "s3"}
    assert listing["problems"] == []


def test_broken_plugins_are_reported_and_the_others_keep_working(site):
    listing = plugins_json(site)
    endpoints = rows(listing, "endpoint")
    assert endpoints["trophies_test"]["distribution"] == "pitchlake-test-good"
    assert endpoints["trophies_test"]["version"] == "1.2.3"
    assert endpoints["fixtures"]["distribution"] == "pitchlake"
    problems = "\n".join(listing["problems"])
    assert "pitchlake-test-broken 0.0.1 (plugin 'plt_broken') failed to import: ModuleNotFoundError" in problems
    assert "pitchlake-test-raises 0.0.2 (plugin 'plt_raises') raised in register_endpoints: RuntimeError: boom in the plugin" in problems
    assert "pitchlake-test-clash 0.0.3 (plugin 'plt_clash') registers endpoint 'fixtures', already provided by pitchlake" in problems
    assert "pitchlake-test-misspelt 0.0.4 (plugin 'plt_misspelt') was not loaded: unknown hook 'register_endpoint'" in problems
    assert len(listing["problems"]) == 4


def test_allow_list_and_block_list(site):
    only = plugins_json(site, PITCHLAKE_PLUGINS="api_football,pitchlake-test-good")
    assert "trophies_test" in rows(only, "endpoint")
    assert rows(only, "lake backend") == {}
    assert only["problems"] == []

    blocked = plugins_json(site, PITCHLAKE_DISABLE_PLUGINS="plt_good,pitchlake-test-broken")
    assert "trophies_test" not in rows(blocked, "endpoint")
    assert not any("plt_broken" in problem for problem in blocked["problems"])
