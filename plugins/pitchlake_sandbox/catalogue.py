"""The reference lists of the API: time zones, countries, seasons, bookmakers and bets.

Countries are those of the world's leagues (recorded, catalogued, and the ones invented leagues
draw from); ``/teams/countries`` those of the clubs the featured leagues hold. Seasons are every
season of the world's leagues. Bookmakers and bets are the API's own ids and names (a selection:
the bookmakers and bets that price the sandbox's fixtures, and the first bets of each list).
"""

from __future__ import annotations

from .names import COUNTRIES
from .world import FLAGS, World

#: a selection of the API's ``/timezone`` list (the IANA names it accepts), in its order
TIMEZONES = (
    "Africa/Cairo", "Africa/Casablanca", "Africa/Johannesburg", "Africa/Lagos", "America/Argentina/Buenos_Aires",
    "America/Bogota", "America/Chicago", "America/Los_Angeles", "America/Mexico_City", "America/New_York",
    "America/Sao_Paulo", "America/Toronto", "Asia/Dubai", "Asia/Jakarta", "Asia/Kolkata", "Asia/Qatar",
    "Asia/Riyadh", "Asia/Seoul", "Asia/Shanghai", "Asia/Tokyo", "Atlantic/Reykjavik", "Australia/Sydney",
    "Europe/Amsterdam", "Europe/Athens", "Europe/Belgrade", "Europe/Berlin", "Europe/Brussels", "Europe/Bucharest",
    "Europe/Budapest", "Europe/Copenhagen", "Europe/Dublin", "Europe/Helsinki", "Europe/Istanbul", "Europe/Kiev",
    "Europe/Lisbon", "Europe/London", "Europe/Madrid", "Europe/Moscow", "Europe/Oslo", "Europe/Paris",
    "Europe/Prague", "Europe/Rome", "Europe/Stockholm", "Europe/Vienna", "Europe/Warsaw", "Europe/Zagreb",
    "Europe/Zurich", "Pacific/Auckland", "UTC",
)

#: ``/odds/bookmakers``: the API's ids and names
BOOKMAKERS = {
    1: "10Bet", 2: "Marathonbet", 3: "Betfair", 4: "Pinnacle", 5: "SBO", 6: "Bwin", 7: "William Hill",
    8: "Bet365", 9: "Dafabet", 10: "Ladbrokes", 11: "1xBet", 12: "BetFred", 13: "188Bet", 15: "Interwetten",
    16: "Unibet", 17: "5Dimes", 18: "Intertops", 19: "Bovada", 20: "Betcris", 21: "888Sport", 22: "Tipico",
    23: "Sportingbet", 24: "Betway", 25: "Expekt", 26: "Betsson", 27: "NordicBet", 28: "ComeOn", 30: "Netbet",
    32: "Betano", 33: "Fonbet", 34: "Superbet",
}

#: ``/odds/bets``: the first pre-match bets of the API's list, ids and names as it has them
BETS = {
    1: "Match Winner", 2: "Home/Away", 3: "Second Half Winner", 4: "Asian Handicap", 5: "Goals Over/Under",
    6: "Goals Over/Under First Half", 7: "HT/FT Double", 8: "Both Teams Score", 9: "Handicap Result",
    10: "Exact Score", 11: "Highest Scoring Half", 12: "Double Chance", 13: "First Half Winner",
    14: "Team To Score First", 15: "Team To Score Last", 16: "Total - Home", 17: "Total - Away",
    18: "Handicap Result - First Half", 19: "Asian Handicap First Half", 20: "Double Chance - First Half",
    21: "Odd/Even", 22: "Odd/Even - First Half", 23: "Home Odd/Even", 24: "Results/Both Teams Score",
    25: "Result/Total Goals", 26: "Goals Over/Under - Second Half", 27: "Clean Sheet - Home",
    28: "Clean Sheet - Away", 29: "Win to Nil - Home", 30: "Win to Nil - Away", 31: "Correct Score - First Half",
    32: "Win Both Halves", 33: "Double Chance - Second Half", 34: "Both Teams Score - First Half",
    35: "Both Teams To Score - Second Half", 36: "Win To Nil", 37: "Home win both halves", 38: "Exact Goals Number",
    39: "To Win Either Half", 40: "Home Team Exact Goals Number",
}

#: ``/odds/live/bets``: the first in-play bets of the API's list
LIVE_BETS = {
    1: "Over/Under Extra Time", 2: "1x2 Extra Time", 3: "Extra Time Asian Corners",
    4: "Extra Time Total Corners (3 Ways) (1st Half)", 5: "Extra Time Double Result",
    6: "Which team will score the 1st goal in extra time?", 7: "Extra Time Asian Corners (1st Half)",
    8: "Method of Victory", 9: "Both Teams To Score (ET)", 10: "To Qualify", 11: "Asian Handicap Extra Time",
    12: "1x2 Extra Time (1st Half)", 13: "Extra Time Total Corners (3 Ways)", 14: "Over/Under Extra Time (1st Half)",
    15: "Last Corner",
}


def named(table: dict[int, str]) -> list[dict]:
    return [{"id": key, "name": name} for key, name in table.items()]


def countries(world: World) -> list[dict]:
    """``{name, code, flag}`` of every country of the world's leagues, by name."""
    found: dict[str, dict] = {}
    for league in world.league_ids():
        country = world.league(league)["country"]
        found.setdefault(country["name"], {"name": country["name"], "code": country.get("code"), "flag": country.get("flag")})
    for name, code in COUNTRIES:
        found.setdefault(name, {"name": name, "code": code, "flag": f"{FLAGS}/{code.lower()}.svg"})
    return [found[name] for name in sorted(found)]


def team_countries(world: World) -> list[dict]:
    """The countries of the clubs of the featured leagues (national teams: their own name)."""
    known = {country["name"]: country for country in countries(world)}
    names = {club["team"]["country"] for club in world.clubs() if club["team"]["country"]}
    return [known.get(name, {"name": name, "code": None, "flag": None}) for name in sorted(names)]


def seasons(world: World, leagues: list[int] | None = None) -> list[int]:
    """Every season of the leagues (of the world's leagues when None), oldest first."""
    found: set[int] = set()
    for league in world.league_ids() if leagues is None else leagues:
        found.update(world.seasons(league))
    return sorted(found)
