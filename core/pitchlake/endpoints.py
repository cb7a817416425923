"""What an endpoint plugin declares: one API endpoint and how it maps onto the lake.

The engine knows no API. What an API says about itself is declared here, by the endpoint, as
fields and methods with neutral defaults that an API's plugin overrides once for all of its
endpoints (API-Football's in :class:`pitchlake_api_football.ApiFootballEndpoint`): which lists of
the config's ``scope`` enumerate which partition keys, where a response keeps its items, how it is
paged, how a batch of ids is joined, how pages merge into the partition's one document, which
partitions no longer change, which the API has no data for, and the column type of each key.
Beside the declaration lives its one check, :func:`check_items`: what the runner validates every
response with, and what the contract kit checks sample responses with.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import fastjsonschema

from .lake import layout_placeholders

#: How partitions of an endpoint are enumerated.
#: ``scope``: the product, over the endpoint's partition keys, of the lists of the config's scope
#: that :attr:`Endpoint.scope_keys` names (or of an entry's ``partitions`` override).
#: ``derived``: computed by the endpoint's ``derive`` function from data already in the lake
#: (the teams of the scope for a per-team endpoint, finished matches for match details).
PARTITION_SOURCES = ("scope", "derived")
#: How the runner fetches one partition (:attr:`Endpoint.kind`): one request whose body is the
#: partition's document; numbered pages, the first saying how many there are; or one request per
#: batch of derived ids. Pages and batches are checkpointed and merged by :meth:`Endpoint.merge`.
KINDS = ("single", "paginated", "batched")
#: The key of a batched endpoint's derived partition dicts that lists the ids still to fetch.
DERIVED_IDS = "ids"
#: Refresh periods in days: how old a fetch of a partition that is not closed may grow before it
#: is fetched again (:attr:`Endpoint.refresh`, and the config's ``refresh``).
REFRESH_DAYS = {"daily": 1, "weekly": 7, "monthly": 30}

T = TypeVar("T")


class DeriveContext(Protocol):
    """What a derived endpoint's ``derive`` (and :meth:`Endpoint.no_data`) sees: the scope and
    what the lake already holds."""

    #: :class:`pitchlake.config.Scope` of the run: the config's ``scope`` as written.
    scope: Any
    #: The plan's day (``YYYY-MM-DD``): what "upcoming" and "a week ago" count from.
    date: str

    def items(self, endpoint: str, *, every_date: bool = False) -> Iterator[tuple[dict[str, str], Any]]:
        """``endpoint`` is a plugin name; when the config enables that plugin under several
        names, the first enabled entry is read.

        ``(partition, item)`` for each item (:meth:`Endpoint.items`) of the newest complete
        ``data.json`` of every selected partition of ``endpoint`` (of every ``ingestion_date``
        with ``every_date``, for endpoints that only fetch what is new), partition values as
        strings, as in the keys."""

    def fetches(self, endpoint: str, *, every_date: bool = False) -> Iterator[tuple[dict[str, str], Any]]:
        """As :meth:`items`, but ``(partition, document)`` for each of those ``data.json``: the
        whole response, for what the items alone do not say (what was asked, say)."""

    def facts(self, endpoint: str, fact: Callable[[Any], T], *, every_date: bool = False) -> Iterator[tuple[dict[str, str], T]]:
        """As :meth:`fetches`, but ``(partition, fact(document))``, each computed once a run: what a
        derive needs of large documents (the ids they hold), read again by every plan of a run
        otherwise. ``fact`` is a module-level function of the document alone."""

    def fetch_as_of(self, endpoint: str, partition: Mapping[str, str], date: str | None = None) -> tuple[str, Any] | None:
        """``(ingestion_date, document)`` of the newest complete ``data.json`` of one partition
        of ``endpoint`` fetched on or before ``date`` (any date when None), or None: what the lake
        knew of it then, for :attr:`Endpoint.changed`. ``partition`` may have keys the endpoint
        has not (those of the endpoint asking): they are ignored."""

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, once per plan for each ``key``: a table read from the lake that is
        consulted for every partition (API-Football's coverage flags)."""


