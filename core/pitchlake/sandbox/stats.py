"""What the sandbox served, counted on its side of the wire.

Tests and benchmarks compare these counts with what a client believes it spent, so every API
request is counted exactly once, under its endpoint, its HTTP status (``timeout`` for a
connection held and closed unanswered), the key of an error in the body, and the fault injected.
"""

from __future__ import annotations

import threading
from collections import Counter


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def record(self, endpoint: str, status: str, error: str | None = None, fault: str | None = None) -> None:
        with self._lock:
            self._total += 1
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
                    "by_fault": dict(sorted(self._faults.items()))}

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._endpoints, self._statuses, self._errors, self._faults = Counter(), Counter(), Counter(), Counter()
