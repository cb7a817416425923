"""What the sandbox served, counted on its side of the wire.

Tests and benchmarks compare these counts with what a client believes it spent, so every API
request is counted exactly once, under its endpoint, its HTTP status (``timeout`` for a
connection held and closed unanswered), the key of an error in the body, and the fault injected.
Also counted: the latency added to answers (``by_latency_ms``, in milliseconds), and for each
valid API key its requests and the numbers (1, 2, ... in the order served) of its first and last
request (``by_key``): two clients with their own keys overlapped when those ranges intersect.

Besides the counts, a log of the last :data:`LOG_LIMIT` API requests in the order served
(:meth:`Stats.log`): when, which key, which endpoint and parameters, and what was answered. It
tells what the counts cannot: the order of the answers, such as two ``rateLimit`` answers in a row
to one client. Appending an entry, under the lock the counts already take, costs under 2 µs on the
development machine, a fraction of a percent of serving a request.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import NamedTuple

#: Entries the request log keeps (the oldest go first): some 12 MB at most, with their parameters.
LOG_LIMIT = 20_000


class Served(NamedTuple):
    """One API request in the log, as the sandbox answered it."""

    #: ``time.monotonic()`` when it reached the sandbox's gateway, just before its quota was taken
    #: (the log is in the order the answers were ready, which may differ a little under concurrency)
    time: float
    #: the valid key it carried, or None
    key: str | None
    endpoint: str
    #: its query parameters, as parsed
    params: dict
    #: what it got: the key of the error in its body (``rateLimit``, ``requests``, ``token``...) when
    #: there is one, else its HTTP status (``200``, ``503``...; ``timeout`` for one held unanswered)
    answer: str


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def record(self, endpoint: str, status: str, error: str | None = None, fault: str | None = None,
               key: str | None = None, latency_ms: float = 0.0, params: dict | None = None,
               at: float | None = None) -> None:
        now = time.monotonic() if at is None else at
        with self._lock:
            self._total += 1
            self._log.append(Served(now, key, endpoint, params if params is not None else {}, error or status))
            if key is not None:
                seen = self._keys.setdefault(key, {"requests": 0, "first": self._total, "last": self._total})
                seen["requests"] += 1
                seen["last"] = self._total
            if latency_ms:
                self._latencies[f"{latency_ms:g}"] += 1
            self._endpoints[endpoint] += 1
            self._statuses[status] += 1
            if error:
                self._errors[error] += 1
            if fault:
                self._faults[fault] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"total": self._total, "by_endpoint": dict(sorted(self._endpoints.items())),
                    "by_status": dict(sorted(self._statuses.items())), "by_error": dict(sorted(self._errors.items())),
                    "by_fault": dict(sorted(self._faults.items())), "by_latency_ms": dict(sorted(self._latencies.items())),
                    "by_key": {key: dict(seen) for key, seen in sorted(self._keys.items())}}

    def log(self) -> list[Served]:
        """The last :data:`LOG_LIMIT` API requests, in the order served (the counts' order)."""
        with self._lock:
            return list(self._log)

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._endpoints, self._statuses, self._errors, self._faults = Counter(), Counter(), Counter(), Counter()
            self._latencies: Counter = Counter()
            self._keys: dict[str, dict[str, int]] = {}
            self._log: deque[Served] = deque(maxlen=LOG_LIMIT)
