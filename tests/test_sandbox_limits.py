"""Keys, quotas and the API's errors, which come back with HTTP 200 as the real API sends them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

TODAY = "2025-01-26"
KEY = {"x-apisports-key": "sandbox-key"}
DAY_MESSAGE = ("You have reached the request limit for the day, Go to https://dashboard.api-football.com "
               "to upgrade your plan.")


def call(sandbox, path: str, headers=KEY, **params) -> requests.Response:
    response = requests.get(f"{sandbox.url}/{path}", params=params, headers=headers, timeout=30)
    assert response.status_code == 200
    return response


def assert_error(response: requests.Response, errors: dict) -> None:
    body = response.json()
    assert body["errors"] == errors
    assert body["response"] == [] and body["results"] == 0


@pytest.mark.parametrize("headers", [
    {},
    {"x-apisports-key": "wrong"},
    {"x-rapidapi-key": "sandbox-key"},
    {"x-rapidapi-key": "wrong", "x-rapidapi-host": "v3.football.api-sports.io"},
])
def test_a_missing_or_wrong_key_is_a_token_error(sandbox, headers):
    response = call(sandbox, "fixtures", headers=headers, league="39", season="2024")
    assert_error(response, {"token": "Error/Missing application key."})
    assert "x-ratelimit-requests-remaining" not in response.headers
    assert sandbox.stats()["by_error"] == {"token": 1}


def test_several_keys_each_with_its_own_quota(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, keys=("one", "two"), per_day=5)
    for _ in range(3):
        call(sandbox, "leagues", headers={"x-apisports-key": "one"}, id="39")
    response = call(sandbox, "leagues", headers={"x-apisports-key": "two"}, id="39")
    assert response.headers["x-ratelimit-requests-remaining"] == "4"


def test_quota_headers_count_down_and_status_is_free(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, per_day=50, per_minute=10)
    for n in range(1, 4):
        headers = call(sandbox, "teams", league="39", season="2024").headers
        assert headers["x-ratelimit-requests-limit"] == "50"
        assert headers["x-ratelimit-requests-remaining"] == str(50 - n)
        assert headers["X-RateLimit-Limit"] == "10"
        assert headers["X-RateLimit-Remaining"] == str(10 - n)
    status = call(sandbox, "status")
    assert not any("ratelimit" in name.lower() for name in status.headers)
    body = status.json()
    assert body["errors"] == [] and body["response"]["requests"] == {"current": 3, "limit_day": 50}
    assert call(sandbox, "teams", league="39", season="2024").headers["x-ratelimit-requests-remaining"] == "46"
    assert sandbox.stats()["by_endpoint"] == {"status": 1, "teams": 4}


def test_the_day_quota_ends_with_the_requests_error_until_a_new_day(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, per_day=3)
    for _ in range(3):
        assert call(sandbox, "leagues", id="39").json()["errors"] == []
    refused = call(sandbox, "leagues", id="39")
    assert_error(refused, {"requests": DAY_MESSAGE})
    assert refused.headers["x-ratelimit-requests-remaining"] == "0"
    assert call(sandbox, "status").json()["response"]["requests"]["current"] == 3
    requests.post(f"{sandbox.url}/_sandbox/new-day", timeout=5).raise_for_status()
    again = call(sandbox, "leagues", id="39")
    assert again.json()["errors"] == [] and again.headers["x-ratelimit-requests-remaining"] == "2"
    sandbox.new_day()
    assert call(sandbox, "leagues", id="39").headers["x-ratelimit-requests-remaining"] == "2"
    assert sandbox.stats()["by_error"] == {"requests": 1}


def test_the_minute_quota_ends_with_the_rate_limit_error_until_the_window_slides(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, per_minute=4, minute_seconds=1.0)
    started = time.monotonic()
    for n in range(4):
        assert call(sandbox, "leagues", id="39").headers["X-RateLimit-Remaining"] == str(3 - n)
    refused = call(sandbox, "leagues", id="39")
    assert_error(refused, {"rateLimit": "Too many requests. Your rate limit is 4 requests per minute."})
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["x-ratelimit-requests-remaining"] == "7496"
    time.sleep(max(0.0, 1.05 - (time.monotonic() - started)))
    assert call(sandbox, "leagues", id="39").json()["errors"] == []
    assert sandbox.stats()["by_error"] == {"rateLimit": 1}


def test_reset_zeroes_the_counts_and_the_quotas(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, per_day=2)
    call(sandbox, "leagues", id="39")
    call(sandbox, "leagues", id="39")
    assert call(sandbox, "leagues", id="39").json()["errors"] == {"requests": DAY_MESSAGE}
    assert requests.post(f"{sandbox.url}/_sandbox/reset", timeout=5).json() == {"ok": True}
    assert requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json() == {
        "total": 0, "by_endpoint": {}, "by_status": {}, "by_error": {}, "by_fault": {}, "by_latency_ms": {}, "by_key": {}}
    assert call(sandbox, "leagues", id="39").headers["x-ratelimit-requests-remaining"] == "1"


def test_a_season_out_of_plan_is_the_plan_error(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, plan_seasons="2022-2024",
                              data=[Path(__file__).parent / "data" / "api-football"])
    message = "Free plans do not have access to this season, try from 2022 to 2024."
    assert_error(call(sandbox, "fixtures", league="4", season="2020"), {"plan": message})
    assert_error(call(sandbox, "standings", league="39", season="2021"), {"plan": message})
    assert call(sandbox, "fixtures", league="39", season="2024").json()["results"] == 380
    assert sandbox.stats()["by_error"] == {"plan": 2}


@pytest.mark.parametrize("path, params, errors", [
    ("players", {"league": "39"}, {"season": "The Season field is required."}),
    ("standings", {"league": "39"}, {"season": "The Season field is required."}),
    ("fixtures", {}, {"required": "At least one parameter is required."}),
    ("fixtures", {"league": "39", "seasons": "2024"}, {"seasons": "The Seasons field do not exist."}),
    ("fixtures", {"league": "abc", "season": "2024"}, {"league": "The League field must contain an integer."}),
    ("fixtures", {"league": "39", "season": "24"}, {"season": "The Season field must contain 4 digits ( YYYY )."}),
    ("fixtures", {"ids": "-".join(["1"] * 21)}, {"ids": "Maximum of 20 fixtures ids."}),
    ("fixtures/events", {}, {"fixture": "The Fixture field is required."}),
    ("players", {"league": "39", "season": "2024", "page": "0"}, {"page": "The Page field must contain an integer greater than 0."}),
    ("teams", {"search": "ab"}, {"search": "The Search field must contain at least 3 characters."}),
    ("leagues", {"current": "yes"}, {"current": "The Current field must contain 'true' or 'false'."}),
    ("nothing", {"fixture": "1"}, {"endpoint": "This endpoint do not exist."}),
])
def test_parameter_errors_are_named_after_the_parameter(sandbox, path, params, errors):
    response = call(sandbox, path, **params)
    assert_error(response, errors)
    assert response.json()["get"] == path
    assert sandbox.stats()["by_error"] == {next(iter(errors)): 1}
