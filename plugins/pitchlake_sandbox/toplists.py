"""``/players/topscorers``, ``topassists``, ``topyellowcards`` and ``topredcards`` of a league season.

Each lists up to 20 players with at least one of what it ranks, each with his season statistics as
``/players`` gives them: sums over the season's finished matches of the details the sandbox serves,
so the goals, assists and cards agree with the ``Goal`` and ``Card`` events of ``/fixtures/events``
and of ``fixtures?ids=``. The order is the one of the API's real lists (read off them: the
documented tie-breaks are not what it does):

- scorers: goals, then fewer penalties, more assists, more appearances, fewer minutes;
- assists: assists, then more goals, more appearances, fewer minutes;
- yellow cards: yellow, then red, yellow-red, more appearances, fewer minutes;
- red cards: red, then yellow-red, yellow, more appearances, fewer minutes;

and the player id last, so that the order is total. A league season whose coverage lacks the list
(``top_scorers``, ``top_assists``, ``top_cards``) has none.
"""

from __future__ import annotations

from collections.abc import Callable

LIMIT = 20
COVERAGE = {"topscorers": "top_scorers", "topassists": "top_assists", "topyellowcards": "top_cards",
            "topredcards": "top_cards"}


def _n(value) -> int:
    return value or 0


def _key(kind: str) -> Callable[[dict], tuple]:
    def games(stats: dict) -> tuple:
        return (-_n(stats["games"]["appearences"]), _n(stats["games"]["minutes"]))

    def key(item: dict) -> tuple:
        stats = item["statistics"][0]
        goals, cards = stats["goals"], stats["cards"]
        if kind == "topscorers":
            first = (-_n(goals["total"]), _n(stats["penalty"]["scored"]), -_n(goals["assists"]))
        elif kind == "topassists":
            first = (-_n(goals["assists"]), -_n(goals["total"]))
        elif kind == "topyellowcards":
            first = (-_n(cards["yellow"]), -_n(cards["red"]), -_n(cards["yellowred"]))
        else:
            first = (-_n(cards["red"]), -_n(cards["yellowred"]), -_n(cards["yellow"]))
        return (*first, *games(stats), item["player"]["id"])

    return key


def _counts(kind: str, stats: dict) -> bool:
    if kind == "topscorers":
        return _n(stats["goals"]["total"]) > 0
    if kind == "topassists":
        return _n(stats["goals"]["assists"]) > 0
    if kind == "topyellowcards":
        return _n(stats["cards"]["yellow"]) > 0
    return _n(stats["cards"]["red"]) + _n(stats["cards"]["yellowred"]) > 0


def top(kind: str, items: list[dict]) -> list[dict]:
    """The first ``LIMIT`` of ``items`` (``/players`` items of one league season) in the list's order."""
    return sorted((item for item in items if _counts(kind, item["statistics"][0])), key=_key(kind))[:LIMIT]
