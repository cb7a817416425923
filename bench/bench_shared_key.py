"""Clients sharing one API key (issue 17, item 4), simulated: how often one gets two ``rateLimit``
answers in a row, how many it gets, and the pace of the whole against the limit.

``tests/test_shared_key.py`` runs two real ``pitchlake ingest`` processes against the sandbox, but
once, on whatever the machine's load makes of the timing. Here the same parts, pitchlake's
``RateLimiter`` and the sandbox's ``Quota`` (the sliding window the API enforces), run on a
simulated clock: thousands of runs in a minute, each with its own draw of latencies and of the
stalls a loaded machine inflicts on a process (its workers neither send nor read answers until it
runs again). Every figure is for the code as it is; compare revisions by running it on each.

    .venv/bin/python bench/bench_shared_key.py [--runs 1000]
"""

from __future__ import annotations

import argparse
import functools
import heapq
import itertools
import json
import math
import random
import types
from dataclasses import dataclass

from pitchlake.client import RateLimiter
from pitchlake_sandbox.limits import Quota


@dataclass(frozen=True)
class Scenario:
    name: str
    clients: int = 2
    workers: int = 4
    per_minute: int = 20
    minute: float = 4.0
    requests: int = 60  # each client's
    latency: tuple[float, float] = (0.001, 0.01)  # each way, seconds
    stall_chance: float = 0.0  # of each step of a client
    stall: tuple[float, float] = (0.05, 0.5)
    start_gap: tuple[float, float] = (0.0, 0.5)  # between one client's start and the next's
    runs: float = 1.0  # share of --runs


SCENARIOS = (
    Scenario("test_shared_key's (20 a 4 s minute, 4 workers each)"),
    Scenario("  the same, processes stalled 50-500 ms (2% of steps)", stall_chance=0.02),
    Scenario("  the same, started together, stalled 0.3-1 s", stall_chance=0.02, stall=(0.3, 1.0),
             start_gap=(0.0, 0.0)),
    Scenario("  the same, answers in 10-100 ms, 8 workers each", workers=8, latency=(0.01, 0.1), stall_chance=0.02),
    Scenario("  three clients, stalled 50-500 ms", clients=3, stall_chance=0.02),
    Scenario("Free plan (10 a minute), answers in 0.3-1.5 s", per_minute=10, minute=60.0, requests=30,
             latency=(0.3, 1.5), start_gap=(0.0, 30.0), runs=0.1),
    Scenario("Pro plan (300 a minute), answers in 0.3-1.5 s", per_minute=300, minute=60.0, requests=900,
             latency=(0.3, 1.5), start_gap=(0.0, 30.0), runs=0.01),
)


class Wait(Exception):
    """The limiter would sleep: the simulation schedules the worker's next try instead."""

    def __init__(self, seconds: float):
        self.seconds = seconds


def simulate(scenario: Scenario, seed: int) -> tuple[int, int, float]:
    """One run: the longest run of ``rateLimit`` answers any client got, their number, and the
    pace (the least time the limit allows for the requests admitted, over the time they took)."""
    rnd = random.Random(seed)
    now = 0.0
    quota = Quota(scenario.per_minute, 10**9, window=scenario.minute, clock=lambda: now)
    events: list = []
    order = itertools.count()
    served: list[tuple[float, int, str]] = []

    def at(when: float, step) -> None:
        heapq.heappush(events, (when, next(order), step))

    def latency() -> float:
        return rnd.uniform(*scenario.latency)

    def sleep(seconds: float) -> None:
        raise Wait(seconds)

    class Client:
        def __init__(self, number: int, start: float):
            self.number, self.left, self.stalled_until = number, scenario.requests, 0.0
            self.limiter = RateLimiter(scenario.per_minute, minute=scenario.minute, clock=lambda: now, sleep=sleep)
            for _ in range(scenario.workers):
                at(start, functools.partial(self.send, types.SimpleNamespace(attempt=0)))

        def stalled(self, step) -> bool:
            """A stalled process runs nothing until it runs again; any step may stall it."""
            if now < self.stalled_until or rnd.random() < scenario.stall_chance:
                self.stalled_until = max(self.stalled_until, now + rnd.uniform(*scenario.stall))
                at(self.stalled_until, step)
                return True
            return False

        def use(self, worker) -> RateLimiter:
            # The limiter keeps each worker thread's last request in a threading.local; every worker
            # of the simulation runs on this one thread, so each brings its own.
            self.limiter._thread = worker
            return self.limiter

        def send(self, worker) -> None:
            if self.stalled(lambda: self.send(worker)):
                return
            if worker.attempt == 0:
                if not self.left:
                    return
                self.left, worker.attempt = self.left - 1, 1
            try:
                self.use(worker).acquire()
            except Wait as wait:
                at(now + wait.seconds, lambda: self.send(worker))
                return
            at(now + latency(), lambda: self.arrive(worker))

        def arrive(self, worker) -> None:
            verdict = quota.take("key")
            served.append((now, self.number, verdict.refused or "200"))
            remaining = int(dict(verdict.headers)["X-RateLimit-Remaining"])
            at(now + latency(), lambda: self.answer(worker, verdict.refused, remaining))

        def answer(self, worker, refused: str | None, remaining: int) -> None:
            if self.stalled(lambda: self.answer(worker, refused, remaining)):
                return
            limiter = self.use(worker)
            limiter.observe(remaining)
            if refused:
                limiter.after_rate_limit(remaining)
                worker.attempt += 1  # the client's retry: full jitter under a growing ceiling
                at(now + rnd.uniform(0, min(60, 2 ** (worker.attempt - 2))), lambda: self.send(worker))
            else:
                worker.attempt = 0
                at(now + rnd.uniform(0.0005, 0.003), lambda: self.send(worker))

    clients = [Client(number, rnd.uniform(*scenario.start_gap) * number) for number in range(scenario.clients)]
    while events:
        now, _, step = heapq.heappop(events)
        step()
    longest = 0
    for client in clients:
        answers = [answer for _, number, answer in served if number == client.number]
        longest = max([longest, *(len(list(run)) for answer, run in itertools.groupby(answers) if answer != "200")])
    admitted = [when for when, _, answer in served if answer == "200"]
    least = (math.ceil(len(admitted) / scenario.per_minute) - 1) * scenario.minute
    return longest, len(served) - len(admitted), least / (admitted[-1] - admitted[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs of the test's scenario (others: fewer)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = []
    for scenario in SCENARIOS:
        runs = max(int(args.runs * scenario.runs), 5)
        results = [simulate(scenario, seed) for seed in range(runs)]
        twice = sum(1 for longest, _, _ in results if longest >= 2) / runs
        refused = sum(refused for _, refused, _ in results) / runs
        pace = sum(pace for _, _, pace in results) / runs
        unloaded = scenario == SCENARIOS[0]  # the promise holds there; the others measure how far it bends
        figures.append({"figure": f"{scenario.name.strip()}: runs where a client got 2+ rateLimit in a row",
                        "value": round(100 * twice, 1), "unit": "%",
                        "reference": f"{runs} runs; {refused:.2f} rateLimit a run; pace {pace:.0%} of the limit",
                        "ratio": None, "goal": "0 %" if unloaded else None, "met": twice == 0 if unloaded else None})
        if not args.json:
            print(f"{scenario.name:<60} {runs:>5} runs: 2+ in a row {twice:6.1%}, {refused:5.2f} rateLimit a run, "
                  f"pace {pace:4.0%}", flush=True)
    if args.json:
        print(json.dumps({"benchmark": "sharedkey", "figures": figures}))


if __name__ == "__main__":
    main()
