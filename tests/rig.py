"""The set-up every ingestion test starts from: a sandbox (counting what it serves), a config
pointing at it, and a lake."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from pitchlake.config import load_config
from pitchlake.lake import open_lake
from pitchlake.runner import ingest
from pitchlake.testing.config import write_config

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "api-football"
KEY = "sandbox-key"
TODAY = "2025-01-26"
SCOPE = ["leagues", "teams", "fixtures", "fixture_details", "standings", "players"]
# leagues 1 + teams 1 + fixtures 1 + details 380/20 = 19 + standings 1 + players 29 pages (27 before the recorded fixture's real players joined /players)
MINIMUM = 52


class Rig:
    """A sandbox, a config pointing at it and a lake: what every test here starts from."""

    def __init__(self, tmp_path: Path, sandbox_factory, lake_uri: str, endpoints=SCOPE, config=None, **sandbox):
        sandbox = {"data": [DATA], "today": TODAY, "keys": (KEY,), "per_minute": 6000, "per_day": 100000, **sandbox}
        self.sandbox = sandbox_factory(**sandbox)
        self.lake_uri = lake_uri
        self.config_path = write_config(tmp_path / f"config-{random.random()}.json", base_url=self.sandbox.url,
                                        lake_uri=lake_uri, endpoints=endpoints, **(config or {}))
        self.config = load_config(self.config_path)
        self.lake = open_lake(lake_uri)

    def ingest(self, **kwargs):
        return ingest(self.config, lake=self.lake, **kwargs)

    def served(self) -> int:
        return self.sandbox.stats()["total"]

    def files(self) -> dict[str, bytes]:
        return {key: self.lake.read(key) for key in self.lake.list("raw/")}

    def data_files(self) -> dict[str, dict]:
        return {key: json.loads(body) for key, body in self.files().items() if key.endswith("/data.json")}


def cli(config: Path, *args, env=None, **kwargs):
    environment = {**os.environ, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "pitchlake", *args, "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment, cwd=ROOT, **kwargs)


def sigkill_mid_run(rig: Rig, process: subprocess.Popen, requests: int, rng: random.Random) -> bool:
    """SIGKILL ``process`` (a ``pitchlake ingest`` against ``rig``'s sandbox) once the sandbox has
    served ``requests`` more requests, after a random part of one answer's latency: a moment in the
    middle of the run, told by the sandbox's count rather than by a clock. Returns whether the
    process died of the kill (False: it finished first, and its ``returncode`` says how)."""
    target = rig.served() + requests
    deadline = time.monotonic() + 60
    while rig.served() < target:
        if process.poll() is not None:
            process.communicate(timeout=60)
            return False
        assert time.monotonic() < deadline, f"{target - rig.served()} requests short of the kill after 60 s"
        time.sleep(0.005)
    time.sleep(rng.uniform(0, 0.03))
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    return process.returncode == -signal.SIGKILL
