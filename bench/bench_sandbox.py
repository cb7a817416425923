"""How many small requests a second the sandbox serves to keep-alive clients (goal: 500).

The sandbox runs in its own process (``python -m pitchlake_sandbox serve``), as it does for a
developer, so that it does not share a GIL with the clients: N threads, each with its own
``requests.Session`` (one keep-alive connection), send a mix of small requests until a request
budget or a time budget is spent. The sandbox's own count (``/_sandbox/stats``) must agree with
the clients'.

    .venv/bin/python bench/bench_sandbox.py --clients 8 --seconds 10
    .venv/bin/python bench/bench_sandbox.py --json    # one JSON object of figures, for bench/run.py
"""

from __future__ import annotations

import argparse
import json
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


def start_sandbox(*options: str, recorded: bool = True) -> tuple[subprocess.Popen, str]:
    """``python -m pitchlake_sandbox serve --port 0 OPTIONS`` in its own process; (process, base URL).
    The other benchmarks of this folder start theirs with this too. Stop it with :func:`stop_sandbox`."""
    command = [sys.executable, "-m", "pitchlake_sandbox", "serve", "--port", "0", *options]
    data = ROOT / "tests" / "data" / "api-football"
    if recorded and data.is_dir():
        command += ["--data", str(data)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    match = re.search(r"http://\S+:\d+", process.stdout.readline())
    if not match:
        stop_sandbox(process)
        raise SystemExit("the sandbox did not print its URL")
    return process, match.group(0)


def stop_sandbox(process: subprocess.Popen) -> None:
    """SIGTERM (the sandbox stops cleanly on it), then SIGKILL if it has not exited in 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


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
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures instead of text")
    args = parser.parse_args()
    process, url = start_sandbox("--key", KEY, "--per-minute", str(10**9), "--per-day", str(10**9),
                                 "--today", "2025-01-26")
    try:
        with requests.Session() as warm:
            for path, params in MIX:  # synthesise once, so that the run measures serving
                warm.get(f"{url}/{path}", params=params, headers={"x-apisports-key": KEY}, timeout=60)
        requests.post(f"{url}/_sandbox/reset", timeout=10)
        ok, bad, elapsed = hammer(url, args.clients, args.requests, args.seconds)
        counted = requests.get(f"{url}/_sandbox/stats", timeout=10).json()["total"]
    finally:
        stop_sandbox(process)
    rate = (ok + bad) / elapsed
    agrees = counted == ok + bad and not bad
    if args.json:
        print(json.dumps({
            "benchmark": "sandbox",
            "figures": [
                {"figure": f"sandbox throughput, {args.clients} keep-alive clients, small requests", "value": round(rate),
                 "unit": "req/s", "reference": f"goal {GOAL} req/s", "ratio": round(rate / GOAL, 2),
                 "goal": f">= {GOAL} req/s", "met": rate >= GOAL},
                {"figure": "sandbox count vs clients' count (not-200 answers)", "value": counted, "unit": "requests",
                 "reference": f"{ok + bad} sent, {bad} not 200", "ratio": None, "goal": "equal, 0 not 200", "met": agrees},
            ],
            "details": {"clients": args.clients, "requests": ok + bad, "not_200": bad, "seconds": round(elapsed, 3),
                        "rate": round(rate, 1), "counted": counted},
        }))
    else:
        print(f"{ok + bad} requests ({bad} not 200) from {args.clients} keep-alive clients in {elapsed:.2f} s")
        print(f"{rate:.0f} requests/second: {rate / GOAL:.2f}x the goal of {GOAL}")
        print(f"the sandbox counted {counted} requests")
    if not agrees:
        raise SystemExit("the sandbox's count disagrees with the clients', or requests failed")


if __name__ == "__main__":
    main()
