"""The API-Football client: auth, rate limits, retries, and the error taxonomy of docs/design.md.

API-Football reports most errors inside HTTP 200 (a non-empty ``errors`` object), so a response
is only good when it parsed as JSON, has the envelope's keys and an empty ``errors``. Each failure
becomes exactly one exception class, and the class decides what the runner does: wait and retry,
stop for the day, skip the partition for good, or give up with a clear message.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential
from urllib3.util.retry import Retry

from .config import ApiConfig, redact

log = logging.getLogger(__name__)

ENVELOPE_KEYS = ("get", "parameters", "errors", "results", "paging", "response")
KEY_ENV = "FOOTBALL_API_KEY"
#: The API's rate-limit window, in seconds. The limiter keeps a second more (see RateLimiter).
MINUTE_SECONDS = 60.0
#: The longest wait between two attempts of one request, in seconds (the backoff's ceiling).
MAX_BACKOFF_SECONDS = 60.0


class ApiError(Exception):
    """Base of every API failure; messages never contain the key."""


class FatalApiError(ApiError):
    """Retrying cannot help: a bad key (``token``) or a bug in the request (a parameter error)."""


class QuotaExhausted(ApiError):
    """The day's quota is gone (``requests``): stop the run cleanly, resume tomorrow."""


class OutOfPlan(ApiError):
    """The partition is not in the subscription (``plan``): record it, skip it in later plans."""


class TransientApiError(ApiError):
    """429, 5xx, timeouts, truncated or non-JSON bodies, ``rateLimit``: retried, then raised."""


class MissingApiKey(FatalApiError):
    pass


@dataclass
class Response:
    """A good envelope, its raw bytes (written to the lake as received) and the quota it left."""

    envelope: dict
    body: bytes
    day_remaining: int | None
    minute_remaining: int | None


def api_key() -> str:
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise MissingApiKey(f"no API key: set {KEY_ENV} (get one at https://dashboard.api-football.com)")
    return key


