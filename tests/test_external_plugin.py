"""An external endpoint plugin end to end, as a user meets it: `pip install pitchlake-trophies`
into a fresh virtualenv, enable it in config/endpoints.json, and everything pitchlake derives
follows with no other edit: `plugins`, `plan`, `ingest`, the Dagster definitions, the state
machine, the Snowflake external tables, the dbt sources and a staging model dbt builds. Then
`pip uninstall` it, and the config names the plugin that is missing.

The virtualenv is real and empty but for a ``.pth`` line that lends it the shared environment's
dependencies (dbt, duckdb, jsonschema, ...): pitchlake and the plugin are pip-installed into it
(wheels, not editable), so the test sees what a user's installation sees. Rendering runs in a
project of the test's own (`pitchlake init --with compose,terraform`), never on the committed files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pitchlake.project import init

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "plugins" / "pitchlake-trophies"
RECORDED = ROOT / "tests" / "data" / "api-football"
TROPHIES_DATA = PLUGIN / "pitchlake_trophies" / "sandbox_data"
KEY, TODAY = "sandbox-key", "2025-01-26"
#: The recorded Premier League 2024 clubs, whose trophies the plugin's sandbox data holds.
TEAMS = 20

pytestmark = pytest.mark.timeout(600)


def _copy_source(source: Path, target: Path) -> Path:
    """A copy to build from: pip builds a local project in place, and the checkout is not ours to write."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info", "build", ".venv*", "pitchlake-*", "target", "logs"))
    return target


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtualenv with pitchlake and pitchlake-trophies pip-installed into it."""
    return plugin_venv(tmp_path_factory.mktemp("external-plugin"), PLUGIN, "pitchlake_trophies")


def plugin_venv(base: Path, plugin: Path, module: str) -> Path:
    """A fresh virtualenv in ``base`` with pitchlake and the plugin distribution at ``plugin``
    pip-installed into it as a user installs them (wheels built from copies). The shared
    environment lends it the dependencies through a ``.pth`` line: installing them again would
    take minutes and test nothing of ours."""
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    lent = [entry for entry in sys.path if Path(entry).name == "site-packages"]
    (site / "_shared_dependencies.pth").write_text("".join(f"{entry}\n" for entry in lent))
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("core", "plugins"):
        _copy_source(ROOT / name, src / name)
    pip(venv, "install", "--no-deps", str(src), str(_copy_source(plugin, base / plugin.name)))  # one pip: a second costs seconds
    where = run(venv, "python", "-c", f"import pitchlake, {module}; print(pitchlake.__file__, {module}.__file__)")
    assert where.stdout.count(str(site)) == 2, where.stdout  # installed here, not borrowed from the shared environment
    return venv


def pip(venv: Path, *args: str) -> None:
    result = subprocess.run([venv / "bin" / "python", "-m", "pip", "--quiet", *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def run(venv: Path, program: str, *args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "PITCHLAKE_PLUGINS", "PITCHLAKE_DISABLE_PLUGINS", "PITCHLAKE_CONFIG")}
    environment.update(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", **(env or {}))
    return subprocess.run([str(venv / "bin" / program), *args], capture_output=True, text=True, cwd=cwd, env=environment, check=False)


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A new project with compose and terraform, trophies enabled in the config, and limits a
    sandbox run does not wait on."""
    init(tmp_path, extra=("compose", "terraform"))
    config = tmp_path / "config" / "endpoints.json"
    document = json.loads(config.read_text())
    document["api"]["limits"] = {"per_day": 100000, "per_minute": 6000}
    document["endpoints"].append({"plugin": "trophies"})
    config.write_text(json.dumps(document, indent=2) + "\n")
    return tmp_path


