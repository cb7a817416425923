"""The quota planner: what the whole scope still costs, in the order ``ingest`` takes it, and how
many days of the plan's daily quota that takes once the partitions still changing have had their
share of each day.

A run takes the partitions still changing first (:func:`pitchlake.planner.phases`), so a backfill
gets what they leave of each day. What they need is laid out day by day from the plan's day, as
``ingest`` will decide it: each partition is fetched again when its period since its last fetch
ends and, for an endpoint whose data says when it changed (:attr:`Endpoint.changes_with`), on each
day its calendar expects a change (:attr:`Endpoint.expected_changes`: the day after each match of
a league season); a batched one fetches each day's new ids in batches. What a day cannot fit
(a month's pages of players, due on one day) is carried to the next, as the runs that resume it
do. An average of the last four weeks was tried first: it cannot see a monthly fetch its window
does not hold, nor a month ahead with more or fewer matchdays than the last.

What is missing is counted from the plan, with the endpoints' typical requests for partitions new
to the lake (:meth:`pitchlake.planner.LakeView.typical_requests`), and from the scope for derived
endpoints whose sources are not fetched yet, when the scope enumerates their partition keys (match
details of a season whose fixtures are not in the lake). Derived endpoints keyed by what their
sources hold (a team, a country) cannot be counted before that: they are listed as such.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .config import Config, EndpointConfig
from .endpoints import REFRESH_DAYS, Endpoint
from .lake import LakeBackend
from .planner import (
    AUTO,
    LakeView,
    PartitionState,
    Phase,
    Plan,
    Selection,
    Task,
    estimate_pages,
    phases,
    refresh_period,
    scope_partitions,
)

#: Days ahead the quota planner lays out: a backfill that takes longer is shown as not ending.
HORIZON_DAYS = 366
#: Days the average day shown is taken over when no backfill is missing.
AVERAGE_DAYS = 28


@dataclass
class Forecast:
    #: the plan's daily quota (``api.limits.per_day``)
    per_day: int
    #: requests the partitions still changing need today, as far as the lake tells before fetching
    today: int = 0
    #: requests they need on each day from the plan's (:data:`HORIZON_DAYS`), the first counting
    #: what follows from today's fetches too (the table and the details of yesterday's matches)
    needs: list[int] = field(default_factory=list)
    #: ``(phase name, requests)`` of the closed partitions still missing, in the order ingest takes them
    groups: list[tuple[str, int]] = field(default_factory=list)
    #: endpoints whose missing partitions cannot be counted until their sources are fetched
    uncounted: list[str] = field(default_factory=list)

    @property
    def backfill(self) -> int:
        return sum(requests for _, requests in self.groups)

    @property
    def first_day(self) -> int:
        """What the partitions still changing take of the first day."""
        return max(self.today, self.needs[0] if self.needs else 0)

    @property
    def days(self) -> int | None:
        """Days of the daily quota until nothing is missing: 0 when nothing is, None when it
        takes longer than :data:`HORIZON_DAYS` (the partitions still changing leave too little)."""
        if not self.backfill and not self.today:
            return 0
        left, carried = self.backfill, 0
        for number, need in enumerate(self.needs or [0], start=1):
            need = (self.first_day if number == 1 else need) + carried
            carried = max(need - self.per_day, 0)
            left -= max(self.per_day - need, 0)
            if left <= 0:
                return number
        return None

    @property
    def daily(self) -> float:
        """What the partitions still changing need on an average day after today, over the days
        of the backfill (the next :data:`AVERAGE_DAYS` when there is none)."""
        end = (self.days or HORIZON_DAYS) if self.backfill else AVERAGE_DAYS + 1
        span = self.needs[1:max(end, 2)]
        return sum(span) / len(span) if span else 0.0

    def to_json(self) -> dict:
        return {"per_day": self.per_day, "today": self.today, "first_day": self.first_day, "daily": round(self.daily, 2),
                "needs": self.needs[:max(self.days or 0, AVERAGE_DAYS)], "backfill": self.backfill, "days": self.days,
                "uncounted": self.uncounted,
                "order": [{"phase": name, "requests": requests} for name, requests in self.groups]}


def forecast(config: Config, endpoints: Mapping[str, Endpoint], lake: LakeBackend, full: Plan, date: str) -> Forecast:
    """The forecast for the whole scope, from ``full``, its plan on ``date`` (no selection)."""
    result = Forecast(per_day=config.api.limits.per_day)
    view = LakeView(config, endpoints, lake, Selection(), date=date)
    ordered = phases(config, endpoints)
    missing: dict[str, int] = {}
    opening: dict[tuple[str, tuple], Task | int] = {}  # the partitions still changing fetched today
    for task in full.tasks:
        _count(result, missing, opening, ordered, task.name, task.endpoint, task.partition, task)
    for name in full.deferred:
        entry = view._entry(name)
        endpoint = endpoints[entry.plugin]
        if set(endpoint.partition_keys) - set(endpoint.scope_keys):
            result.uncounted.append(entry.name)
            continue
        states = view.states(entry.name)
        for partition in scope_partitions(entry, endpoint, config):
            state = states.get(tuple(partition[key] for key in endpoint.partition_keys), PartitionState())
            if state.complete or state.out_of_plan or endpoint.no_data(partition, view):
                continue  # fetched (what a new match adds is the days' ahead), or nothing to fetch
            _count(result, missing, opening, ordered, entry.name, endpoint, partition,
                   view.estimated_requests(entry.name, partition))
    result.groups = [(phase.name, missing[phase.name]) for phase in ordered[1:] if missing.get(phase.name)]
    result.needs = _days_ahead(view, config, endpoints, opening, dt.date.fromisoformat(date))
    return result


def _count(result: Forecast, missing: dict[str, int], opening: dict, ordered: list[Phase], name: str,
           endpoint: Endpoint, partition, fetch: Task | int) -> None:
    requests = fetch.estimated_requests if isinstance(fetch, Task) else fetch
    if ordered[0].admits(endpoint, partition):
        result.today += requests
        opening[(name, tuple(partition[key] for key in endpoint.partition_keys))] = fetch
        return
    phase = next(phase for phase in ordered[1:] if phase.admits(endpoint, partition))
    missing[phase.name] = missing.get(phase.name, 0) + requests


def _days_ahead(view: LakeView, config: Config, endpoints: Mapping[str, Endpoint], opening: dict,
                start: dt.date) -> list[int]:
    """Requests the partitions still changing need on each of the days from ``start``: those in
    the lake, and those the plan fetches for the first time today (``opening``)."""
    needs = [0] * HORIZON_DAYS
    for entry in config.endpoints:
        endpoint = endpoints[entry.plugin]
        states = view.states(entry.name)
        in_scope = None
        if set(endpoint.partition_keys) <= set(endpoint.scope_keys):
            in_scope = {tuple(partition[key] for key in endpoint.partition_keys)
                        for partition in scope_partitions(entry, endpoint, config)}
        known = {values for values, state in states.items() if state.complete and not state.out_of_plan}
        for values in sorted(known | {values for name, values in opening if name == entry.name}):
            partition = dict(zip(endpoint.partition_keys, values, strict=True))
            if endpoint.closed(partition, config.scope) or (in_scope is not None and values not in in_scope):
                continue
            for day, requests in _fetches(view, entry, endpoint, partition, states.get(values, PartitionState()),
                                          opening.get((entry.name, values)), start):
                needs[day] += requests
    return needs


def _fetches(view: LakeView, entry: EndpointConfig, endpoint: Endpoint, partition: dict, state: PartitionState,
             today: Task | int | None, start: dt.date) -> Iterator[tuple[int, int]]:
    """``(day, requests)`` of each fetch of one partition still changing over the days ahead
    (day 0 is ``start``); ``today``: the plan's fetch of it today, if any."""
    changes = _expected_changes(view, endpoint, partition, start)
    if endpoint.kind == "batched":  # each day's new ids; unknown: a batch a day, an upper bound
        waiting = (sum(len(batch.params[endpoint.batch_param].split(endpoint.batch_separator)) for batch in today.batches)
                   if isinstance(today, Task) else 0)
        extra = today if isinstance(today, int) else 0  # an estimate without ids (sources not fetched yet)
        for day in range(HORIZON_DAYS):
            new = (changes.get(day, 0) if changes is not None else endpoint.batch_size) + (waiting if day == 0 else 0)
            requests = math.ceil(new / endpoint.batch_size) + (extra if day == 0 else 0)
            if requests:
                yield day, requests
        return
    period = refresh_period(entry, endpoint)
    if today is not None:
        yield 0, today.estimated_requests if isinstance(today, Task) else today
    if period == "never":
        return
    cost = estimate_pages(view, entry.name, endpoint, partition, state) if endpoint.paginated else 1
    watched = entry.refresh == AUTO and endpoint.changes_with is not None and view._entry(endpoint.changes_with)
    last = 0 if today is not None else (dt.date.fromisoformat(state.complete[-1]) - start).days
    for day in range(1 if today is not None else 0, HORIZON_DAYS):
        if (watched and (changes is None or changes.get(day))) or day >= last + REFRESH_DAYS[period]:
            yield day, cost
            last = day


def _expected_changes(view: LakeView, endpoint: Endpoint, partition: dict, start: dt.date) -> Counter | None:
    """Day (from ``start``) -> changes the endpoint's calendar expects then, or None if it has none."""
    if endpoint.expected_changes is None:
        return None
    days = endpoint.expected_changes(view, partition)
    if days is None:
        return None
    return Counter(max((dt.date.fromisoformat(day) - start).days, 0) for day in days)
