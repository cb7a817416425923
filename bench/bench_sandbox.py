"""How many small requests a second the sandbox serves to keep-alive clients (goal: 500).

The sandbox runs in its own process (``python -m pitchlake.sandbox serve``), as it does for a
developer, so that it does not share a GIL with the clients: N threads, each with its own
``requests.Session`` (one keep-alive connection), send a mix of small requests until a request
budget or a time budget is spent. The sandbox's own count (``/_sandbox/stats``) must agree with
the clients'.

    .venv/bin/python bench/bench_sandbox.py --clients 8 --seconds 10
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
GOAL = 500
#: Small answers of several kinds: recorded bytes, synthesised ones, an error, the free /status.
MIX = (
    ("leagues", {"id": "39", "current": "true"}),
    ("teams", {"league": "140", "season": "2024"}),
    ("standings", {"league": "39", "season": "2024"}),
    ("players", {"league": "140", "season": "2024", "page": "3"}),
    ("fixtures/events", {"fixture": "1402024001"}),
    ("players/squads", {"team": "1014001"}),
    ("coachs", {"team": "1014001"}),
    ("fixtures", {"league": "39"}),
    ("status", {}),
)


def start_sandbox() -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "pitchlake.sandbox", "serve", "--port", "0", "--key", KEY,
               "--per-minute", str(10**9), "--per-day", str(10**9), "--today", "2025-01-26"]
    data = ROOT / "tests" / "data" / "api-football"
    if data.is_dir():
        command += ["--data", str(data)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    match = re.search(r"http://\S+:\d+", process.stdout.readline())
    if not match:
        process.kill()
        raise SystemExit("the sandbox did not print its URL")
    return process, match.group(0)


def hammer(url: str, clients: int, budget: int, seconds: float) -> tuple[int, int, float]:
    """(requests answered with 200, other outcomes, elapsed seconds)."""
    lock = threading.Lock()
    counts = {"sent": 0, "ok": 0, "bad": 0}
    deadline = time.monotonic() + seconds

    def client(worker: int) -> None:
        with requests.Session() as session:
            session.headers["x-apisports-key"] = KEY
            n = worker
            while time.monotonic() < deadline:
                with lock:
                    if counts["sent"] >= budget:
                        return
                    counts["sent"] += 1
                path, params = MIX[n % len(MIX)]
                n += 1
                try:
                    ok = session.get(f"{url}/{path}", params=params, timeout=10).status_code == 200
                except requests.RequestException:
                    ok = False
                with lock:
                    counts["ok" if ok else "bad"] += 1

    threads = [threading.Thread(target=client, args=(worker,)) for worker in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["bad"], time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--requests", type=int, default=20_000, help="stop after this many requests")
    parser.add_argument("--seconds", type=float, default=10.0, help="or after this many seconds")
    args = parser.parse_args()
    process, url = start_sandbox()
    try:
        with requests.Session() as warm:
            for path, params in MIX:  # synthesise once, so that the run measures serving
                warm.get(f"{url}/{path}", params=params, headers={"x-apisports-key": KEY}, timeout=60)
        requests.post(f"{url}/_sandbox/reset", timeout=10)
        ok, bad, elapsed = hammer(url, args.clients, args.requests, args.seconds)
        counted = requests.get(f"{url}/_sandbox/stats", timeout=10).json()["total"]
    finally:
        process.terminate()
        process.wait(timeout=10)
    rate = (ok + bad) / elapsed
    print(f"{ok + bad} requests ({bad} not 200) from {args.clients} keep-alive clients in {elapsed:.2f} s")
    print(f"{rate:.0f} requests/second: {rate / GOAL:.2f}x the goal of {GOAL}")
    print(f"the sandbox counted {counted} requests")
    if counted != ok + bad or bad:
        raise SystemExit("the sandbox's count disagrees with the clients', or requests failed")


if __name__ == "__main__":
    main()