def test_install_enable_ingest_render_transform_uninstall(venv, workdir, sandbox_factory):
    sandbox = sandbox_factory(data=[RECORDED, TROPHIES_DATA], today=TODAY, keys=(KEY,), per_minute=6000, per_day=100000)
    env = {"FOOTBALL_API_KEY": KEY, "API_FOOTBALL_BASE_URL": sandbox.url, "PITCHLAKE_TODAY": TODAY,
           "PITCHLAKE_LAKE": f"file://{workdir / 'lake'}"}

    def pitchlake(*args: str) -> subprocess.CompletedProcess:
        return run(venv, "pitchlake", *args, "--config", "config/endpoints.json", cwd=workdir, env=env)

    # The plugin's own tests: the contract kit and the pitchlake fixtures, from pitchlake's pytest plugin.
    own = run(venv, "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=venv.parent / "pitchlake-trophies")
    assert own.returncode == 0 and "15 passed" in own.stdout and "skipped" not in own.stdout, own.stdout + own.stderr

    # pitchlake plugins: listed, with its distribution, and nothing broken.
    listing = json.loads(pitchlake("plugins", "--json").stdout)
    trophies = [row for row in listing["plugins"] if row["name"] == "trophies"]
    assert trophies == [{"kind": "endpoint", "name": "trophies", "distribution": "pitchlake-trophies", "version": "0.1.0", "plugin": "trophies"}]
    assert listing["problems"] == []

    # plan: trophies waits for the teams it derives from; ingest fetches both; a second plan is empty.
    # the recorded 2024 season, whose clubs the plugin's sandbox data knows (not the current, synthetic one)
    selection = ("--endpoint", "teams", "--endpoint", "trophies", "--season", "2024")
    before = pitchlake("plan", *selection, "--json")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["deferred"] == ["trophies"]
    ingest = pitchlake("ingest", *selection, "--json")
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert json.loads(ingest.stdout)["api_requests"] == 1 + TEAMS
    assert sandbox.stats()["by_endpoint"]["trophies"] == TEAMS
    written = sorted((workdir / "lake" / "raw" / "trophies").glob(f"team_id=*/ingestion_date={TODAY}/data.json"))
    assert [path.parts[-3] for path in written] == sorted(f"team_id={item['team']['id']}" for item in json.loads(
        (RECORDED / "teams" / "pl_39_2024_footballay.json").read_text())["response"])
    after = json.loads(pitchlake("plan", *selection, "--json").stdout)
    assert after["estimated_requests"] == 0 and after["tasks"] == []

    # Every rendered artifact gains the endpoint.
    for adapter in ("dagster", "stepfunctions", "dbt"):
        rendered = pitchlake("render", adapter)
        assert rendered.returncode == 0, rendered.stderr
        assert pitchlake("render", adapter, "--check").returncode == 0
    definitions = (workdir / "dagster" / "definitions.py").read_text()
    assert "raw_trophies = endpoint_asset(" in definitions and '"trophies"' in definitions
    compile(definitions, "definitions.py", "exec")
    asl = (workdir / "terraform" / "modules" / "workflow" / "state_machine.asl.json").read_text()
    assert "--endpoint" in asl and '"trophies"' in asl
    tables = json.loads((workdir / "terraform" / "modules" / "snowflake" / "endpoints.json").read_text())
    assert tables["endpoints"]["trophies"] == {"plugin": "trophies", "location": "raw/trophies/", "partition_keys": ["team_id"],
                                              "partition_types": {"team_id": "INT"}}
    sources = (workdir / "dbt" / "models" / "staging" / "_sources.yml").read_text()
    assert "  - name: trophies\n" in sources and "      - name: trophies\n" in sources
    staging = workdir / "dbt" / "models" / "staging" / "trophies" / "stg_trophies__trophies.sql"
    assert staging.read_text().startswith("{# Generated by pitchlake from plugin trophies (pitchlake-trophies)")

    # dbt parses the project with the plugin's model in it and builds it (with its tests) over the lake.
    warehouse = workdir / "warehouse.duckdb"
    dbt = run(venv, "python", "-m", "dbt.cli.main", "build", "--project-dir", "dbt", "--profiles-dir", "dbt",
              "--select", "stg_trophies__trophies", cwd=workdir,
              env={**env, "PITCHLAKE_DUCKDB": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    assert dbt.returncode == 0, dbt.stdout[-4000:] + dbt.stderr[-2000:]
    expected = sum(json.loads(path.read_text())["results"] for path in written)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute("select count(*), count(distinct team_id) from staging.stg_trophies__trophies").fetchone()
    assert rows == (expected, TEAMS)

    # Uninstalled, the config that enables it is invalid, and says which plugin is missing.
    pip(venv, "uninstall", "--yes", "pitchlake-trophies")
    invalid = pitchlake("validate")
    assert invalid.returncode == 2
    index = len(json.loads((workdir / "config" / "endpoints.json").read_text())["endpoints"]) - 1
    assert (f"config/endpoints.json: /endpoints/{index}/plugin: no installed plugin provides endpoint trophies; installed: "
            in invalid.stderr), invalid.stderr
    assert not [row for row in json.loads(pitchlake("plugins", "--json").stdout)["plugins"] if row["name"] == "trophies"]

    # With the endpoint taken out of the config, the dbt project is stale until rendered again,
    # which deletes the model copied from the plugin.
    config = workdir / "config" / "endpoints.json"
    document = json.loads(config.read_text())
    document["endpoints"] = [entry for entry in document["endpoints"] if entry["plugin"] != "trophies"]
    config.write_text(json.dumps(document, indent=2))
    stale = pitchlake("render", "dbt", "--check")
    assert stale.returncode == 1
    assert "dbt/models/staging/trophies/stg_trophies__trophies.sql: no longer rendered; `pitchlake render` deletes it" in stale.stdout
    assert pitchlake("render", "dbt").returncode == 0
    assert not staging.exists()
    assert pitchlake("render", "dbt", "--check").returncode == 0
