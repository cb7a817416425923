"""The quota planner: what the whole scope still costs, in the order ``ingest`` takes it, and how
many days of the plan's daily quota that takes once the partitions still changing have had their
share of each day.

A run takes the partitions still changing first (:func:`pitchlake.planner.phases`), so a backfill
gets what they leave of each day: on the first day the quota less what they need today, on every
later day the quota less what they need on an average day. What each endpoint needs on an average
day is learned from the lake: the requests of its fetches over the last :data:`WINDOW_DAYS` days
(from each fetch's ``data.json``: its pages, its batches, or one), the first fetch of each
partition, a backfill of its own, left out; a younger lake has its days since its first fetch. Until
that history spans one of the endpoint's refresh periods (a monthly one's never does: the window is
shorter), the period it declares counts instead (every day for an endpoint whose partitions change
with another's data, and a batch a day for one that fetches what is new: upper bounds).

What is missing is counted from the plan, with the endpoints' typical requests for partitions new
to the lake (:meth:`pitchlake.planner.LakeView.typical_requests`), and from the scope for derived
endpoints whose sources are not fetched yet, when the scope enumerates their partition keys (match
details of a season whose fixtures are not in the lake). Derived endpoints keyed by what their
sources hold (a team, a country) cannot be counted before that: they are listed as such.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .config import Config
from .endpoints import REFRESH_DAYS, Endpoint
from .lake import LakeBackend
from .planner import (
    AUTO,
    LakeView,
    PartitionState,
    Phase,
    Plan,
    Selection,
    fetch_requests,
    phases,
    refresh_period,
    scope_partitions,
)

#: Days of history the average day of the partitions still changing is learned from.
WINDOW_DAYS = 28


@dataclass
class Forecast:
    #: the plan's daily quota (``api.limits.per_day``)
    per_day: int
    #: requests the partitions still changing need today, as far as the lake tells before fetching
    today: int = 0
    #: requests they need on an average day
    daily: float = 0.0
    #: ``(phase name, requests)`` of the closed partitions still missing, in the order ingest takes them
    groups: list[tuple[str, int]] = field(default_factory=list)
    #: endpoints whose missing partitions cannot be counted until their sources are fetched
    uncounted: list[str] = field(default_factory=list)

    @property
    def backfill(self) -> int:
        return sum(requests for _, requests in self.groups)

    @property
    def first_day(self) -> int:
        """What the partitions still changing take of the first day: ``today`` counts only what
        the lake shows before fetching (a league's fixtures), not what follows from it once
        fetched (the table and the details of the matches that finished), which the average day
        does count. bench_backfill's first day: 5 shown, 17 on an average day."""
        return max(self.today, math.ceil(self.daily))

    @property
    def days(self) -> int | None:
        """Days of the daily quota until nothing is missing: 0 when nothing is, None when the
        partitions still changing leave no room on an average day."""
        if not self.backfill and not self.today:
            return 0
        first = self.per_day - self.first_day
        if self.backfill <= first:
            return 1
        room = self.per_day - self.daily
        if room <= 0:
            return None
        return 1 + math.ceil((self.backfill - max(first, 0)) / room - 1e-9)

    def to_json(self) -> dict:
        return {"per_day": self.per_day, "today": self.today, "first_day": self.first_day, "daily": round(self.daily, 2),
                "backfill": self.backfill, "days": self.days, "uncounted": self.uncounted,
                "order": [{"phase": name, "requests": requests} for name, requests in self.groups]}


def forecast(config: Config, endpoints: Mapping[str, Endpoint], lake: LakeBackend, full: Plan, date: str) -> Forecast:
    """The forecast for the whole scope, from ``full``, its plan on ``date`` (no selection)."""
    result = Forecast(per_day=config.api.limits.per_day)
    view = LakeView(config, endpoints, lake, Selection(), date=date)
    ordered = phases(config, endpoints)
    missing: dict[str, int] = {}
    for task in full.tasks:
        _count(result, missing, ordered, task.endpoint, task.partition, task.estimated_requests)
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
                continue  # fetched (what a new match adds is the average day's), or nothing to fetch
            _count(result, missing, ordered, endpoint, partition, view.estimated_requests(entry.name, partition))
    result.groups = [(phase.name, missing[phase.name]) for phase in ordered[1:] if missing.get(phase.name)]
    result.daily = _average_day(view, config, endpoints, date)
    return result


def _count(result: Forecast, missing: dict[str, int], ordered: list[Phase], endpoint: Endpoint, partition, requests: int) -> None:
    if ordered[0].admits(endpoint, partition):
        result.today += requests
        return
    phase = next(phase for phase in ordered[1:] if phase.admits(endpoint, partition))
    missing[phase.name] = missing.get(phase.name, 0) + requests


def _average_day(view: LakeView, config: Config, endpoints: Mapping[str, Endpoint], date: str) -> float:
    """Requests the partitions still changing need on an average day, endpoint by endpoint: learned
    from its fetches over the last WINDOW_DAYS days once the lake's history of it spans one of its
    periods, else from the period it declares. A month-long refresh (a season's 29 pages of
    players) shows nothing in three weeks of history, though it will cost its pages within the
    month: learned from the lake alone, the average day of bench_backfill's five current leagues
    was 12.7 requests when they spent 16.7."""
    end = dt.date.fromisoformat(date)
    total = 0.0
    for entry in config.endpoints:
        endpoint = endpoints[entry.plugin]
        period = refresh_period(entry, endpoint)
        if period == "never":
            continue
        states = view.states(entry.name)
        spent, days = 0, 0
        for values, state in states.items():
            partition = dict(zip(endpoint.partition_keys, values, strict=True))
            if not state.complete or endpoint.closed(partition, config.scope):
                continue
            days = max(days, min((end - dt.date.fromisoformat(state.complete[0])).days, WINDOW_DAYS))
            for fetched in state.complete[1:]:  # the first is the partition's backfill, not a day's need
                if (end - dt.date.fromisoformat(fetched)).days < WINDOW_DAYS:
                    document = view.document(entry.name, values, fetched)
                    spent += fetch_requests(endpoint, document) if document is not None else 0
        if days and days >= REFRESH_DAYS[period]:
            total += spent / days
        else:
            total += _declared_day(view, config, entry, endpoint, period, states)
    return total


def _declared_day(view: LakeView, config: Config, entry, endpoint: Endpoint, period: str, states) -> float:
    """An endpoint's average day as its period declares it (upper bounds where it may change
    every day)."""
    if set(endpoint.partition_keys) <= set(endpoint.scope_keys):
        partitions = list(scope_partitions(entry, endpoint, config))
    else:  # keyed by what it derives: the partitions the lake has
        partitions = [dict(zip(endpoint.partition_keys, values, strict=True)) for values in states]
    changing = sum(1 for partition in partitions if not endpoint.closed(partition, config.scope))
    if endpoint.kind == "batched":  # what is new each day: a batch, as an upper bound
        return changing
    if entry.refresh == AUTO and endpoint.changes_with:  # may change every day: an upper bound
        return changing * view.typical_requests(entry.name)
    return changing * view.typical_requests(entry.name) / REFRESH_DAYS[period]
