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
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3.exceptions
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
#: The largest body accepted, in bytes, after decompression: 16 MiB. A body is read in chunks of
#: :data:`BODY_CHUNK_BYTES` and given up on as soon as it passes the limit (or at once when its
#: ``Content-Length`` does), so whatever a server sends, a worker holds at most this much of it.
#: The largest real answers recorded (tests/data/api-football) are 1.5 MB (``leagues?current=true``,
#: every league with its seasons) and 0.85 MB (a season of fixtures): 16 MiB is ten times the
#: largest. It is also what keeps a run under 250 MB: a body is parsed whole, which takes about six
#: times its size in Python objects, and only one answer over :data:`LARGE_BODY_BYTES` is held at a
#: time, from its reading to its writing (:meth:`Response.release`). A body over the limit is
#: :class:`OverLimit`: the same request would get the same body, so it is not retried, and its
#: partition fails.
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Answers larger than this are held one at a time, whatever the concurrency.
LARGE_BODY_BYTES = 4 * 1024 * 1024
_LARGE_ANSWER = threading.Lock()
#: How much of a body is read at a time.
BODY_CHUNK_BYTES = 1024 * 1024


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


class _Reading:
    """Whether the answer being read holds the one place for a large answer (``_LARGE_ANSWER``)."""

    large = False

    def hold(self) -> None:
        if not self.large:
            _LARGE_ANSWER.acquire()
            self.large = True

    def release(self) -> None:
        if self.large:
            self.large = False
            _LARGE_ANSWER.release()


@dataclass
class Response:
    """A good envelope, its raw bytes (written to the lake as received) and the quota it left.
    A large one holds the process's one place for a large answer: :meth:`release` it once written."""

    envelope: dict
    body: bytes
    day_remaining: int | None
    minute_remaining: int | None
    reading: _Reading = field(default_factory=_Reading)

    def release(self) -> None:
        self.reading.release()


def api_key() -> str:
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise MissingApiKey(f"no API key: set {KEY_ENV} (get one at https://dashboard.api-football.com)")
    return key


class _Sent:
    """One request of ours in the limiter's log: when it left and, once over, when its answer came."""

    __slots__ = ("sent", "answered")

    def __init__(self, sent: float):
        self.sent, self.answered = sent, None

    def until(self, window: float) -> float:
        """When it leaves the log: ``window`` after its answer; one in flight, after two windows."""
        return self.sent + 2 * window if self.answered is None else self.answered + window


