"""Smart resume: what the lake is missing, and what fetching it will cost, before any API call.

The lake is read with one paginated LIST per endpoint prefix. Each partition is then judged by
the endpoint's refresh policy: a closed partition (one the endpoint says no longer changes) is
fetched once, ever; the others at most once per refresh period; a fetch that crashed resumes at its
first missing page; a partition the API said is out of plan, or that data already in the lake says
the API has nothing for (:meth:`pitchlake.endpoints.Endpoint.no_data`), is not fetched at all.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .config import Config, EndpointConfig
from .endpoints import DERIVED_IDS, Endpoint
from .lake import DATA_FILE, LakeBackend, Layout
from .lease import LEASE_FILE

PAGES_DIR = "_pages"
OUT_OF_PLAN = "_out_of_plan.json"
REFRESH_DAYS = {"daily": 1, "weekly": 7}
#: The ingestion date of a backfill or a test, instead of today in UTC.
TODAY_ENV = "PITCHLAKE_TODAY"

T = TypeVar("T")
log = logging.getLogger(__name__)


class InvalidToday(ValueError):
    """``PITCHLAKE_TODAY`` is no date, or a future one: refused before anything is written, since
    the lake would keep its folder, and every later plan would trip over it or find it fresh."""


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` exactly, or None: ingestion dates are also sorted as strings, and Python
    reads ``20250126`` as a date too, which would sort apart from the others."""
    try:
        parsed = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.isoformat() == text else None


def today() -> str:
    """The ingestion date: today in UTC, or ``PITCHLAKE_TODAY`` (backfills and tests), which must
    be a past day or today: a fetch dated in the future would look fresh until that day."""
    value = os.environ.get(TODAY_ENV)
    real = utc_today()
    if not value:
        return real.isoformat()
    parsed = parse_date(value)
    if parsed is None:
        raise InvalidToday(f"{TODAY_ENV}={value!r} is not a date: use YYYY-MM-DD, or unset it for today (UTC)")
    if parsed > real:
        raise InvalidToday(f"{TODAY_ENV}={value} is after today ({real}, UTC): use a past date, or unset it for today")
    return value


#: Folders of unusable ingestion dates already reported: each stage of a run plans against a new
#: LakeView, and one warning a folder is enough.
_reported: set[str] = set()


def _unusable_date(key: str, date: str) -> bool:
    """An ``ingestion_date=`` folder that is no date, or a future one (an older pitchlake wrote
    whatever PITCHLAKE_TODAY said): planning ignores it, so that it neither crashes the plan nor
    looks fresh for years, and leaves it in place, since it may hold data someone wants back."""
    parsed = parse_date(date)
    if parsed is not None and parsed <= utc_today():
        return False
    folder = key.split(f"ingestion_date={date}/", 1)[0] + f"ingestion_date={date}/"
    if folder not in _reported:
        _reported.add(folder)
        why = "is not a date (YYYY-MM-DD)" if parsed is None else f"is after today ({utc_today()}, UTC)"
        log.warning("%s: ingestion date %r %s; planning ignores its folder and leaves it alone: "
                    "rename the folder to the day it was fetched, or delete it", key, date, why)
    return True


def page_name(number: int) -> str:
    return f"{PAGES_DIR}/page-{number:04d}.json"


@dataclass
class PartitionState:
    """What the LIST showed for one partition."""

    complete: list[str] = field(default_factory=list)  # ingestion dates with a data.json
    pages: dict[str, set[int]] = field(default_factory=dict)  # ingestion date -> page numbers
    leases: set[str] = field(default_factory=set)  # ingestion dates with a lease file
    out_of_plan: bool = False

    def in_progress(self) -> str | None:
        """The date of a fetch that wrote pages but no data.json (a crash or a stop): resume it."""
        started = sorted(date for date in self.pages if date not in self.complete)
        return started[-1] if started else None


