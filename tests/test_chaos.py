"""Chaos: `pitchlake ingest` killed with SIGKILL at random moments, on both lake backends, across
endpoints (single-request, paginated, batched, derived), then resumed until it completes. A moment
is a random number of requests into the run (counted by the sandbox) and a random part of the next
answer's latency; a run that finishes first empties the lake and the next one starts over.

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
from collections import Counter

import pytest

from .rig import MINIMUM, Rig, cli, sigkill_mid_run

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
    # A run from an empty lake takes 50 requests and a killed one at most 15 + its workers', so
    # every start-over follows at least two kills: three runs a kill always suffice.
    for _ in range(3 * KILLS):
        if kills == KILLS:
            break
        process = cli(rig.config_path, "ingest")
        finished = not sigkill_mid_run(rig, process, rng.randint(1, 15), rng)
        if finished:
            assert process.returncode == 0, "a run that was not killed completes"
        else:
            kills += 1
            since_restart += 1
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
    assert kills == KILLS, f"{kills} of {KILLS} runs killed mid-run in {3 * KILLS} runs"
    final = cli(rig.config_path, "ingest")
    _, err = final.communicate(timeout=180)
    assert final.returncode == 0, err
    assert rig.files() == clean_lake
    assert rig.served() <= MINIMUM + since_restart * concurrency
