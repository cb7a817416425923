"""How close ``pitchlake ingest`` runs to the API's per-minute limit (goal: >= 0.9 of it), never past it.

The sandbox runs in its own process with the Pro plan's 300 requests a minute and 100 ms of latency
on every answer. ``pitchlake ingest`` (its own process too, the CLI a user runs) gets more cheap
``teams`` partitions (league x season) than it can fetch in ``--seconds``, and is stopped
(SIGTERM) when that time is up. The figures come from the sandbox, not from the client: its
``/_sandbox/stats`` is polled every 0.2 s, which gives the requests it admitted over time, and its
own per-minute enforcement says how many ``rateLimit`` errors it had to answer (must be 0).

pitchlake's limiter (:class:`pitchlake.client.RateLimiter`) keeps a 61-second sliding log of its
own requests (a second of margin over the API's minute), leaves one place of the window free, keeps
at most half the room it sees in flight, and reads the others' requests from the answers'
``X-RateLimit-Remaining``: a run ramps up over its first window and then admits a request each time
one of the previous window leaves the log. The steady-state rate is
therefore measured as the mean, over the run after its first window, of the requests the sandbox
admitted in the trailing window (what the API's own sliding minute sees), divided by the limit; the
raw rate (requests / wall time) is printed too but includes the first burst.

Beside it, against a second sandbox with the same settings and for the same wall time, a naive
serial script: ``requests.get`` in a loop, writing each answer to a file and sleeping 1 s between
requests, as scripts written to stay under a rate limit do.

    .venv/bin/python bench/bench_rate.py                                   # 300/min, 100 ms, 150 s
    .venv/bin/python bench/bench_rate.py --seconds 45 --minute-seconds 15  # quick: a 15 s "minute"
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from bench_sandbox import start_sandbox, stop_sandbox  # a script's own folder is on sys.path

from pitchlake.testing.config import write_config

KEY = "bench-key"
TODAY = "2025-01-26"
GOAL = 0.9
FIRST_SEASON, SEASONS = 2008, 40  # the config schema allows 2008..2100
FIRST_LEAGUE = 1001  # any id works in the sandbox; these are synthetic leagues
#: ``python -m pitchlake ARGS...`` with pitchlake's rate-limit window set to the sandbox's "minute"
#: (the first argument), so that a short minute shortens both sides.
PITCHLAKE_WITH_MINUTE = ("import runpy, sys; import pitchlake.client as client; "
                         "client.MINUTE_SECONDS = float(sys.argv.pop(1)); runpy.run_module('pitchlake', run_name='__main__')")


def sandbox_options(args) -> list[str]:
    return ["--key", KEY, "--per-minute", str(args.limit), "--per-day", "100000", "--latency-ms", str(args.latency_ms),
            "--minute-seconds", str(args.minute_seconds), "--today", TODAY]


def partitions_needed(args) -> int:
    """More partitions than the run can fetch: the first window's burst, one window per W+1 s
    after it, and a quarter more."""
    windows = args.seconds / (args.minute_seconds + 1) + 1
    return int(args.limit * windows * 1.25) + 50


class StatsPoller(threading.Thread):
    """Samples ``/_sandbox/stats`` (neither counted nor limited by the sandbox) every ``interval``."""

    def __init__(self, url: str, stop: threading.Event, interval: float = 0.2):
        super().__init__(daemon=True, name="stats-poller")
        self.url, self.stop, self.interval = url, stop, interval
        self.samples: list[tuple[float, int]] = []  # (monotonic time, requests admitted so far)
        self.last: dict = {}
        self.session = requests.Session()

    def sample(self) -> dict:
        stats = self.session.get(f"{self.url}/_sandbox/stats", timeout=10).json()
        admitted = stats["total"] - sum(stats.get("by_error", {}).get(e, 0) for e in ("rateLimit", "requests"))
        self.samples.append((time.monotonic(), admitted))
        self.last = stats
        return stats

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.interval)


def naive_client(url: str, deadline: float, folder: Path, counts: dict) -> None:
    """What a script written by hand does: one request at a time, no keep-alive, 1 s of sleep."""
    partitions = ((league, season) for league in range(FIRST_LEAGUE, FIRST_LEAGUE + 1000)
                  for season in range(FIRST_SEASON, FIRST_SEASON + SEASONS))
    counts["started"] = time.monotonic()
    for league, season in partitions:
        if time.monotonic() >= deadline:
            break
        answer = requests.get(f"{url}/teams", params={"league": league, "season": season},
                              headers={"x-apisports-key": KEY}, timeout=30)
        body = answer.json()
        counts["sent"] += 1
        if body.get("errors"):
            counts["errors"] += 1
        else:
            (folder / f"teams-{league}-{season}.json").write_bytes(answer.content)
        counts["ended"] = time.monotonic()
        time.sleep(1)


def count_at(samples: list[tuple[float, int]], t: float) -> int:
    """Requests admitted by time ``t``: the last sample taken at or before it."""
    index = bisect.bisect_right([s[0] for s in samples], t) - 1
    return samples[index][1] if index >= 0 else 0


def analyse(samples: list[tuple[float, int]], t0: float, t_end: float, window: float, limit: int) -> dict:
    served = count_at(samples, t_end)
    steady = [(t, count_at(samples, t) - count_at(samples, t - window)) for t, _ in samples if t0 + window <= t <= t_end]
    trailing = [n for _, n in steady]
    result = {
        "requests": served,
        "seconds": round(t_end - t0, 2),
        "raw_rate_per_s": round(served / (t_end - t0), 3),
        "raw_fraction": round(served / (t_end - t0) / (limit / window), 3),
        "first_window_requests": count_at(samples, t0 + window),
        "steady_samples": len(steady),
    }
    if trailing:
        mean = sum(trailing) / len(trailing)
        result.update(steady_per_window=round(mean, 1), steady_rate_per_s=round(mean / window, 3),
                      steady_fraction=round(mean / limit, 3), max_trailing_window=max(trailing))
    return result


def run(args) -> dict:
    needed = partitions_needed(args)
    leagues = math.ceil(needed / SEASONS)
    env = {key: value for key, value in os.environ.items()
           if key not in ("API_FOOTBALL_BASE_URL", "PITCHLAKE_LAKE", "PITCHLAKE_CONFIG")}
    env.update(FOOTBALL_API_KEY=KEY, PITCHLAKE_TODAY=TODAY)
    ours, ours_url = start_sandbox(*sandbox_options(args), recorded=False)
    naive, naive_url = None, None
    ingest = None
    stop = threading.Event()
    try:
        naive, naive_url = start_sandbox(*sandbox_options(args), recorded=False)
        with tempfile.TemporaryDirectory(prefix="pitchlake-bench-rate-") as tmp:
            tmp = Path(tmp)
            config = write_config(tmp / "endpoints.json", base_url=ours_url, lake_uri=f"file://{tmp}/lake",
                                  seasons=range(FIRST_SEASON, FIRST_SEASON + SEASONS),
                                  leagues=range(FIRST_LEAGUE, FIRST_LEAGUE + leagues),
                                  current_season=FIRST_SEASON + SEASONS - 1, endpoints=["teams"],
                                  per_minute=args.limit, per_day=100000, concurrency=args.concurrency,
                                  max_retries=3, timeout_seconds=30)
            (tmp / "naive").mkdir()
            poller = StatsPoller(ours_url, stop)
            poller.sample()
            poller.start()
            started = time.monotonic()
            stderr_file = open(tmp / "ingest.stderr", "w+")
            ingest = subprocess.Popen([sys.executable, "-c", PITCHLAKE_WITH_MINUTE, str(args.minute_seconds),
                                       "ingest", "--json", "--config", str(config)],
                                      stdout=subprocess.DEVNULL, stderr=stderr_file, text=True, env=env, cwd=tmp)
            # The run starts at the sandbox's first request (after the CLI's start-up and planning).
            t0 = None
            limit_wait = started + 120
            while t0 is None and time.monotonic() < limit_wait and ingest.poll() is None:
                time.sleep(0.05)
                for (before, _), (_, n) in itertools.pairwise(poller.samples):
                    if n > 0:
                        t0 = before  # the last sample that saw none: at most one interval early
                        break
            if t0 is None:
                stderr_file.seek(0)
                raise SystemExit(f"the ingest sent no request: {stderr_file.read()[-2000:]}")
            deadline = t0 + args.seconds
            counts = {"sent": 0, "errors": 0, "started": None, "ended": None}
            naive_thread = threading.Thread(target=naive_client, args=(naive_url, deadline, tmp / "naive", counts),
                                            daemon=True)
            naive_thread.start()
            while time.monotonic() < deadline and ingest.poll() is None:
                time.sleep(0.1)
            finished_early = ingest.poll() is not None
            t_end = min(time.monotonic(), deadline)
            ingest.terminate()  # SIGTERM: gone at once, as a killed container; the lake is thrown away
            ingest.wait(timeout=30)
            time.sleep(0.3)
            stop.set()
            poller.join(timeout=10)
            stats = poller.sample()
            naive_thread.join(timeout=args.seconds + 30)
            written = sum(1 for _ in (tmp / "lake").rglob("data.json")) if (tmp / "lake").exists() else 0
            stderr_file.seek(0)
            stderr = stderr_file.read()
            stderr_file.close()
    finally:
        stop.set()
        if ingest is not None and ingest.poll() is None:
            ingest.kill()
            ingest.wait(timeout=30)
        stop_sandbox(ours)
        if naive is not None:
            stop_sandbox(naive)

    ours_figures = analyse(poller.samples, t0, t_end, args.minute_seconds, args.limit)
    naive_seconds = max(deadline, counts["ended"] or deadline) - (counts["started"] or t0)
    naive_rate = counts["sent"] / max(naive_seconds, 1e-9)
    return {
        "settings": {"limit_per_minute": args.limit, "minute_seconds": args.minute_seconds,
                     "latency_ms": args.latency_ms, "seconds": args.seconds, "concurrency": args.concurrency,
                     "partitions_offered": leagues * SEASONS},
        "pitchlake": {**ours_figures, "rateLimit_errors": stats.get("by_error", {}).get("rateLimit", 0),
                      "by_status": stats.get("by_status", {}), "partitions_written": written,
                      "finished_before_deadline": finished_early,
                      "ingest_stderr_tail": stderr.strip().splitlines()[-3:] if stderr.strip() else []},
        "naive": {"requests": counts["sent"], "errors": counts["errors"], "seconds": round(naive_seconds, 2),
                  "rate_per_s": round(naive_rate, 3),
                  "fraction": round(naive_rate / (args.limit / args.minute_seconds), 3)},
    }


def figures(result: dict) -> list[dict]:
    s, ours, naive = result["settings"], result["pitchlake"], result["naive"]
    minute = "min" if s["minute_seconds"] == 60 else f"{s['minute_seconds']:g} s"
    where = f"{s['limit_per_minute']}/{minute}, {s['latency_ms']:g} ms latency"
    fraction = ours.get("steady_fraction")
    steady_rate = ours.get("steady_rate_per_s")
    rows = [
        {"figure": f"ingest rate, steady state ({where}, {ours['seconds']:.0f} s run)",
         "value": steady_rate, "unit": "req/s",
         "reference": f"limit {s['limit_per_minute'] / s['minute_seconds']:.2f} req/s", "ratio": fraction,
         "goal": f">= {GOAL} of the limit", "met": None if fraction is None else fraction >= GOAL},
        {"figure": "ingest rate, raw (requests / wall time, first burst included)", "value": ours["raw_rate_per_s"],
         "unit": "req/s", "reference": f"{ours['requests']} requests in {ours['seconds']:.1f} s",
         "ratio": ours["raw_fraction"], "goal": "-", "met": None},
        {"figure": "rateLimit errors answered by the sandbox", "value": ours["rateLimit_errors"], "unit": "errors",
         "reference": f"max {ours.get('max_trailing_window', '?')} admitted in a sampled trailing window of {s['limit_per_minute']}",
         "ratio": None, "goal": "0", "met": ours["rateLimit_errors"] == 0},
        {"figure": "naive serial client (requests.get, sleep 1 s)", "value": naive["rate_per_s"], "unit": "req/s",
         "reference": f"{naive['requests']} requests in {naive['seconds']:.1f} s", "ratio": naive["fraction"],
         "goal": "-", "met": None},
        {"figure": "pitchlake steady-state rate / naive client's rate", "value": steady_rate, "unit": "req/s",
         "reference": f"naive {naive['rate_per_s']} req/s",
         "ratio": round(steady_rate / naive["rate_per_s"], 2) if steady_rate and naive["rate_per_s"] else None,
         "goal": "-", "met": None},
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=150.0, help="length of the measured run (default 150)")
    parser.add_argument("--limit", type=int, default=300, help="requests per minute, sandbox and config (default 300)")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="latency of every answer (default 100)")
    parser.add_argument("--minute-seconds", type=float, default=60.0,
                        help="length of the 'minute' in the sandbox and in pitchlake (pitchlake.client.MINUTE_SECONDS); "
                             "shorter for a quick run (default 60)")
    parser.add_argument("--concurrency", type=int, default=8, help="pitchlake's worker threads (default 8)")
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures instead of text")
    args = parser.parse_args()
    if args.seconds < 2 * args.minute_seconds:
        print(f"warning: a run of {args.seconds:g} s has fewer than two windows of {args.minute_seconds:g} s; the "
              "steady state is not reached (try --minute-seconds with a short run)", file=sys.stderr)
    result = run(args)
    rows = figures(result)
    if args.json:
        print(json.dumps({"benchmark": "rate", "figures": rows, "details": result}))
        return
    s, ours, naive = result["settings"], result["pitchlake"], result["naive"]
    print(f"sandbox: {s['limit_per_minute']} requests per {s['minute_seconds']:g} s window, {s['latency_ms']:g} ms latency; "
          f"pitchlake ingest with {s['concurrency']} workers over {s['partitions_offered']} teams partitions")
    print(f"pitchlake: {ours['requests']} requests admitted in {ours['seconds']:.1f} s "
          f"({ours['first_window_requests']} in the first window); {ours['partitions_written']} partitions written")
    if "steady_fraction" in ours:
        print(f"  steady state: {ours['steady_per_window']:.1f} requests per trailing window on average = "
              f"{ours['steady_rate_per_s']:.3f} req/s = {ours['steady_fraction']:.3f} of the limit (goal >= {GOAL})")
    print(f"  raw: {ours['raw_rate_per_s']:.3f} req/s = {ours['raw_fraction']:.3f} of the limit (includes the first burst)")
    print(f"  rateLimit errors answered by the sandbox: {ours['rateLimit_errors']} (must be 0); "
          f"max sampled trailing-window count: {ours.get('max_trailing_window')}")
    print(f"naive serial client: {naive['requests']} requests in {naive['seconds']:.1f} s = {naive['rate_per_s']:.3f} req/s "
          f"= {naive['fraction']:.3f} of the limit")
    if ours.get("steady_rate_per_s") and naive["rate_per_s"]:
        print(f"pitchlake / naive: {ours['steady_rate_per_s'] / naive['rate_per_s']:.2f}x")


if __name__ == "__main__":
    main()
