"""What every API-Football endpoint shares, declared once: :class:`ApiFootballEndpoint`.

The engine knows no API; an :class:`pitchlake.endpoints.Endpoint` says what it needs to know.
API-Football's answers are all the same envelope (:mod:`.envelope`): the items are its
``response``, ``paging.total`` says how many pages there are (``page=`` asks for one), ``ids=``
takes up to 20 fixture ids joined with ``-``, and ``parameters`` echoes what was asked. Its data is
scoped by season and league: the config's ``scope.seasons`` and ``scope.leagues`` enumerate the
``season`` and ``league_id`` keys, a season before ``scope.current_season`` no longer changes, and
the per-season ``coverage`` flags of a league (the ``leagues`` endpoint's items) say which
endpoints have data at all. Ids and seasons are integers in the warehouse; other keys are text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pitchlake.endpoints import DeriveContext, Endpoint

from .envelope import envelope

#: Partition key -> the list of the config's ``scope`` that enumerates it.
SCOPE_KEYS = {"season": "seasons", "league_id": "leagues"}
#: The scope's season whose data still changes; earlier ones are closed.
CURRENT_SEASON = "current_season"
#: The endpoint whose items carry each league season's ``coverage`` flags.
COVERAGE_SOURCE = "leagues"
#: What joins a batch of ids (``fixtures?ids=1-2-3``).
BATCH_SEPARATOR = "-"
#: The most ids one ``ids=`` request takes.
IDS_PER_REQUEST = 20


def scope_values(scope: Any) -> dict[str, tuple[str, ...]]:
    """Partition key -> the scope's values of it, as strings (as the lake's keys are)."""
    return {key: tuple(str(value) for value in scope.values(name)) for key, name in SCOPE_KEYS.items()}


def asked_ids(document: Any, param: str) -> list[str]:
    """The ids a batched request asked for, from its envelope's ``parameters`` (the API leaves
    out of ``response`` the ids it has no item for; they were asked all the same)."""
    parameters = document.get("parameters") if isinstance(document, Mapping) else None
    return str((parameters if isinstance(parameters, Mapping) else {}).get(param) or "").split(BATCH_SEPARATOR)


def _coverage(context: DeriveContext) -> dict[tuple[str, str], dict]:
    """(league_id, season) -> the league season's coverage flags, from ``leagues`` in the lake."""
    flags = {}
    for _, item in context.items(COVERAGE_SOURCE):
        league = str(item.get("league", {}).get("id"))
        for season in item.get("seasons") or []:
            flags[(league, str(season.get("year")))] = season.get("coverage") or {}
    return flags


def _integer(key: str) -> bool:
    return key == "season" or key.endswith("_id")


