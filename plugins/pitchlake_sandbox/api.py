"""The API-Football v3 endpoints: a request's parameters in, the envelope's bytes out.

Order of precedence for one request: a season outside the plan is refused (``plan``), a recorded
envelope for exactly this request is returned as recorded, parameters are checked as the API
checks them (unknown names, missing or malformed values), and only then is the answer
synthesised. Answers are pure functions of the request, so their bytes are memoised: a repeated
request costs a dictionary lookup. Keys, quotas and faults are the gateway's business, not this.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pitchlake_api_football.envelope import envelope

from . import catalogue, odds, standings, teamstats, toplists
from .careers import Careers
from .history import History
from .matches import NO_DETAILS, Matches
from .memo import Memo
from .predictions import Predictions
from .recorded import Recorded
from .world import FINISHED, World, season_of

PAGE_SIZE = 20
#: items a page of ``/odds``, ``/odds/mapping`` and ``/players/profiles``, as the API pages them
ODDS_PAGE, MAPPING_PAGE, PROFILES_PAGE = 10, 100, 250
MAX_IDS = 20
#: The coverage flag under ``fixtures`` that says whether the API has each kind of detail.
DETAIL_COVERAGE = {"events": "events", "lineups": "lineups", "statistics": "statistics_fixtures",
                   "players": "statistics_players"}


@dataclass(frozen=True)
class Answer:
    body: bytes
    #: the first key of ``errors`` (``season``, ``plan``...), None on success
    error: str | None = None


class ParameterError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def encode(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def error_body(endpoint: str, params: dict, errors: dict[str, str]) -> bytes:
    return encode(envelope(endpoint, params, [], errors))


# -- parameter checks, worded as the API words them ---------------------------------------------

def _title(name: str) -> str:
    return name[:1].upper() + name[1:]


def _check(name: str, value: str, kind: str) -> str | None:
    """The API's complaint about one value, or None."""
    title = _title(name)
    if kind == "int" and not re.fullmatch(r"\d{1,10}", value):
        return f"The {title} field must contain an integer."
    if kind == "page" and not re.fullmatch(r"[1-9]\d{0,5}", value):
        return f"The {title} field must contain an integer greater than 0."
    if kind == "season" and not re.fullmatch(r"\d{4}", value):
        return f"The {title} field must contain 4 digits ( YYYY )."
    if kind == "bool" and value not in ("true", "false"):
        return f"The {title} field must contain 'true' or 'false'."
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"The {title} field must contain a valid date ( YYYY-MM-DD )."
    if kind == "ids":
        ids = value.split("-")
        if not all(re.fullmatch(r"\d{1,10}", i) for i in ids):
            return f"The {title} field must contain fixture ids separated by '-'."
        if len(ids) > MAX_IDS:
            return f"Maximum of {MAX_IDS} fixtures ids."
    if kind == "h2h" and not re.fullmatch(r"\d{1,10}-\d{1,10}", value):
        return f"The {title} field must contain two team ids separated by '-'."
    if kind == "idlist":
        ids = value.split("-")
        if not all(re.fullmatch(r"\d{1,10}", i) for i in ids):
            return f"The {title} field must contain {name} ids separated by '-'."
        if len(ids) > MAX_IDS:
            return f"Maximum of {MAX_IDS} {name} ids."
    if kind == "search" and len(value) < 3:
        return f"The {title} field must contain at least 3 characters."
    if kind == "text" and not value:
        return f"The {title} field is empty."
    if kind == "live" and value != "all" and not re.fullmatch(r"\d+(-\d+)*", value):
        return f"The {title} field must contain 'all' or league ids separated by '-'."
    return None


@dataclass(frozen=True)
class Spec:
    handler: Callable[[Api, dict], tuple[list | dict, int, int]]
    #: parameter name -> kind of value (int, page, season, date, bool, ids, idlist, h2h, search, text, live)
    params: dict[str, str]
    #: names that must be present
    required: tuple[str, ...] = ()
    #: names that need ``season`` with them
    with_season: tuple[str, ...] = ()
    #: names that make ``season`` optional for those of ``with_season`` (``fixtures?team=&last=``)
    without_season: tuple[str, ...] = ()
    #: whether a request without any parameter is refused
    needs_one: bool = False

    def validate(self, params: dict[str, str]) -> None:
        errors = {name: f"The {_title(name)} field do not exist." for name in params if name not in self.params}
        if errors:
            raise ParameterError(errors)
        if self.needs_one and not params:
            errors["required"] = "At least one parameter is required."
        for name in self.required:
            if name not in params:
                errors[name] = f"The {_title(name)} field is required."
        if (any(name in params for name in self.with_season) and "season" not in params
                and not any(name in params for name in self.without_season)):
            errors["season"] = "The Season field is required."
        for name, value in params.items():
            if name not in errors:
                complaint = _check(name, value, self.params[name])
                if complaint:
                    errors[name] = complaint
        if errors:
            raise ParameterError(errors)


