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

import datetime as dt
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


#: Statuses of a match that will not be played on the date the fixtures give: postponed,
#: cancelled, abandoned, suspended, interrupted. Its new date is not known yet: no change is expected.
CALLED_OFF_STATUSES = frozenset({"PST", "CANC", "ABD", "SUSP", "INT"})


def matches_ahead(ctx: DeriveContext, partition: Mapping[str, str]) -> list[str] | None:
    """The days a league season's data (a team's, given ``team_id``) is expected to change, for
    the quota planner: one per match still to finish, as the lake's newest fixtures of the league
    season schedule it, on the day after its kick-off (the shipped schedule's ingest at 06:00 UTC
    sees the evening's matches finished the next morning); a match due before the plan's day and
    not yet seen finished, on the plan's day. None when the lake has no fixtures of it."""
    now = ctx.fetch_as_of("fixtures", partition)
    if now is None:
        return None
    team = int(partition["team_id"]) if "team_id" in partition else None
    matches = ctx.cached(("matches", partition["season"], partition["league_id"], now[0]), lambda: _matches(now[1]))
    days = []
    for _, status, kickoff, home, away in matches:
        if status in FINISHED_STATUSES or status in CALLED_OFF_STATUSES or team not in (None, home, away):
            continue
        seen = (dt.date.fromisoformat(kickoff) + dt.timedelta(days=1)).isoformat()
        days.append(max(seen, ctx.date))
    return days


# --- the rest of the catalogue -----------------------------------------------------------------

#: Statuses of a match that has not kicked off: not started, time to be defined. Postponed,
#: cancelled and abandoned matches are left out: no prediction or meeting is worth a credit for them.
NOT_STARTED_STATUSES = frozenset({"NS", "TBD"})

#: How many days ahead a match gets its prediction (fetched again every day until kick-off):
#: the API's prediction moves with form and injuries, so one fetched weeks ahead says little, and
#: each day of the horizon costs a credit per match.
PREDICTION_DAYS = 3

#: How many days ahead the two teams of a match get their head-to-head (fetched again when a week
#: old): a round or two of every league, and about ten pairs a week a league; the whole season's
#: pairs would be 190 requests for a league of 20 clubs, most of them months before they meet.
HEAD_TO_HEAD_DAYS = 7

#: How long a player's sidelined periods stay fresh: the API updates them several times a week,
#: and ``injuries`` (daily, per league season) already says who misses the next match.
SIDELINED_DAYS = 7


def scope_league_season_teams(ctx: DeriveContext) -> Iterator[dict[str, str]]:
    """``{"season", "league_id", "team_id"}`` for each team of each league season of the scope
    (from ``teams``): team statistics are per league season, unlike squads or coaches."""
    scope = _scope(ctx)
    found = {(int(partition["season"]), int(partition["league_id"]), item["team"]["id"])
             for partition, item in ctx.items("teams") if scope.admits(partition)}
    for season, league_id, team_id in sorted(found):
        yield {"season": str(season), "league_id": str(league_id), "team_id": str(team_id)}


def _matches(envelope: Mapping[str, Any]) -> tuple[tuple[int, str, str, int, int], ...]:
    """``(fixture id, status, kick-off date, home id, away id)`` of each match of a ``fixtures`` fetch."""
    return tuple((item["fixture"]["id"], item["fixture"]["status"]["short"], str(item["fixture"]["date"])[:10],
                  item["teams"]["home"]["id"], item["teams"]["away"]["id"])
                 for item in envelope.get("response") or [])


def _scope_matches(ctx: DeriveContext) -> Iterator[tuple[dict[str, str], tuple[int, str, str, int, int]]]:
    """``(partition, match)`` for each match of the newest ``fixtures`` of each league season of the scope."""
    scope = _scope(ctx)
    for partition, matches in ctx.facts("fixtures", _matches):
        if scope.admits(partition):
            for match in matches:
                yield partition, match


def _upcoming(ctx: DeriveContext, days: int) -> Iterator[tuple[dict[str, str], tuple[int, str, str, int, int]]]:
    """The scope's matches not started that kick off from today to ``days`` days ahead."""
    first = dt.date.fromisoformat(ctx.date)
    last = (first + dt.timedelta(days=days)).isoformat()
    for partition, match in _scope_matches(ctx):
        if match[1] in NOT_STARTED_STATUSES and first.isoformat() <= match[2] <= last:
            yield partition, match


def finished_fixtures(ctx: DeriveContext) -> Iterator[dict[str, str]]:
    """``{"season", "league_id", "fixture_id"}`` for each finished match of the scope (from the
    newest ``fixtures`` of its league season): the partitions of the per-match detail paths,
    whose data is final once the match is (the endpoints say so: each is fetched once, ever)."""
    found = {(int(partition["season"]), int(partition["league_id"]), match[0])
             for partition, match in _scope_matches(ctx) if match[1] in FINISHED_STATUSES}
    for season, league_id, fixture_id in sorted(found):
        yield {"season": str(season), "league_id": str(league_id), "fixture_id": str(fixture_id)}


