"""Per-key quotas as the API enforces them: requests per day and per minute.

The minute is a sliding window (at most N requests in any ``window`` seconds, 60 unless a test
shortens it); the day ends at midnight UTC or when a test says so (:meth:`Quota.new_day`).
A refused request costs nothing, as a ``rateLimit`` or ``requests`` answer from the API does not.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Verdict:
    #: None when admitted, else the ``errors`` key: ``requests`` (day) or ``rateLimit`` (minute)
    refused: str | None
    headers: tuple[tuple[str, str], ...]


def _utc_day() -> str:
    return datetime.now(UTC).date().isoformat()


class Quota:
    def __init__(self, per_minute: int, per_day: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, day: Callable[[], str] = _utc_day):
        if per_minute < 1 or per_day < 1:
            raise ValueError("per-minute and per-day limits must be at least 1")
        self.per_minute, self.per_day, self.window = per_minute, per_day, window
        self._clock, self._day = clock, day
        self._lock = threading.Lock()
        self._today = day()
        self._used: dict[str, int] = {}
        self._recent: dict[str, deque[float]] = {}

    def take(self, key: str) -> Verdict:
        """Admit one request of ``key`` if both limits allow it, with the headers to send."""
        with self._lock:
            self._roll()
            recent = self._recent.setdefault(key, deque())
            now = self._clock()
            while recent and now - recent[0] >= self.window:
                recent.popleft()
            used = self._used.get(key, 0)
            if used >= self.per_day:
                refused = "requests"
            elif len(recent) >= self.per_minute:
                refused = "rateLimit"
            else:
                refused = None
                used = self._used[key] = used + 1
                recent.append(now)
            return Verdict(refused, self._headers(used, len(recent)))

    def headers(self, key: str) -> tuple[tuple[str, str], ...]:
        """The current headers of ``key`` without spending anything (for injected errors)."""
        with self._lock:
            recent = self._recent.get(key, ())
            now = self._clock()
            return self._headers(self._used.get(key, 0), sum(1 for t in recent if now - t < self.window))

    def _headers(self, used: int, in_window: int) -> tuple[tuple[str, str], ...]:
        return (("x-ratelimit-requests-limit", str(self.per_day)),
                ("x-ratelimit-requests-remaining", str(max(self.per_day - used, 0))),
                ("X-RateLimit-Limit", str(self.per_minute)),
                ("X-RateLimit-Remaining", str(max(self.per_minute - in_window, 0))))

    def _roll(self) -> None:
        if self._day() != self._today:
            self._today, self._used = self._day(), {}

    def used_today(self, key: str) -> int:
        with self._lock:
            self._roll()
            return self._used.get(key, 0)

    def new_day(self) -> None:
        with self._lock:
            self._used = {}

    def reset(self) -> None:
        with self._lock:
            self._used, self._recent = {}, {}