def _ci(value: str | None) -> str:
    return (value or "").casefold()


def _page(items: list, params: dict, size: int = PAGE_SIZE) -> tuple[list, int, int]:
    pages = max(1, math.ceil(len(items) / size))
    page = int(params.get("page", 1))
    return items[(page - 1) * size: page * size], page, pages


class Api:
    def __init__(self, recorded: Recorded, world: World, plan_seasons: tuple[int, int] | None = None):
        self.recorded, self.world, self.plan_seasons = recorded, world, plan_seasons
        self.careers = Careers(world)
        self.matches = Matches(world, self.careers)
        self.predictions = Predictions(self)
        self.history = History(self)
        self._answers = Memo(self._answer, 512)

    def answer(self, endpoint: str, params: dict[str, str]) -> Answer:
        return self._answers(endpoint, tuple(sorted(params.items())))

    def plan_message(self) -> str:
        low, high = self.plan_seasons or (self.world.current - 2, self.world.current)
        return f"Free plans do not have access to this season, try from {low} to {high}."

    def _answer(self, endpoint: str, items: tuple[tuple[str, str], ...]) -> Answer:
        params = dict(items)
        season = params.get("season", "")
        if self.plan_seasons and season.isdigit() and not self.plan_seasons[0] <= int(season) <= self.plan_seasons[1]:
            return Answer(error_body(endpoint, params, {"plan": self.plan_message()}), "plan")
        recorded = self.recorded.lookup(endpoint, params)
        if recorded is not None:
            return Answer(*recorded)
        spec = ENDPOINTS.get(endpoint)
        if spec is None:
            return Answer(error_body(endpoint, params, {"endpoint": "This endpoint do not exist."}), "endpoint")
        try:
            spec.validate(params)
            response, page, pages = spec.handler(self, params)
        except ParameterError as exc:
            return Answer(error_body(endpoint, params, exc.errors), next(iter(exc.errors)))
        return Answer(encode(envelope(endpoint, params, response, page=page, pages=pages)))

    def status(self, used: int, per_day: int) -> bytes:
        """``/status``: the account and today's usage, which change with every request."""
        response = {
            "account": {"firstname": "Sandbox", "lastname": "User", "email": "sandbox@pitchlake.invalid"},
            "subscription": {"plan": "Sandbox", "end": f"{self.world.today.year + 1}-12-31T00:00:00+00:00", "active": True},
            "requests": {"current": used, "limit_day": per_day},
        }
        return encode(envelope("status", {}, response))

    # -- endpoints -------------------------------------------------------------------------------

    def leagues(self, p: dict) -> tuple[list, int, int]:
        world = self.world
        ids = [int(p["id"])] if "id" in p else world.league_ids()
        teams_leagues = set(world.home_leagues(int(p["team"]))) if "team" in p else None
        found = []
        for league in ids:
            if teams_leagues is not None and league not in teams_leagues:
                continue
            meta = world.league(league)
            if "name" in p and _ci(meta["league"]["name"]) != _ci(p["name"]):
                continue
            if "country" in p and _ci(meta["country"]["name"]) != _ci(p["country"]):
                continue
            if "code" in p and _ci(meta["country"]["code"]) != _ci(p["code"]):
                continue
            if "type" in p and _ci(meta["league"]["type"]) != _ci(p["type"]):
                continue
            if "search" in p and _ci(p["search"]) not in _ci(meta["league"]["name"]) + " " + _ci(meta["country"]["name"]):
                continue
            seasons = world.seasons(league)
            if "season" in p:
                seasons = [s for s in seasons if s == int(p["season"])]
            if "current" in p:
                seasons = [s for s in seasons if (s == world.current) == (p["current"] == "true")]
            if not seasons:
                continue
            found.append({"league": meta["league"], "country": meta["country"],
                          "seasons": [self._season(league, s) for s in seasons]})
        if "last" in p:  # the last leagues added: the highest ids
            found = found[max(0, len(found) - int(p["last"])):]
        return found, 1, 1

    def _season(self, league: int, season: int) -> dict:
        start, end = self.world.season_window(league, season)
        return {"year": season, "start": start, "end": end, "current": season == self.world.current,
                "coverage": self.world.coverage(league, season)}

    def teams(self, p: dict) -> tuple[list, int, int]:
        world = self.world
        if "id" in p:
            club = world.team(int(p["id"]))
            clubs = [club] if club else []
        elif "league" in p:
            clubs = world.roster(int(p["league"]), int(p["season"]))
        elif "season" in p:
            raise ParameterError({"league": "The League field is required."})
        else:
            clubs = list(world.clubs())
        return [c for c in clubs if self._club_matches(c, p)], 1, 1

    @staticmethod
    def _club_matches(club: dict, p: dict) -> bool:
        team, venue = club["team"], club["venue"]
        return (("name" not in p or _ci(team["name"]) == _ci(p["name"]))
                and ("country" not in p or _ci(team["country"]) == _ci(p["country"]))
                and ("code" not in p or _ci(team["code"]) == _ci(p["code"]))
                and ("venue" not in p or str(venue["id"]) == p["venue"])
                and ("search" not in p or _ci(p["search"]) in _ci(team["name"]) + " " + _ci(team["country"])))

    def venues(self, p: dict) -> tuple[list, int, int]:
        found, seen = [], set()
        for club in self.world.clubs():
            venue = club["venue"]
            if venue["id"] is None or venue["id"] in seen:
                continue
            seen.add(venue["id"])
            item = {"id": venue["id"], "name": venue["name"], "address": venue["address"], "city": venue["city"],
                    "country": club["team"]["country"], "capacity": venue["capacity"], "surface": venue["surface"],
                    "image": venue["image"]}
            if (("id" not in p or str(item["id"]) == p["id"])
                    and ("name" not in p or _ci(item["name"]) == _ci(p["name"]))
                    and ("city" not in p or _ci(item["city"]) == _ci(p["city"]))
                    and ("country" not in p or _ci(item["country"]) == _ci(p["country"]))
                    and ("search" not in p or _ci(p["search"]) in " ".join(_ci(item[k]) for k in ("name", "city", "country")))):
                found.append(item)
        return found, 1, 1

    def _season_fixtures(self, p: dict) -> list[dict]:
        """The fixtures a list query chooses from: a league season, a club's season, or a day."""
        world = self.world
        if "league" in p:
            return world.fixtures(int(p["league"]), int(p["season"]))
        if "team" in p:
            season = int(p["season"])
            return [f for league in world.leagues_of_team(int(p["team"]), season) for f in world.fixtures(league, season)]
        day = date.fromisoformat(p["date"])
        return [f for league in sorted(world.featured_league_ids()) for f in world.fixtures(league, season_of(day))]

    def with_details(self, item: dict) -> dict:
        """A fixture as ``?id=`` and ``?ids=`` give it: with whatever details coverage allows."""
        if self.recorded.has_details(item["fixture"]["id"]):
            return item
        details = self.matches.details(item["fixture"]["id"])
        return {**item, **{kind: details[kind] if self._covered(item, kind) else [] for kind in DETAIL_COVERAGE}}

    def _covered(self, item: dict, kind: str) -> bool:
        league = item["league"]
        return self.world.coverage(league["id"], league["season"])["fixtures"][DETAIL_COVERAGE[kind]]

    def fixtures(self, p: dict) -> tuple[list, int, int]:
        world = self.world
        if "id" in p or "ids" in p:
            ids = [int(i) for i in p.get("ids", p.get("id", "")).split("-")]
            items = [world.fixture(i) for i in ids]
            return [self.with_details(item) for item in items if item is not None], 1, 1
        if "live" in p:
            return [], 1, 1
        if ("league" in p or "team" in p) and "season" not in p:  # last/next: this season and the one before
            items = [f for season in (world.current - 1, world.current)
                     for f in self._season_fixtures({**p, "season": str(season)})]
        elif any(name in p for name in ("league", "team", "date")):
            items = self._season_fixtures(p)
        elif "last" in p or "next" in p:  # alone: the featured leagues' current season
            items = [f for league in sorted(world.featured_league_ids()) for f in world.fixtures(league, world.current)]
        else:
            raise ParameterError({"league": "The League field is required."})
        statuses = set(p["status"].split("-")) if "status" in p else None
        low, high = p.get("from", "0000-00-00"), p.get("to", "9999-99-99")
        team = int(p["team"]) if "team" in p else None
        found = [
            item for item in items
            if (team is None or team in (item["teams"]["home"]["id"], item["teams"]["away"]["id"]))
            and ("date" not in p or item["fixture"]["date"][:10] == p["date"])
            and low <= item["fixture"]["date"][:10] <= high
            and ("round" not in p or item["league"].get("round") == p["round"])
            and (statuses is None or item["fixture"]["status"]["short"] in statuses)
            and ("venue" not in p or str((item["fixture"].get("venue") or {}).get("id")) == p["venue"])
        ]
        if "last" in p:  # the last N played, the latest first
            found = sorted((f for f in found if f["fixture"]["status"]["short"] in FINISHED),
                           key=lambda f: (f["fixture"]["timestamp"], f["fixture"]["id"]), reverse=True)[: int(p["last"])]
        if "next" in p:  # the next N to play, the earliest first
            found = sorted((f for f in found if f["fixture"]["status"]["short"] == "NS"),
                           key=lambda f: (f["fixture"]["timestamp"], f["fixture"]["id"]))[: int(p["next"])]
        return found, 1, 1

    def served(self, item: dict, kind: str) -> list:
        """A fixture's ``events``, ``lineups``, ``statistics`` or ``players`` as ``/fixtures/<kind>``
        serves them: recorded, synthesised where coverage has them, else none."""
        if self.recorded.has_details(item["fixture"]["id"]):
            details = item
        elif self._covered(item, kind):
            details = self.matches.details(item["fixture"]["id"])
        else:
            details = NO_DETAILS
        return details.get(kind) or []

    def _details_of(self, p: dict, kind: str) -> list:
        item = self.world.fixture(int(p["fixture"]))
        if item is None:
            return []
        found = self.served(item, kind)
        if "team" in p:
            found = [entry for entry in found if str(entry["team"]["id"]) == p["team"]]
        return found

    def fixture_events(self, p: dict) -> tuple[list, int, int]:
        events = self._details_of(p, "events")
        if "player" in p:
            events = [e for e in events if str(e["player"]["id"]) == p["player"]]
        if "type" in p:
            events = [e for e in events if _ci(e["type"]) == _ci(p["type"])]
        return events, 1, 1

    def fixture_lineups(self, p: dict) -> tuple[list, int, int]:
        found = self._details_of(p, "lineups")
        if "player" in p:  # the team whose lineup he is in
            found = [entry for entry in found
                     if any(str((slot.get("player") or {}).get("id")) == p["player"]
                            for slot in [*(entry.get("startXI") or []), *(entry.get("substitutes") or [])])]
        return found, 1, 1

    def fixture_statistics(self, p: dict) -> tuple[list, int, int]:
        found = self._details_of(p, "statistics")
        if "type" in p:
            found = [{**entry, "statistics": [s for s in entry["statistics"] if _ci(s["type"]) == _ci(p["type"])]}
                     for entry in found]
        return found, 1, 1

    def fixture_players(self, p: dict) -> tuple[list, int, int]:
        return self._details_of(p, "players"), 1, 1

    def standings(self, p: dict) -> tuple[list, int, int]:
        world, season = self.world, int(p["season"])
        if "league" in p:
            leagues = [int(p["league"])]
        elif "team" in p:
            leagues = world.leagues_of_team(int(p["team"]), season)
        else:
            raise ParameterError({"league": "The League field is required."})
        found = []
        for league in leagues:
            block = world.league_block(league, season)
            groups = standings.tables(world.fixtures(league, season), block["name"])
            if "team" in p:
                groups = [[row for row in rows if str(row["team"]["id"]) == p["team"]] for rows in groups]
                groups = [rows for rows in groups if rows]
            if groups:
                found.append({"league": {**block, "standings": groups}})
        return found, 1, 1

    def players(self, p: dict) -> tuple[list, int, int]:
        world, season = self.world, int(p["season"])
        # squads, then the real players of recorded match details who are in none (matches.py)
        if "id" in p:
            pid = int(p["id"])
            player = world.player(pid)
            members = [(player, league) for league in world.leagues_of_team(player.team, season)] if player else []
            if not members:
                members = [(guest, league) for league in self._recorded_detail_leagues(season)
                           for guest in self.matches.recorded_players(league, season) if guest.id == pid]
        elif "team" in p:
            tid = int(p["team"])
            leagues = [int(p["league"])] if "league" in p else world.leagues_of_team(tid, season)
            members = [(player, league) for league in leagues
                       if any(c["team"]["id"] == tid for c in world.roster(league, season))
                       for player in [*world.squad(tid), *(guest for guest in self.matches.recorded_players(league, season)
                                                           if guest.team == tid)]]
        elif "league" in p:
            league = int(p["league"])
            members = [(player, league) for club in world.roster(league, season)
                       for player in world.squad(club["team"]["id"])]
            members += [(guest, league) for guest in self.matches.recorded_players(league, season)]
        else:
            raise ParameterError({"league": "The League field is required."})
        if "search" in p:
            members = [(player, league) for player, league in members if _ci(p["search"]) in _ci(player.name)]
        members = [(player, league) for player, league in members if world.coverage(league, season)["players"]]
        if "id" in p:
            response = [{"player": members[0][0].profile(),
                         "statistics": [self.matches.season_block(pl, lg, season) for pl, lg in members]}] if members else []
            return response, 1, 1
        page, current, pages = _page(members, p)
        return [{"player": player.profile(), "statistics": [self.matches.season_block(player, league, season)]}
                for player, league in page], current, pages

    def _recorded_detail_leagues(self, season: int) -> list[int]:
        """The leagues with a fixture of ``season`` recorded with its details."""
        return sorted({item["league"]["id"] for fid, item in self.recorded.fixture_items.items()
                       if item["league"]["season"] == season and self.recorded.has_details(fid)})

    def squads(self, p: dict) -> tuple[list, int, int]:
        world = self.world
        if "team" in p:
            tid, only = int(p["team"]), None
        elif "player" in p:
            player = world.player(int(p["player"]))
            if player is None:
                return [], 1, 1
            tid, only = player.team, player.id
        else:
            raise ParameterError({"required": "At least one parameter is required."})
        club = world.team(tid)
        if club is None:
            return [], 1, 1
        players = [{"id": pl.id, "name": pl.name, "age": pl.age, "number": pl.number, "position": pl.position,
                    "photo": pl.photo()} for pl in world.squad(tid) if only in (None, pl.id)]
        team = club["team"]
        return [{"team": {"id": team["id"], "name": team["name"], "logo": team["logo"]}, "players": players}], 1, 1

    def injuries(self, p: dict) -> tuple[list, int, int]:
        world = self.world
        if "fixture" in p:
            item = world.fixture(int(p["fixture"]))
            fixtures = [item] if item else []
        elif "league" in p:
            fixtures = world.fixtures(int(p["league"]), int(p["season"]))
        elif "ids" in p:
            fixtures = [item for item in (world.fixture(int(i)) for i in p["ids"].split("-")) if item is not None]
        elif "date" in p and "league" not in p and "team" not in p and "player" not in p:
            fixtures = self._season_fixtures({"date": p["date"]})
        elif "team" in p or "player" in p:
            player = world.player(int(p["player"])) if "player" in p else None
            tid = int(p["team"]) if "team" in p else player.team if player else 0
            season = int(p["season"])
            fixtures = [f for league in world.leagues_of_team(tid, season) for f in world.fixtures(league, season)
                        if tid in (f["teams"]["home"]["id"], f["teams"]["away"]["id"])]
        else:
            raise ParameterError({"required": "At least one parameter is required."})
        if "date" in p:
            fixtures = [item for item in fixtures if item["fixture"]["date"][:10] == p["date"]]
        found = []
        for item in fixtures:
            if not world.coverage(item["league"]["id"], item["league"]["season"])["injuries"]:
                continue
            for injury in self.matches.injuries(item["fixture"]["id"]):
                if (("team" not in p or str(injury["team"]["id"]) == p["team"])
                        and ("player" not in p or str(injury["player"]["id"]) == p["player"])):
                    found.append(injury)
        return found, 1, 1

    def transfers(self, p: dict) -> tuple[list, int, int]:
        if "player" in p:
            return self.careers.of_player(int(p["player"])), 1, 1
        if "team" in p:
            return self.careers.of_team(int(p["team"])), 1, 1
        raise ParameterError({"required": "At least one parameter is required."})

    def coachs(self, p: dict) -> tuple[list, int, int]:
        if "id" in p:
            coach = self.careers.coach(int(p["id"]))
            return ([coach] if coach else []), 1, 1
        if "team" in p:
            return self.careers.coaches(int(p["team"])), 1, 1
        if "search" in p:  # among the coaches of the featured leagues' clubs
            return [coach for club in self.world.clubs() for coach in self.careers.coaches(club["team"]["id"])
                    if _ci(p["search"]) in _ci(coach["name"]) + " " + _ci(coach["lastname"])], 1, 1
        raise ParameterError({"required": "At least one parameter is required."})


    # -- reference lists (catalogue.py) -----------------------------------------------------------

    def timezone(self, p: dict) -> tuple[list, int, int]:
        return list(catalogue.TIMEZONES), 1, 1

    def countries(self, p: dict) -> tuple[list, int, int]:
        return [c for c in catalogue.countries(self.world)
                if ("name" not in p or _ci(c["name"]) == _ci(p["name"]))
                and ("code" not in p or _ci(c["code"]) == _ci(p["code"]))
                and ("search" not in p or _ci(p["search"]) in _ci(c["name"]))], 1, 1

    def team_countries(self, p: dict) -> tuple[list, int, int]:
        return catalogue.team_countries(self.world), 1, 1

    def league_seasons(self, p: dict) -> tuple[list, int, int]:
        return catalogue.seasons(self.world), 1, 1

    def player_seasons(self, p: dict) -> tuple[list, int, int]:
        if "player" not in p:
            return catalogue.seasons(self.world), 1, 1
        player = self.world.player(int(p["player"]))
        if player is None:
            return [], 1, 1
        return sorted({s for seasons in self.history.team_seasons(player.team).values() for s in seasons}), 1, 1

    @staticmethod
    def _named(table: dict[int, str], p: dict) -> tuple[list, int, int]:
        return [item for item in catalogue.named(table)
                if ("id" not in p or str(item["id"]) == p["id"])
                and ("search" not in p or _ci(p["search"]) in _ci(item["name"]))], 1, 1

    def odds_bookmakers(self, p: dict) -> tuple[list, int, int]:
        return self._named(catalogue.BOOKMAKERS, p)

    def odds_bets(self, p: dict) -> tuple[list, int, int]:
        return self._named(catalogue.BETS, p)

    def odds_live_bets(self, p: dict) -> tuple[list, int, int]:
        return self._named(catalogue.LIVE_BETS, p)

    # -- fixtures across a season and across seasons ---------------------------------------------

    def fixture_rounds(self, p: dict) -> tuple[list, int, int]:
        items = sorted(self.world.fixtures(int(p["league"]), int(p["season"])),
                       key=lambda f: (f["fixture"]["timestamp"], f["fixture"]["id"]))
        days: dict[str, set[str]] = {}
        for item in items:
            days.setdefault(item["league"].get("round"), set()).add(item["fixture"]["date"][:10])
        rounds = list(days)
        if p.get("current") == "true" and rounds:
            playing = next((f["league"].get("round") for f in items if f["fixture"]["status"]["short"] not in FINISHED), None)
            rounds = [playing or rounds[-1]]
        if p.get("dates") == "true":
            return [{"round": name, "dates": sorted(days[name])} for name in rounds], 1, 1
        return rounds, 1, 1

    def head_to_head(self, p: dict) -> tuple[list, int, int]:
        a, b = (int(t) for t in p["h2h"].split("-"))
        items = sorted(self.history.head_to_head(a, b), key=lambda f: (f["fixture"]["timestamp"], f["fixture"]["id"]))
        statuses = set(p["status"].split("-")) if "status" in p else None
        low, high = p.get("from", "0000-00-00"), p.get("to", "9999-99-99")
        items = [item for item in items
                 if ("league" not in p or str(item["league"]["id"]) == p["league"])
                 and ("season" not in p or str(item["league"]["season"]) == p["season"])
                 and ("date" not in p or item["fixture"]["date"][:10] == p["date"])
                 and low <= item["fixture"]["date"][:10] <= high
                 and (statuses is None or item["fixture"]["status"]["short"] in statuses)
                 and ("venue" not in p or str((item["fixture"].get("venue") or {}).get("id")) == p["venue"])]
        if "last" in p:
            items = [f for f in items if f["fixture"]["status"]["short"] in FINISHED][::-1][: int(p["last"])]
        if "next" in p:
            items = [f for f in items if f["fixture"]["status"]["short"] == "NS"][: int(p["next"])]
        return items, 1, 1

    # -- clubs -----------------------------------------------------------------------------------

    def team_statistics(self, p: dict) -> tuple[list | dict, int, int]:
        world, league, season, tid = self.world, int(p["league"]), int(p["season"]), int(p["team"])
        club = next((c for c in world.roster(league, season) if c["team"]["id"] == tid), None)
        if club is None:
            return [], 1, 1
        played = teamstats.played_fixtures(world.fixtures(league, season), tid, until=p.get("date"))
        block = world.league_block(league, season)
        team = club["team"]
        return {"league": block, "team": {"id": team["id"], "name": team["name"], "logo": team["logo"]},
                **teamstats.statistics(played, tid, self.served)}, 1, 1

    def team_seasons(self, p: dict) -> tuple[list, int, int]:
        seasons = self.history.team_seasons(int(p["team"]))
        return sorted({s for found in seasons.values() for s in found}), 1, 1

    # -- players ---------------------------------------------------------------------------------

    def top_players(self, p: dict, kind: str) -> tuple[list, int, int]:
        world, league, season = self.world, int(p["league"]), int(p["season"])
        if not world.coverage(league, season)[toplists.COVERAGE[kind]]:
            return [], 1, 1
        totals = self.matches.season_stats(league, season)
        members = [player for club in world.roster(league, season) for player in world.squad(club["team"]["id"])]
        members += self.matches.recorded_players(league, season)
        items = [{"player": player.profile(), "statistics": [self.matches.season_block(player, league, season, totals)]}
                 for player in members if player.id in totals]
        return toplists.top(kind, items), 1, 1

    def top_scorers(self, p: dict) -> tuple[list, int, int]:
        return self.top_players(p, "topscorers")

    def top_assists(self, p: dict) -> tuple[list, int, int]:
        return self.top_players(p, "topassists")

    def top_yellow_cards(self, p: dict) -> tuple[list, int, int]:
        return self.top_players(p, "topyellowcards")

    def top_red_cards(self, p: dict) -> tuple[list, int, int]:
        return self.top_players(p, "topredcards")

    @staticmethod
    def _profile(player) -> dict:
        profile = player.profile()
        profile.pop("injured")
        photo = profile.pop("photo")
        return {**profile, "number": player.number, "position": player.position, "photo": photo}

    def player_profiles(self, p: dict) -> tuple[list, int, int]:
        world = self.world
        if "player" in p:
            player = world.player(int(p["player"]))
            members = [player] if player else []
        else:
            members = [player for club in world.clubs() for player in world.squad(club["team"]["id"])]
        if "search" in p:
            members = [player for player in members if _ci(p["search"]) in _ci(player.name)]
        page, current, pages = _page(members, p, PROFILES_PAGE)
        return [{"player": self._profile(player)} for player in page], current, pages

    def player_teams(self, p: dict) -> tuple[list, int, int]:
        player = self.world.player(int(p["player"]))
        club = self.world.team(player.team) if player else None
        if club is None:
            return [], 1, 1
        seasons = sorted({s for found in self.history.team_seasons(player.team).values() for s in found}, reverse=True)
        team = club["team"]
        return [{"team": {"id": team["id"], "name": team["name"], "logo": team["logo"]}, "seasons": seasons}], 1, 1

    # -- people across seasons (history.py) ------------------------------------------------------

    def _people(self, p: dict, key: str, of_player, of_coach) -> tuple[list, int, int]:
        if "player" in p:
            return of_player(int(p["player"])), 1, 1
        if "coach" in p:
            return of_coach(int(p["coach"])), 1, 1
        if "players" in p:
            return [{"id": int(i), key: of_player(int(i))} for i in p["players"].split("-")], 1, 1
        if "coachs" in p:
            return [{"id": int(i), key: of_coach(int(i))} for i in p["coachs"].split("-")], 1, 1
        raise ParameterError({"required": "At least one parameter is required."})

    def trophies(self, p: dict) -> tuple[list, int, int]:
        return self._people(p, "trophies", self.history.player_trophies, self.history.coach_trophies)

    def sidelined(self, p: dict) -> tuple[list, int, int]:
        return self._people(p, "sidelined", lambda pid: list(self.history.spells(pid)), lambda cid: [])

    # -- predictions and odds (predictions.py, odds.py) ------------------------------------------

    def predictions_of(self, p: dict) -> tuple[list, int, int]:
        found = self.predictions.prediction(int(p["fixture"]))
        return ([found] if found else []), 1, 1

    def _priced(self, p: dict) -> list[dict]:
        """The fixtures with odds a request of ``/odds`` or ``/odds/mapping`` asks for."""
        world = self.world
        if "fixture" in p:
            item = world.fixture(int(p["fixture"]))
            items = [item] if item else []
        elif "league" in p:
            items = world.fixtures(int(p["league"]), int(p["season"]))
        elif "date" in p:
            day = date.fromisoformat(p["date"])
            items = [f for league in sorted(world.featured_league_ids()) for f in world.fixtures(league, season_of(day))
                     if f["fixture"]["date"][:10] == p["date"]]
        else:
            items = [f for league in sorted(world.featured_league_ids())
                     for season in (world.current - 1, world.current) for f in world.fixtures(league, season)]
        return [f for f in items if world.coverage(f["league"]["id"], f["league"]["season"])["odds"]
                and odds.offered(f, world.today)]

    def odds(self, p: dict) -> tuple[list, int, int]:
        if not any(name in p for name in ("fixture", "league", "date")):
            raise ParameterError({"required": "At least one parameter is required."})
        page, current, pages = _page(self._priced(p), p, ODDS_PAGE)
        bookmaker = int(p["bookmaker"]) if "bookmaker" in p else None
        bet = int(p["bet"]) if "bet" in p else None
        return [found for item in page if (found := odds.odds_item(self.predictions, item, bookmaker, bet))], current, pages

    def odds_mapping(self, p: dict) -> tuple[list, int, int]:
        page, current, pages = _page(self._priced({}), p, MAPPING_PAGE)
        return [odds.mapping_item(item) for item in page], current, pages

    def odds_live(self, p: dict) -> tuple[list, int, int]:
        """In play: none. A fixture of the sandbox is finished before ``today`` and not started from
        it on, so at its clock no match is being played."""
        return [], 1, 1


