"""Partitions of the endpoints that cannot be enumerated from the config's scope alone.

Some requests only make sense once other data is in the lake: a squad needs a team id, the
venues of a country need the country of a league, and fixture details are only worth a credit
once a match is over and only once. Each function here reads the lake through a
:class:`pitchlake.endpoints.DeriveContext` and returns the partitions still worth fetching.

Partition values are strings, as the lake's keys are, so that a derived partition compares equal
to the same partition listed back from the lake. Results are sorted so that plans are stable from
one run to the next (and easy to diff).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pitchlake.endpoints import DeriveContext
from pitchlake.planner import Selection

from .api import IDS_PER_REQUEST, asked_ids, scope_values

#: Statuses after which a fixture's events, lineups and statistics no longer change:
#: full time, after extra time, after penalties, awarded, walkover.
FINISHED_STATUSES = frozenset({"FT", "AET", "PEN", "AWD", "WO"})

#: ``country.name`` of international competitions (World Cup, Champions League, friendlies):
#: ``/venues?country=World`` is not a country and returns nothing.
NO_COUNTRY = "World"


def _scope(ctx: DeriveContext) -> Selection:
    """The scope's seasons and leagues as the engine's partition filter: the lake may hold
    seasons and leagues an earlier config had, and those must not cost credits now. Keys a
    partition does not have (``leagues`` has no season) do not restrict it."""
    return Selection(partitions=scope_values(ctx.scope))


def scope_countries(ctx: DeriveContext) -> Iterator[dict[str, str]]:
    """``{"country": name}`` for each country that has a league of the scope (from ``leagues``)."""
    scope = _scope(ctx)
    countries = {item["country"]["name"] for partition, item in ctx.items("leagues") if scope.admits(partition)}
    countries.discard(NO_COUNTRY)
    for country in sorted(countries):
        yield {"country": country}


def scope_team_ids(ctx: DeriveContext) -> Iterator[dict[str, str]]:
    """``{"team_id": id}`` for each team that plays in a league season of the scope (from
    ``teams``), once even when it plays in several, since team endpoints are not per season."""
    scope = _scope(ctx)
    team_ids = {item["team"]["id"] for partition, item in ctx.items("teams") if scope.admits(partition)}
    for team_id in sorted(team_ids):
        yield {"team_id": str(team_id)}


def finished_fixtures_without_details(ctx: DeriveContext) -> Iterator[dict[str, Any]]:
    """``{"season", "league_id", "ids"}`` for each league season of the scope with finished
    fixtures whose details are not in the lake yet.

    Details are asked for once per fixture, ever: a fixture counts as done if any
    ``fixture_details`` data of any ingestion date holds it, since each run only writes the
    fixtures that were still missing, or asked for it (its ``parameters.ids``): the API leaves out
    ids it has no fixture for (one deleted or replaced after a reschedule, say), and asking again
    would cost a credit every day for ever. Fixtures not yet finished are left for a later run,
    when their events and statistics are final.
    """
    scope = _scope(ctx)
    detailed: set[int] = set()
    for _, ids in ctx.facts("fixture_details", _detailed_ids, every_date=True):
        detailed |= ids
    missing: dict[tuple[str, str], set[int]] = {}
    for partition, finished in ctx.facts("fixtures", _finished_ids):
        if scope.admits(partition) and finished - detailed:
            missing[(partition["season"], partition["league_id"])] = finished - detailed
    for (season, league_id), ids in sorted(missing.items(), key=lambda entry: tuple(map(int, entry[0]))):
        yield {"season": season, "league_id": league_id, "ids": sorted(ids)}


def _detailed_ids(envelope: Mapping[str, Any]) -> frozenset[int]:
    """The fixtures a ``fixture_details`` fetch holds, and those it asked for."""
    held = {item["fixture"]["id"] for item in envelope.get("response") or []}
    return frozenset(held | {int(fixture_id) for fixture_id in asked_ids(envelope, "ids") if fixture_id.isdigit()})


def _finished_ids(envelope: Mapping[str, Any]) -> frozenset[int]:
    """The finished fixtures of a ``fixtures`` fetch."""
    return frozenset(item["fixture"]["id"] for item in envelope.get("response") or []
                     if item["fixture"]["status"]["short"] in FINISHED_STATUSES)


def _finished(ctx: DeriveContext, partition: Mapping[str, str], fetch: tuple[str, Any]) -> frozenset[int]:
    """Ids of the finished fixtures of one ``fixtures`` fetch ``(date, envelope)``, read once a plan."""
    date, envelope = fetch
    return ctx.cached(("finished fixtures", partition["season"], partition["league_id"], date),
                      lambda: _finished_ids(envelope))


def matches_finished_since(ctx: DeriveContext, partition: Mapping[str, str], since: str) -> str | None:
    """Why a league season's data (its table) changed since its fetch of ``since``: matches that
    finished since, as the season's ``fixtures`` fetched then and now say (one request a day tells
    every such endpoint whether a credit is worth spending). None when none did, or when the lake
    has no fixtures of the league season to tell (the endpoint's period decides)."""
    now = ctx.fetch_as_of("fixtures", partition)
    if now is None:
        return None
    then = ctx.fetch_as_of("fixtures", partition, since)
    if then is None:
        return f"the lake's fixtures of the league season start after it ({now[0]}), so nothing tells what changed"
    if then[0] == now[0]:
        return None
    count = len(_finished(ctx, partition, now) - _finished(ctx, partition, then))
    if not count:
        return None
    return f"{count} match{'es' if count > 1 else ''} finished (fixtures of {then[0]} against {now[0]})"


def details_batches(ctx: DeriveContext, partition: Mapping[str, str]) -> int | None:
    """What the match details of a league season not yet in the lake will cost: one batch per 20
    of the matches the league plays in its nearest season that is (a closed season's matches are
    all finished). Leagues of 18 clubs play 306 matches, 16 batches, not the 19 of 20 clubs;
    None when the lake has no fixtures of the league."""
    counts = {int(other["season"]): count for other, count in ctx.facts("fixtures", _fixture_count)
              if other["league_id"] == str(partition["league_id"])}
    if not counts:
        return None
    nearest = min(counts, key=lambda season: (abs(season - int(partition["season"])), -season))
    return max(-(-counts[nearest] // IDS_PER_REQUEST), 1)


def _fixture_count(envelope: Mapping[str, Any]) -> int:
    return len(envelope.get("response") or [])