@dataclass(frozen=True)
class Selection:
    """Which endpoints and partitions a run covers (empty means all): the CLI's ``--endpoint``,
    and per partition key the values to keep (``--season 2024`` keeps ``season=2024``).

    The one partition filter: derived endpoints also use it to keep to the config's scope, since
    the lake may hold partitions of an earlier scope that must not cost credits now."""

    endpoints: tuple[str, ...] = ()
    #: partition key -> the values admitted, as strings (the lake's keys are strings)
    partitions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def admits(self, partition: Mapping[str, Any]) -> bool:
        """Keys the partition does not have (an endpoint keyed by league alone, for a filter
        on seasons), and keys with no values, do not restrict it."""
        return all(str(partition[key]) in values for key, values in self.partitions.items()
                   if values and key in partition)


@dataclass(frozen=True)
class Batch:
    """One request of a batched fetch: the page it is checkpointed as, and its query parameters."""

    page: int
    params: dict[str, str]


@dataclass
class Task:
    """One partition to fetch. ``params`` is the request (page 1 of a paginated endpoint);
    a batched endpoint lists its requests, one per batch of ids still missing, in ``batches``."""

    name: str
    endpoint: Endpoint
    partition: dict[str, str]
    ingestion_date: str
    reason: str
    params: dict[str, str]
    batches: list[Batch] = field(default_factory=list)
    done_pages: set[int] = field(default_factory=set)
    estimated_requests: int = 1

    @property
    def label(self) -> str:
        values = "/".join(f"{key}={self.partition[key]}" for key in self.endpoint.partition_keys)
        return f"{self.name}[{values}]" if values else self.name


@dataclass
class Skip:
    name: str
    partition: dict[str, str]
    reason: str


@dataclass
class Plan:
    tasks: list[Task] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    #: endpoints planned only once the endpoints they derive from are fetched
    deferred: list[str] = field(default_factory=list)
    #: page checkpoints of fetches whose data.json was written before they could be deleted
    cleanup: list[str] = field(default_factory=list)

    @property
    def estimated_requests(self) -> int:
        return sum(task.estimated_requests for task in self.tasks)

    def to_json(self) -> dict:
        return {
            "estimated_requests": self.estimated_requests,
            "tasks": [
                {"endpoint": t.name, "partition": t.partition, "ingestion_date": t.ingestion_date,
                 "reason": t.reason, "estimated_requests": t.estimated_requests}
                for t in self.tasks
            ],
            "skipped": [{"endpoint": s.name, "partition": s.partition, "reason": s.reason} for s in self.skipped],
            "deferred": self.deferred,
        }


def stages(config: Config, endpoints: Mapping[str, Endpoint]) -> list[list[EndpointConfig]]:
    """Enabled endpoints grouped in dependency order: each stage only needs earlier stages."""
    by_plugin: dict[str, list[EndpointConfig]] = {}
    for entry in config.endpoints:
        by_plugin.setdefault(entry.plugin, []).append(entry)
    remaining = list(config.endpoints)
    done: set[str] = set()
    result = []
    def needs(entry: EndpointConfig) -> set[str]:
        endpoint = endpoints[entry.plugin]
        gate = {endpoint.gated_by} if endpoint.gated_by and endpoint.gated_by != entry.plugin else set()
        return (set(endpoint.depends_on) | gate) & set(by_plugin)

    while remaining:
        ready = [e for e in remaining if needs(e) <= done]
        if not ready:
            raise ValueError(f"endpoints depend on each other in a cycle: {[e.name for e in remaining]}")
        result.append(ready)
        done.update(e.plugin for e in ready)
        remaining = [e for e in remaining if e not in ready]
    return result


