"""The built-in endpoints keep the contract the kit asks of every endpoint plugin; their samples
are the recorded API responses of tests/data/."""

from pathlib import Path

from pitchlake.testing.contract import EndpointPluginContract

ROOT = Path(__file__).resolve().parents[1]


class TestBuiltinEndpoints(EndpointPluginContract):
    distribution = "pitchlake"
    sample_data = (ROOT / "tests" / "data" / "api-football",)
