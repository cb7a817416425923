"""Peak memory of ``pitchlake ingest`` over 1,000 pages (goal: under 250 MB of RSS).

The sandbox (its own process, no rate limit, no latency) serves the paginated ``players`` endpoint:
about 25 pages of 20 players, each with season statistics, per synthetic league season. The ingest
runs as a user runs it, ``python -m pitchlake ingest --json --config ...``, in a child process over
enough league seasons for ``--pages`` pages, into a local lake; every page is checkpointed under
``_pages/`` and merged into the partition's ``data.json`` when its last page arrives. The child's
peak RSS is exact: ``ru_maxrss`` from ``os.wait4`` on that child alone. A psutil sample every 50 ms
cross-checks it, and ``pitchlake validate`` (the same interpreter, imports and config, no
ingest) gives the floor that start-up alone costs.

    .venv/bin/python bench/bench_memory.py               # >= 1,000 pages
    .venv/bin/python bench/bench_memory.py --pages 300   # quick
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests
from bench_sandbox import start_sandbox, stop_sandbox  # a script's own folder is on sys.path

from pitchlake.testing.config import write_config

KEY = "bench-key"
TODAY = "2025-01-26"
GOAL_MB = 250
#: Seasons with player statistics in every synthetic league (coverage starts in a league's third or
#: fourth season, and leagues start between 2010 and 2014); 2024 is the current one on TODAY.
SEASONS = tuple(range(2018, 2025))
FIRST_LEAGUE = 1001
PAGES_PER_PARTITION = 24  # the fewest a 20-club league gives (24-27 players a club, 20 a page)


def run_child(command: list[str], env: dict, cwd: Path, sample: bool) -> dict:
    """Run ``command``; its exit code, wall time, stdout, exact peak RSS (KiB) and sampled peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env, cwd=cwd)
        sampled = {"peak": 0, "samples": 0}
        done = threading.Event()

        def poll() -> None:
            try:
                watched = psutil.Process(process.pid)
                while not done.is_set():
                    sampled["peak"] = max(sampled["peak"], watched.memory_info().rss)
                    sampled["samples"] += 1
                    done.wait(0.05)
            except psutil.Error:
                pass  # the child is gone

        poller = threading.Thread(target=poll, daemon=True)
        if sample:
            poller.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, not every child's
        except BaseException:
            process.kill()
            process.wait()
            raise
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        done.set()
        if sample:
            poller.join(timeout=5)
        out.seek(0)
        err.seek(0)
        return {"exit_code": process.returncode, "seconds": seconds, "stdout": out.read(), "stderr": err.read(),
                "maxrss_kib": usage.ru_maxrss, "sampled_peak_kib": sampled["peak"] // 1024, "samples": sampled["samples"]}


def run(args) -> dict:
    partitions = math.ceil(args.pages / PAGES_PER_PARTITION)
    leagues = list(range(FIRST_LEAGUE, FIRST_LEAGUE + math.ceil(partitions / len(SEASONS))))
    env = {key: value for key, value in os.environ.items()
           if key not in ("API_FOOTBALL_BASE_URL", "PITCHLAKE_LAKE", "PITCHLAKE_CONFIG")}
    env.update(FOOTBALL_API_KEY=KEY, PITCHLAKE_TODAY=TODAY)
    sandbox, url = start_sandbox("--key", KEY, "--per-minute", str(10**7), "--per-day", str(10**8),
                                 "--today", TODAY, recorded=False)
    try:
        with tempfile.TemporaryDirectory(prefix="pitchlake-bench-memory-") as tmp:
            tmp = Path(tmp)
            lake = tmp / "lake"
            config = write_config(tmp / "endpoints.json", base_url=url, lake_uri=f"file://{lake}", seasons=SEASONS,
                                  leagues=leagues, current_season=SEASONS[-1], endpoints=["players"],
                                  per_minute=10**7, per_day=10**8, concurrency=args.concurrency,
                                  # the sandbox synthesises a whole season (~1 s of CPU, more when 8 arrive
                                  # at once) for a league season's first page: no read timeouts, no retries
                                  timeout_seconds=120)
            base = [sys.executable, "-m", "pitchlake"]
            floor = run_child([*base, "validate", "--config", str(config)], env, tmp, sample=False)
            if floor["exit_code"] != 0:
                raise SystemExit(f"pitchlake validate failed: {floor['stderr'][-2000:]}")
            ingest = run_child([*base, "ingest", "--json", "--config", str(config)], env, tmp, sample=True)
            if ingest["exit_code"] != 0:
                raise SystemExit(f"pitchlake ingest exited {ingest['exit_code']}: {ingest['stderr'][-2000:]}")
            summary = json.loads(ingest["stdout"])
            files = list(lake.rglob("*.json"))
            lake_bytes = sum(f.stat().st_size for f in files)
            biggest = max((f.stat().st_size for f in files if f.name == "data.json"), default=0)
        stats = requests.get(f"{url}/_sandbox/stats", timeout=10).json()
    finally:
        stop_sandbox(sandbox)
    return {
        "league_seasons": len(leagues) * len(SEASONS), "leagues": len(leagues), "seasons": list(SEASONS),
        "concurrency": args.concurrency,
        "pages_written": summary["pages_written"], "partitions_written": summary["partitions_written"],
        "api_requests": summary["api_requests"], "sandbox_requests": stats["total"],
        "sandbox_by_status": stats.get("by_status", {}), "sandbox_by_error": stats.get("by_error", {}),
        "ingest_warnings": [line for line in ingest["stderr"].splitlines() if "retry" in line][:5],
        "seconds": round(ingest["seconds"], 2),
        "peak_rss_mb": round(ingest["maxrss_kib"] / 1024, 1),
        "sampled_peak_rss_mb": round(ingest["sampled_peak_kib"] / 1024, 1), "rss_samples": ingest["samples"],
        "startup_rss_mb": round(floor["maxrss_kib"] / 1024, 1),
        "lake_mb": round(lake_bytes / 2**20, 1), "largest_data_json_mb": round(biggest / 2**20, 2),
    }


def figures(r: dict) -> list[dict]:
    peak = r["peak_rss_mb"]
    return [
        {"figure": f"peak RSS of pitchlake ingest, {r['pages_written']:,} pages ({r['league_seasons']} players partitions)",
         "value": peak, "unit": "MB", "reference": f"goal {GOAL_MB} MB; start-up alone {r['startup_rss_mb']} MB",
         "ratio": round(peak / GOAL_MB, 2), "goal": f"< {GOAL_MB} MB", "met": peak < GOAL_MB},
        {"figure": f"ingest of {r['pages_written']:,} pages: wall time ({r['api_requests']:,} requests, no rate limit)",
         "value": r["seconds"], "unit": "s", "reference": f"{r['pages_written'] / r['seconds']:.0f} pages/s",
         "ratio": None, "goal": "-", "met": None},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="at least this many pages (default 1,000)")
    parser.add_argument("--concurrency", type=int, default=8, help="pitchlake's worker threads (default 8)")
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures instead of text")
    args = parser.parse_args()
    result = run(args)
    rows = figures(result)
    if args.json:
        print(json.dumps({"benchmark": "memory", "figures": rows, "details": result}))
        return
    r = result
    print(f"ingest of players over {r['league_seasons']} league seasons ({r['leagues']} leagues x {len(r['seasons'])} seasons), "
          f"{r['concurrency']} workers, local lake")
    print(f"pages written: {r['pages_written']:,}; partitions: {r['partitions_written']}; API requests: {r['api_requests']:,} "
          f"(the sandbox counted {r['sandbox_requests']:,}); wall time {r['seconds']} s")
    print(f"lake: {r['lake_mb']} MB; largest data.json {r['largest_data_json_mb']} MB")
    print(f"peak RSS: {peak_line(r)}")


def peak_line(r: dict) -> str:
    return (f"{r['peak_rss_mb']} MB (ru_maxrss; psutil sampled {r['sampled_peak_rss_mb']} MB over {r['rss_samples']} samples) "
            f"= {r['peak_rss_mb'] / GOAL_MB:.2f} of the {GOAL_MB} MB goal; start-up alone (pitchlake validate) {r['startup_rss_mb']} MB")


if __name__ == "__main__":
    main()
