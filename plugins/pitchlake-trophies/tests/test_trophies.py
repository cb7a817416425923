"""pitchlake-trophies keeps the endpoint plugin contract, and its sandbox data is what its
generator writes (so anyone can regenerate it for other teams)."""

import requests
from pitchlake_trophies.sandbox import (
    DATA,
    DEFAULT_TEAM_IDS,
    synthetic_team_ids,
    write_sandbox_data,
)

from pitchlake.testing.contract import EndpointPluginContract


class TestTrophies(EndpointPluginContract):
    distribution = "pitchlake-trophies"


def test_shipped_sandbox_data_is_the_generators(tmp_path):
    written = write_sandbox_data(tmp_path, DEFAULT_TEAM_IDS)
    assert {path.name: path.read_bytes() for path in written} == {path.name: path.read_bytes() for path in DATA.glob("*.json")}


def test_the_sandbox_serves_trophies_of_recorded_and_synthetic_clubs(tmp_path, sandbox_factory):
    write_sandbox_data(tmp_path, synthetic_team_ids(140))
    sandbox = sandbox_factory(data=[DATA, tmp_path], keys=("sandbox-key",))
    for team in (33, 1_014_003):
        envelope = requests.get(f"{sandbox.url}/trophies", params={"team": team}, headers={"x-apisports-key": "sandbox-key"}, timeout=10).json()
        assert envelope["errors"] == [] and envelope["results"] == len(envelope["response"]) >= 1
    assert sandbox.stats()["by_endpoint"]["trophies"] == 2