ENDPOINTS: dict[str, Spec] = {
    "leagues": Spec(Api.leagues, {"id": "int", "name": "text", "country": "text", "code": "text", "season": "season",
                                  "current": "bool", "type": "text", "search": "search", "team": "int", "last": "int"}),
    "teams": Spec(Api.teams, {"id": "int", "name": "text", "league": "int", "season": "season", "country": "text",
                              "code": "text", "venue": "int", "search": "search"}, with_season=("league",), needs_one=True),
    "venues": Spec(Api.venues, {"id": "int", "name": "text", "city": "text", "country": "text", "search": "search"},
                   needs_one=True),
    "fixtures": Spec(Api.fixtures, {"id": "int", "ids": "ids", "live": "live", "date": "date", "league": "int",
                                    "season": "season", "team": "int", "from": "date", "to": "date", "round": "text",
                                    "status": "text", "venue": "int", "timezone": "text", "last": "int", "next": "int"},
                     with_season=("league", "team"), without_season=("last", "next"), needs_one=True),
    "fixtures/events": Spec(Api.fixture_events, {"fixture": "int", "team": "int", "player": "int", "type": "text"},
                            required=("fixture",)),
    "fixtures/lineups": Spec(Api.fixture_lineups, {"fixture": "int", "team": "int", "player": "int", "type": "text"},
                             required=("fixture",)),
    "fixtures/statistics": Spec(Api.fixture_statistics, {"fixture": "int", "team": "int", "type": "text", "half": "bool"},
                                required=("fixture",)),
    "fixtures/players": Spec(Api.fixture_players, {"fixture": "int", "team": "int"}, required=("fixture",)),
    "standings": Spec(Api.standings, {"league": "int", "season": "season", "team": "int"}, required=("season",)),
    "players": Spec(Api.players, {"id": "int", "team": "int", "league": "int", "season": "season", "search": "search",
                                  "page": "page"}, with_season=("id", "team", "league"), needs_one=True),
    "players/squads": Spec(Api.squads, {"team": "int", "player": "int"}, needs_one=True),
    "injuries": Spec(Api.injuries, {"league": "int", "season": "season", "fixture": "int", "team": "int",
                                    "player": "int", "timezone": "text", "date": "date", "ids": "ids"},
                     with_season=("league", "team", "player"), needs_one=True),
    "transfers": Spec(Api.transfers, {"player": "int", "team": "int"}, needs_one=True),
    "coachs": Spec(Api.coachs, {"id": "int", "team": "int", "search": "search"}, needs_one=True),
    # the other paths of API-Football v3 (openapi.yaml)
    "timezone": Spec(Api.timezone, {}),
    "countries": Spec(Api.countries, {"name": "text", "code": "text", "search": "search"}),
    "leagues/seasons": Spec(Api.league_seasons, {}),
    "teams/statistics": Spec(Api.team_statistics, {"league": "int", "season": "season", "team": "int", "date": "date"},
                             required=("league", "season", "team")),
    "teams/seasons": Spec(Api.team_seasons, {"team": "int"}, required=("team",)),
    "teams/countries": Spec(Api.team_countries, {}),
    "fixtures/rounds": Spec(Api.fixture_rounds, {"league": "int", "season": "season", "current": "bool", "dates": "bool",
                                                 "timezone": "text"}, required=("league", "season")),
    "fixtures/headtohead": Spec(Api.head_to_head, {"h2h": "h2h", "date": "date", "league": "int", "season": "season",
                                                   "last": "int", "next": "int", "from": "date", "to": "date",
                                                   "status": "text", "venue": "int", "timezone": "text"}, required=("h2h",)),
    "predictions": Spec(Api.predictions_of, {"fixture": "int"}, required=("fixture",)),
    "players/seasons": Spec(Api.player_seasons, {"player": "int"}),
    "players/profiles": Spec(Api.player_profiles, {"player": "int", "search": "search", "page": "page"}),
    "players/teams": Spec(Api.player_teams, {"player": "int"}, required=("player",)),
    "players/topscorers": Spec(Api.top_scorers, {"league": "int", "season": "season"}, required=("league", "season")),
    "players/topassists": Spec(Api.top_assists, {"league": "int", "season": "season"}, required=("league", "season")),
    "players/topyellowcards": Spec(Api.top_yellow_cards, {"league": "int", "season": "season"},
                                   required=("league", "season")),
    "players/topredcards": Spec(Api.top_red_cards, {"league": "int", "season": "season"}, required=("league", "season")),
    "trophies": Spec(Api.trophies, {"player": "int", "players": "idlist", "coach": "int", "coachs": "idlist"},
                     needs_one=True),
    "sidelined": Spec(Api.sidelined, {"player": "int", "players": "idlist", "coach": "int", "coachs": "idlist"},
                      needs_one=True),
    "odds/live": Spec(Api.odds_live, {"fixture": "int", "league": "int", "bet": "int"}),
    "odds/live/bets": Spec(Api.odds_live_bets, {"id": "int", "search": "search"}),
    "odds": Spec(Api.odds, {"fixture": "int", "league": "int", "season": "season", "date": "date", "timezone": "text",
                            "page": "page", "bookmaker": "int", "bet": "int"}, with_season=("league",), needs_one=True),
    "odds/mapping": Spec(Api.odds_mapping, {"page": "page"}),
    "odds/bookmakers": Spec(Api.odds_bookmakers, {"id": "int", "search": "search"}),
    "odds/bets": Spec(Api.odds_bets, {"id": "int", "search": "search"}),
}
