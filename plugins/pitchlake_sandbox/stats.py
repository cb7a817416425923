"""What the sandbox served, counted on its side of the wire.

Tests and benchmarks compare these counts with what a client believes it spent, so every API
request is counted exactly once, under its endpoint, its HTTP status (``timeout`` for a
connection held and closed unanswered), the key of an error in the body, and the fault injected.
Also counted: the latency added to answers (``by_latency_ms``, in milliseconds), and for each
valid API key its requests and the numbers (1, 2, ... in the order served) of its first and last
request (``by_key``): two clients with their own keys overlapped when those ranges intersect.
"""

from __future__ import annotations

import threading
from collections import Counter


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def record(self, endpoint: str, status: str, error: str | None = None, fault: str | None = None,
               key: str | None = None, latency_ms: float = 0.0) -> None:
        with self._lock:
            self._total += 1
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

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._endpoints, self._statuses, self._errors, self._faults = Counter(), Counter(), Counter(), Counter()
            self._latencies: Counter = Counter()
            self._keys: dict[str, dict[str, int]] = {}