@dataclass(frozen=True, eq=False)
class ApiFootballEndpoint(Endpoint):
    """An API-Football v3 endpoint (the built-ins, and external plugins such as
    ``pitchlake-trophies``): :class:`pitchlake.endpoints.Endpoint` with API-Football's envelope,
    paging, batching, scope and coverage."""

    #: Key of the league's per-season ``coverage`` flags (dotted for nested ones,
    #: e.g. ``fixtures.events``) that says whether this endpoint has data at all; a tuple of keys
    #: when the endpoint returns several kinds of data, any one of which is worth the call.
    coverage_flag: str | tuple[str, ...] | None = None
    #: The path answers with one object in ``response``, not a list of items
    #: (``/teams/statistics``): :meth:`items` reads it as a list of one, so the schema check,
    #: the lake's reads and derives see the same list of items as for any other endpoint.
    single_object: bool = False
    #: For a derived endpoint whose ``derive`` yields only partitions whose data no longer
    #: changes (the events of a finished match): what :meth:`closed` says of every one of them,
    #: so that each is fetched once, ever, whatever its season.
    final: str | None = None
    scope_keys: Mapping[str, str] = field(default_factory=lambda: dict(SCOPE_KEYS))
    items_key: str | None = "response"
    page_param: str | None = "page"
    batch_separator: str = BATCH_SEPARATOR

    @property
    def coverage_flags(self) -> tuple[str, ...]:
        """``coverage_flag`` as a tuple (empty when the endpoint has none)."""
        if not self.coverage_flag:
            return ()
        return (self.coverage_flag,) if isinstance(self.coverage_flag, str) else tuple(self.coverage_flag)

    @property
    def summary(self) -> str:
        return self.description or f"API-Football /{self.path}"

    # -- responses ---------------------------------------------------------------------------

    def items(self, document: Any) -> Any:
        found = super().items(document)
        if self.single_object and isinstance(found, Mapping):
            return [found]  # an empty answer is still [] (the API sends a list when it has nothing)
        return found

    def page_count(self, document: Any) -> int:
        paging = document.get("paging") or {}
        return max(int(paging.get("total") or 1), 1)

    def asked_ids(self, document: Any) -> list[str]:
        return asked_ids(document, self.batch_param)

    def merge(self, pages: Sequence[Any]) -> dict:
        """One envelope for the pages: their items in page order, the parameters of the first
        without ``page``, and for a batched endpoint every id asked (answered or not), so those
        the API left out are not asked again (see ``derive.finished_fixtures_without_details``)."""
        first = next((page for page in pages if page), {})
        items = [item for page in pages for item in page.get("response") or []]
        given = first.get("parameters")  # [] when the request had none, as the API sends it
        parameters = {k: v for k, v in given.items() if k != self.page_param} if isinstance(given, dict) else {}
        if self.batch_param:
            asked = [fixture_id for page in pages for fixture_id in self.asked_ids(page) if fixture_id]
            parameters[self.batch_param] = self.batch_separator.join(asked)
        return envelope(first.get("get"), parameters, items, page=len(pages), pages=len(pages))

    # -- planning ----------------------------------------------------------------------------

    @property
    def gated_by(self) -> str | None:
        return COVERAGE_SOURCE if self.coverage_flags and self.name != COVERAGE_SOURCE else None

    def no_data(self, partition: Mapping[str, str], context: DeriveContext) -> str | None:
        """Skipped when every coverage flag of the endpoint is false for the league season;
        unknown flags (no ``leagues`` data yet, a flag the API does not send) mean the call is made."""
        if not self.coverage_flags or "league_id" not in partition or "season" not in partition:
            return None
        flags = context.cached(COVERAGE_SOURCE, lambda: _coverage(context)).get(
            (str(partition["league_id"]), str(partition["season"])))
        if flags is None:
            return None
        values = []
        for flag in self.coverage_flags:
            value: Any = flags
            for part in flag.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            values.append(value)
        if any(values) or None in values:
            return None
        names = self.coverage_flags
        return f"coverage flag {names[0]} is false" if len(names) == 1 else f"coverage flags {', '.join(names)} are false"

    def closed(self, partition: Mapping[str, str], scope: Any) -> str | None:
        """A season before the scope's current one is over: its data no longer changes; nor
        does any partition of an endpoint that says it is :attr:`final`."""
        if self.final:
            return self.final
        if "season" in partition and int(partition["season"]) < scope[CURRENT_SEASON]:
            return "closed season"
        return None

    def backfill_order(self, partition: Mapping[str, str]) -> tuple:
        """The newest season first: the one most users query first, and the most complete."""
        return (-int(partition["season"]), f"season {partition['season']}") if "season" in partition else ()

    def scope_problems(self, scope: Any) -> list[tuple[str, str]]:
        if not isinstance(scope, Mapping):
            return []
        current, seasons = scope.get(CURRENT_SEASON), scope.get(SCOPE_KEYS["season"])
        problems = []
        if isinstance(current, int) and isinstance(seasons, list):
            for index, season in enumerate(seasons):
                if isinstance(season, int) and season > current:
                    problems.append((f"/{SCOPE_KEYS['season']}/{index}", f"season {season} is after {CURRENT_SEASON} {current}"))
        return problems

    def column_type(self, key: str) -> str:
        """Ids and seasons are integers; anything else (``country``) stays text."""
        return self.column_types.get(key, "integer" if _integer(key) else "varchar")
