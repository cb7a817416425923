"""Unit tests of single functions of the client: the error taxonomy, the retry policy and the rate limiter's
arithmetic. Everything that crosses HTTP is tested against the sandbox in test_ingest*.py."""

import threading

import pytest

from pitchlake.client import (
    BODY_CHUNK_BYTES,
    MAX_BODY_BYTES,
    ApiClient,
    BadResponse,
    Budget,
    BudgetExhausted,
    FatalApiError,
    OutOfPlan,
    OverLimit,
    QuotaExhausted,
    RateLimiter,
    TransientApiError,
    _read_body,
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
    """Alone, it fills the window to the limit less one: the place left free is for another client
    spending the same key, whose refused requests no header would show us."""
    clock = FakeClock()
    limiter = RateLimiter(per_minute=10, minute=60, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(35):
        limiter.acquire()
        sent.append(clock.now)
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 61) == 9 or start > sent[-1] - 61
    # and it is not slower than it must be: 35 requests need three full windows of waiting
    assert sent[-1] == pytest.approx(3 * 61, abs=0.01)


def test_rate_limiter_believes_the_server_when_it_counts_more():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=10, minute=60, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.observe(minute_remaining=0)  # another client spent the rest of the minute
    limiter.acquire()
    assert clock.now == pytest.approx(61, abs=0.01)


@pytest.mark.parametrize("remaining, waited", [(0, 61), (None, 61), (4, 0)], ids=["full", "no-header", "room-left"])
def test_a_rate_limit_answer_waits_for_the_window_only_when_the_window_is_full(remaining, waited):
    """A rateLimit answer whose X-RateLimit-Remaining is 0 (or absent), to a client holding nothing of
    the window: what the others hold is believed for a window, then one request goes. One that says
    the minute has room left is a glitch: the next request goes at once, after only the retry's
    backoff (not a flat minute)."""
    clock = FakeClock()
    limiter = RateLimiter(per_minute=10, minute=60, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.observe(remaining)
    limiter.after_rate_limit(remaining)
    limiter.acquire()
    assert clock.now == pytest.approx(waited, abs=0.01)


def test_after_a_rate_limit_answer_the_next_request_waits_for_our_own_window_not_a_flat_minute():
    """Another client holds 5 places of a 10-a-minute window, we hold 3 (sent at 0, 1 and 2 s,
    answered half a second later). At 30 s the other spends the rest and our request is refused: the
    window is full. The next one goes when two of ours have left the window (one for the place kept
    free), at 62.5 s, not a minute after the refusal (91.5 s); the refused request is not counted."""
    clock = FakeClock()
    limiter = RateLimiter(per_minute=10, minute=60, clock=clock, sleep=clock.sleep)
    for i in range(3):
        clock.now = i
        limiter.acquire()
        clock.now = i + 0.5
        limiter.observe(10 - 5 - (i + 1))
    clock.now = 30
    limiter.acquire()
    assert clock.now == 30, "the picture had room: 10 - 1 kept free - 5 theirs - 3 ours"
    clock.now = 30.5
    limiter.observe(0)
    limiter.after_rate_limit(0)
    limiter.acquire()
    assert clock.now == pytest.approx(62.5, abs=0.01)


def test_the_others_share_is_believed_until_a_newer_answer_says_otherwise():
    """Another client holds 6 of the 10 places: we take 3 (9 less its 6), sent at 0, 1 and 2 s and
    answered half a second later, and wait. When our first leaves the window (61.5 s), a request goes,
    and its answer says the other's requests have left it too: the window fills again at once."""
    clock = FakeClock()
    limiter = RateLimiter(per_minute=10, minute=60, clock=clock, sleep=clock.sleep)
    sent = []

    def request(remaining):
        limiter.acquire()
        sent.append(clock.now)
        clock.now += 0.5
        limiter.observe(remaining)

    for i in range(3):
        clock.now = i
        request(10 - 6 - (i + 1))
    clock.now = 10
    request(10 - 1)  # the server's window holds this one only
    for i in range(7):
        request(10 - 1 - (i + 1))
    assert sent[:3] == [0, 1, 2]
    assert sent[3] == pytest.approx(61.5, abs=0.01), "no room until the first of ours left the window"
    assert sent[-1] == pytest.approx(61.5 + 7 * 0.5, abs=0.01), "then one after the other, as answered"


@pytest.mark.parametrize("third, goes_at", [(0.7, 61.1), (1.2, 1.3)], ids=["within-a-sixtieth", "over-a-sixtieth"])
def test_a_lower_count_of_the_others_is_believed_once_an_answer_over_a_sixtieth_of_the_minute_newer_says_it(
        third, goes_at):
    """Another client holds 6 of the 10 places when our first request (0 s) is counted; its requests
    leave the window before our second (0.5 s) and third are counted. Its client sends them again
    as they leave its own log, a sixtieth of the minute later: until an answer over that margin newer
    than the one that said 6 says fewer, we keep to the 3 places 6 leave us, and the fourth waits for
    our first to leave the window (61.1 s). Believing the lower count at once had taken places
    the other was about to take again: two refused requests in a row on a loaded machine."""
    clock = FakeClock()
    limiter = RateLimiter(per_minute=10, minute=60, clock=clock, sleep=clock.sleep)
    for sent, others in [(0, 6), (0.5, 1), (third, 1)]:
        clock.now = sent
        limiter.acquire()
        assert clock.now == sent, "room for 3 even with the other's 6"
        clock.now += 0.1
        held = 1 + [0, 0.5, third].index(sent)
        limiter.observe(10 - others - held)
    clock.now = third + 0.1
    limiter.acquire()
    assert clock.now == pytest.approx(goes_at, abs=0.01)


@pytest.mark.parametrize("round_trip, age, waits", [(0, 0.5, False), (0, 5, True), (3, 5, False), (3, 8, True)],
                         ids=["fresh", "stale", "fresh-for-slow-answers", "stale-for-slow-answers"])
def test_with_a_stale_picture_in_the_upper_half_of_the_window_one_request_is_in_flight_at_a_time(
        round_trip, age, waits):
    """Alone on the key, we hold 6 of the 10 places. When what the last answer told is stale,
    another client may have filled the rest since: a second request waits for the first one's
    answer, so that a full window refuses one request, not two. Stale is older than a sixtieth of
    the minute (1 s) beyond twice the round trip: answers that take 3 s are fresh for 7 s."""
    clock = FakeClock()
    limiter = RateLimiter(per_minute=10, minute=60, clock=clock, sleep=clock.sleep)
    for i in range(6):
        limiter.acquire()
        told = clock.now  # the answer tells what the server counted when the request was sent
        clock.now += round_trip
        limiter.observe(10 - (i + 1))
        clock.now += 0.01
    clock.now = told + age
    limiter.acquire()  # the first, left unanswered on this thread
    second = threading.Thread(target=limiter.acquire)  # another worker's
    second.start()
    second.join()
    assert (clock.now > told + age) is waits


def test_budget_stops_at_max_requests_and_at_the_daily_quota():
    budget = Budget(max_requests=2)
    budget.reserve()
    budget.reserve()
    with pytest.raises(BudgetExhausted) as stopped:
        budget.reserve()
    assert stopped.value.reason == "max_requests"

    daily = Budget()
    daily.reserve()
    daily.settle(sent=True, day_remaining=1)
    daily.reserve()
    daily.settle(sent=True, day_remaining=0)
    with pytest.raises(BudgetExhausted) as stopped:
        daily.reserve()
    assert stopped.value.reason == "daily_quota"


def test_the_last_requests_of_the_day_wait_for_those_in_flight_instead_of_stopping():
    """Two requests in flight, and an answer to a later one that the server counted after both
    says 2 are left: they may be those two, or not. A third worker waits for their answers: here
    they say 2 are left, so it sends; once the server says 0, the next one stops. Stopping at once
    ended some days of a backfill 2-3 requests early (bench_backfill)."""
    budget = Budget()
    budget.reserve()
    budget.settle(sent=True, day_remaining=10)
    budget.reserve()
    budget.reserve()
    budget.reserve()  # three in flight; the third is answered first,
    budget.settle(sent=True, day_remaining=2)  # the server had counted all three: two in flight
    outcome: list[str] = []
    waiting = threading.Thread(target=lambda: (budget.reserve(), outcome.append("sent")))
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive() and not outcome, "2 left and 2 in flight: it waits for their answers"
    budget.settle(sent=True, day_remaining=3)
    budget.settle(sent=True, day_remaining=4)
    waiting.join(5)
    assert outcome == ["sent"] and (budget.day_remaining, budget.reserved) == (2, 1)
    budget.settle(sent=True, day_remaining=1)
    budget.reserve()
    budget.settle(sent=True, day_remaining=0)
    with pytest.raises(BudgetExhausted) as stopped:
        budget.reserve()
    assert stopped.value.reason == "daily_quota"


def test_answers_read_out_of_order_count_each_request_once():
    """Two requests in flight; the server counted both when it answered the second, whose answer
    is read first. Counting down on top of the server's count ended each day of a backfill 1-3
    requests before the quota (bench_backfill: 97-99 of 100)."""
    budget = Budget()
    budget.reserve()
    budget.reserve()
    budget.settle(sent=True, day_remaining=50)
    budget.settle(sent=True, day_remaining=51)
    assert (budget.day_remaining, budget.used) == (50, 2)
    budget.reserve()
    budget.settle(sent=True)  # an answer without the header: counted down
    assert budget.day_remaining == 49


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
    assert client.budget.used == 0, "nothing was sent, so no request is counted"


def test_a_request_never_sent_is_given_back_to_the_budget():
    """Reserved before sending (so that concurrent workers cannot overshoot), spent only when the
    request left: a request refused before it left (no connection, a header requests will not send)
    is given back, and --max-requests still counts only what was sent."""
    budget = Budget(max_requests=2)
    budget.reserve()
    budget.reserve()
    with pytest.raises(BudgetExhausted):
        budget.reserve()  # two in flight: a third worker must wait for them
    budget.settle(sent=False)
    budget.settle(sent=True)
    assert (budget.used, budget.reserved) == (1, 0)
    budget.reserve()
    budget.settle(sent=True)
    with pytest.raises(BudgetExhausted):
        budget.reserve()
    assert budget.used == 2

    daily = Budget()
    daily.reserve()
    daily.settle(sent=True, day_remaining=1)
    daily.reserve()
    daily.settle(sent=False)
    daily.reserve()  # the quota left was not spent by a request that never left
    daily.settle(sent=True)
    assert daily.day_remaining == 0


class Endless:
    """What _read_body reads of an answer: its headers and as many chunks as it asks for."""

    def __init__(self, headers=None):
        self.headers = headers or {}
        self.served = 0

    def iter_content(self, size):
        while True:
            self.served += 1
            yield b" " * size


def test_a_body_over_the_limit_is_refused_as_it_streams_in():
    """Without a Content-Length to refuse it by (chunked, or compressed on the wire), the body is
    read a chunk at a time and given up on once it passes MAX_BODY_BYTES: no more than the limit and
    one chunk is ever held, however much the server would send."""
    answer = Endless()
    with pytest.raises(OverLimit, match=rf"over the limit of 16 MiB \(MAX_BODY_BYTES\): {MAX_BODY_BYTES + BODY_CHUNK_BYTES} bytes read"):
        _read_body(answer)
    assert answer.served == MAX_BODY_BYTES // BODY_CHUNK_BYTES + 1


def test_a_body_whose_content_length_is_over_the_limit_is_not_read():
    answer = Endless({"Content-Length": str(MAX_BODY_BYTES + 1)})
    with pytest.raises(OverLimit, match=rf"the body is {MAX_BODY_BYTES + 1} bytes \(its Content-Length\), over the limit of 16 MiB"):
        _read_body(answer)
    assert answer.served == 0
