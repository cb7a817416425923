"""API credits of the shipped scope against the sandbox: a backfill against the theoretical
minimum (one request per page needed), a second run (zero), and fixture details fetched 20 a
request against the naive 4 calls a fixture (events, lineups, statistics, players)."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from pitchlake.config import load_config
from pitchlake.lake import open_lake
from pitchlake.runner import ingest
from pitchlake.testing.config import write_config
from pitchlake_sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "api-football"
KEY = "sandbox-key"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ["FOOTBALL_API_KEY"] = KEY
    with tempfile.TemporaryDirectory() as folder, Sandbox(data=[DATA], keys=(KEY,), today="2025-06-30",
                                                          per_minute=100000, per_day=100000) as api:
        config = load_config(write_config(Path(folder) / "config.json", base_url=api.url, lake_uri=f"file://{folder}/lake"))
        lake = open_lake(config.lake.uri)
        first = ingest(config, lake=lake)
        by_endpoint = api.stats()["by_endpoint"]
        data = {key: json.loads(lake.read(key)) for key in lake.list("raw/") if key.endswith("/data.json")}
        pages_needed = sum(max(int(envelope["paging"]["total"]), 1) if "/players/" in key else 1
                           for key, envelope in data.items() if "/fixture_details/" not in key)
        details = next(envelope for key, envelope in data.items() if "/fixture_details/" in key)
        detail_batches = -(-details["results"] // 20)
        minimum = pages_needed + detail_batches
        api.reset()
        second = ingest(config, lake=lake)
        second_served = api.stats()["total"]
        assert second.api_requests == second_served, "the client's count agrees with the sandbox's"
    figures = [
        {"figure": "backfill of the shipped scope, API requests", "value": first.api_requests, "unit": "requests",
         "reference": f"minimum {minimum} (pages needed)", "ratio": round(first.api_requests / minimum, 3),
         "goal": "= minimum", "met": first.api_requests == minimum},
        {"figure": "second run with nothing new", "value": second_served, "unit": "requests",
         "reference": "0", "ratio": None, "goal": "0", "met": second_served == 0},
        {"figure": "fixture details, requests", "value": by_endpoint["fixtures"] - 1, "unit": "requests",
         "reference": f"4 a fixture: {4 * details['results']}", "ratio": round((by_endpoint["fixtures"] - 1) / (4 * details["results"]), 4),
         "goal": "batches of 20", "met": by_endpoint["fixtures"] - 1 == detail_batches},
    ]
    if args.json:
        print(json.dumps({"benchmark": "credits", "figures": figures}))
        return
    for row in figures:
        print(f"{row['figure']}: {row['value']} ({row['reference']})")


if __name__ == "__main__":
    main()