class SchemaMismatch(ValueError):
    """A response does not hold a list of items, or an item does not match the endpoint's item
    schema: not written, not retried (the same request would return the same body)."""


@dataclass(frozen=True, eq=False)
class Endpoint:
    """One API endpoint.

    ``params`` maps API query parameters to templates over the partition keys, e.g.
    ``{"league": "{league_id}", "season": "{season}"}``; ``extra_params`` names the further
    parameters a user may set in ``config/endpoints.json`` (anything else is a config error, so a
    typo never silently burns credits on the wrong request).
    """

    name: str
    path: str
    partition_keys: tuple[str, ...]
    params: Mapping[str, str]
    item_schema: Mapping[str, Any]
    extra_params: frozenset[str] = frozenset()
    paginated: bool = False
    partition_source: str = "scope"
    depends_on: tuple[str, ...] = ()
    #: For ``derived`` endpoints: ``derive(context: DeriveContext) -> iterable of partition
    #: dicts``; for batched endpoints each partition dict also carries :data:`DERIVED_IDS`
    #: (``ids``), the ids to fetch.
    derive: Callable[..., Iterable[Mapping[str, Any]]] | None = field(default=None, compare=False)
    #: For batched endpoints: the id parameter and the batch size.
    batch_param: str | None = None
    batch_size: int = 1
    description: str = ""
    #: Requests one fetch of a partition takes (the pages of a paginated or batched one), for
    #: estimates before the lake holds a fetch of the endpoint to learn it from.
    expected_requests: int = 1
    #: ``estimate(context, partition) -> int | None``: what a fetch of a partition new to the lake
    #: will take, when data of other endpoints already in the lake tells it better than this
    #: endpoint's own fetches do (the match details of a closed season, from the number of matches
    #: its league plays); None leaves it to those fetches, then to :attr:`expected_requests`.
    estimate: Callable[..., int | None] | None = field(default=None, compare=False)
    #: Under the config's ``refresh: auto`` (the default), the period after which a partition
    #: that is not closed is fetched again (a key of :data:`REFRESH_DAYS`): how fast the data
    #: changes when nothing in the lake says it did.
    refresh: str = "daily"
    #: The endpoint whose data says when a partition of this one changed (planned before it).
    changes_with: str | None = None
    #: With :attr:`changes_with`: ``changed(context, partition, since) -> str | None``, why the
    #: partition's data has changed since its fetch of ``since`` (an ingestion date), as the
    #: :class:`DeriveContext` shows ``changes_with``'s data, or None. Under ``refresh: auto`` the
    #: partition is then fetched again when it changed, and otherwise once :attr:`refresh` old:
    #: a league table after a match of it finished, not every day.
    changed: Callable[..., str | None] | None = field(default=None, compare=False)
    #: ``expected_changes(context, partition) -> list of ISO dates | None``: the days on which a
    #: partition still changing is expected to change, one entry per change, as the calendar its
    #: sources hold tells (the matches of a league season still to be played: the day a daily
    #: ingest first sees each finished). The quota planner (:mod:`pitchlake.quota`) lays out the
    #: days ahead with it: a :attr:`changes_with` endpoint is fetched again on each such day (on
    #: its period otherwise), a batched one fetches each day's changes. None (no hook, or the lake
    #: cannot tell yet): it may change any day, an upper bound.
    expected_changes: Callable[..., list[str] | None] | None = field(default=None, compare=False)
    #: Partition key -> the list of the config's ``scope`` that enumerates it (a ``scope``
    #: endpoint's keys not named here need a ``partitions`` override in the config).
    scope_keys: Mapping[str, str] = field(default_factory=dict)
    #: Key of the response object that holds the list of items; None when the body is the list.
    items_key: str | None = None
    #: For paginated endpoints: the query parameter of pages 2 and later (page 1 is sent without it).
    page_param: str | None = None
    #: For batched endpoints: what joins a batch's ids in ``batch_param``.
    batch_separator: str = ","
    #: Column type (``integer``, ``varchar``, ...) of partition keys; ``varchar`` for the others.
    column_types: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.partition_source not in PARTITION_SOURCES:
            raise ValueError(f"endpoint {self.name!r}: partition_source must be one of {PARTITION_SOURCES}")
        if self.partition_source == "derived" and self.derive is None:
            raise ValueError(f"endpoint {self.name!r}: a derived endpoint needs a derive function")
        if "ingestion_date" in self.partition_keys:
            raise ValueError(f"endpoint {self.name!r}: ingestion_date is added by the lake, not a partition key")
        # Declaration mistakes of a plugin fail when it registers, not mid-run after credits were spent.
        for param, template in self.params.items():
            unknown = set(layout_placeholders(template)) - set(self.partition_keys)
            if unknown:
                raise ValueError(f"endpoint {self.name!r}: param {param!r} uses {sorted(unknown)}, not partition keys")
        if set(self.extra_params) & set(self.params):
            raise ValueError(f"endpoint {self.name!r}: extra_params repeat params {sorted(set(self.extra_params) & set(self.params))}")
        if self.batch_param and (self.partition_source != "derived" or self.batch_size < 1):
            raise ValueError(f"endpoint {self.name!r}: a batched endpoint is derived and has batch_size >= 1")
        if self.paginated and self.batch_param:
            raise ValueError(f"endpoint {self.name!r}: an endpoint is paginated or batched, not both")
        if self.paginated and not self.page_param:
            raise ValueError(f"endpoint {self.name!r}: a paginated endpoint names its page_param")
        if self.refresh not in REFRESH_DAYS:
            raise ValueError(f"endpoint {self.name!r}: refresh must be one of {sorted(REFRESH_DAYS)}")
        if (self.changes_with is None) != (self.changed is None):
            raise ValueError(f"endpoint {self.name!r}: changes_with and changed go together")
        if self.kind != "single" and type(self).merge is Endpoint.merge:
            raise ValueError(f"endpoint {self.name!r}: a {self.kind} endpoint says how its pages merge (Endpoint.merge)")

    @property
    def kind(self) -> str:
        """One of :data:`KINDS`: how the runner fetches a partition."""
        return "batched" if self.batch_param else "paginated" if self.paginated else "single"

    @property
    def sources(self) -> tuple[str, ...]:
        """Every endpoint whose data this one reads while it is planned (:attr:`depends_on`,
        :attr:`gated_by`, :attr:`changes_with`): planned, and fetched, before it."""
        found = [*self.depends_on, self.gated_by, self.changes_with]
        return tuple(dict.fromkeys(name for name in found if name and name != self.name))

    @property
    def summary(self) -> str:
        """The description, or what the endpoint is called where it has none."""
        return self.description or f"/{self.path}"

    def request_params(self, partition: Mapping[str, Any], overrides: Mapping[str, Any] = ()) -> dict[str, str]:
        """The query parameters for one partition: templates filled in, then the config's extras."""
        values = {key: str(partition[key]) for key in self.partition_keys}
        params = {name: template.format(**values) for name, template in self.params.items()}
        params.update({name: str(value) for name, value in dict(overrides).items()})
        return params

    # -- responses ---------------------------------------------------------------------------

    def items(self, document: Any) -> Any:
        """The items of a response (or of a partition's ``data.json``): what :attr:`items_key`
        holds, or the document itself."""
        if self.items_key is None:
            return document
        return document.get(self.items_key) if isinstance(document, Mapping) else None

    def page_request(self, params: Mapping[str, str], number: int) -> dict[str, str]:
        """The request of page ``number`` (2 or later) of a paginated partition."""
        return {**params, self.page_param: str(number)}

    def page_count(self, document: Any) -> int:
        """How many pages a paginated partition has, from its first page (or its merged
        ``data.json``, for an estimate of the next fetch)."""
        raise NotImplementedError(f"endpoint {self.name!r} is paginated: declare page_count")

    def batch_request(self, params: Mapping[str, str], ids: Sequence[str]) -> dict[str, str]:
        """The request of one batch of ids."""
        return {**params, self.batch_param: self.batch_separator.join(ids)}

    def asked_ids(self, document: Any) -> list[str]:
        """The ids a batch's response says were asked for (ids it has no item for included)."""
        raise NotImplementedError(f"endpoint {self.name!r} is batched: declare asked_ids")

    def merge(self, pages: Sequence[Any]) -> Any:
        """The partition's one document from its pages (or batches), in page order."""
        raise NotImplementedError(f"endpoint {self.name!r}: declare how its pages merge")

    # -- planning ----------------------------------------------------------------------------

    @property
    def gated_by(self) -> str | None:
        """The endpoint whose data :meth:`no_data` reads: planned before this one."""
        return None

    def no_data(self, partition: Mapping[str, str], context: DeriveContext) -> str | None:
        """Why the API has nothing for ``partition``, as data already in the lake says (the
        partition is skipped at no cost); None when it may have, or nobody knows."""
        return None

    def closed(self, partition: Mapping[str, str], scope: Any) -> str | None:
        """What closed the partition (``"closed season"``), when its data no longer changes: it is
        fetched once, ever, never refreshed; None while it may still change."""
        return None

    def backfill_order(self, partition: Mapping[str, str]) -> tuple:
        """Where a closed partition comes in a backfill: a run fetches closed partitions in groups
        of equal order, the smallest first, each group through every stage before the next (so a
        backfill the day's quota stops leaves whole groups behind it). Its last item, when it is
        text, names the group (``plan`` shows it). One group by default."""
        return ()

    def scope_problems(self, scope: Any) -> list[tuple[str, str]]:
        """``(JSON pointer under /scope, message)`` for what is wrong with the config's scope as
        this endpoint reads it. ``scope`` is the document's, which may not even be valid."""
        return []

    def column_type(self, key: str) -> str:
        """The column type of partition key ``key`` in dbt sources and external tables."""
        return self.column_types.get(key, "varchar")


