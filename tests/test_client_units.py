"""Unit tests of single functions of the client: the error taxonomy and the rate limiter's
arithmetic. Everything that crosses HTTP is tested against the sandbox in test_ingest*.py."""

import pytest

from pitchlake.client import (Budget, BudgetExhausted, FatalApiError, OutOfPlan, QuotaExhausted, RateLimiter,
                              TransientApiError, classify)


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
