"""Unit tests of single functions of the client: the error taxonomy, the retry policy and the rate limiter's
arithmetic. Everything that crosses HTTP is tested against the sandbox in test_ingest*.py."""

import pytest

from pitchlake.client import (
    ApiClient,
    BadResponse,
    Budget,
    BudgetExhausted,
    FatalApiError,
    OutOfPlan,
    QuotaExhausted,
    RateLimiter,
    TransientApiError,
    classify,
)
from pitchlake.config import ApiConfig, Limits


@pytest.mark.parametrize("errors, kind", [
    ({"rateLimit": "Too many requests. Your rate limit is 10 requests per minute."}, TransientApiError),
    ({"requests": "You have reached the request limit for the day"}, QuotaExhausted),
    ({"token": "Error/Missing application key."}, FatalApiError),
    ({"plan": "Free plans do not have access to this season, try from 2022 to 2024."}, OutOfPlan),
    ({"league": "The League field is required."}, FatalApiError),
    ([{"season": "The Season field must be 4 digits"}], FatalApiError),
])
def test_errors_in_200_are_classified_never_guessed(errors, kind):
    error = classify(errors)
    assert type(error) is kind


def test_parameter_errors_say_the_request_is_a_bug():
    assert "a bug in the request" in str(classify({"league": "The League field is required."}))


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_rate_limiter_never_admits_more_than_the_limit_in_any_window():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=10, window=61, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(35):
        limiter.acquire()
        sent.append(clock.now)
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 61) <= 10
    # and it is not slower than it must be: 35 requests need three full windows of waiting
    assert sent[-1] == pytest.approx(3 * 61)


def test_rate_limiter_believes_the_server_when_it_counts_more():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=10, window=61, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.observe(minute_remaining=0)  # another client spent the rest of the minute
    limiter.acquire()
    assert clock.now == pytest.approx(61)


def test_budget_stops_at_max_requests_and_at_the_daily_quota():
    budget = Budget(max_requests=2)
    budget.reserve()
    budget.reserve()
    with pytest.raises(BudgetExhausted) as stopped:
        budget.reserve()
    assert stopped.value.reason == "max_requests"

    daily = Budget()
    daily.observe(day_remaining=1)
    daily.reserve()
    with pytest.raises(BudgetExhausted) as stopped:
        daily.reserve()
    assert stopped.value.reason == "daily_quota"


def flaky_client(monkeypatch, outcomes, max_retries=5):
    """A client whose attempts raise ``outcomes`` in turn (then succeed), and the waits it slept."""
    slept: list[float] = []
    config = ApiConfig(base_url="http://127.0.0.1:9", auth="apisports", limits=Limits(per_day=100, per_minute=10),
                       max_retries=max_retries)
    client = ApiClient(config, key="a-key", sleep=slept.append)
    calls = iter(outcomes)
    attempts: list[tuple] = []

    def attempt(path, params):
        attempts.append((path, dict(params)))
        outcome = next(calls, None)
        if outcome is not None:
            raise outcome
        return "answer"

    monkeypatch.setattr(client, "_attempt", attempt)
    return client, attempts, slept


def test_transient_errors_are_retried_with_full_jitter_under_a_growing_ceiling(monkeypatch):
    client, attempts, slept = flaky_client(monkeypatch, [TransientApiError("HTTP 503")] * 5)
    assert client.get("teams", {"league": 39}) == "answer"
    assert len(attempts) == 6 and len(slept) == 5
    # attempt n waits a random time in [0, min(60, 2 ** (n - 1))] seconds
    assert all(0 <= wait <= min(60, 2 ** n) for n, wait in enumerate(slept))


def test_a_request_gives_up_after_max_retries_and_says_so(monkeypatch):
    client, attempts, slept = flaky_client(monkeypatch, [TransientApiError("HTTP 500")] * 10, max_retries=3)
    with pytest.raises(TransientApiError, match=r"teams \{'league': 39\}: gave up after 4 attempts: HTTP 500"):
        client.get("teams", {"league": 39})
    assert len(attempts) == 4 and len(slept) == 3


@pytest.mark.parametrize("error", [FatalApiError("token"), QuotaExhausted("requests"), OutOfPlan("plan"),
                                   BadResponse("NaN"), BudgetExhausted("max_requests")])
def test_other_errors_are_never_retried(monkeypatch, error):
    client, attempts, slept = flaky_client(monkeypatch, [error])
    with pytest.raises(type(error)) as raised:
        client.get("teams", {"league": 39})
    assert raised.value is error and len(attempts) == 1 and slept == []


def test_the_backoff_ceiling_is_sixty_seconds(monkeypatch):
    client, attempts, slept = flaky_client(monkeypatch, [TransientApiError("HTTP 502")] * 12, max_retries=12)
    monkeypatch.setattr("random.uniform", lambda low, high: high)  # always the ceiling
    assert client.get("teams", {"league": 39}) == "answer"
    assert slept == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60]


def test_a_request_that_cannot_be_sent_is_fatal_not_retried():
    """A header requests refuses to send (a line break in api.rapidapi_host, should the config
    escape validation) fails the same way on every retry: one fatal error, no backoff."""
    slept: list[float] = []
    config = ApiConfig(base_url="http://127.0.0.1:9", auth="rapidapi", rapidapi_host="host\r\nX-Evil: 1",
                       limits=Limits(per_day=100, per_minute=10), max_retries=5)
    client = ApiClient(config, key="a-key", sleep=slept.append)
    with pytest.raises(FatalApiError, match="cannot be sent .*api.rapidapi_host"):
        client.get("leagues", {"id": "39"})
    assert slept == [], "never retried"
