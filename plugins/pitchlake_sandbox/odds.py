"""``/odds`` and ``/odds/mapping``: pre-match odds of the sandbox's fixtures.

Odds exist for the fixtures of a league season whose coverage has ``odds`` (the current season and
the one before) that kick off within the window the API keeps them for: from
:data:`OFFERED_DAYS` days before a match until :data:`KEPT_DAYS` days after it (its docs: odds
"between 1 and 14 days before the fixture", and "a 7-days history"), so a closed season's odds
are gone, and a league season's pages follow the matches around today. Every bookmaker prices the probabilities of :mod:`.predictions` (the forecast
made from what was known before kick-off), each with its own margin of 3 to 8 percent spread over
the outcomes in proportion to them: the implied probabilities of a market (``1 / odd``) sum to
1 + the margin, and the lowest odd of Match Winner is always the prediction's favourite. The
``update`` is three hours before kick-off. A page holds 10 fixtures, as the API's does;
``/odds/mapping`` lists the fixtures that have odds, 100 a page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .catalogue import BETS, BOOKMAKERS
from .names import rng
from .predictions import Forecast, Predictions
from .world import iso

#: days before its kick-off from which a match has odds, and days after it they are deleted
OFFERED_DAYS, KEPT_DAYS = 14, 7
#: the bookmakers that price the sandbox's fixtures (ids and names of ``/odds/bookmakers``)
PRICING = (1, 2, 3, 4, 8, 11)
#: the bets they price, in the order the API lists them
PRICED = (1, 5, 8, 12, 10)
LINES = (0.5, 1.5, 2.5, 3.5, 4.5)
SCORES = [(i, j) for i in range(5) for j in range(5)]


def _odd(probability: float, margin: float) -> str:
    """The decimal odd of an outcome of ``probability`` with the margin, as the API writes it."""
    return f"{max(1.01, 1 / (probability * (1 + margin))):.2f}"


def _values(pairs: list[tuple[str, float]], margin: float) -> list[dict]:
    return [{"value": name, "odd": _odd(max(probability, 1e-4), margin)} for name, probability in pairs]


def bet(bet_id: int, forecast: Forecast, margin: float) -> dict:
    home, draw, away = forecast.outcome
    if bet_id == 1:
        pairs = [("Home", home), ("Draw", draw), ("Away", away)]
    elif bet_id == 5:
        pairs = []
        for line in LINES:
            over = forecast.probability(lambda i, j, line=line: i + j > line)
            pairs += [(f"Over {line}", over), (f"Under {line}", 1 - over)]
    elif bet_id == 8:
        both = forecast.probability(lambda i, j: i > 0 and j > 0)
        pairs = [("Yes", both), ("No", 1 - both)]
    elif bet_id == 12:
        # each outcome is in two of the three doubles: the book sums to 2 + 2 * margin
        pairs = [("Home/Draw", home + draw), ("Home/Away", home + away), ("Draw/Away", draw + away)]
    else:
        pairs = [(f"{i}:{j}", forecast.probability(lambda a, b, i=i, j=j: (a, b) == (i, j))) for i, j in SCORES]
    return {"id": bet_id, "name": BETS[bet_id], "values": _values(pairs, margin)}


def margin(seed: int, fid: int, bookmaker: int) -> float:
    return 0.03 + 0.05 * rng(seed, "margin", fid, bookmaker).random()


def odds_item(predictions: Predictions, item: dict, bookmaker: int | None = None, bet_id: int | None = None) -> dict | None:
    forecast = predictions.forecast(item["fixture"]["id"])
    if forecast is None:
        return None
    seed = predictions.world.seed
    fid = item["fixture"]["id"]
    kickoff = datetime.fromisoformat(item["fixture"]["date"])
    league = item["league"]
    return {
        "league": {key: league.get(key) for key in ("id", "name", "country", "logo", "flag", "season")},
        "fixture": {"id": fid, "timezone": "UTC", "date": item["fixture"]["date"], "timestamp": item["fixture"]["timestamp"]},
        "update": iso(kickoff - timedelta(hours=3)),
        "bookmakers": [
            {"id": book, "name": BOOKMAKERS[book],
             "bets": [bet(b, forecast, margin(seed, fid, book)) for b in PRICED if bet_id in (None, b)]}
            for book in PRICING if bookmaker in (None, book)
        ],
    }


def mapping_item(item: dict) -> dict:
    kickoff = datetime.fromisoformat(item["fixture"]["date"])
    return {"league": {"id": item["league"]["id"], "season": item["league"]["season"]},
            "fixture": {"id": item["fixture"]["id"], "date": item["fixture"]["date"], "timestamp": item["fixture"]["timestamp"]},
            "update": iso(kickoff - timedelta(hours=3))}


def offered(item: dict, today: date) -> bool:
    """Whether the API still (or already) has odds of the match ``item`` on ``today``."""
    kickoff = date.fromisoformat(item["fixture"]["date"][:10])
    return today - timedelta(days=KEPT_DAYS) <= kickoff <= today + timedelta(days=OFFERED_DAYS)
