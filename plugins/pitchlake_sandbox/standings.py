"""League tables computed from fixtures, so ``/standings`` can never disagree with ``/fixtures``.

The same computation serves synthetic seasons and recorded ones. A fixture belongs to a table by
its round: ``Regular Season - N`` to the league's single table, ``Group X - N`` to group X's.
Qualifying rounds, play-offs and knock-out rounds have no table (the recorded Euro 2020 season
thus gets its six final-tournament groups, and its qualifiers are left out). Every club that
appears in a table's fixtures has a row; only finished matches (FT, AET, PEN) count, three points
for a win and one for a draw; ties are broken by goal difference, goals scored, then name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .world import FINISHED

_REGULAR = re.compile(r"^Regular Season - \d+$")
_GROUP = re.compile(r"^(Group \S+) - \d+$")


def _table_of(round_name: str, league_name: str) -> str | None:
    if _REGULAR.match(round_name or ""):
        return league_name
    group = _GROUP.match(round_name or "")
    return group.group(1) if group else None


def _record() -> dict:
    return {"played": 0, "win": 0, "draw": 0, "lose": 0, "goals": {"for": 0, "against": 0}}


def _count(record: dict, scored: int, conceded: int) -> str:
    record["played"] += 1
    record["goals"]["for"] += scored
    record["goals"]["against"] += conceded
    result = "win" if scored > conceded else "lose" if scored < conceded else "draw"
    record[result] += 1
    return result[0].upper()


def _descriptions(size: int, single: bool) -> dict[int, str]:
    if not single:
        return {1: "Promotion - Next Round", 2: "Promotion - Next Round"}
    described = {rank: "Promotion - Champions League (Group Stage: )" for rank in range(1, 5)}
    described[5] = "Promotion - Europa League (Group Stage: )"
    described[6] = "Promotion - Europa Conference League (Qualification: )"
    described.update({rank: "Relegation" for rank in range(size - 2, size + 1)})
    return described


def tables(fixtures: list[dict], league_name: str, deductions: Mapping[int, int] | None = None) -> list[list[dict]]:
    """``league.standings`` for these fixtures: one list of rows per table, in name order of the
    groups (a league has one). ``deductions`` (team id -> points, e.g. -6) are added to the
    points, as the API's standings include a points deduction the matches cannot show."""
    rows: dict[str, dict[int, dict]] = {}
    latest = ""
    for item in sorted(fixtures, key=lambda f: (f["fixture"]["timestamp"], f["fixture"]["id"])):
        table = _table_of(item["league"].get("round"), league_name)
        if table is None:
            continue
        clubs = rows.setdefault(table, {})
        for side in ("home", "away"):
            team = item["teams"][side]
            clubs.setdefault(team["id"], {
                "team": {"id": team["id"], "name": team["name"], "logo": team["logo"]}, "form": "",
                "all": _record(), "home": _record(), "away": _record()})
        if item["fixture"]["status"]["short"] not in FINISHED:
            continue
        latest = max(latest, item["fixture"]["date"][:10])
        home, away = item["teams"]["home"]["id"], item["teams"]["away"]["id"]
        goals_home, goals_away = item["goals"]["home"], item["goals"]["away"]
        for club, venue, scored, conceded in ((home, "home", goals_home, goals_away),
                                              (away, "away", goals_away, goals_home)):
            row = clubs[club]
            letter = _count(row["all"], scored, conceded)
            _count(row[venue], scored, conceded)
            row["form"] = letter + row["form"]
    update = f"{latest}T00:00:00+00:00" if latest else None
    single = len(rows) == 1
    result = []
    for table in sorted(rows):
        ranked = []
        for row in rows[table].values():
            record = row["all"]
            row["points"] = 3 * record["win"] + record["draw"] + (deductions or {}).get(row["team"]["id"], 0)
            row["goalsDiff"] = record["goals"]["for"] - record["goals"]["against"]
            ranked.append(row)
        ranked.sort(key=lambda r: (-r["points"], -r["goalsDiff"], -r["all"]["goals"]["for"], r["team"]["name"]))
        described = _descriptions(len(ranked), single)
        result.append([
            {"rank": rank, "team": row["team"], "points": row["points"], "goalsDiff": row["goalsDiff"],
             "group": table, "form": row["form"][:5] or None, "status": "same", "description": described.get(rank),
             "all": row["all"], "home": row["home"], "away": row["away"], "update": update}
            for rank, row in enumerate(ranked, 1)
        ])
    return result
