"""Every sandbox fault kind x every kind of endpoint, over real HTTP: the outcome docs/design.md
documents, and a lake that holds only good data (byte-identical to a clean run's whenever the run
completes)."""

from __future__ import annotations

import json

import pytest

from pitchlake import client
from pitchlake.config import load_config
from pitchlake.lake import open_lake
from pitchlake.runner import ingest
from pitchlake.testing.config import write_config
from pitchlake_sandbox import Sandbox

from .rig import DATA, KEY, TODAY

# endpoint kind -> (endpoints enabled, the fault's target: the n-th request to that API path)
KINDS = {
    "single": (["standings"], "standings:{fault}#1"),
    "paginated": (["players"], "players:{fault}#3"),
    "derived-batched": (["fixtures", "fixture_details"], "fixtures:{fault}#3"),
    "derived-per-team": (["teams", "coachs"], "coachs:{fault}#2"),
}
TRANSIENT = ["429", "500", "502", "503", "timeout=3", "truncate", "notjson", "latency=300", "rateLimit"]
OUTCOMES = {**{fault: "complete" for fault in TRANSIENT}, "requests": "daily_quota", "token": "fatal",
            "param": "fatal", "plan": "out_of_plan"}


def sandbox(**options) -> Sandbox:
    return Sandbox(data=[DATA], today=TODAY, keys=(KEY,), per_minute=100000, per_day=100000, minute_seconds=1,
                   **options).start()


def run(folder, endpoints, faults=""):
    api = sandbox(faults=faults)
    try:
        path = write_config(folder / "config.json", base_url=api.url, lake_uri=f"file://{folder}/lake",
                            endpoints=endpoints, timeout_seconds=1)
        config = load_config(path)
        lake = open_lake(config.lake.uri)
        summary = ingest(config, lake=lake)
        files = {key: lake.read(key) for key in lake.list("raw/")}
        return summary, files, api.stats()
    finally:
        api.stop()


@pytest.fixture(scope="module", autouse=True)
def environment():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOOTBALL_API_KEY", KEY)
        patch.setenv("PITCHLAKE_TODAY", TODAY)
        patch.setattr(client, "MINUTE_SECONDS", 1.0)  # the sandbox's minute: a rateLimit waits one short window
        yield


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The lake each kind of endpoint ends with when nothing goes wrong, and what it cost."""
    # The sandbox builds a season's answers on its first request (for this process's sandboxes
    # together): a second or more on a busy machine, past this file's 1 s timeout, which would
    # count a retry in the clean runs. A first, discarded run pays for it.
    run(tmp_path_factory.mktemp("warm-up"), sorted({name for endpoints, _ in KINDS.values() for name in endpoints}))
    results = {}
    for kind, (endpoints, _) in KINDS.items():
        summary, files, stats = run(tmp_path_factory.mktemp(kind), endpoints)
        assert summary.exit_code == 0
        results[kind] = (files, stats["total"])
    return results


@pytest.mark.parametrize("fault", list(OUTCOMES))
@pytest.mark.parametrize("kind", list(KINDS))
def test_fault_outcome(tmp_path, clean, kind, fault):
    endpoints, target = KINDS[kind]
    summary, files, stats = run(tmp_path, endpoints, target.format(fault=fault))
    clean_files, clean_requests = clean[kind]
    for key, body in files.items():
        if key.endswith("/data.json"):
            assert json.loads(body)["errors"] == [], f"{key} holds an error response"
    expected = OUTCOMES[fault]
    if expected == "complete":
        assert summary.exit_code == 0, summary.to_json()
        assert files == clean_files
        retried = 0 if fault.startswith("latency") else 1
        assert stats["total"] == clean_requests + retried
    elif expected == "daily_quota":
        assert summary.stopped_reason == "daily_quota" and summary.exit_code == 3
        assert_good_subset(files, clean_files)
    elif expected == "fatal":
        assert summary.exit_code == 1 and summary.stopped_reason.startswith("fatal: ")
        assert_good_subset(files, clean_files)
    else:
        assert summary.out_of_plan == 1 and summary.exit_code == 0
        markers = [key for key in files if key.endswith("/_out_of_plan.json")]
        assert len(markers) == 1
        assert not any("/_pages/" in key for key in files), "pages of an out-of-plan partition are dropped"
        assert_good_subset({key: body for key, body in files.items() if key not in markers}, clean_files)


def assert_good_subset(files, clean_files):
    """A stopped run leaves complete partitions exactly as a clean run writes them, and page
    checkpoints (never read: no data.json next to them) for the next run to resume from."""
    data = {key for key in files if key.endswith("/data.json")}
    assert data <= set(clean_files)
    assert all(files[key] == clean_files[key] for key in data)
    assert all("/_pages/" in key for key in set(files) - data)
