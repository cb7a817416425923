"""Fixtures every test may use: real servers on 127.0.0.1 (moto S3, the sandbox), and the
ingestion rig of tests/rig.py."""

import pytest

from .rig import KEY, MINIMUM, TODAY, Rig

pytest_plugins = ["pitchlake.testing.moto", "pitchlake.testing.sandbox"]


@pytest.fixture
def api_key(monkeypatch):
    monkeypatch.setenv("FOOTBALL_API_KEY", KEY)
    monkeypatch.setenv("PITCHLAKE_TODAY", TODAY)


@pytest.fixture
def clean_lake(tmp_path, sandbox_factory, api_key):
    """The lake an uninterrupted, fault-free run produces: the reference for every other run."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/reference")
    summary = rig.ingest()
    assert summary.exit_code == 0 and rig.served() == MINIMUM
    return rig.files()