class LakeView:
    """The lake as the planner sees it: one LIST per endpoint, then reads only where a derived
    endpoint or an endpoint's :meth:`~pitchlake.endpoints.Endpoint.no_data` needs the data itself.
    Also the ``DeriveContext`` of endpoints."""

    def __init__(self, config: Config, endpoints: Mapping[str, Endpoint], lake: LakeBackend, selection: Selection):
        self.config = config
        self.scope = config.scope
        self.endpoints = endpoints
        self.lake = lake
        self.layout = Layout(config.lake.layout)
        self.selection = selection
        self._states: dict[str, dict[tuple, PartitionState]] = {}
        self._cache: dict[Hashable, Any] = {}

    def _entry(self, plugin_or_name: str) -> EndpointConfig | None:
        for entry in self.config.endpoints:
            if entry.name == plugin_or_name:
                return entry
        return next((entry for entry in self.config.endpoints if entry.plugin == plugin_or_name), None)

    def states(self, name: str) -> dict[tuple, PartitionState]:
        """Partition states of an endpoint, from one paginated LIST of its prefix."""
        entry = self._entry(name)
        if entry.name not in self._states:
            endpoint = self.endpoints[entry.plugin]
            keys = endpoint.partition_keys
            parser = self.layout.parser(entry.name, keys)
            states: dict[tuple, PartitionState] = {}
            for key in self.lake.list(self.layout.prefix(entry.name)):
                match = parser.match(key)
                if not match:
                    continue
                date, rest = match["ingestion_date"], match["rest"]
                if date is not None and _unusable_date(key, date):
                    continue
                state = states.setdefault(tuple(match[k] for k in keys), PartitionState())
                if date is None:
                    state.out_of_plan |= rest == OUT_OF_PLAN
                elif rest == DATA_FILE:
                    state.complete.append(date)
                elif rest.startswith(PAGES_DIR + "/page-"):
                    state.pages.setdefault(date, set()).add(int(rest.rsplit("-", 1)[1].split(".")[0]))
                elif rest == LEASE_FILE:
                    state.leases.add(date)
            for state in states.values():
                state.complete.sort()
            self._states[entry.name] = states
        return self._states[entry.name]

    def read_json(self, key: str) -> Any:
        return json.loads(self.lake.read(key))

    def fetches(self, endpoint: str, *, every_date: bool = False) -> Iterator[tuple[dict[str, str], dict]]:
        entry = self._entry(endpoint)
        if entry is None:
            return
        keys = self.endpoints[entry.plugin].partition_keys
        for values, state in sorted(self.states(entry.name).items()):
            partition = dict(zip(keys, values, strict=True))
            if not state.complete or not self.selection.admits(partition):
                continue
            for date in state.complete if every_date else state.complete[-1:]:
                yield partition, self.read_json(self.layout.data_key(entry.name, keys, partition, date))

    def items(self, endpoint: str, *, every_date: bool = False) -> Iterator[tuple[dict[str, str], Any]]:
        entry = self._entry(endpoint)
        if entry is None:
            return
        declared = self.endpoints[entry.plugin]
        for partition, document in self.fetches(endpoint, every_date=every_date):
            for item in declared.items(document) or []:
                yield partition, item

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]


def scope_values(entry: EndpointConfig, endpoint: Endpoint, config: Config) -> dict[str, tuple[str, ...] | None]:
    """Partition key -> its values for a ``scope`` endpoint: the entry's ``partitions`` override,
    else the scope's list that the endpoint names for the key (None when neither gives it)."""
    values = {}
    for key in endpoint.partition_keys:
        name = endpoint.scope_keys.get(key)
        given = entry.partitions.get(key, config.scope.get(name) if name else None)
        values[key] = None if given is None else tuple(str(value) for value in given)
    return values


