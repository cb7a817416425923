"""The real ``dagster-webserver`` serving the rendered definitions: every asset and partition is
in its GraphQL API, and headless Chromium screenshots the asset graph into ``test-artifacts/``."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from pitchlake_dagster import adapter

from . import tools

ROOT = Path(__file__).resolve().parents[1]
DEFINITIONS = ROOT / adapter.DEFINITIONS  # dagster/definitions.py
ARTIFACTS = ROOT / "test-artifacts"
BIN = Path(sys.executable).parent
RAW = ["leagues", "teams", "venues", "fixtures", "fixture_details", "standings", "players"]
#: Each raw asset is partitioned by its own keys (config/endpoints.json's scope).
DIMENSIONS = {name: {"season": ["2024", "2026"], "league_id": ["39"]} for name in RAW} | {
    "leagues": {"league_id": ["39"]}, "venues": {"league_id": ["39"]}}
JOBS = ["ingest_by_league_id", "ingest_by_league_id_season"]

ASSETS_QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    isPartitioned
    partitionKeysByDimension { name partitionKeys }
    dependencyKeys { path }
    assetChecksOrError { ... on AssetChecks { checks { name } } }
  }
}
"""
LOCATION_QUERY = """
{
  workspaceOrError {
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { jobs { name } schedules { name cronSchedule } } }
          ... on PythonError { message }
        }
      }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def graphql(url: str, query: str) -> dict:
    response = requests.post(f"{url}/graphql", json={"query": query}, timeout=30)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    """``dagster-webserver -h 127.0.0.1 -p PORT -f dagster/definitions.py``, once the code
    location has loaded; a fresh DAGSTER_HOME without telemetry or the first-visit dialog."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    log = (home / "webserver.log").open("w")
    server = subprocess.Popen([str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-f", str(DEFINITIONS)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (home / "webserver.log").read_text()
            try:
                entries = graphql(url, LOCATION_QUERY)["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["locationOrLoadError"]:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, (home / "webserver.log").read_text()
            time.sleep(0.5)
        yield url, entries[0]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_every_asset_partition_job_and_schedule_is_served(webserver):
    url, location = webserver
    assert location["locationOrLoadError"]["__typename"] == "RepositoryLocation", location
    repository = location["locationOrLoadError"]["repositories"][0]
    for job in JOBS:
        assert {"name": f"{job}_schedule", "cronSchedule": "0 6 * * *"} in repository["schedules"]
        assert job in {served["name"] for served in repository["jobs"]}

    nodes = {"/".join(node["assetKey"]["path"]): node for node in graphql(url, ASSETS_QUERY)["assetNodes"]}
    for name in RAW:
        node = nodes[f"raw/{name}"]
        assert node["groupName"] == "raw" and node["isPartitioned"] == bool(DIMENSIONS[name])
        dimensions = {dimension["name"]: dimension["partitionKeys"] for dimension in node["partitionKeysByDimension"]}
        if len(DIMENSIONS[name]) == 1:  # one dimension: Dagster does not name it
            dimensions = {next(iter(DIMENSIONS[name])): [key for keys in dimensions.values() for key in keys]}
        assert dimensions == DIMENSIONS[name]
        assert [check["name"] for check in node["assetChecksOrError"]["checks"]] == ["freshness"]
        assert ["raw", name] in [dep["path"] for dep in nodes[f"staging/stg_api_football__{name}"]["dependencyKeys"]]
    assert {node["groupName"] for key, node in nodes.items() if not key.startswith("raw/")} == {"staging", "intermediate", "marts"}
    assert nodes["marts/league_table"]["assetChecksOrError"]["checks"], "dbt tests are asset checks"


def screenshot(url: str, path: Path, profile: Path) -> None:
    chromium = tools.command("chromium")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", "--window-size=1600,1000", "--virtual-time-budget=15000",
                    f"--screenshot={path}", url], capture_output=True, timeout=120, check=False)
    assert path.exists() and path.stat().st_size > 30_000, f"{path}: no screenshot, or a blank one"


def test_screenshots_of_the_asset_graph(webserver, tmp_path):
    url, location = webserver
    ARTIFACTS.mkdir(exist_ok=True)
    # The raw group's lineage: the partitioned raw assets, their checks, and the dbt models they feed.
    screenshot(f"{url}/locations/{location['name']}/asset-groups/raw/lineage", ARTIFACTS / "dagster-asset-graph.png",
               tmp_path / "profile-raw")
    # The global lineage, one box per group: raw -> staging -> marts.
    screenshot(f"{url}/asset-groups", ARTIFACTS / "dagster-global-lineage.png", tmp_path / "profile-global")