def upcoming_fixtures(ctx: DeriveContext) -> Iterator[dict[str, str]]:
    """``{"season", "league_id", "fixture_id"}`` for each match of the scope not started that
    kicks off within :data:`PREDICTION_DAYS`. A match drops out once it kicked off (its status in
    the day's ``fixtures`` is no longer NS), so its prediction, fetched before, is never fetched
    again; while it is upcoming the endpoint's daily refresh fetches it again each day."""
    found = {(int(partition["season"]), int(partition["league_id"]), match[0])
             for partition, match in _upcoming(ctx, PREDICTION_DAYS)}
    for season, league_id, fixture_id in sorted(found):
        yield {"season": str(season), "league_id": str(league_id), "fixture_id": str(fixture_id)}


def upcoming_pairs(ctx: DeriveContext) -> Iterator[dict[str, str]]:
    """``{"team_id", "opponent_id"}``, the smaller id first, for the two teams of each match of
    the scope not started that kicks off within :data:`HEAD_TO_HEAD_DAYS`: ``h2h=A-B`` and
    ``h2h=B-A`` are the same meetings, so a pair is one partition whoever plays at home."""
    pairs = {tuple(sorted((match[3], match[4]))) for _, match in _upcoming(ctx, HEAD_TO_HEAD_DAYS)}
    for team_id, opponent_id in sorted(pairs):
        yield {"team_id": str(team_id), "opponent_id": str(opponent_id)}


def _player_ids(envelope: Mapping[str, Any]) -> frozenset[int]:
    """The players of a ``players`` fetch (a league season's pages, merged)."""
    return frozenset(item["player"]["id"] for item in envelope.get("response") or [])


def scope_player_id_set(ctx: DeriveContext) -> set[int]:
    """Every player of a league season of the scope, as the newest ``players`` fetch of each says."""
    scope = _scope(ctx)
    return {player_id for partition, ids in ctx.facts("players", _player_ids) if scope.admits(partition)
            for player_id in ids}


def scope_player_ids(ctx: DeriveContext) -> Iterator[dict[str, str]]:
    """``{"player_id": id}`` for each player of a league season of the scope (from ``players``),
    once even when he played in several, since player endpoints are not per season."""
    for player_id in sorted(scope_player_id_set(ctx)):
        yield {"player_id": str(player_id)}


def players_sidelined_due(ctx: DeriveContext) -> Iterator[dict[str, Any]]:
    """One keyless partition, ``{"ids": [...]}``, listing the players of the scope (from
    ``players``) that no ``sidelined`` fetch of the last :data:`SIDELINED_DAYS` days asked for
    (``parameters.players``, every id of every batch, answered or not): new players, and those
    whose periods are a week old. Nothing when none is due. Each day's fetch holds only those, so
    the fetches of the last week together hold every player once; dbt keeps each player's newest."""
    wanted = scope_player_id_set(ctx)
    if not wanted:
        return
    horizon = (dt.date.fromisoformat(ctx.date) - dt.timedelta(days=SIDELINED_DAYS)).isoformat()
    fresh: set[int] = set()
    before = None
    while (found := ctx.fetch_as_of("sidelined", {}, before)) is not None:
        fetched, document = found
        if fetched <= horizon:
            break
        fresh |= {int(player_id) for player_id in asked_ids(document, "players") if player_id.isdigit()}
        before = (dt.date.fromisoformat(fetched) - dt.timedelta(days=1)).isoformat()
    due = sorted(wanted - fresh)
    if due:
        yield {"ids": due}


def _finished_between(envelope: Mapping[str, Any]) -> frozenset[tuple[int, int, int]]:
    """``(fixture id, home id, away id)`` of the finished matches of a ``fixtures`` fetch."""
    return frozenset((match[0], match[3], match[4]) for match in _matches(envelope) if match[1] in FINISHED_STATUSES)


def team_matches_finished_since(ctx: DeriveContext, partition: Mapping[str, str], since: str) -> str | None:
    """As :func:`matches_finished_since`, counting only the matches of the partition's team: its
    season statistics change when it played, not when the rest of its league did."""
    now = ctx.fetch_as_of("fixtures", partition)
    if now is None:
        return None
    then = ctx.fetch_as_of("fixtures", partition, since)
    if then is None:
        return f"the lake's fixtures of the league season start after it ({now[0]}), so nothing tells what changed"
    if then[0] == now[0]:
        return None
    team = int(partition["team_id"])

    def of(fetch: tuple[str, Any]) -> frozenset[int]:
        matches = ctx.cached(("finished between", partition["season"], partition["league_id"], fetch[0]),
                             lambda: _finished_between(fetch[1]))
        return frozenset(fixture_id for fixture_id, home, away in matches if team in (home, away))

    count = len(of(now) - of(then))
    if not count:
        return None
    return f"{count} match{'es' if count > 1 else ''} of the team finished (fixtures of {then[0]} against {now[0]})"
