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

from . import standings
from .careers import Careers
from .matches import NO_DETAILS, Matches
from .memo import Memo
from .recorded import Recorded
from .world import World, season_of

PAGE_SIZE = 20
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
    #: parameter name -> kind of value (int, page, season, date, bool, ids, search, text, live)
    params: dict[str, str]
    #: names that must be present
    required: tuple[str, ...] = ()
    #: names that need ``season`` with them
    with_season: tuple[str, ...] = ()
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
        if any(name in params for name in self.with_season) and "season" not in params:
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


def _page(items: list, params: dict) -> tuple[list, int, int]:
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page = int(params.get("page", 1))
    return items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], page, pages


class Api:
    def __init__(self, recorded: Recorded, world: World, plan_seasons: tuple[int, int] | None = None):
        self.recorded, self.world, self.plan_seasons = recorded, world, plan_seasons
        self.careers = Careers(world)
        self.matches = Matches(world, self.careers)
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
        found = []
        for league in ids:
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
        if not any(name in p for name in ("league", "team", "date")):
            raise ParameterError({"league": "The League field is required."})
        items = self._season_fixtures(p)
        statuses = set(p["status"].split("-")) if "status" in p else None
        low, high = p.get("from", "0000-00-00"), p.get("to", "9999-99-99")
        team = int(p["team"]) if "team" in p else None
        return [
            item for item in items
            if (team is None or team in (item["teams"]["home"]["id"], item["teams"]["away"]["id"]))
            and ("date" not in p or item["fixture"]["date"][:10] == p["date"])
            and low <= item["fixture"]["date"][:10] <= high
            and ("round" not in p or item["league"].get("round") == p["round"])
            and (statuses is None or item["fixture"]["status"]["short"] in statuses)
            and ("venue" not in p or str((item["fixture"].get("venue") or {}).get("id")) == p["venue"])
        ], 1, 1

    def _details_of(self, p: dict, kind: str) -> list:
        item = self.world.fixture(int(p["fixture"]))
        if item is None:
            return []
        if self.recorded.has_details(item["fixture"]["id"]):
            details = item
        elif self._covered(item, kind):
            details = self.matches.details(item["fixture"]["id"])
        else:
            details = NO_DETAILS
        found = details.get(kind) or []
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
        return self._details_of(p, "lineups"), 1, 1

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
        elif "team" in p or "player" in p:
            player = world.player(int(p["player"])) if "player" in p else None
            tid = int(p["team"]) if "team" in p else player.team if player else 0
            season = int(p["season"])
            fixtures = [f for league in world.leagues_of_team(tid, season) for f in world.fixtures(league, season)
                        if tid in (f["teams"]["home"]["id"], f["teams"]["away"]["id"])]
        else:
            raise ParameterError({"required": "At least one parameter is required."})
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
        raise ParameterError({"required": "At least one parameter is required."})


ENDPOINTS: dict[str, Spec] = {
    "leagues": Spec(Api.leagues, {"id": "int", "name": "text", "country": "text", "code": "text", "season": "season",
                                  "current": "bool", "type": "text", "search": "search"}),
    "teams": Spec(Api.teams, {"id": "int", "name": "text", "league": "int", "season": "season", "country": "text",
                              "code": "text", "venue": "int", "search": "search"}, with_season=("league",), needs_one=True),
    "venues": Spec(Api.venues, {"id": "int", "name": "text", "city": "text", "country": "text", "search": "search"},
                   needs_one=True),
    "fixtures": Spec(Api.fixtures, {"id": "int", "ids": "ids", "live": "live", "date": "date", "league": "int",
                                    "season": "season", "team": "int", "from": "date", "to": "date", "round": "text",
                                    "status": "text", "venue": "int", "timezone": "text"},
                     with_season=("league", "team"), needs_one=True),
    "fixtures/events": Spec(Api.fixture_events, {"fixture": "int", "team": "int", "player": "int", "type": "text"},
                            required=("fixture",)),
    "fixtures/lineups": Spec(Api.fixture_lineups, {"fixture": "int", "team": "int"}, required=("fixture",)),
    "fixtures/statistics": Spec(Api.fixture_statistics, {"fixture": "int", "team": "int", "type": "text"},
                                required=("fixture",)),
    "fixtures/players": Spec(Api.fixture_players, {"fixture": "int", "team": "int"}, required=("fixture",)),
    "standings": Spec(Api.standings, {"league": "int", "season": "season", "team": "int"}, required=("season",)),
    "players": Spec(Api.players, {"id": "int", "team": "int", "league": "int", "season": "season", "search": "search",
                                  "page": "page"}, with_season=("id", "team", "league"), needs_one=True),
    "players/squads": Spec(Api.squads, {"team": "int", "player": "int"}, needs_one=True),
    "injuries": Spec(Api.injuries, {"league": "int", "season": "season", "fixture": "int", "team": "int",
                                    "player": "int", "timezone": "text"},
                     with_season=("league", "team", "player"), needs_one=True),
    "transfers": Spec(Api.transfers, {"player": "int", "team": "int"}, needs_one=True),
    "coachs": Spec(Api.coachs, {"id": "int", "team": "int"}, needs_one=True),
}