class RateLimiter:
    """Keeps every worker of the process under the key's per-minute limit, together with whatever
    else spends the same key (another pitchlake run, a notebook), as far as the server's headers tell.

    The server admits at most ``per_minute`` requests of a key in any ``minute`` (a sliding window),
    and refuses the others with ``rateLimit``. The limiter's picture of that window has two parts:

    - **ours**: a log of our requests, each with when it left and when its answer came (no earlier
      than the server counted it). It leaves the log ``window`` after its answer: the minute and a
      sixtieth of it (61 s), a margin for the server's clock.
    - **the others'**: each answer's ``X-RateLimit-Remaining`` says how many requests of the key the
      server's window held when it counted ours; those beyond ours sent in the minute before it are
      someone else's. They are believed to stay until a newer answer says otherwise, for at most
      ``window``: by then each has left the server's window, what the others spend now is unknown,
      and the next request goes alone, its answer saying. An answer saying they are fewer is
      believed only once it is over a sixtieth of the minute newer than the one that said more:
      the others' requests that have just left the server's window stay in their own log for that
      margin and are sent again as they leave it, so taking their places at once would take them
      twice. Until then we may wait for our own to leave (a simulation of two clients on one key,
      ``bench/bench_shared_key.py``: a point or two of pace, most ``rateLimit`` answers spared).

    A request is sent when the two leave room under the limit less one: one place of the window is
    left free, so that another client arriving at a full window (whose refused requests no header
    shows) finds it. Holding more than the others, we leave them as much again free (at most what we
    hold beyond theirs), so that a client arriving beside us grows to an even share within a few
    windows. Since the others may be spending the same room as we do, our requests in flight are at
    most half of it; and only one in the upper half of the window when what the last answer told is
    stale (a newcomer may have filled it since): older than a sixtieth of the minute beyond twice
    the shortest of the last eight round trips. No answer is fresher than its round trip; the
    shortest, so that an answer held up by a stalled process does not make every picture look
    fresh. (With the sixtieth alone, two clients on a Pro plan with 0.3-1.5 s answers were held to
    41 % of the limit's pace in ``bench/bench_shared_key.py``, where their workers reach 70 %.)
    A ``rateLimit`` answer is therefore rare; after one (:meth:`after_rate_limit`) every worker
    waits what that picture requires, not a flat minute.

    Each worker thread sends its request between :meth:`acquire` and :meth:`observe` (or a failure:
    its next :meth:`acquire` settles a request that never got an answer).
    """

    def __init__(self, per_minute: int, minute: float | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.per_minute = per_minute
        self.minute = minute if minute is not None else MINUTE_SECONDS
        self.window = self.minute * 61 / 60
        #: what we fill the window to: all but the one place left for another client (a limit of 1: 1)
        self.limit = max(per_minute - 1, 1)
        self._clock, self._sleep = clock, sleep
        self._ours: list[_Sent] = []
        #: the others' requests in the server's window, told by an answer to a request sent at
        #: ``_others_told`` and believed until ``_others_until``; None: not known
        self._others: int | None = None
        self._others_told = self._others_until = 0.0
        #: (sent, others) of the answers that make up ``_others``: the newest and those sent less than
        #: a sixtieth of the minute before it (the largest count among them is believed)
        self._counts: list[tuple[float, int]] = []
        #: the round trips of the last answers: the shortest is how fresh a picture can be
        self._round_trips: deque[float] = deque(maxlen=8)
        self._lock = threading.Lock()
        self._thread = threading.local()  # .sent: this thread's last request

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._settle(now)
                wait = self._wait(now)
                if wait <= 0:
                    self._thread.sent = sent = _Sent(now)
                    self._ours.append(sent)
                    return
            self._sleep(wait)

    def _settle(self, now: float) -> None:
        """This thread's previous request, if it failed unanswered, is over now; and whatever the
        server's window no longer holds leaves the picture."""
        previous = getattr(self._thread, "sent", None)
        if previous is not None and previous.answered is None:
            previous.answered = now
        self._ours = [sent for sent in self._ours if now < sent.until(self.window)]
        if self._others is not None and now >= self._others_until:
            self._others = None

    def _wait(self, now: float) -> float:
        """0 when a request may leave now, else how long to wait before looking again."""
        in_flight = sum(1 for sent in self._ours if sent.answered is None)
        if self._others is None:
            room = self.limit - len(self._ours) if in_flight == 0 else 0
        else:
            # holding more than the others, leave them as much again free (at most what we hold beyond
            # theirs); in flight, half the room, or one (see the class)
            held = len(self._ours)
            room = self.limit - self._others - held - min(max(held - self._others, 0), self._others)
            seen = room + in_flight  # the places free for us, as the last answer told
            fresh = self.minute / 60 + 2 * min(self._round_trips, default=0.0)
            stale = now - self._others_told >= fresh and seen < self.per_minute / 2
            if in_flight >= (1 if stale else (seen + 1) // 2):
                room = 0
        if room > 0:
            return 0.0
        # the next change we can foresee: one of ours leaving, the others' count going out of date;
        # an answer (to another worker) may come before, so look again soon in any case
        changes = [sent.until(self.window) for sent in self._ours if sent.answered is not None]
        if self._others is not None:
            changes.append(self._others_until)
        return max(min([*changes, now + self.window / 240]) - now, 0.001)

    def _tell(self, now: float, sent: _Sent | None, minute_remaining: int, counted: bool) -> None:
        """What the server's count, in the answer to ``sent``, says of the others'. Ours in it are
        those sent in the minute before it (the server counts each when it arrives)."""
        told = sent.sent if sent is not None else now
        ours = sum(1 for mine in self._ours if mine is not sent and told - self.minute < mine.sent <= told)
        others = max(self.per_minute - minute_remaining - ours - counted, 0)
        counts = [*self._counts, (told, others)] if self._others is not None else [(told, others)]
        newest = max(at for at, _ in counts)
        self._counts = [(at, count) for at, count in counts if at > newest - self.minute / 60]
        self._others = max(count for _, count in self._counts)
        self._others_told, self._others_until = newest, now + self.window

    def observe(self, minute_remaining: int | None) -> None:
        """An answer to this thread's request, with the server's ``X-RateLimit-Remaining`` if it
        sent one."""
        with self._lock:
            now = self._clock()
            sent = getattr(self._thread, "sent", None)
            if sent is not None and sent.answered is None:
                sent.answered = now
                self._round_trips.append(now - sent.sent)
            if minute_remaining is not None:
                self._tell(now, sent, minute_remaining, counted=sent is not None)

    def never_sent(self) -> None:
        """This thread's request never left (the connection was refused): the server's window
        does not hold it, and a dead API must not make the retries wait a minute for room."""
        with self._lock:
            sent = getattr(self._thread, "sent", None)
            if sent in self._ours:
                self._ours.remove(sent)
            self._thread.sent = None

    def after_rate_limit(self, minute_remaining: int | None) -> None:
        """After a ``rateLimit`` answer (once :meth:`observe` has seen it). The server did not count
        the refused request: it leaves our log, and the others' count is taken again without it.
        With its ``X-RateLimit-Remaining`` at 0 (or none) the window is full: the next request
        waits until enough of ours have left it (one more for the place kept free), or, if it held
        none of ours, until what the others held has left it; then one request goes alone. When the
        header says the minute has room, the answer contradicts its count (a glitch of the
        server's): the retry's own backoff, which grows while answers keep saying ``rateLimit``, is
        the whole wait: seconds, not a minute."""
        with self._lock:
            now = self._clock()
            sent = getattr(self._thread, "sent", None)
            if sent in self._ours:
                self._ours.remove(sent)
            self._thread.sent = None
            self._tell(now, sent, minute_remaining or 0, counted=False)


class Budget:
    """Requests this run may still spend: the smaller of ``--max-requests`` and the day's quota
    left (``x-ratelimit-requests-remaining``). Reserved before sending, so concurrent workers
    cannot overshoot it; a reservation is then settled: spent when the request left (whatever
    came back, a read timeout included), given back when it never did (the connection was
    refused, the name did not resolve, requests refused to send it). ``used`` counts the
    requests sent.

    ``keep`` is the part of the day's quota this run leaves to others: a run narrowed to a part of
    the scope (``--season 2015``, one Dagster partition) that backfills closed seasons keeps what
    the partitions still changing outside it need today (:meth:`pitchlake.runner.Runner.run` sets
    it), so a long backfill never starves the current season's scheduled run."""

    def __init__(self, max_requests: int | None = None):
        self.max_requests = max_requests
        self.keep = 0
        #: requests sent: what the API may have counted against the quota
        self.used = 0
        #: reserved and not yet settled (in flight)
        self.reserved = 0
        self.day_remaining: int | None = None
        self._changed = threading.Condition()

    def reserve(self) -> None:
        """Counting the requests in flight as not yet in the server's count keeps the quota safe,
        but the server may have counted some already (it answered a later one, whose count we
        hold): where that leaves no room, wait for their answers and look again, rather than end
        the day with its last requests unspent (bench_backfill: 97-98 of 100 on some days, a
        backfill day longer)."""
        with self._changed:
            while True:
                if self.max_requests is not None and self.used + self.reserved >= self.max_requests:
                    raise BudgetExhausted("max_requests")
                left = None if self.day_remaining is None else self.day_remaining - self.reserved
                if left is None or left > self.keep:
                    self.reserved += 1
                    return
                if not self.reserved:
                    raise BudgetExhausted("daily_quota" if left <= 0 else "daily_quota_kept")
                self._changed.wait()

    def settle(self, sent: bool, day_remaining: int | None = None) -> None:
        """End a reservation: ``sent`` spends it, otherwise it is given back. ``day_remaining``
        is the server's count in the answer, if one came: it already counts this request (and any
        sent before it), so it replaces ours rather than adding to it. Answers may be read out of
        order, so the smallest count wins; counting down as well would count each reordered
        request twice and end every day a few requests early."""
        with self._changed:
            self.reserved -= 1
            if sent:
                self.used += 1
                if day_remaining is not None:
                    self.day_remaining = day_remaining if self.day_remaining is None else min(self.day_remaining, day_remaining)
                elif self.day_remaining is not None:
                    self.day_remaining -= 1
            self._changed.notify_all()


class BudgetExhausted(Exception):
    """Not an API error: we chose not to send. ``reason`` is ``max_requests``, ``daily_quota``
    or ``daily_quota_kept`` (what is left of the day is kept: see :class:`Budget`)."""

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
        """One attempt. Its reservation of the budget is spent once the request has left, and
        given back when it never did (see :func:`_never_sent`)."""
        self.budget.reserve()
        sent = True  # unless shown otherwise: the budget errs on the side of the quota
        day_remaining = None
        try:
            self.limiter.acquire()
            url = self.config.base_url.rstrip("/") + "/" + path.lstrip("/")
            try:
                # stream: the headers now, the body in chunks by _read_body, bounded
                http = self._session.get(url, params=dict(params), timeout=self.config.timeout_seconds, stream=True)
                day_remaining = _int_header(http.headers, "x-ratelimit-requests-remaining")
            except requests.RequestException as exc:
                sent = not _never_sent(exc)
                if not sent:
                    self.limiter.never_sent()
                raise self._request_error(exc) from None
        finally:
            self.budget.settle(sent, day_remaining)
        with http:  # closes the connection when the body is left unread (an error, a body over the limit)
            return self._answer(path, http, day_remaining)

    def _request_error(self, exc: requests.RequestException) -> ApiError:
        if isinstance(exc, requests.ConnectTimeout):
            return TransientApiError(f"no connection within {self.config.timeout_seconds}s")
        if isinstance(exc, requests.Timeout):
            return TransientApiError(f"timeout after {self.config.timeout_seconds}s")
        if isinstance(exc, _UNSENDABLE):
            # Refused before anything was sent, and so again on every retry: the config is at fault.
            return FatalApiError(f"the request cannot be sent ({type(exc).__name__}): check api.base_url and "
                                 "api.rapidapi_host")
        # urllib3 messages can carry the URL, never the key (it travels in a header), but be safe.
        return TransientApiError(redact(f"connection failed: {type(exc).__name__}: {exc}", self._key))

    def _answer(self, path: str, http: requests.Response, day_remaining: int | None) -> Response:
        minute_remaining = _int_header(http.headers, "X-RateLimit-Remaining")
        self.limiter.observe(minute_remaining)
        if http.status_code == 429 or http.status_code >= 500:
            raise TransientApiError(f"HTTP {http.status_code}")
        if http.status_code in (401, 403):
            raise FatalApiError(f"HTTP {http.status_code}: the API rejected the key ({KEY_ENV})")
        if http.status_code != 200:
            raise FatalApiError(f"HTTP {http.status_code} for {path}")
        reading = _Reading()
        try:
            try:
                body = _read_body(http, reading)
            except requests.RequestException as exc:  # cut off, or too slow, mid-body
                raise self._request_error(exc) from None
            envelope = self._parse(body, http)
            if envelope["errors"]:
                error = classify(envelope["errors"])
                if isinstance(error, TransientApiError):  # rateLimit
                    self.limiter.after_rate_limit(minute_remaining)
                raise error
        except BaseException:
            reading.release()
            raise
        return Response(envelope, body, day_remaining, minute_remaining, reading)

    @staticmethod
    def _parse(body: bytes, http: requests.Response) -> dict:
        expected = http.headers.get("Content-Length")
        # Content-Length counts the bytes on the wire: a compressed body's differs from its length.
        identity = http.headers.get("Content-Encoding", "identity").strip().lower() == "identity"
        if identity and expected is not None and expected.isdigit() and int(expected) != len(body):
            raise TransientApiError(f"truncated body: {len(body)} of {expected} bytes")
        try:
            # UTF-8 only (a byte-order mark is let through): json.loads would also take UTF-16 and
            # UTF-32, which the body is written to the lake as, and which DuckDB cannot read.
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadResponse(f"body is not UTF-8 (byte {exc.start} of {len(body)})") from None
        try:
            envelope = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates)
        except BadResponse:
            raise
        except RecursionError:
            raise BadResponse("body is nested too deeply to be an API-Football envelope") from None
        except ValueError as exc:
            raise TransientApiError(f"body is not JSON ({getattr(exc, 'msg', exc)} at character {getattr(exc, 'pos', '?')} of {len(text)})") from None
        if not _is_envelope(envelope):
            raise TransientApiError("body is JSON but not an API-Football envelope")
        return envelope


def _is_envelope(document: Any) -> bool:
    """Every key of the envelope, each of the type the API sends (``parameters`` and ``errors`` are
    ``[]`` when empty; ``response`` is an object for a few paths, such as ``/status``)."""
    return (isinstance(document, dict) and all(key in document for key in ENVELOPE_KEYS)
            and isinstance(document["parameters"], (dict, list)) and isinstance(document["errors"], (dict, list))
            and isinstance(document["paging"], dict) and isinstance(document["response"], (list, dict)))


#: What requests refuses to send (a header with a line break, a URL it cannot parse).
_UNSENDABLE = (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
               requests.exceptions.InvalidSchema)


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether the request failed before any of it left: requests refused to send it, or no
    connection was made (refused, a name that did not resolve, no answer to the connect). Anything
    later (a read timeout, a connection dropped after sending, a body cut off) counts as sent,
    because the API may have counted it."""
    if isinstance(exc, (_UNSENDABLE, requests.ConnectTimeout)):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.exceptions.ProxyError):
        # requests wraps urllib3's MaxRetryError, whose reason is what ended the last try; a
        # NewConnectionError (refused) and a NameResolutionError are ConnectTimeoutErrors.
        reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else None
        return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)
    return False


def _mib(size: int) -> str:
    return f"{size / 2**20:g} MiB"


def _read_body(http: requests.Response, reading: _Reading | None = None) -> bytes:
    """The body, read in chunks and given up on once it is larger than :data:`MAX_BODY_BYTES`
    (at once when its ``Content-Length`` says so): never more than the limit is held. One larger
    than :data:`LARGE_BODY_BYTES` waits, before it is read further, for ``reading`` to hold the
    process's one place for a large answer."""
    reading = reading or _Reading()
    try:
        return _read_chunks(http, reading)
    except BaseException:
        reading.release()
        raise


def _read_chunks(http: requests.Response, reading: _Reading) -> bytes:
    declared = http.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise OverLimit(f"the body is {int(declared)} bytes (its Content-Length), over the limit of "
                        f"{_mib(MAX_BODY_BYTES)} (MAX_BODY_BYTES); nothing of it was read")
    if declared is not None and declared.isdigit() and int(declared) > LARGE_BODY_BYTES:
        reading.hold()
    chunks: list[bytes] = []
    size = 0
    for chunk in http.iter_content(BODY_CHUNK_BYTES):
        size += len(chunk)
        if size > LARGE_BODY_BYTES:
            reading.hold()
        if size > MAX_BODY_BYTES:
            raise OverLimit(f"the body is over the limit of {_mib(MAX_BODY_BYTES)} (MAX_BODY_BYTES): "
                            f"{size} bytes read when it gave up; the rest was not read")
        chunks.append(chunk)
    return b"".join(chunks)


class BadResponse(ApiError):
    """A complete JSON body that no reader of the lake should get: NaN or Infinity (not JSON, and
    warehouses choke on them), duplicate keys (which value is meant?), absurd nesting. Retrying
    would return the same body, so the partition fails and nothing is written."""


class OverLimit(BadResponse):
    """An answer over a limit pitchlake sets on what a server may make it hold: a body larger than
    :data:`MAX_BODY_BYTES`, a page count over :data:`pitchlake.runner.MAX_PAGES`, or pages of one fetch
    over :data:`pitchlake.runner.MAX_FETCH_BYTES`. Not transient
    (the same request gets the same answer): the partition fails, nothing is written for it, and
    the run goes on with the others."""


def _refuse_constant(name: str):
    raise BadResponse(f"body contains {name}, which is not valid JSON")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise BadResponse(f"body has the key {duplicate!r} twice in one object")
    return result