class RateLimiter:
    """Keeps every worker of the process together under the per-minute limit.

    A sliding log of send times admits at most ``per_minute`` requests in any window of
    ``window`` seconds (a second longer than a minute, so that latency between our clock and the
    server's cannot push a request into the previous window). When the server says fewer remain
    than we think, we believe the server.
    """

    def __init__(self, per_minute: int, window: float | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.per_minute = per_minute
        self.window = window if window is not None else MINUTE_SECONDS + 1.0
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.per_minute:
                    self._sent.append(now)
                    return
                wait = self.window - (now - self._sent[0])
            self._sleep(max(wait, 0.01))

    def observe(self, minute_remaining: int | None) -> None:
        """The server's ``X-RateLimit-Remaining``: if it is lower than our count allows, fill the
        log with the difference so we wait instead of spending a request on a ``rateLimit``."""
        if minute_remaining is None:
            return
        with self._lock:
            now = self._clock()
            missing = (self.per_minute - minute_remaining) - len(self._sent)
            for _ in range(max(missing, 0)):
                self._sent.append(now)

    def wait_for_window(self) -> None:
        """After a ``rateLimit`` error: the server's window is full whatever we counted."""
        with self._lock:
            now = self._clock()
            self._sent.extend([now] * max(self.per_minute - len(self._sent), 0))


class Budget:
    """Requests this run may still spend: the smaller of ``--max-requests`` and the day's quota
    left (``x-ratelimit-requests-remaining``). Reserved before sending, so concurrent workers
    cannot overshoot it."""

    def __init__(self, max_requests: int | None = None):
        self.max_requests = max_requests
        self.used = 0
        self.day_remaining: int | None = None
        self._lock = threading.Lock()

    def reserve(self) -> None:
        with self._lock:
            if self.max_requests is not None and self.used >= self.max_requests:
                raise BudgetExhausted("max_requests")
            if self.day_remaining is not None and self.day_remaining <= 0:
                raise BudgetExhausted("daily_quota")
            self.used += 1
            if self.day_remaining is not None:
                self.day_remaining -= 1

    def observe(self, day_remaining: int | None) -> None:
        if day_remaining is not None:
            with self._lock:
                self.day_remaining = day_remaining if self.day_remaining is None else min(self.day_remaining, day_remaining)


class BudgetExhausted(Exception):
    """Not an API error: we chose not to send. ``reason`` is ``max_requests`` or ``daily_quota``."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"stopped before sending: {reason.replace('_', ' ')} reached")


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def classify(errors: Any) -> ApiError:
    """The exception for a non-empty ``errors`` of an HTTP 200 envelope (dict, or list of dicts)."""
    if isinstance(errors, list):
        merged: dict = {}
        for item in errors:
            merged.update(item if isinstance(item, dict) else {"error": item})
        errors = merged
    if not isinstance(errors, dict):
        return FatalApiError(f"API error: {errors!r}")
    message = "; ".join(f"{name}: {text}" for name, text in errors.items())
    if "rateLimit" in errors:
        return TransientApiError(f"rate limit: {message}")
    if "requests" in errors:
        return QuotaExhausted(f"daily quota exhausted: {message}")
    if "token" in errors:
        return FatalApiError(f"the API rejected the key ({KEY_ENV}): {message}")
    if "plan" in errors:
        return OutOfPlan(f"out of plan: {message}")
    return FatalApiError(f"the API rejected the request parameters (a bug in the request): {message}")


class ApiClient:
    """Thread-safe: one instance is shared by every worker of a run."""

    def __init__(self, config: ApiConfig, *, key: str | None = None, budget: Budget | None = None,
                 limiter: RateLimiter | None = None, sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self._key = key or api_key()
        self.budget = budget or Budget()
        self.limiter = limiter or RateLimiter(config.limits.per_minute)
        self._local = threading.local()
        # Thread-safe: tenacity keeps each call's state in the calling thread.
        self._retrying = Retrying(
            retry=retry_if_exception_type(TransientApiError),
            stop=stop_after_attempt(config.max_retries + 1),
            # full jitter: a wait drawn from [0, min(MAX_BACKOFF_SECONDS, 2 ** (attempt - 1))] seconds
            wait=wait_random_exponential(multiplier=1, max=MAX_BACKOFF_SECONDS),
            sleep=sleep,
            before_sleep=self._log_retry,
        )

    @property
    def _session(self) -> requests.Session:
        """One keep-alive session per worker thread. urllib3 retries connection failures
        (before anything was sent); the statuses and bodies are retried in :meth:`get`, where the
        budget and the rate limiter see every attempt."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # read=False: a read timeout surfaces as requests.Timeout, not as a connection error.
            adapter = HTTPAdapter(max_retries=Retry(total=None, connect=2, read=False, redirect=0, status=0))
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            if self.config.auth == "rapidapi":
                session.headers.update({"x-rapidapi-key": self._key, "x-rapidapi-host": self.config.rapidapi_host})
            else:
                session.headers.update({"x-apisports-key": self._key})
            self._local.session = session
        return session

    def get(self, path: str, params: Mapping[str, Any]) -> Response:
        """One logical request, retried on transient failures with exponential backoff and full
        jitter, at most ``max_retries`` times; every attempt is reserved from the budget first.
        Any other error (fatal, quota, out of plan, a bad body, the budget) ends it at once."""
        try:
            return self._retrying(self._attempt, path, params)
        except RetryError as exc:
            attempts = exc.last_attempt.attempt_number
            raise TransientApiError(f"{path} {dict(params)}: gave up after {attempts} attempts: "
                                    f"{exc.last_attempt.exception()}") from None

    def _log_retry(self, state: RetryCallState) -> None:
        path, params = state.args
        error = state.outcome.exception() if state.outcome else None
        delay = state.upcoming_sleep
        log.warning("%s %s: %s; retry %d/%d in %.1fs", path, dict(params), error, state.attempt_number,
                    self.config.max_retries, delay)

    def _attempt(self, path: str, params: Mapping[str, Any]) -> Response:
        self.budget.reserve()
        self.limiter.acquire()
        url = self.config.base_url.rstrip("/") + "/" + path.lstrip("/")
        try:
            http = self._session.get(url, params=dict(params), timeout=self.config.timeout_seconds)
            body = http.content
        except requests.Timeout:
            raise TransientApiError(f"timeout after {self.config.timeout_seconds}s") from None
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            # Refused before anything was sent, and so again on every retry: the config is at fault.
            raise FatalApiError(f"the request cannot be sent ({type(exc).__name__}): check api.base_url and "
                                "api.rapidapi_host") from None
        except requests.RequestException as exc:
            # urllib3 messages can carry the URL, never the key (it travels in a header), but be safe.
            raise TransientApiError(redact(f"connection failed: {type(exc).__name__}: {exc}", self._key)) from None
        minute_remaining = _int_header(http.headers, "X-RateLimit-Remaining")
        day_remaining = _int_header(http.headers, "x-ratelimit-requests-remaining")
        self.limiter.observe(minute_remaining)
        self.budget.observe(day_remaining)
        if http.status_code == 429 or http.status_code >= 500:
            raise TransientApiError(f"HTTP {http.status_code}")
        if http.status_code in (401, 403):
            raise FatalApiError(f"HTTP {http.status_code}: the API rejected the key ({KEY_ENV})")
        if http.status_code != 200:
            raise FatalApiError(f"HTTP {http.status_code} for {path}")
        envelope = self._parse(body, http)
        if envelope["errors"]:
            error = classify(envelope["errors"])
            if isinstance(error, TransientApiError):
                self.limiter.wait_for_window()
            raise error
        return Response(envelope, body, day_remaining, minute_remaining)

    @staticmethod
    def _parse(body: bytes, http: requests.Response) -> dict:
        expected = http.headers.get("Content-Length")
        if expected is not None and expected.isdigit() and int(expected) != len(body):
            raise TransientApiError(f"truncated body: {len(body)} of {expected} bytes")
        try:
            envelope = json.loads(body, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates)
        except BadResponse:
            raise
        except RecursionError:
            raise BadResponse("body is nested too deeply to be an API-Football envelope") from None
        except ValueError as exc:
            raise TransientApiError(f"body is not JSON ({getattr(exc, 'msg', exc)} at byte {getattr(exc, 'pos', '?')} of {len(body)})") from None
        if not isinstance(envelope, dict) or any(key not in envelope for key in ENVELOPE_KEYS):
            raise TransientApiError("body is JSON but not an API-Football envelope")
        return envelope


class BadResponse(ApiError):
    """A complete JSON body that no reader of the lake should get: NaN or Infinity (not JSON, and
    warehouses choke on them), duplicate keys (which value is meant?), absurd nesting. Retrying
    would return the same body, so the partition fails and nothing is written."""


def _refuse_constant(name: str):
    raise BadResponse(f"body contains {name}, which is not valid JSON")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise BadResponse(f"body has the key {duplicate!r} twice in one object")
    return result
