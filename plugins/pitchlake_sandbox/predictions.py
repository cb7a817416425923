"""``/predictions``: the sandbox's forecast of a match, and the model ``/odds`` prices from.

The forecast uses only what was known before kick-off: the league season's finished matches
before the fixture's date. Each club's goals scored and conceded a match, shrunk towards the
league's average by five matches' worth of it (so round 1 is a forecast of equals, with home
advantage), give the expected goals of each side; independent Poisson distributions of those
give the probabilities of every score, hence of a home win, a draw and an away win. The
prediction's favourite is the side more likely to win, and the bookmakers of ``/odds`` price the
same probabilities with their margin, so both always name the same favourite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .memo import Memo
from .teamstats import played_fixtures, result_of, statistics
from .world import FINISHED

if TYPE_CHECKING:
    from .api import Api

#: goals a match of each side when a league season has no finished match yet
HOME_GOALS, AWAY_GOALS = 1.45, 1.15
#: matches' worth of the league average a club's own record is shrunk towards
SHRINK = 5
MAX_GOALS = 10


@dataclass(frozen=True)
class Forecast:
    home: float
    away: float
    #: P(home goals = i, away goals = j) for i, j in 0..MAX_GOALS
    scores: tuple[tuple[float, ...], ...]

    def probability(self, test) -> float:
        return sum(p for i, row in enumerate(self.scores) for j, p in enumerate(row) if test(i, j))

    @property
    def outcome(self) -> tuple[float, float, float]:
        """(home win, draw, away win), summing to 1."""
        home = self.probability(lambda i, j: i > j)
        draw = self.probability(lambda i, j: i == j)
        away = self.probability(lambda i, j: i < j)
        total = home + draw + away
        return home / total, draw / total, away / total


def _poisson(lam: float) -> list[float]:
    return [math.exp(-lam) * lam ** k / math.factorial(k) for k in range(MAX_GOALS + 1)]


def _percent(values: list[float]) -> list[int]:
    """Whole percentages of shares of one, summing to exactly 100 (largest remainders)."""
    total = sum(values) or 1.0
    raw = [100 * v / total for v in values]
    whole = [int(r) for r in raw]
    for k in sorted(range(len(raw)), key=lambda k: (whole[k] - raw[k], k))[: 100 - sum(whole)]:
        whole[k] += 1
    return whole


def _pair(home: float, away: float) -> dict:
    h, a = _percent([home, away])
    return {"home": f"{h}%", "away": f"{a}%"}


class Predictions:
    def __init__(self, api: Api):
        self.api, self.world = api, api.world
        self.forecast = Memo(self._forecast, 8192)

    # -- the model -------------------------------------------------------------------------------

    def _forecast(self, fid: int) -> Forecast | None:
        item = self.world.fixture(fid)
        if item is None:
            return None
        league = item["league"]
        before = item["fixture"]["date"]
        done = [f for f in self.world.fixtures(league["id"], league["season"])
                if f["fixture"]["status"]["short"] in FINISHED and f["fixture"]["date"] < before]
        home_avg = (sum(f["goals"]["home"] or 0 for f in done) + SHRINK * HOME_GOALS) / (len(done) + SHRINK)
        away_avg = (sum(f["goals"]["away"] or 0 for f in done) + SHRINK * AWAY_GOALS) / (len(done) + SHRINK)
        mean = (home_avg + away_avg) / 2
        rates = {}
        for side in ("home", "away"):
            tid = item["teams"][side]["id"]
            scored = conceded = played = 0
            for f in done:
                if tid in (f["teams"]["home"]["id"], f["teams"]["away"]["id"]):
                    _, gf, ga = result_of(f, tid)
                    scored, conceded, played = scored + gf, conceded + ga, played + 1
            rates[side] = ((scored + SHRINK * mean) / (played + SHRINK) / mean,
                           (conceded + SHRINK * mean) / (played + SHRINK) / mean)
        lam_home = home_avg * rates["home"][0] * rates["away"][1]
        lam_away = away_avg * rates["away"][0] * rates["home"][1]
        ph, pa = _poisson(lam_home), _poisson(lam_away)
        return Forecast(lam_home, lam_away, tuple(tuple(x * y for y in pa) for x in ph))

    # -- /predictions ----------------------------------------------------------------------------

    def prediction(self, fid: int) -> dict | None:
        item = self.world.fixture(fid)
        forecast = self.forecast(fid)
        if item is None or forecast is None:
            return None
        home_p, draw_p, away_p = forecast.outcome
        favourite = "home" if home_p >= away_p else "away"
        fav_p = max(home_p, away_p)
        win_or_draw = fav_p < 0.5
        team = item["teams"][favourite]
        over_25 = forecast.probability(lambda i, j: i + j > 2)
        if over_25 >= 0.6:
            under_over = "+2.5"
        elif over_25 >= 0.5:
            under_over = "+1.5"
        elif over_25 <= 0.4:
            under_over = "-2.5"
        else:
            under_over = "-3.5"
        if win_or_draw:
            advice = f"Combo Double chance : {team['name']} or draw and {under_over} goals"
        else:
            advice = f"Combo {team['name']} and target {under_over} goals"
        percent = _percent([home_p, draw_p, away_p])
        league = item["league"]
        before = item["fixture"]["date"]
        season = self.world.fixtures(league["id"], league["season"])
        blocks, last5 = {}, {}
        for side in ("home", "away"):
            tid = item["teams"][side]["id"]
            played = played_fixtures(season, tid, before=before)
            blocks[side] = statistics(played, tid, self.api.served)
            last5[side] = self._last_5(played[-5:], tid)
        h2h = [f for f in self.api.history.head_to_head(item["teams"]["home"]["id"], item["teams"]["away"]["id"])
               if f["fixture"]["date"] < before and f["fixture"]["status"]["short"] in FINISHED]
        h2h.sort(key=lambda f: f["fixture"]["timestamp"], reverse=True)
        h2h_wins = {side: sum(1 for f in h2h if result_of(f, item["teams"][side]["id"])[1]
                              > result_of(f, item["teams"][side]["id"])[2]) for side in ("home", "away")}
        comparison = {
            "form": _pair(*(last5[side]["points"] + 1 for side in ("home", "away"))),
            "att": _pair(forecast.home, forecast.away),
            "def": _pair(1 / forecast.away, 1 / forecast.home),
            "poisson_distribution": _pair(home_p, away_p),
            "h2h": _pair(h2h_wins["home"] + 1, h2h_wins["away"] + 1),
            "goals": _pair(forecast.home + 0.5, forecast.away + 0.5),
        }
        home_total = sum(float(value["home"][:-1]) for value in comparison.values()) / len(comparison)
        comparison["total"] = {"home": f"{home_total:.1f}%", "away": f"{100 - home_total:.1f}%"}
        return {
            "predictions": {
                "winner": {"id": team["id"], "name": team["name"], "comment": "Win or draw" if win_or_draw else None},
                "win_or_draw": win_or_draw,
                "under_over": under_over,
                "goals": {side: self._goals_line(lam) for side, lam in (("home", forecast.home), ("away", forecast.away))},
                "advice": advice,
                "percent": {side: f"{value}%" for side, value in zip(("home", "draw", "away"), percent, strict=True)},
            },
            "league": {key: league.get(key) for key in ("id", "name", "country", "logo", "flag", "season")},
            "teams": {side: {"id": item["teams"][side]["id"], "name": item["teams"][side]["name"],
                             "logo": item["teams"][side]["logo"], "last_5": last5[side]["block"], "league": blocks[side]}
                      for side in ("home", "away")},
            "comparison": comparison,
            "h2h": h2h,
        }

    @staticmethod
    def _goals_line(lam: float) -> str:
        return "-1.5" if lam < 1.0 else "-2.5" if lam < 1.8 else "+1.5"

    @staticmethod
    def _last_5(played: list[dict], tid: int) -> dict:
        scored = conceded = points = 0
        for item in played:
            _, gf, ga = result_of(item, tid)
            scored, conceded = scored + gf, conceded + ga
            points += 3 if gf > ga else 1 if gf == ga else 0
        n = len(played)
        att = min(100, round(100 * scored / (2.0 * n))) if n else 0
        defence = max(0, min(100, round(100 - 100 * conceded / (2.0 * n)))) if n else 0
        return {"points": points, "block": {
            "played": n, "form": f"{round(100 * points / (3 * n)) if n else 0}%", "att": f"{att}%", "def": f"{defence}%",
            "goals": {"for": {"total": scored, "average": f"{scored / n:.1f}" if n else "0.0"},
                      "against": {"total": conceded, "average": f"{conceded / n:.1f}" if n else "0.0"}}}}
