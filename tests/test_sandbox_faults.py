"""Injected faults: the grammar, and each fault as a client meets it over real HTTP."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from pitchlake_sandbox.faults import Rule, parse

TODAY = "2025-01-26"
KEY = {"x-apisports-key": "sandbox-key"}


def call(sandbox, path: str = "leagues", timeout: float = 10, **params) -> requests.Response:
    return requests.get(f"{sandbox.url}/{path}", params=params or {"id": "39"}, headers=KEY, timeout=timeout)


# -- the grammar ---------------------------------------------------------------------------------

def test_the_grammar():
    assert parse("") == ()
    assert parse("500@0.1; 429#3,7 fixtures:timeout=2#2,5-6,9-") == (
        Rule("500", fraction=0.1),
        Rule("429", nth=((3, 3), (7, 7))),
        Rule("timeout", endpoint="fixtures", value="2", nth=((2, 2), (5, 6), (9, None))),
    )
    assert parse("500@0.1,429#3,players/squads:param=team,ratelimit,latency") == (
        Rule("500", fraction=0.1), Rule("429", nth=((3, 3),)), Rule("param", endpoint="players/squads", value="team"),
        Rule("rateLimit"), Rule("latency", value="1000"),
    )
    assert parse("truncate#1")[0].value is None and parse("timeout")[0].value == "5"


@pytest.mark.parametrize("spec, complaint", [
    ("404", "kind one of"), ("500@1.5", "between 0 and 1"), ("500@x", "between 0 and 1"),
    ("429#0", "N from 1"), ("429#a", "not N, N-M"), ("timeout=soon", "needs a number"), ("truncate=3", "takes no value"),
])
def test_a_bad_rule_is_refused_with_the_reason(spec, complaint):
    with pytest.raises(ValueError, match=complaint):
        parse(spec)


# -- over HTTP -----------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_http_status_faults_hit_the_nth_request_and_cost_no_quota(sandbox_factory, status):
    sandbox = sandbox_factory(today=TODAY, faults=f"{status}#2", per_day=100)
    assert call(sandbox).status_code == 200
    faulty = call(sandbox)
    assert faulty.status_code == status
    after = call(sandbox)
    assert after.status_code == 200 and after.headers["x-ratelimit-requests-remaining"] == "98"
    stats = sandbox.stats()
    assert stats["by_status"] == {"200": 2, str(status): 1} and stats["by_fault"] == {str(status): 1}
    assert stats["total"] == 3 and stats["by_endpoint"] == {"leagues": 3}


def test_a_timeout_holds_the_connection_past_the_client(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, faults="timeout=2#1;timeout=0.3#2")
    # a read timeout, not a closed connection: the client gave up while the sandbox still held it
    with pytest.raises(requests.exceptions.ReadTimeout):
        call(sandbox, timeout=0.3)
    with pytest.raises(requests.exceptions.ConnectionError):
        call(sandbox, timeout=5)
    assert call(sandbox).json()["errors"] == []
    assert sandbox.stats()["by_status"] == {"200": 1, "timeout": 2}


def _raw_get(url: str, path: str) -> tuple[dict[str, str], bytes]:
    """A GET on a bare socket, read to the end: what a truncated answer really contains."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nx-apisports-key: sandbox-key\r\n\r\n".encode())
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
    return headers, body


def test_a_truncated_body_announces_the_full_length_and_stops_at_half(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, faults="truncate#1-2")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        call(sandbox, "teams", league="140", season="2024")
    headers, body = _raw_get(sandbox.url, "/teams?league=140&season=2024")
    complete = call(sandbox, "teams", league="140", season="2024").content
    assert int(headers["Content-Length"]) == len(complete) and body == complete[: len(complete) // 2]
    assert headers["x-ratelimit-requests-remaining"] == "7498"
    assert sandbox.stats()["by_fault"] == {"truncate": 2}


def test_a_body_that_is_not_json(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, faults="notjson#1")
    response = call(sandbox)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html"
    with pytest.raises(ValueError):
        response.json()
    assert sandbox.stats()["by_fault"] == {"notjson": 1}


def test_latency_per_rule_and_for_every_request(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, faults="latency=300#1", latency_ms=50)
    started = time.monotonic()
    call(sandbox)
    assert time.monotonic() - started >= 0.35, "the answer waited for its latency"  # a lower bound: never flaky
    assert call(sandbox).json()["errors"] == []
    stats = sandbox.stats()
    # the rule's 300 ms on the first answer only, the 50 ms of --latency-ms on both
    assert stats["by_latency_ms"] == {"350": 1, "50": 1}
    assert stats["by_fault"] == {"latency": 1}


@pytest.mark.parametrize("spec, errors", [
    ("rateLimit", {"rateLimit": "Too many requests. Your rate limit is 300 requests per minute."}),
    ("requests", {"requests": "You have reached the request limit for the day, Go to https://dashboard.api-football.com to upgrade your plan."}),
    ("token", {"token": "Error/Missing application key."}),
    ("plan", {"plan": "Free plans do not have access to this season, try from 2022 to 2024."}),
    ("param", {"season": "The Season field is required."}),
    ("param=league", {"league": "The League field is required."}),
])
def test_errors_in_a_200_on_demand(sandbox_factory, spec, errors):
    sandbox = sandbox_factory(today=TODAY, faults=f"{spec}#1")
    response = call(sandbox)
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == errors and body["response"] == [] and body["results"] == 0
    assert call(sandbox).json()["errors"] == []
    stats = sandbox.stats()
    assert stats["by_error"] == {next(iter(errors)): 1} and stats["by_status"] == {"200": 2}


def test_a_rule_can_target_one_endpoint(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, faults="fixtures:500#1;players/squads:503")
    assert call(sandbox).status_code == 200
    assert call(sandbox, "fixtures", league="39", season="2024").status_code == 500
    assert call(sandbox, "fixtures", league="39", season="2024").status_code == 200
    assert call(sandbox, "players/squads", team="1003901").status_code == 503
    assert sandbox.stats()["by_status"] == {"200": 2, "500": 1, "503": 1}


def test_ranges_and_open_ranges(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, faults="502#2-3,6-")
    statuses = [call(sandbox).status_code for _ in range(8)]
    assert statuses == [200, 502, 502, 200, 200, 502, 502, 502]


def test_fractions_are_decided_by_the_seed(sandbox_factory):
    def pattern(seed: int) -> list[int]:
        sandbox = sandbox_factory(today=TODAY, faults="500@0.3", seed=seed)
        return [call(sandbox).status_code for _ in range(60)]

    first = pattern(5)
    assert 6 <= first.count(500) <= 30
    assert pattern(5) == first
    assert pattern(6) != first


def test_reset_starts_the_request_numbers_again(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, faults="429#1")
    assert [call(sandbox).status_code for _ in range(2)] == [429, 200]
    sandbox.reset()
    assert [call(sandbox).status_code for _ in range(2)] == [429, 200]
