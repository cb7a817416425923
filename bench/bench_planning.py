"""What planning costs against a big S3 lake: S3 requests and wall time (goal: <= 15 requests for 10,000 partitions).

A moto S3 server (``ThreadedMotoServer`` on 127.0.0.1, a real HTTP endpoint like MinIO, reached
through ``MINIO_ENDPOINT``) holds 10,000 complete ``teams`` partitions (leagues x seasons, every
season closed), laid out by the lake protocol's own key function. ``pitchlake.planner.plan`` then
decides that nothing needs fetching; the S3 backend counts every HTTP request it sends
(``request_count``), which is diffed around the plan. Beside it, the approach the design rules
out: one ``HEAD`` per partition (``S3Lake.exists``), serial as a simple script does it, and with
16 threads.

The moto server runs in this process (it is what the tests use), so the client and the server share
one GIL; both approaches pay that equally.

    .venv/bin/python bench/bench_planning.py                      # 10,000 partitions
    .venv/bin/python bench/bench_planning.py --partitions 2000    # quick
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config as BotoConfig
from moto.server import ThreadedMotoServer

from pitchlake.config import load_config
from pitchlake.lake import DEFAULT_LAYOUT, open_lake, partition_key
from pitchlake.planner import Selection, page_name, plan
from pitchlake.plugins import registry
from pitchlake.testing.config import write_config
from pitchlake_api_football.envelope import envelope as api_envelope

GOAL = 15
TODAY = "2025-01-26"
BUCKET = "pitchlake-bench"
PREFIX = "lake"
FIRST_SEASON, SEASONS = 2008, 80  # the config schema allows seasons 2008..2100
FIRST_LEAGUE = 1001
KEYS = ("season", "league_id")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "pitchlake-bench-key", "AWS_SECRET_ACCESS_KEY": "pitchlake-bench-secret",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}


def layout(partitions: int) -> tuple[list[int], list[int], list[dict]]:
    seasons = list(range(FIRST_SEASON, FIRST_SEASON + min(SEASONS, partitions)))
    leagues = list(range(FIRST_LEAGUE, FIRST_LEAGUE + math.ceil(partitions / len(seasons))))
    cells = [{"season": str(s), "league_id": str(league)} for league in leagues for s in seasons]  # rounded up to whole leagues
    return seasons, leagues, cells


def envelope(cell: dict) -> bytes:
    return json.dumps(api_envelope("teams", {"league": cell["league_id"], "season": cell["season"]}, [])).encode()


def objects(name: str, cells: list[dict], pages: int) -> list[tuple[str, dict]]:
    """(key, partition) of every object: each partition's data.json, and its ``_pages/`` checkpoints
    when the endpoint is paginated (the runner keeps them after the merge, as an audit trail)."""
    keys = []
    for cell in cells:
        data = partition_key(DEFAULT_LAYOUT, name, KEYS, cell, TODAY)
        keys.append((data, cell))
        folder = data.rsplit("/", 1)[0]
        keys += [(f"{folder}/{page_name(n)}", cell) for n in range(1, pages + 1)]
    return keys


def fill(endpoint: str, keys: list[tuple[str, dict]], threads: int) -> float:
    """PUT every object with a thread pool; returns the seconds it took."""
    client = boto3.client("s3", endpoint_url=endpoint, config=BotoConfig(max_pool_connections=threads * 2,
                                                                          s3={"addressing_style": "path"}))
    client.create_bucket(Bucket=BUCKET)

    def put(item: tuple[str, dict]) -> None:
        key, cell = item
        client.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}", Body=envelope(cell), ContentType="application/json")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(put, keys):
            pass
    return time.perf_counter() - started


def measure(lake, work) -> tuple[int, float, object]:
    before = lake.request_count
    started = time.perf_counter()
    result = work()
    return lake.request_count - before, time.perf_counter() - started, result


def run(args) -> dict:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    saved = {name: os.environ.get(name) for name in [*CREDENTIALS, "MINIO_ENDPOINT", "AWS_PROFILE", "AWS_SESSION_TOKEN"]}
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        os.environ.update(CREDENTIALS, MINIO_ENDPOINT=endpoint)
        seasons, leagues, cells = layout(args.partitions)
        endpoint_name = "players" if args.pages_per_partition else "teams"
        stored = objects(endpoint_name, cells, args.pages_per_partition)
        fill_seconds = fill(endpoint, stored, args.threads)

        with tempfile.TemporaryDirectory(prefix="pitchlake-bench-planning-") as tmp:
            config_path = write_config(Path(tmp) / "endpoints.json", base_url="http://127.0.0.1:9",
                                       lake_uri=f"s3://{BUCKET}/{PREFIX}", seasons=seasons, leagues=leagues,
                                       current_season=seasons[-1] + 1, endpoints=[endpoint_name])
            config = load_config(config_path)
        endpoints = registry().endpoints
        opened_before = time.perf_counter()
        lake = open_lake(config.lake.uri)
        open_requests, open_seconds = lake.request_count, time.perf_counter() - opened_before

        plans = [measure(lake, lambda: plan(config, endpoints, lake, Selection(), date=TODAY)) for _ in range(args.repeat)]
        requests_made = [n for n, _, _ in plans]
        result = plans[-1][2]
        complete = sum(1 for skip in result.skipped if skip.reason.startswith("complete"))
        if result.tasks or complete != len(cells):
            raise SystemExit(f"unexpected plan: {len(result.tasks)} tasks, {complete} of {len(cells)} partitions complete")

        # The same LIST without the planner: what the S3 server itself costs (moto is slow at it).
        listed = [measure(lake, lambda: sum(1 for _ in lake.list(f"raw/{endpoint_name}/"))) for _ in range(args.repeat)]

        keys = [partition_key(DEFAULT_LAYOUT, endpoint_name, KEYS, cell, TODAY) for cell in cells]
        head_serial = measure(lake, lambda: sum(map(lake.exists, keys)))
        with ThreadPoolExecutor(max_workers=16) as pool:
            head_threaded = measure(lake, lambda: sum(pool.map(lake.exists, keys)))
        for label, (_, _, found) in (("serial", head_serial), ("threaded", head_threaded)):
            if found != len(keys):
                raise SystemExit(f"HEAD {label}: {found} of {len(keys)} partitions found")
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    plan_seconds = [seconds for _, seconds, _ in plans]
    return {
        "endpoint": endpoint_name, "partitions": len(cells), "leagues": len(leagues), "seasons": len(seasons),
        "pages_per_partition": args.pages_per_partition, "objects": len(stored),
        "fill_seconds": round(fill_seconds, 2), "fill_rate": round(len(stored) / fill_seconds),
        "open_lake": {"requests": open_requests, "seconds": round(open_seconds, 3)},
        "plan": {"requests": requests_made, "seconds": [round(s, 3) for s in plan_seconds],
                 "median_seconds": round(statistics.median(plan_seconds), 3), "tasks": len(result.tasks),
                 "skipped_complete": complete},
        "list_only": {"requests": listed[-1][0], "keys": listed[-1][2],
                      "median_seconds": round(statistics.median(seconds for _, seconds, _ in listed), 3)},
        "head_serial": {"requests": head_serial[0], "seconds": round(head_serial[1], 2)},
        "head_16_threads": {"requests": head_threaded[0], "seconds": round(head_threaded[1], 2)},
    }


def figures(r: dict) -> list[dict]:
    n = r["partitions"]
    what = f"{n:,} complete partitions" + (f" with {r['pages_per_partition']} kept pages each ({r['objects']:,} objects)"
                                            if r["pages_per_partition"] else "")
    ours = max(r["plan"]["requests"])
    seconds = r["plan"]["median_seconds"]
    serial, threaded = r["head_serial"], r["head_16_threads"]
    return [
        {"figure": f"plan over {what} on S3 (moto): S3 requests", "value": ours, "unit": "requests",
         "reference": f"HEAD per partition: {serial['requests']:,}", "ratio": round(serial["requests"] / ours, 1),
         "goal": f"<= {GOAL} requests", "met": ours <= GOAL},
        {"figure": f"plan over {n:,} partitions: wall time (median of {len(r['plan']['seconds'])})", "value": seconds,
         "unit": "s", "reference": f"HEAD serial {serial['seconds']} s", "ratio": round(serial["seconds"] / seconds, 1),
         "goal": "-", "met": None},
        {"figure": f"plan over {n:,} partitions: wall time of its LIST alone (S3 server time)",
         "value": r["list_only"]["median_seconds"], "unit": "s",
         "reference": f"plan {seconds} s", "ratio": round(seconds / r["list_only"]["median_seconds"], 2),
         "goal": "-", "met": None},
        {"figure": f"plan over {n:,} partitions vs HEAD with 16 threads: wall time", "value": seconds, "unit": "s",
         "reference": f"HEAD 16 threads {threaded['seconds']} s", "ratio": round(threaded["seconds"] / seconds, 1),
         "goal": "-", "met": None},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=10_000,
                        help=f"complete partitions in the lake, rounded up to whole leagues of {SEASONS} seasons (default 10,000)")
    parser.add_argument("--pages-per-partition", type=int, default=0,
                        help="paginated partitions (players) with this many _pages/ checkpoints kept beside each "
                             "data.json, as the runner leaves them (default 0: teams, one object a partition)")
    parser.add_argument("--threads", type=int, default=16, help="threads that PUT the partitions (default 16)")
    parser.add_argument("--repeat", type=int, default=3, help="plans to time (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures instead of text")
    args = parser.parse_args()
    result = run(args)
    rows = figures(result)
    if args.json:
        print(json.dumps({"benchmark": "planning", "figures": rows, "details": result}))
        return
    p = result["plan"]
    pages = f", {result['pages_per_partition']} kept pages each" if result["pages_per_partition"] else ""
    print(f"lake: {result['partitions']:,} complete {result['endpoint']} partitions ({result['leagues']} leagues x "
          f"{result['seasons']} seasons{pages}; {result['objects']:,} objects) on moto S3, written in "
          f"{result['fill_seconds']} s ({result['fill_rate']} PUT/s)")
    print(f"opening the lake: {result['open_lake']['requests']} request(s)")
    print(f"pitchlake plan: {p['requests']} S3 requests per plan (goal <= {GOAL}), {p['seconds']} s "
          f"(median {p['median_seconds']} s); {p['tasks']} to fetch, {p['skipped_complete']:,} complete")
    listing = result["list_only"]
    print(f"the same LIST alone (no planning): {listing['requests']} requests, {listing['keys']:,} keys, median "
          f"{listing['median_seconds']} s: the planner's own work is the rest")
    for name, label in (("head_serial", "HEAD per partition, serial"), ("head_16_threads", "HEAD per partition, 16 threads")):
        h = result[name]
        print(f"{label}: {h['requests']:,} requests, {h['seconds']} s "
              f"({h['requests'] / max(p['requests']):.0f}x the requests, {h['seconds'] / p['median_seconds']:.1f}x the time)")


if __name__ == "__main__":
    sys.exit(main())