def outside_scope(config: Config, endpoints: Mapping[str, Endpoint],
                  selection: Selection) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Partition key -> (its selected values that no selected endpoint will ever plan, the values
    the scope has for it). A plan of them is empty whatever the lake holds, and would not say why.

    A derived endpoint's partitions come from endpoints of the scope, so it admits what they
    enumerate; a key no selected endpoint has is checked against every enabled one; a key some
    endpoint derives with no scope behind it (a team id) is not checked at all."""
    from_scope: dict[str, dict[str, None]] = {}
    for entry in config.endpoints:
        endpoint = endpoints[entry.plugin]
        if endpoint.partition_source == "scope":
            for key, values in scope_values(entry, endpoint, config).items():
                from_scope.setdefault(key, {}).update(dict.fromkeys(values or ()))

    def admitted(entries: list[EndpointConfig], key: str) -> tuple[str, ...] | None:
        found: dict[str, None] = {}
        for entry in entries:
            endpoint = endpoints[entry.plugin]
            values = (scope_values(entry, endpoint, config)[key] if endpoint.partition_source == "scope"
                      else tuple(from_scope.get(key, ())))
            if not values:
                return None  # unknown until derived: nothing to check against
            found.update(dict.fromkeys(values))
        return tuple(found) if entries else None  # no endpoint has the key: it filters nothing

    def having(entries: Iterable[EndpointConfig], key: str) -> list[EndpointConfig]:
        return [entry for entry in entries if key in endpoints[entry.plugin].partition_keys]

    selected = [entry for entry in config.endpoints if not selection.endpoints or entry.name in selection.endpoints]
    result = {}
    for key, values in selection.partitions.items():
        allowed = admitted(having(selected, key) or having(config.endpoints, key), key)
        outside = tuple(value for value in values if allowed is not None and value not in allowed)
        if outside:
            result[key] = (outside, allowed)
    return result


def _scope_partitions(entry: EndpointConfig, endpoint: Endpoint, config: Config) -> Iterator[dict[str, str]]:
    axes = []
    for key, values in scope_values(entry, endpoint, config).items():
        if values is None:
            raise ValueError(f"endpoint {entry.name!r}: set partitions.{key} in {config.path} (the scope does not give it)")
        axes.append(values)
    for combination in itertools.product(*axes):
        yield dict(zip(endpoint.partition_keys, combination, strict=True))


def never_refreshed(config: Config, endpoints: Mapping[str, Endpoint]) -> list[str]:
    """The enabled endpoints whose scope partitions are all closed, so that no scheduled run will
    ever refresh them (API-Football: ``scope.current_season`` not among ``scope.seasons``). Valid
    for a backfill of history, and a surprise for anyone who expects a daily refresh."""
    names = []
    for entry in config.endpoints:
        endpoint = endpoints[entry.plugin]
        if endpoint.partition_source != "scope" or not endpoint.partition_keys:
            continue
        partitions = list(_scope_partitions(entry, endpoint, config))
        if partitions and all(endpoint.closed(partition, config.scope) for partition in partitions):
            names.append(entry.name)
    return names


def _refresh_due(last: str, refresh: str, date: str) -> bool:
    if refresh == "never":
        return False
    age = (dt.date.fromisoformat(date) - dt.date.fromisoformat(last)).days
    return age >= REFRESH_DAYS[refresh]


def _estimate_pages(view: LakeView, name: str, endpoint: Endpoint, partition: dict, state: PartitionState) -> int:
    """Pages of a paginated partition, from its last complete fetch if there is one."""
    if not state.complete:
        return 1
    return endpoint.page_count(view.read_json(view.layout.data_key(name, endpoint.partition_keys, partition, state.complete[-1])))


def plan_endpoint(view: LakeView, entry: EndpointConfig, date: str) -> Plan:
    endpoint = view.endpoints[entry.plugin]
    states = view.states(entry.name)
    plan = Plan()
    if endpoint.partition_source == "derived":
        partitions: Iterable[dict] = endpoint.derive(view)
    else:
        partitions = _scope_partitions(entry, endpoint, view.config)
    for derived in partitions:
        partition = {key: str(derived[key]) for key in endpoint.partition_keys}
        if not view.selection.admits(partition):
            continue
        state = states.get(tuple(partition[key] for key in endpoint.partition_keys), PartitionState())
        for date in sorted((set(state.pages) | state.leases) & set(state.complete)):
            fetch_dir = view.layout.fetch_dir(entry.name, endpoint.partition_keys, partition, date)
            plan.cleanup += [f"{fetch_dir}/{page_name(number)}" for number in sorted(state.pages.get(date, ()))]
            plan.cleanup += [f"{fetch_dir}/{LEASE_FILE}"] if date in state.leases else []
        if state.out_of_plan:
            plan.skipped.append(Skip(entry.name, partition, "out of plan (the API said so on an earlier run)"))
            continue
        no_data = endpoint.no_data(partition, view)
        if no_data:
            plan.skipped.append(Skip(entry.name, partition, no_data))
            continue
        resume = state.in_progress()
        params = endpoint.request_params(partition, entry.params)
        if endpoint.batch_param:
            if not resume and date in state.complete:
                plan.skipped.append(Skip(entry.name, partition, f"fetched {date} already; new ids are fetched next period"))
                continue
            task = _batched_task(view, entry, endpoint, partition, list(derived[DERIVED_IDS]), resume or date, params)
            if task.batches or task.done_pages:
                plan.tasks.append(task)
            continue
        if resume:
            done = state.pages[resume]
            reason = f"resume: {len(done)} page(s) already in the lake"
            remaining = max(_estimate_pages(view, entry.name, endpoint, partition, state) - len(done), 1)
            plan.tasks.append(Task(entry.name, endpoint, partition, resume, reason, params, [], set(done), remaining))
            continue
        if state.complete:
            last = state.complete[-1]
            closed = endpoint.closed(partition, view.config.scope)
            if closed:
                plan.skipped.append(Skip(entry.name, partition, f"complete ({closed}, fetched {last})"))
                continue
            if not _refresh_due(last, entry.refresh, date):
                plan.skipped.append(Skip(entry.name, partition, f"fresh (fetched {last}, refresh {entry.refresh})"))
                continue
            reason = f"refresh (fetched {last}, refresh {entry.refresh})"
        else:
            reason = "new"
        pages = _estimate_pages(view, entry.name, endpoint, partition, state) if endpoint.paginated else 1
        plan.tasks.append(Task(entry.name, endpoint, partition, date, reason, params, estimated_requests=pages))
    return plan


def _batched_task(view: LakeView, entry: EndpointConfig, endpoint: Endpoint, partition: dict, ids: Sequence,
                  date: str, params: dict) -> Task:
    """Ids still missing, in batches. Page N always holds the N-th batch of the derived ids, so a
    fetch resumed after a crash ends with the same pages as one that never stopped; only if the
    ids changed meanwhile (new finished matches) are the missing ones batched after the last page."""
    fetch_dir = view.layout.fetch_dir(entry.name, endpoint.partition_keys, partition, date)
    state = view.states(entry.name).get(tuple(partition[k] for k in endpoint.partition_keys), PartitionState())
    done = state.pages.get(date, set()) if date not in state.complete else set()
    size = endpoint.batch_size
    wanted = [str(i) for i in ids]
    chunks = [wanted[i: i + size] for i in range(0, len(wanted), size)]
    held = {number: endpoint.asked_ids(view.read_json(f"{fetch_dir}/{page_name(number)}")) for number in done}
    if all(number <= len(chunks) and held[number] == chunks[number - 1] for number in done):
        numbered = [(number, chunk) for number, chunk in enumerate(chunks, start=1) if number not in done]
    else:
        fetched = {i for chunk in held.values() for i in chunk}
        missing = [i for i in wanted if i not in fetched]
        numbered = list(enumerate((missing[i: i + size] for i in range(0, len(missing), size)), start=max(done) + 1))
    batches = [Batch(number, endpoint.batch_request(params, chunk)) for number, chunk in numbered]
    reason = f"{sum(len(chunk) for _, chunk in numbered)} id(s) without data" + (f", resuming after {len(done)} page(s)" if done else "")
    return Task(entry.name, endpoint, partition, date, reason, params, batches, set(done), len(batches))


def plan(config: Config, endpoints: Mapping[str, Endpoint], lake: LakeBackend, selection: Selection = Selection(),
         date: str | None = None, stage_entries: Sequence[EndpointConfig] | None = None) -> Plan:
    """The plan for ``stage_entries`` (default: every selected endpoint). Derived endpoints whose
    sources have work pending in this plan are deferred: the runner plans them after that work."""
    date = date or today()
    view = LakeView(config, endpoints, lake, selection)
    result = Plan()
    pending: set[str] = set()
    for stage in stages(config, endpoints):
        for entry in stage:
            if stage_entries is not None and entry not in stage_entries:
                continue
            if selection.endpoints and entry.name not in selection.endpoints:
                continue
            endpoint = endpoints[entry.plugin]
            if endpoint.partition_source == "derived" and pending & set(endpoint.depends_on):
                result.deferred.append(entry.name)
                pending.add(entry.plugin)
                continue
            part = plan_endpoint(view, entry, date)
            result.tasks += part.tasks
            result.skipped += part.skipped
            result.cleanup += part.cleanup
            if part.tasks:
                pending.add(entry.plugin)
    return result
