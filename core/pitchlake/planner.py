"""Smart resume: what the lake is missing, and what fetching it will cost, before any API call.

The lake is read with one paginated LIST per endpoint prefix. Each partition is then judged by
the endpoint's refresh policy: a closed partition (one the endpoint says no longer changes) is
fetched once, ever; the others when the data they depend on says they changed
(:attr:`~pitchlake.endpoints.Endpoint.changed`), and at least once per refresh period; a fetch that crashed resumes at its
first missing page; a partition the API said is out of plan, or that data already in the lake says
the API has nothing for (:meth:`pitchlake.endpoints.Endpoint.no_data`), is not fetched at all.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
from collections.abc import Callable, Container, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .config import Config, EndpointConfig
from .endpoints import DERIVED_IDS, REFRESH_DAYS, Endpoint, SchemaMismatch, check_items
from .lake import DATA_FILE, QUARANTINE_DIR, CorruptObject, LakeBackend, LakeError, Layout, read_json
from .lease import LEASE_FILE

PAGES_DIR = "_pages"
OUT_OF_PLAN = "_out_of_plan.json"
#: The config's ``refresh`` that lets each endpoint decide (:attr:`Endpoint.refresh` and
#: :attr:`Endpoint.changed`); the others are ``never`` and the periods of :data:`REFRESH_DAYS`.
AUTO = "auto"
REFRESH_POLICIES = (AUTO, "never", *REFRESH_DAYS)
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
    #: endpoint name -> exactly the partitions admitted (values in key order), for a run that must
    #: fetch a given list (a batch of :mod:`pitchlake.work`); an endpoint not named is not restricted
    exact: Mapping[str, Container[tuple[str, ...]]] = field(default_factory=dict)

    def admits(self, partition: Mapping[str, Any]) -> bool:
        """Keys the partition does not have (an endpoint keyed by league alone, for a filter
        on seasons), and keys with no values, do not restrict it."""
        return all(str(partition[key]) in values for key, values in self.partitions.items()
                   if values and key in partition)

    def admits_exactly(self, name: str, values: tuple[str, ...]) -> bool:
        """Whether :attr:`exact` admits the partition of endpoint ``name`` with these values."""
        return name not in self.exact or values in self.exact[name]


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
    #: ``(key, why)`` of corrupt objects the plan was made without: the runner moves each to
    #: ``_quarantine/<key>`` before fetching (see :func:`pitchlake.lake.quarantine`)
    quarantine: list[tuple[str, str]] = field(default_factory=list)

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
            "quarantine": [{"key": key, "reason": reason} for key, reason in self.quarantine],
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
        return set(endpoints[entry.plugin].sources) & set(by_plugin)

    while remaining:
        ready = [e for e in remaining if needs(e) <= done]
        if not ready:
            raise ValueError(f"endpoints depend on each other in a cycle: {[e.name for e in remaining]}")
        result.append(ready)
        done.update(e.plugin for e in ready)
        remaining = [e for e in remaining if e not in ready]
    return result


def read_document(lake: LakeBackend, key: str, endpoint: Endpoint) -> Any:
    """A ``data.json`` or a checkpointed page of ``endpoint``: :class:`~pitchlake.lake.CorruptObject`
    unless it is JSON holding a list where the endpoint keeps its items (:meth:`Endpoint.items`),
    as everything the runner writes does (it checked each response with ``check_items``). Items
    are not checked against the item schema again: a schema made stricter since must not send
    good data to quarantine, and fetching it again would cost credits."""
    document = read_json(lake, key)
    if not isinstance(endpoint.items(document), list):
        raise CorruptObject(key, f"JSON, but not what {endpoint.name} writes (no list of items where it keeps them)")
    return document


def _lease_problem(record: Any) -> str | None:
    """What makes a lease record unusable to :func:`pitchlake.lease.acquire`, or None."""
    if not isinstance(record, dict):
        return "JSON, but not a lease (not an object)"
    if not isinstance(record.get("expires", 0), int | float):
        return "JSON, but not a lease (its expiry is not a number)"
    return None


class LakeView:
    """The lake as the planner sees it: one LIST per endpoint, then reads only where a derived
    endpoint or an endpoint's :meth:`~pitchlake.endpoints.Endpoint.no_data` needs the data itself.
    Also the ``DeriveContext`` of endpoints.

    A corrupt object it reads is put in :attr:`quarantine` and the view goes on as if it were not
    in the lake: a corrupt ``data.json`` leaves the fetch before it as the partition's newest (or
    none), a corrupt page is a page still to fetch."""

    def __init__(self, config: Config, endpoints: Mapping[str, Endpoint], lake: LakeBackend, selection: Selection,
                 facts: dict[tuple[str, str], Any] | None = None, date: str | None = None):
        self.config = config
        self.scope = config.scope
        self.date = date or today()
        self.endpoints = endpoints
        self.lake = lake
        self.layout = Layout(config.lake.layout)
        self.selection = selection
        self._states: dict[str, dict[tuple, PartitionState]] = {}
        self._cache: dict[Hashable, Any] = {}
        #: ``(fact, data.json key)`` -> what the fact made of it (:meth:`facts`); a run's plans share one
        self._facts = facts if facts is not None else {}
        #: key -> why, for each corrupt object read, in the order found
        self.quarantine: dict[str, str] = {}
        #: (endpoint entry name, partition values) whose newest complete fetch changed because its
        #: data.json was corrupt, in the order found
        self.damaged: list[tuple[str, tuple]] = []

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
                if not match or key.startswith(QUARANTINE_DIR + "/"):
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

    def _read(self, key: str, endpoint: Endpoint) -> Any | None:
        """The document at ``key``, or None when it is corrupt (then it is in :attr:`quarantine`)
        or gone since the LIST (a concurrent run merged the pages, or quarantined the object)."""
        if key in self.quarantine:
            return None
        try:
            return read_document(self.lake, key, endpoint)
        except CorruptObject as exc:
            self.quarantine[key] = exc.reason
            log.info("%s: %s; planning as if it were not in the lake", key, exc.reason)
            return None
        except LakeError:
            if self.lake.exists(key):
                raise
            log.info("%s: gone since the lake was listed; planning without it", key)
            return None

    def document(self, name: str, values: tuple, date: str) -> Any | None:
        """The ``data.json`` of one fetch of a partition; None when it is corrupt (or gone), and
        then the fetch is no longer complete for the rest of the plan (:attr:`damaged` records it)."""
        entry = self._entry(name)
        endpoint = self.endpoints[entry.plugin]
        partition = dict(zip(endpoint.partition_keys, values, strict=True))
        document = self._read(self.layout.data_key(entry.name, endpoint.partition_keys, partition, date), endpoint)
        if document is None:
            state = self.states(entry.name).get(values)
            if state is not None and date in state.complete:
                state.complete.remove(date)
                self.damaged.append((entry.name, values))
        return document

    def pages(self, name: str, values: tuple, date: str) -> dict[int, Any]:
        """The checkpointed pages of a fetch, by number; a corrupt page is left out, and from then
        on the plan takes it for a page still to fetch."""
        entry = self._entry(name)
        endpoint = self.endpoints[entry.plugin]
        state = self.states(entry.name).get(values, PartitionState())
        fetch_dir = self.layout.fetch_dir(entry.name, endpoint.partition_keys,
                                          dict(zip(endpoint.partition_keys, values, strict=True)), date)
        documents = {}
        for number in sorted(state.pages.get(date, ())):
            document = self._read(f"{fetch_dir}/{page_name(number)}", endpoint)
            if document is None:
                state.pages[date].discard(number)
            else:
                documents[number] = document
        return documents

    def check_lease(self, name: str, values: tuple, date: str) -> None:
        """A fetch's lease, read as :func:`pitchlake.lease.acquire` will: one it could not judge
        goes to quarantine. A lease released meanwhile is no problem."""
        entry = self._entry(name)
        keys = self.endpoints[entry.plugin].partition_keys
        key = f"{self.layout.fetch_dir(entry.name, keys, dict(zip(keys, values, strict=True)), date)}/{LEASE_FILE}"
        if key in self.quarantine:
            return
        try:
            problem = _lease_problem(read_json(self.lake, key))
        except CorruptObject as exc:
            problem = exc.reason
        except LakeError:
            return
        if problem:
            self.quarantine[key] = problem
            self.states(entry.name).get(values, PartitionState()).leases.discard(date)

    def check_items_of(self, names: Iterable[str]) -> bool:
        """Check the newest complete fetch of each admitted partition of the endpoints ``names``
        against its endpoint's item schema, quarantining each that fails as a corrupt object
        (the fetch before it then counts, and is checked too). True when one was found."""
        found = False
        for name in names:
            entry = self._entry(name)
            if entry is None:
                continue
            endpoint = self.endpoints[entry.plugin]
            keys = endpoint.partition_keys
            for values, state in sorted(self.states(entry.name).items()):
                partition = dict(zip(keys, values, strict=True))
                if not self.selection.admits(partition):
                    continue
                while state.complete:
                    date = state.complete[-1]
                    document = self.document(entry.name, values, date)  # None: corrupt, and no longer complete
                    if document is None:
                        continue
                    try:
                        check_items(endpoint, document)
                        break
                    except SchemaMismatch as exc:
                        key = self.layout.data_key(entry.name, keys, partition, date)
                        self.quarantine[key] = f"its items are not what {endpoint.name} fetches ({exc})"
                        log.info("%s: %s; planning as if it were not in the lake", key, self.quarantine[key])
                        state.complete.remove(date)
                        self.damaged.append((entry.name, values))
                        found = True
        return found

    def fetches(self, endpoint: str, *, every_date: bool = False) -> Iterator[tuple[dict[str, str], dict]]:
        """The newest complete fetch of a partition whose ``data.json`` is corrupt gives way to
        the one before it (with ``every_date``, it is left out)."""
        return self._of_fetches(endpoint, lambda name, values, date, key: self.document(name, values, date), every_date)

    def facts(self, endpoint: str, fact: Callable[[Any], T], *, every_date: bool = False) -> Iterator[tuple[dict[str, str], T]]:
        """A ``data.json`` never changes once written, so what ``fact`` makes of one is kept by its
        key: a run plans again after each stage and phase, and a derive that reads every season's
        match details (14 MB each) would otherwise parse them all every time."""
        name = f"{fact.__module__}.{fact.__qualname__}"

        def of(entry_name: str, values: tuple, date: str, key: str) -> Any | None:
            if (name, key) not in self._facts:
                document = self.document(entry_name, values, date)
                if document is None:
                    return None
                self._facts[(name, key)] = fact(document)
            return self._facts[(name, key)]

        return self._of_fetches(endpoint, of, every_date)

    def _of_fetches(self, endpoint: str, read: Callable[[str, tuple, str, str], Any | None],
                    every_date: bool) -> Iterator[tuple[dict[str, str], Any]]:
        """``(partition, read(...))`` of the fetches :meth:`fetches` names; a None read (corrupt,
        or gone) gives way to the fetch before it."""
        entry = self._entry(endpoint)
        if entry is None:
            return
        keys = self.endpoints[entry.plugin].partition_keys
        for values, state in sorted(self.states(entry.name).items()):
            partition = dict(zip(keys, values, strict=True))
            if not state.complete or not self.selection.admits(partition):
                continue
            for date in list(state.complete) if every_date else reversed(list(state.complete)):
                found = read(entry.name, values, date, self.layout.data_key(entry.name, keys, partition, date))
                if found is not None:
                    yield partition, found
                    if not every_date:
                        break

    def fetch_as_of(self, endpoint: str, partition: Mapping[str, str], date: str | None = None) -> tuple[str, Any] | None:
        entry = self._entry(endpoint)
        if entry is None:
            return None
        keys = self.endpoints[entry.plugin].partition_keys
        values = tuple(str(partition[key]) for key in keys)
        state = self.states(entry.name).get(values, PartitionState())
        for fetched in reversed(list(state.complete)):
            if date is None or fetched <= date:
                document = self.document(entry.name, values, fetched)
                if document is not None:
                    return fetched, document
        return None

    def items(self, endpoint: str, *, every_date: bool = False) -> Iterator[tuple[dict[str, str], Any]]:
        entry = self._entry(endpoint)
        if entry is None:
            return
        declared = self.endpoints[entry.plugin]
        for partition, document in self.fetches(endpoint, every_date=every_date):
            for item in declared.items(document) or []:
                yield partition, item

    def estimated_requests(self, name: str, partition: Mapping[str, str]) -> int:
        """What a fetch of ``partition`` of ``name``, new to the lake, will cost: the endpoint's
        own :attr:`Endpoint.estimate` when it has one and the lake tells it, else
        :meth:`typical_requests` of the partitions nearest to it."""
        endpoint = self.endpoints[self._entry(name).plugin]
        if endpoint.estimate is not None:
            estimate = _reading_sources(self, endpoint, lambda: endpoint.estimate(self, partition))
            if estimate is not None:
                return estimate
        return self.typical_requests(name, partition)

    def typical_requests(self, name: str, partition: Mapping[str, str] | None = None, sample: int = 3) -> int:
        """What a fetch of a partition of ``name`` new to the lake will cost: the mean over
        ``sample`` of its partitions of what their fetches took (:func:`fetch_requests`; the newest
        fetch of a paginated partition, every fetch of a closed batched one, as each fetches only
        what is new), else what its endpoint declares (:attr:`Endpoint.expected_requests`).

        Given ``partition``, the partitions sharing the most of its values come first: a closed
        season of a league of 18 clubs has as many pages as that league's current season, not as
        the mean of leagues of 20."""
        entry = self._entry(name)
        endpoint = self.endpoints[entry.plugin]
        if endpoint.kind == "single":
            return 1
        like = {key: str(value) for key, value in (partition or {}).items() if key in endpoint.partition_keys}

        def nearness(item: tuple[tuple, PartitionState]) -> int:
            return sum(1 for key, value in zip(endpoint.partition_keys, item[0], strict=True) if like.get(key) == value)

        def learn() -> int:
            counts, nearest = [], None
            newest_first = sorted(self.states(entry.name).items(), reverse=True)
            for item in sorted(newest_first, key=nearness, reverse=True):  # stable: newest first among equals
                values, state = item
                if counts and nearness(item) < nearest:
                    break  # only the nearest partitions that tell
                other = dict(zip(endpoint.partition_keys, values, strict=True))
                if endpoint.kind == "batched" and not endpoint.closed(other, self.scope):
                    continue  # still growing: not what a whole partition takes
                dates = state.complete if endpoint.kind == "batched" else state.complete[-1:]
                documents = [self.document(entry.name, values, date) for date in dates]
                if documents and None not in documents:
                    counts.append(sum(fetch_requests(endpoint, document) for document in documents))
                    nearest = nearness(item)
                if len(counts) == sample:
                    break
            return round(sum(counts) / len(counts)) if counts else endpoint.expected_requests

        return self.cached(("typical requests", entry.name, tuple(sorted(like.items()))), learn)

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


def scope_partitions(entry: EndpointConfig, endpoint: Endpoint, config: Config) -> Iterator[dict[str, str]]:
    """The partitions of a ``scope`` endpoint (or the scope's for a derived one keyed like it):
    the product of :func:`scope_values`."""
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
        partitions = list(scope_partitions(entry, endpoint, config))
        if partitions and all(endpoint.closed(partition, config.scope) for partition in partitions):
            names.append(entry.name)
    return names


def refresh_period(entry: EndpointConfig, endpoint: Endpoint) -> str:
    """The longest a fetch of a partition that is not closed stays fresh: ``never``, or a key of
    :data:`REFRESH_DAYS` (under ``auto``, the endpoint's own period)."""
    return endpoint.refresh if entry.refresh == AUTO else entry.refresh


def _refresh(view: LakeView, entry: EndpointConfig, endpoint: Endpoint, partition: dict, last: str,
             date: str) -> tuple[bool, str]:
    """Whether a partition that is not closed, last fetched on ``last``, is fetched again on
    ``date``, and why (or why not), as ``plan`` shows it."""
    period = refresh_period(entry, endpoint)
    if period == "never":
        return False, f"fresh (fetched {last}, refresh never)"
    due = dt.date.fromisoformat(last) + dt.timedelta(days=REFRESH_DAYS[period])
    if entry.refresh != AUTO:
        fresh = dt.date.fromisoformat(date) < due
        return not fresh, f"{'fresh' if fresh else 'refresh'} (fetched {last}, refresh {period})"
    watched = endpoint.changes_with is not None and view._entry(endpoint.changes_with) is not None
    if watched:
        change = _reading_sources(view, endpoint, lambda: endpoint.changed(view, partition, last))
        if change:
            return True, f"changed since its fetch of {last}: {change}"
    if dt.date.fromisoformat(date) >= due:
        return True, f"refresh (fetched {last}, {period} under refresh auto)"
    unchanged = f", and {endpoint.changes_with} shows no change since" if watched else ""
    return False, f"fresh (fetched {last}{unchanged}; refresh auto: {period}, next by {due})"


def fetch_requests(endpoint: Endpoint, document: Any) -> int:
    """The requests a complete fetch took, from its ``data.json``: its pages, its batches, or one."""
    if endpoint.kind == "paginated":
        return endpoint.page_count(document)
    if endpoint.kind == "batched":
        return max(-(-len([i for i in endpoint.asked_ids(document) if i]) // endpoint.batch_size), 1)
    return 1


def estimate_pages(view: LakeView, name: str, endpoint: Endpoint, partition: dict, state: PartitionState) -> int:
    """Pages of a paginated partition, from its last complete fetch if there is one (a corrupt
    one gives way to the fetch before it), else what the endpoint's fetches typically take."""
    values = tuple(partition[key] for key in endpoint.partition_keys)
    for date in reversed(list(state.complete)):
        document = view.document(name, values, date)
        if document is not None:
            return endpoint.page_count(document)
    return view.typical_requests(name, partition)


class SourceError(LakeError):
    """An endpoint's derive or data gate failed on its sources' data although every item of them
    matches its endpoint's schema: a bug of the plugin, not of the lake."""


def _reading_sources(view: LakeView, endpoint: Endpoint, call: Callable[[], T]) -> T:
    """``call()``, a derive or a data gate reading the lake. Should it fail on the data it reads
    (an item not of its endpoint's shape, which only a damaged object holds: everything written was
    checked against the schema), the newest fetches of its sources are checked against their
    endpoints' item schemas, those that fail are quarantined (their partitions are then planned
    again, :func:`plan`), and the call is made once more without them."""
    try:
        return call()
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        sources = sorted(endpoint.sources)
        if not view.check_items_of(sources):
            raise SourceError(f"{endpoint.name}: reading {', '.join(sources) or 'its sources'} in the lake failed "
                              f"({type(exc).__name__}: {exc}), though every item matches its endpoint's schema: "
                              "a bug of the endpoint's plugin") from None
        return call()


@dataclass(frozen=True)
class Phase:
    """A part of the partitions a run takes, all stages through, before the next part: see
    :func:`phases`. ``admits(endpoint, partition)`` says whether a partition is in it."""

    name: str
    admits: Callable[[Endpoint, Mapping[str, str]], bool]


def phases(config: Config, endpoints: Mapping[str, Endpoint]) -> list[Phase]:
    """The order a run takes partitions in. First those still changing (not closed: the current
    season's), so that a backfill never delays them, nor spends the day's quota before them. Then
    the closed ones, a group at a time in the order of :meth:`Endpoint.backfill_order` (API-Football:
    the newest season first), each group through every stage before the next, so that a backfill
    the quota stops leaves whole groups behind it, not a part of every one. A closed phase also
    admits the partitions still changing, as derived ones appear once their sources are fetched
    (the coaches of a closed season's teams)."""
    scope = config.scope
    orders = sorted({endpoint.backfill_order(partition)
                     for entry in config.endpoints
                     if (endpoint := endpoints[entry.plugin]).partition_source == "scope" and endpoint.partition_keys
                     for partition in scope_partitions(entry, endpoint, config) if endpoint.closed(partition, scope)})

    def closed(order: tuple | None) -> Callable[[Endpoint, Mapping[str, str]], bool]:
        def admits(endpoint: Endpoint, partition: Mapping[str, str]) -> bool:
            if not endpoint.closed(partition, scope):
                return True
            found = endpoint.backfill_order(partition)
            return found == order if order is not None else found not in orders
        return admits

    return [Phase("open", lambda endpoint, partition: not endpoint.closed(partition, scope)),
            *(Phase(f"closed, {order[-1]}" if order and isinstance(order[-1], str) else "closed", closed(order))
              for order in orders),
            Phase("closed, other", closed(None))]  # a derived closed partition of an order no scope one has


def plan_endpoint(view: LakeView, entry: EndpointConfig, date: str, only: Container[tuple] | None = None,
                  pending: Container[str] = (), phase: Phase | None = None) -> Plan:
    """The plan of one endpoint; with ``only``, of those of its partitions (values in key order),
    with ``phase``, of those it admits. ``pending``: the endpoints with work in the plan, fetched
    before this one runs."""
    endpoint = view.endpoints[entry.plugin]
    states = view.states(entry.name)
    plan = Plan()
    before_sources = (f"; as the lake's {endpoint.changes_with} says before this run fetches it, which decides"
                      if endpoint.changes_with in pending and entry.refresh == AUTO else "")
    if endpoint.partition_source == "derived":
        partitions: Iterable[dict] = _reading_sources(view, endpoint, lambda: list(endpoint.derive(view)))
    else:
        partitions = scope_partitions(entry, endpoint, view.config)
    for derived in partitions:
        partition = {key: str(derived[key]) for key in endpoint.partition_keys}
        values = tuple(partition[key] for key in endpoint.partition_keys)
        if not view.selection.admits(partition) or not view.selection.admits_exactly(entry.name, values) \
                or (only is not None and values not in only) \
                or (phase is not None and not phase.admits(endpoint, partition)):
            continue
        state = states.get(values, PartitionState())
        for date in sorted((set(state.pages) | state.leases) & set(state.complete)):
            fetch_dir = view.layout.fetch_dir(entry.name, endpoint.partition_keys, partition, date)
            plan.cleanup += [f"{fetch_dir}/{page_name(number)}" for number in sorted(state.pages.get(date, ()))]
            plan.cleanup += [f"{fetch_dir}/{LEASE_FILE}"] if date in state.leases else []
        if state.out_of_plan:
            plan.skipped.append(Skip(entry.name, partition, "out of plan (the API said so on an earlier run)"))
            continue
        no_data = _reading_sources(view, endpoint, lambda partition=partition: endpoint.no_data(partition, view))
        if no_data:
            plan.skipped.append(Skip(entry.name, partition, no_data))
            continue
        if endpoint.kind == "paginated" and state.in_progress():
            view.pages(entry.name, values, state.in_progress())  # a corrupt page is fetched again
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
            remaining = max(estimate_pages(view, entry.name, endpoint, partition, state) - len(done), 1)
            plan.tasks.append(Task(entry.name, endpoint, partition, resume, reason, params, [], set(done), remaining))
            continue
        if state.complete:
            last = state.complete[-1]
            closed = endpoint.closed(partition, view.config.scope)
            if closed:
                plan.skipped.append(Skip(entry.name, partition, f"complete ({closed}, fetched {last})"))
                continue
            due, reason = _refresh(view, entry, endpoint, partition, last, date)
            if not due:
                plan.skipped.append(Skip(entry.name, partition, reason + before_sources))
                continue
        else:
            reason = "new"
        pages = estimate_pages(view, entry.name, endpoint, partition, state) if endpoint.paginated else 1
        plan.tasks.append(Task(entry.name, endpoint, partition, date, reason, params, estimated_requests=pages))
    for task in plan.tasks:  # the leases the runner will read to take them
        values = tuple(task.partition[key] for key in endpoint.partition_keys)
        if task.ingestion_date in states.get(values, PartitionState()).leases:
            view.check_lease(entry.name, values, task.ingestion_date)
    return plan


def _batched_task(view: LakeView, entry: EndpointConfig, endpoint: Endpoint, partition: dict, ids: Sequence,
                  date: str, params: dict) -> Task:
    """Ids still missing, in batches. Page N always holds the N-th batch of the derived ids, so a
    fetch resumed after a crash ends with the same pages as one that never stopped; only if the
    ids changed meanwhile (new finished matches) are the missing ones batched after the last page."""
    values = tuple(partition[k] for k in endpoint.partition_keys)
    state = view.states(entry.name).get(values, PartitionState())
    documents = view.pages(entry.name, values, date) if date not in state.complete else {}
    done = set(documents)
    size = endpoint.batch_size
    wanted = [str(i) for i in ids]
    chunks = [wanted[i: i + size] for i in range(0, len(wanted), size)]
    held = {number: endpoint.asked_ids(document) for number, document in documents.items()}
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
         date: str | None = None, stage_entries: Sequence[EndpointConfig] | None = None, phase: Phase | None = None,
         facts: dict[tuple[str, str], Any] | None = None) -> Plan:
    """The plan for ``stage_entries`` (default: every selected endpoint), of the partitions
    ``phase`` admits (default: all). Derived endpoints whose
    sources have work pending in this plan are deferred: the runner plans them after that work.

    An endpoint that reads another's data (a derive, a data gate) may find a ``data.json`` of it
    corrupt after that endpoint was planned (in this plan, or in an earlier stage of the run):
    the partitions concerned are planned again (:func:`_replan`), as if that fetch had never
    happened. Endpoints of the same stage read the lake as it is meanwhile; later stages wait.
    ``facts``: what derives made of the lake's objects (:meth:`LakeView.facts`), kept across a run's plans."""
    date = date or today()
    view = LakeView(config, endpoints, lake, selection, facts, date)
    result = Plan()
    pending: set[str] = set()
    considered = {entry.name for entry in config.endpoints
                  if (stage_entries is None or entry in stage_entries)
                  and (not selection.endpoints or entry.name in selection.endpoints)}
    planned: set[str] = set()
    replanned: set[str] = set()
    seen = 0
    for stage in stages(config, endpoints):
        pending |= replanned  # a stage after the one that found a source corrupt waits for it
        for entry in stage:
            if entry.name not in considered:
                continue
            endpoint = endpoints[entry.plugin]
            if endpoint.partition_source == "derived" and pending & set(endpoint.depends_on):
                result.deferred.append(entry.name)
                pending.add(entry.plugin)
                continue
            part = plan_endpoint(view, entry, date, pending=pending, phase=phase)
            result.tasks += part.tasks
            result.skipped += part.skipped
            result.cleanup += part.cleanup
            planned.add(entry.name)
            if part.tasks:
                pending.add(entry.plugin)
            while seen < len(view.damaged):  # a replan may read further sources, and find more
                found, seen = view.damaged[seen:], len(view.damaged)
                damaged: dict[str, set[tuple]] = {}
                for name, values in found:
                    # its own data an endpoint reads while it is planned, and takes as it finds it
                    if name != entry.name and (name in planned or name not in considered) \
                            and (not selection.endpoints or name in selection.endpoints):
                        damaged.setdefault(name, set()).add(values)
                for name, partitions in damaged.items():
                    source = next(source for source in config.endpoints if source.name == name)
                    if _replan(view, result, source, date, partitions):
                        replanned.add(source.plugin)
    result.quarantine = list(view.quarantine.items())
    return result


def _replan(view: LakeView, result: Plan, entry: EndpointConfig, date: str, partitions: set[tuple]) -> bool:
    """Plan ``partitions`` of ``entry`` again, now that a corrupt ``data.json`` left them without
    the fetch they had when they were planned: their task or skip in ``result`` is replaced. A
    skip planned by an earlier stage of the run is not in ``result``, and not repeated (the run
    counted it). True when it adds work."""
    part = plan_endpoint(view, entry, date, only=partitions)

    def ident(item: Task | Skip) -> tuple:
        return item.name, tuple(sorted(item.partition.items()))

    tasks = {ident(task): index for index, task in enumerate(result.tasks)}
    for task in part.tasks:
        if ident(task) in tasks:
            result.tasks[tasks[ident(task)]] = task
        else:
            result.tasks.append(task)
        result.skipped = [skip for skip in result.skipped if ident(skip) != ident(task)]
    for skip in part.skipped:
        result.skipped = [skip if ident(other) == ident(skip) else other for other in result.skipped]
    return bool(part.tasks)
