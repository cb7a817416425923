"""A club's league season in numbers (``/teams/statistics``, and the ``league`` block of each team in
``/predictions``), counted from the fixtures and match details the sandbox serves.

Results, goals, clean sheets and the biggest wins come from the fixtures' scores; the minutes of
goals and cards and the penalties from the match events, the formations from the lineups, each as
``/fixtures/events`` and ``/fixtures/lineups`` serve them (nothing where coverage has none). Only
finished matches count, up to a date when one is given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from .world import FINISHED

#: The minute ranges of the API, by the last minute of each (``45+2`` is in 31-45).
MINUTES = (("0-15", 15), ("16-30", 30), ("31-45", 45), ("46-60", 60), ("61-75", 75), ("76-90", 90),
           ("91-105", 105), ("106-120", 120))
LINES = ("0.5", "1.5", "2.5", "3.5", "4.5")
#: the events of a goal that counts (a missed penalty is a ``Goal`` event too)
GOALS = frozenset({"Normal Goal", "Penalty", "Own Goal"})


def _sides() -> dict:
    return {"home": 0, "away": 0, "total": 0}


def _average(total: int, played: int) -> str:
    return f"{total / played:.1f}" if played else "0.0"


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.2f}%" if count else "0%"


def _bucket(elapsed: int | None) -> str:
    minute = elapsed or 0
    return next((name for name, last in MINUTES if minute <= last), MINUTES[-1][0])


def _minutes(counts: Counter) -> dict:
    total = sum(counts.values())
    return {name: {"total": counts[name] or None, "percentage": f"{100 * counts[name] / total:.2f}%" if counts[name] else None}
            for name, _ in MINUTES}


def _longest(form: str, letter: str) -> int:
    best = run = 0
    for result in form:
        run = run + 1 if result == letter else 0
        best = max(best, run)
    return best


def played_fixtures(fixtures: list[dict], tid: int, before: str | None = None, until: str | None = None) -> list[dict]:
    """The club's finished matches among ``fixtures``, oldest first: kicked off before the instant
    ``before`` (ISO), or on a day up to ``until`` (YYYY-MM-DD)."""
    return sorted((item for item in fixtures
                   if tid in (item["teams"]["home"]["id"], item["teams"]["away"]["id"])
                   and item["fixture"]["status"]["short"] in FINISHED
                   and (before is None or item["fixture"]["date"] < before)
                   and (until is None or item["fixture"]["date"][:10] <= until)),
                  key=lambda item: (item["fixture"]["timestamp"], item["fixture"]["id"]))


def result_of(item: dict, tid: int) -> tuple[str, int, int]:
    """(``home`` or ``away``, goals for, goals against) of the club in a finished match."""
    side = "home" if item["teams"]["home"]["id"] == tid else "away"
    other = "away" if side == "home" else "home"
    return side, item["goals"][side] or 0, item["goals"][other] or 0


def statistics(played: list[dict], tid: int, served: Callable[[dict, str], list]) -> dict:
    """The block from ``form`` to ``cards`` for the club's finished matches ``played`` (oldest
    first); ``served(item, kind)`` gives a match's events or lineups as the sandbox serves them."""
    fixtures = {key: _sides() for key in ("played", "wins", "draws", "loses")}
    goals = {way: {"total": _sides(), "minute": Counter(), "lines": {line: [0, 0] for line in LINES}}
             for way in ("for", "against")}
    clean, failed = _sides(), _sides()
    best: dict[str, dict[str, tuple | None]] = {"wins": {"home": None, "away": None}, "loses": {"home": None, "away": None}}
    most = {"for": {"home": 0, "away": 0}, "against": {"home": 0, "away": 0}}
    form = ""
    penalties = Counter()
    formations = Counter()
    cards = {"yellow": Counter(), "red": Counter()}
    for item in played:
        side, scored, conceded = result_of(item, tid)
        result = "W" if scored > conceded else "L" if scored < conceded else "D"
        form += result
        for key, hit in (("played", True), ("wins", result == "W"), ("draws", result == "D"), ("loses", result == "L")):
            if hit:
                fixtures[key][side] += 1
                fixtures[key]["total"] += 1
        for way, count in (("for", scored), ("against", conceded)):
            goals[way]["total"][side] += count
            goals[way]["total"]["total"] += count
            for line in LINES:
                goals[way]["lines"][line][0 if count > float(line) else 1] += 1
            most[way][side] = max(most[way][side], count)
        for record, hit in ((clean, conceded == 0), (failed, scored == 0)):
            if hit:
                record[side] += 1
                record["total"] += 1
        if result != "D":
            kind = "wins" if result == "W" else "loses"
            margin = abs(scored - conceded)
            score = (item["goals"]["home"], item["goals"]["away"])
            if best[kind][side] is None or margin > best[kind][side][0]:
                best[kind][side] = (margin, score)
        for event in served(item, "events"):
            mine = event["team"]["id"] == tid
            if event["type"] == "Goal":
                if event["detail"] in GOALS:
                    goals["for" if mine else "against"]["minute"][_bucket(event["time"]["elapsed"])] += 1
                if mine and event["detail"] == "Penalty":
                    penalties["scored"] += 1
                elif mine and event["detail"] == "Missed Penalty":
                    penalties["missed"] += 1
            elif event["type"] == "Card" and mine:
                colour = "yellow" if event["detail"] == "Yellow Card" else "red"
                cards[colour][_bucket(event["time"]["elapsed"])] += 1
        for lineup in served(item, "lineups"):
            if lineup["team"]["id"] == tid and lineup.get("formation"):
                formations[lineup["formation"]] += 1
    penalty_total = penalties["scored"] + penalties["missed"]
    return {
        "form": form or None,
        "fixtures": fixtures,
        "goals": {way: {
            "total": goals[way]["total"],
            "average": {key: _average(goals[way]["total"][key], fixtures["played"][key]) for key in ("home", "away", "total")},
            "minute": _minutes(goals[way]["minute"]),
            "under_over": {line: {"over": over, "under": under} for line, (over, under) in goals[way]["lines"].items()},
        } for way in ("for", "against")},
        "biggest": {
            "streak": {"wins": _longest(form, "W"), "draws": _longest(form, "D"), "loses": _longest(form, "L")},
            **{kind: {side: f"{found[1][0]}-{found[1][1]}" if found else None for side, found in best[kind].items()}
               for kind in ("wins", "loses")},
            "goals": most,
        },
        "clean_sheet": clean,
        "failed_to_score": failed,
        "penalty": {"scored": {"total": penalties["scored"], "percentage": _share(penalties["scored"], penalty_total)},
                    "missed": {"total": penalties["missed"], "percentage": _share(penalties["missed"], penalty_total)},
                    "total": penalty_total},
        "lineups": [{"formation": formation, "played": count}
                    for formation, count in sorted(formations.items(), key=lambda entry: (-entry[1], entry[0]))],
        "cards": {colour: _minutes(cards[colour]) for colour in ("yellow", "red")},
    }