@functools.cache
def _validator(endpoint: Endpoint) -> Callable[[Any], Any]:
    """The item schema compiled to Python by fastjsonschema: about 30 times faster than
    interpreting it, which matters for fixture details (thousands of nested nodes per item).
    The schemas use no keyword newer than draft 7, so the compiler's draft-7 semantics apply."""
    schema = {key: value for key, value in endpoint.item_schema.items() if key != "$schema"}
    return fastjsonschema.compile(schema)


def check_items(endpoint: Endpoint, document: Any) -> None:
    """Raise :class:`SchemaMismatch` unless ``document`` holds a list of items that each match the
    endpoint's item schema; the message names the item and the field."""
    items = endpoint.items(document)
    where = f"/{endpoint.items_key}" if endpoint.items_key is not None else ""
    if not isinstance(items, list):
        what = f"{endpoint.items_key!r}" if endpoint.items_key is not None else "the body"
        raise SchemaMismatch(f"{endpoint.name}: {what} is {type(items).__name__}, expected a list")
    validate = _validator(endpoint)
    for index, item in enumerate(items):
        try:
            validate(item)
        except fastjsonschema.JsonSchemaValueException as exc:
            path = exc.name.replace("data", f"{where}/{index}", 1).replace(".", "/")
            raise SchemaMismatch(f"{endpoint.name}: {path}: {exc.message[:200]}") from None


def load_schema(package_file: str, name: str) -> dict:
    """Read a JSON Schema shipped next to a plugin module (``schemas/<name>.json``)."""
    return json.loads((Path(package_file).parent / "schemas" / f"{name}.json").read_text())
