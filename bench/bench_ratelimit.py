"""Recovery from ``rateLimit`` answers (issue 17, item 4): the shipped scope's backfill against the
sandbox (Pro plan limits, 50 ms latency), once clean and once with two ``rateLimit`` answers in
HTTP 200 whose ``X-RateLimit-Remaining`` says the minute has room (the sandbox's fault: the API's
own glitch), at the real 60-second minute. Prints both wall times, their ratio (goal: at most 2)
and that no partition is lost (the same lake both times).

    .venv/bin/python bench/bench_ratelimit.py
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from pitchlake.config import load_config
from pitchlake.lake import open_lake
from pitchlake.runner import ingest
from pitchlake.testing.config import write_config
from pitchlake_sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "api-football"
KEY = "sandbox-key"
GOAL = 2.0


def backfill(faults: str) -> tuple[float, int, dict[str, bytes]]:
    """Wall time, requests served and the lake's data.json files of one backfill."""
    with tempfile.TemporaryDirectory() as folder, Sandbox(data=[DATA], keys=(KEY,), today="2025-06-30", per_minute=300,
                                                          per_day=7500, latency_ms=50, faults=faults) as api:
        config = load_config(write_config(Path(folder) / "config.json", base_url=api.url,
                                          lake_uri=f"file://{folder}/lake", per_minute=300))
        lake = open_lake(config.lake.uri)
        started = time.monotonic()
        summary = ingest(config, lake=lake)
        elapsed = time.monotonic() - started
        assert summary.exit_code == 0, summary.to_json()
        files = {key: lake.read(key) for key in lake.list("raw/") if key.endswith("/data.json")}
        return elapsed, api.stats()["total"], files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ["FOOTBALL_API_KEY"] = KEY
    # the faulty run first: the first backfill of a process also pays its warm-up
    faulty, faulty_requests, faulty_files = backfill("rateLimit#5,40")
    clean, clean_requests, clean_files = backfill("")
    ratio = faulty / clean
    figures = [
        {"figure": "backfill, clean", "value": round(clean, 2), "unit": "s", "reference": f"{clean_requests} requests",
         "ratio": None, "goal": None, "met": None},
        {"figure": "backfill, two rateLimit answers", "value": round(faulty, 2), "unit": "s",
         "reference": f"clean {clean:.2f} s; {faulty_requests} requests", "ratio": round(ratio, 2),
         "goal": f"<= {GOAL}x", "met": ratio <= GOAL},
        {"figure": "partitions lost", "value": len(set(clean_files) - set(faulty_files)), "unit": "partitions",
         "reference": f"{len(clean_files)} written", "ratio": None, "goal": "0", "met": set(clean_files) == set(faulty_files)},
    ]
    if args.json:
        print(json.dumps({"benchmark": "ratelimit", "figures": figures}))
        return
    for row in figures:
        print(f"{row['figure']}: {row['value']} {row['unit']} ({row['reference']})" + (f", {row['ratio']}x, goal {row['goal']}" if row["ratio"] else ""))


if __name__ == "__main__":
    main()
