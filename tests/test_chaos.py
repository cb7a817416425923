"""Chaos: `pitchlake ingest` killed with SIGKILL at random moments, on both lake backends, across
endpoints (single-request, paginated, batched, derived), then resumed until it completes.

After every kill: whatever data.json is readable is whole and error-free, and no partition has two.
At the end: the same partitions as an uninterrupted run, byte for byte, and the API requests of
all runs together exceed the uninterrupted run's by at most the requests in flight at each kill.

``PITCHLAKE_CHAOS_KILLS`` sets the number of kills per backend (default 4, as CI runs it);
``make chaos`` runs 30 on each.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter

import pytest

from .rig import MINIMUM, Rig, cli

KILLS = int(os.environ.get("PITCHLAKE_CHAOS_KILLS", "4"))


def complete_partitions(files: dict[str, bytes]) -> Counter:
    """How many data.json each partition folder has (exactly one, or the lake is wrong)."""
    return Counter(key.rsplit("/ingestion_date=", 1)[0] for key in files if key.endswith("/data.json"))


@pytest.mark.chaos
def test_sigkill_at_random_moments_loses_and_duplicates_nothing(tmp_path, sandbox_factory, api_key, clean_lake,
                                                                 lake_uri):
    rig = Rig(tmp_path, sandbox_factory, lake_uri, latency_ms=60)
    concurrency = rig.config.api.concurrency
    rng = random.Random(f"{KILLS}-{lake_uri[:2]}")
    kills = since_restart = 0
    while kills < KILLS:
        process = cli(rig.config_path, "ingest")
        time.sleep(rng.uniform(0.1, 1.0))
        finished = process.poll() is not None
        if not finished:
            process.send_signal(signal.SIGKILL)
            kills += 1
            since_restart += 1
        process.communicate(timeout=60)
        files = rig.files()
        for key, body in files.items():
            if key.endswith("/data.json"):
                assert json.loads(body)["errors"] == [], key
        assert set(complete_partitions(files).values()) <= {1}, "a partition was written twice"
        if finished:  # the run reached the end before the kill: empty the lake and start over
            for key in files:
                rig.lake.delete(key)
            rig.sandbox.reset()
            since_restart = 0
    final = cli(rig.config_path, "ingest")
    _, err = final.communicate(timeout=180)
    assert final.returncode == 0, err
    assert rig.files() == clean_lake
    assert rig.served() <= MINIMUM + since_restart * concurrency
