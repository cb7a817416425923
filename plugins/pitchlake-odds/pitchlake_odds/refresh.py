"""When a league season's pre-match odds are worth a credit again: the ``changed`` rule of ``odds``.

API-Football offers pre-match odds for a match from about 14 days before it (``/odds``: "between 1
and 14 days before the fixture", updated every 3 hours) and deletes them some days after it (it
keeps "a 7-days history"). So the odds of a league season move only while some of its matches are
in that window, and what the lake misses then is gone for good. The season's ``fixtures`` in the
lake say when that is, as they say when a league table changed (``standings``):
:func:`matches_in_odds_window` reports a change while a match of the league season kicks off
between the last odds fetch and 14 days after the newest fixtures fetch. Under ``refresh: auto``
the planner then fetches the odds again every day (the last fetch before a kick-off holds that
match's closing odds), and otherwise once the endpoint's own period (weekly) is over: the
off-season, a winter break, a league whose matches are all played, costs one request a week, not
one a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pitchlake.endpoints import DeriveContext

#: Days before a match from which the API offers its pre-match odds.
ODDS_WINDOW_DAYS = 14
#: Statuses of a match nobody takes bets on any more: cancelled, abandoned, or decided off the
#: pitch (awarded, walkover).
NO_MARKET = frozenset({"CANC", "ABD", "AWD", "WO"})


def kickoff_days(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The kick-off days (``YYYY-MM-DD``, sorted) of the matches of a ``fixtures`` fetch that
    still have a betting market."""
    days = []
    for item in document.get("response") or []:
        fixture = item.get("fixture") or {}
        status = (fixture.get("status") or {}).get("short")
        if status not in NO_MARKET and isinstance(fixture.get("date"), str):
            days.append(fixture["date"][:10])
    return tuple(sorted(days))


def matches_in_odds_window(ctx: DeriveContext, partition: Mapping[str, str], since: str) -> str | None:
    """Why a league season's odds changed since their fetch of ``since``: matches of it kick off
    from ``since`` (those not yet played when the odds were fetched, the day's later ones
    included) to 14 days after the newest ``fixtures`` fetch of the league season (their odds are
    offered by now). None when none does, when the lake's fixtures are not newer than ``since``
    (nothing new to tell), or when the lake has no fixtures of the league season (the endpoint's
    period decides)."""
    now = ctx.fetch_as_of("fixtures", partition)
    if now is None:
        return None
    fetched, document = now
    if fetched <= since:
        return None
    horizon = (dt.date.fromisoformat(fetched) + dt.timedelta(days=ODDS_WINDOW_DAYS)).isoformat()
    days = ctx.cached(("kickoff days", partition["season"], partition["league_id"], fetched),
                      lambda: kickoff_days(document))
    count = sum(1 for day in days if since <= day <= horizon)
    if not count:
        return None
    return (f"{count} match{'es' if count > 1 else ''} kick{'' if count > 1 else 's'} off from {since} to {horizon} "
            f"(fixtures of {fetched}): their pre-match odds are offered and move until kick-off")
