"""The API's front door: keys, quotas, injected faults and counting, around the endpoints.

For each request, in order: the fault rules are drawn (so ``#n`` counts every API request);
a fault that replaces the answer (an HTTP error, a timeout, an HTML page, an error in the body)
is served before any key or quota is looked at and costs no quota; a missing or unknown key gets
``token``; ``/status`` is answered without touching the quota, as the API does; then the day's
and the minute's quota are taken, and the endpoint answers. A truncated body and added latency
wrap a normal answer, which costs its quota like any other.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass

from .api import Api, error_body
from .faults import STATUSES, Faults, Rule
from .limits import Quota
from .stats import Stats

TOKEN_MESSAGE = "Error/Missing application key."
DAY_MESSAGE = ("You have reached the request limit for the day, Go to https://dashboard.api-football.com "
               "to upgrade your plan.")
_NGINX = "<html><head><title>{0}</title></head><body><center><h1>{0}</h1></center><hr><center>nginx</center></body></html>"
HTTP_BODIES = {
    429: (b'{"message":"Too many requests"}', "application/json"),
    500: (b'{"message":"Internal Server Error"}', "application/json"),
    502: (_NGINX.format("502 Bad Gateway").encode(), "text/html"),
    503: (_NGINX.format("503 Service Temporarily Unavailable").encode(), "text/html"),
}
NOT_JSON = (b"<!DOCTYPE html><html><head><title>API-Football</title></head>"
            b"<body><h1>Maintenance</h1><p>We will be back shortly.</p></body></html>")


@dataclass(frozen=True)
class Reply:
    #: HTTP status; 0 when the connection is held and closed without an answer
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"
    #: seconds to wait before answering
    delay: float = 0.0
    #: seconds to hold the connection before closing it unanswered (with status 0)
    hang: float = 0.0
    #: send the headers and the first half of the body, then close the connection
    cut: bool = False


class Gateway:
    def __init__(self, api: Api, quota: Quota, faults: Faults, stats: Stats, keys: tuple[str, ...],
                 latency_ms: float = 0.0):
        self.api, self.quota, self.faults, self.stats = api, quota, faults, stats
        self.keys, self.latency_ms = frozenset(keys), latency_ms

    def key(self, headers: Mapping[str, str]) -> str | None:
        """The valid key a request carries: ``x-apisports-key``, or RapidAPI's key with its host."""
        key = headers.get("x-apisports-key")
        if key is None and headers.get("x-rapidapi-host"):
            key = headers.get("x-rapidapi-key")
        return key if key in self.keys else None

    def handle(self, endpoint: str, params: dict[str, str], headers: Mapping[str, str]) -> Reply:
        arrived = time.monotonic()  # the time of its entry in the log (stats.Served.time)
        draw = self.faults.draw(endpoint)
        key = self.key(headers)
        error = None
        if draw.rule is not None and draw.rule.kind != "truncate":
            reply, error = self._fault(draw.rule, endpoint, params, key)
        elif key is None:
            reply, error = Reply(200, error_body(endpoint, params, {"token": TOKEN_MESSAGE})), "token"
        elif endpoint == "status":
            reply = Reply(200, self.api.status(self.quota.used_today(key), self.quota.per_day))
        else:
            verdict = self.quota.take(key)
            if verdict.refused:
                error = verdict.refused
                reply = Reply(200, error_body(endpoint, params, {error: self._message(error)}), verdict.headers)
            else:
                answer = self.api.answer(endpoint, params)
                error = answer.error
                reply = Reply(200, answer.body, verdict.headers, cut=draw.rule is not None)
        fault = draw.rule.kind if draw.rule else ("latency" if draw.latency_ms else None)
        latency_ms = self.latency_ms + draw.latency_ms
        self.stats.record(endpoint, str(reply.status) if reply.status else "timeout", error, fault, key, latency_ms,
                          params, arrived)
        return dataclasses.replace(reply, delay=latency_ms / 1000)

    def _message(self, error: str) -> str:
        if error == "requests":
            return DAY_MESSAGE
        if error == "rateLimit":
            return f"Too many requests. Your rate limit is {self.quota.per_minute} requests per minute."
        if error == "token":
            return TOKEN_MESSAGE
        return self.api.plan_message()

    def _fault(self, rule: Rule, endpoint: str, params: dict[str, str], key: str | None) -> tuple[Reply, str | None]:
        if rule.kind in STATUSES:
            body, content_type = HTTP_BODIES[int(rule.kind)]
            return Reply(int(rule.kind), body, content_type=content_type), None
        if rule.kind == "timeout":
            return Reply(0, hang=float(rule.value)), None
        if rule.kind == "notjson":
            return Reply(200, NOT_JSON, content_type="text/html"), None
        if rule.kind == "param":
            name = rule.value
            errors = {name: f"The {name[:1].upper() + name[1:]} field is required."}
        else:
            errors = {rule.kind: self._message(rule.kind)}
        headers = self.quota.headers(key) if key else ()
        return Reply(200, error_body(endpoint, params, errors), headers), next(iter(errors))
