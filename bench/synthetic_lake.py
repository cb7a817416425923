"""Lakes for the dbt tests and the dbt benchmark, laid out exactly as ingestion writes them.

* :func:`write_synthetic_lake`: a deterministic, internally consistent API-Football lake for N
  leagues x M seasons: 20 teams a league in a double round-robin (380 fixtures a league-season),
  standings computed from those fixtures (with a points deduction for one team in one closed season,
  so ``points_adjustment`` has something to find), teams, venues, leagues with seasons and coverage,
  players whose goals add up to their team's, and fixture details (events, lineups, statistics,
  players) for the last rounds. Closed seasons are fetched once, during a backfill; the current
  season is fetched again every day (one more round finished each day), as the refresh policy does,
  and fixture details hold only the fixtures newly finished on each date. Optional cups (four groups,
  then knock-out rounds with extra time and penalties) exercise group-stage tables.
* :func:`write_recorded_lake`: the real recorded responses of ``tests/data/api-football`` laid out
  as partitions, plus the files readers must never read (``_pages/``, ``_out_of_plan.json``).
* :func:`add_day`: one more day of ingestion of the current season, for incremental runs.

Every key comes from :func:`pitchlake.lake.partition_key` (the lake protocol's own layout), so
whatever reads these lakes reads a lake produced by ``pitchlake ingest`` unchanged.

    python bench/synthetic_lake.py ./lake --leagues 20 --seasons 10
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

try:
    from pitchlake.lake import DEFAULT_LAYOUT, partition_key
except ImportError:  # a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
    from pitchlake.lake import DEFAULT_LAYOUT, partition_key

REPO = Path(__file__).resolve().parents[1]
RECORDED = REPO / "tests" / "data" / "api-football"

PARTITION_KEYS = {
    "leagues": ("league_id",),
    "teams": ("season", "league_id"),
    "venues": ("country",),
    "fixtures": ("season", "league_id"),
    "fixture_details": ("season", "league_id"),
    "standings": ("season", "league_id"),
    "players": ("season", "league_id"),
    "players_squads": ("team_id",),
    "injuries": ("season", "league_id"),
    "transfers": ("team_id",),
    "coachs": ("team_id",),
}

COUNTRIES = [
    ("England", "GB"), ("Spain", "ES"), ("Italy", "IT"), ("Germany", "DE"), ("France", "FR"),
    ("Portugal", "PT"), ("Netherlands", "NL"), ("Belgium", "BE"), ("Scotland", "GB"), ("Turkey", "TR"),
    ("Greece", "GR"), ("Austria", "AT"), ("Switzerland", "CH"), ("Denmark", "DK"), ("Norway", "NO"),
]
CITY_PARTS = ["North", "South", "East", "West", "Port", "Old", "New", "Upper", "Lower", "Saint"]
CITY_ROOTS = ["ford", "ham", "bury", "ton", "wich", "field", "mouth", "chester", "burgh", "stead"]
CLUB_SUFFIXES = ["United", "City", "Rovers", "Athletic", "Town", "Wanderers", "Albion", "Rangers", "County", "FC"]
FIRST_NAMES = ["Alex", "Ben", "Carlos", "Dario", "Emil", "Felix", "Goran", "Hugo", "Ivan", "Jonas", "Kai", "Luis",
               "Marco", "Nico", "Oscar", "Pavel", "Rui", "Sami", "Tomas", "Victor"]
LAST_NAMES = ["Adler", "Berg", "Costa", "Dahl", "Eriksen", "Ferreira", "Garcia", "Hansen", "Ito", "Jensen", "Klein",
              "Lopez", "Moreau", "Novak", "Olsen", "Petit", "Rossi", "Silva", "Torres", "Weber"]
POSITIONS = ["Goalkeeper"] * 2 + ["Defender"] * 6 + ["Midfielder"] * 6 + ["Attacker"] * 4
POS_SHORT = {"Goalkeeper": "G", "Defender": "D", "Midfielder": "M", "Attacker": "F"}
HOME_GOALS = [25, 33, 23, 11, 5, 3]
AWAY_GOALS = [33, 35, 20, 8, 3, 1]
COVERAGE = {
    "fixtures": {"events": True, "lineups": True, "statistics_fixtures": True, "statistics_players": True},
    "standings": True, "players": True, "top_scorers": True, "top_assists": True, "top_cards": True,
    "injuries": True, "predictions": True, "odds": False,
}
FIRST_SYNTHETIC_LEAGUE = 7001
FIRST_SYNTHETIC_CUP = 8001


# --------------------------------------------------------------------------------------------
# writing partitions


def data_key(endpoint: str, partition: dict[str, Any], ingestion_date: date | str) -> str:
    """The lake key of a partition's data.json, from the lake protocol's default layout."""
    return partition_key(DEFAULT_LAYOUT, endpoint, PARTITION_KEYS[endpoint], partition, str(ingestion_date))


def envelope(get: str, parameters: dict[str, Any], response: list, *, pages: int = 1) -> dict:
    return {
        "get": get,
        "parameters": {key: str(value) for key, value in parameters.items()},
        "errors": [],
        "results": len(response),
        "paging": {"current": pages, "total": pages},
        "response": response,
    }


def write_partition(root: Path, endpoint: str, partition: dict[str, Any], ingestion_date: date | str, body: dict) -> Path:
    path = Path(root) / data_key(endpoint, partition, ingestion_date)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# the synthetic world


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    code: str
    city: str
    country: str
    founded: int
    national: bool
    venue_id: int
    venue_name: str
    capacity: int

    def ref(self) -> dict:
        return {"id": self.id, "name": self.name, "logo": f"https://media.api-sports.io/football/teams/{self.id}.png"}

    def venue(self) -> dict:
        return {
            "id": self.venue_id, "name": self.venue_name, "address": f"{self.id % 97 + 1} Stadium Road",
            "city": self.city, "country": self.country, "capacity": self.capacity,
            "surface": "grass" if self.id % 5 else "artificial turf",
            "image": f"https://media.api-sports.io/football/venues/{self.venue_id}.png",
        }


@dataclass(frozen=True)
class League:
    id: int
    name: str
    type: str
    country: str
    country_code: str | None
    teams: tuple[Team, ...]
    groups: tuple[tuple[Team, ...], ...] = ()

    def ref(self, season: int) -> dict:
        return {
            "id": self.id, "name": self.name, "country": self.country,
            "logo": f"https://media.api-sports.io/football/leagues/{self.id}.png",
            "flag": f"https://media.api-sports.io/flags/{(self.country_code or 'xx').lower()}.svg" if self.country_code else None,
            "season": season,
        }


@dataclass
class Match:
    """One fixture of a league season, its result decided once (deterministically) up front."""

    id: int
    league: League
    season: int
    round: str
    round_index: int
    kickoff: datetime
    home: Team
    away: Team
    home_goals: int
    away_goals: int
    home_ht: int
    away_ht: int
    extratime: tuple[int, int] | None = None
    penalties: tuple[int, int] | None = None
    postponed: bool = False
    scorers: list[tuple[int, Team, int, int | None]] = field(default_factory=list)  # minute, team, player, assist

    def status(self, finished: bool) -> tuple[str, str, int | None]:
        if self.postponed:
            return "PST", "Match Postponed", None
        if not finished:
            return "NS", "Not Started", None
        if self.penalties:
            return "PEN", "Match Finished", 120
        if self.extratime:
            return "AET", "Match Finished", 120
        return "FT", "Match Finished", 90

    def item(self, finished: bool) -> dict:
        short, long, elapsed = self.status(finished)
        played = short in ("FT", "AET", "PEN")
        kickoff = int(self.kickoff.timestamp())
        home_total = self.home_goals + (self.extratime[0] if self.extratime else 0)
        away_total = self.away_goals + (self.extratime[1] if self.extratime else 0)
        if played:
            if self.penalties:
                home_wins = self.penalties[0] > self.penalties[1]
            else:
                home_wins = home_total > away_total if home_total != away_total else None
            winners = (home_wins, None if home_wins is None else not home_wins)
        else:
            winners = (None, None)
        pair = lambda h, a: {"home": h, "away": a}  # noqa: E731
        nulls = pair(None, None)
        return {
            "fixture": {
                "id": self.id, "referee": f"{FIRST_NAMES[self.id % 20][0]}. {LAST_NAMES[self.id // 20 % 20]}" if played else None,
                "timezone": "UTC", "date": self.kickoff.isoformat(), "timestamp": kickoff,
                "periods": {"first": kickoff if played else None, "second": kickoff + 3600 if played else None},
                "venue": {"id": self.home.venue_id, "name": self.home.venue_name, "city": self.home.city},
                "status": {"long": long, "short": short, "elapsed": elapsed, "extra": None},
            },
            "league": {**self.league.ref(self.season), "round": self.round, "standings": True},
            "teams": {
                "home": {**self.home.ref(), "winner": winners[0]},
                "away": {**self.away.ref(), "winner": winners[1]},
            },
            "goals": pair(home_total, away_total) if played else nulls,
            "score": {
                "halftime": pair(self.home_ht, self.away_ht) if played else nulls,
                "fulltime": pair(self.home_goals, self.away_goals) if played else nulls,
                "extratime": pair(*self.extratime) if played and self.extratime else nulls,
                "penalty": pair(*self.penalties) if played and self.penalties else nulls,
            },
        }


def _rng(*parts: Any) -> random.Random:
    return random.Random("-".join(str(part) for part in parts))  # str seeds are stable across runs


def _weighted(rng: random.Random, weights: list[int]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]


def _team(team_id: int, country: str, national: bool = False) -> Team:
    rng = _rng("team", team_id)
    if national:
        name = city = f"{country} {team_id % 1000}"
    else:
        city = rng.choice(CITY_PARTS) + rng.choice(CITY_ROOTS)
        name = f"{city} {rng.choice(CLUB_SUFFIXES)}"
    return Team(
        id=team_id, name=name, code=name[:3].upper(), city=city, country=country,
        founded=rng.randint(1860, 1990), national=national, venue_id=team_id + 50000,
        venue_name=f"{city} Stadium", capacity=rng.randrange(8000, 75000, 50),
    )


def make_league(index: int) -> League:
    country, code = COUNTRIES[(index // 2) % len(COUNTRIES)]
    cycle = index // (2 * len(COUNTRIES))
    tier = index % 2 + 1
    league_id = FIRST_SYNTHETIC_LEAGUE + index
    name = f"{country} Division {tier}" + (f" ({cycle + 1})" if cycle else "")
    teams = tuple(_team(10000 + index * 100 + k, country) for k in range(20))
    return League(id=league_id, name=name, type="League", country=country, country_code=code, teams=teams)


def make_cup(index: int) -> League:
    teams = tuple(_team(30000 + index * 100 + k, "World", national=True) for k in range(16))
    groups = tuple(teams[g * 4:(g + 1) * 4] for g in range(4))
    return League(id=FIRST_SYNTHETIC_CUP + index, name=f"Synthetic Cup {index + 1}", type="Cup",
                  country="World", country_code=None, teams=teams, groups=groups)


def players_of(team: Team) -> list[dict]:
    """The (stable) squad of a team: 18 players, ids derived from the team id."""
    squad = []
    for number in range(18):
        player_id = 1_000_000 + team.id * 20 + number
        rng = _rng("player", player_id)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        squad.append({
            "id": player_id, "name": f"{first[0]}. {last}", "firstname": first, "lastname": last,
            "birth": {"date": date(1985 + rng.randrange(18), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
                      "place": team.city, "country": team.country},
            "nationality": team.country, "height": f"{rng.randint(168, 198)} cm", "weight": f"{rng.randint(62, 92)} kg",
            "position": POSITIONS[number], "number": number + 1,
        })
    return squad


def _scorers(rng: random.Random, team: Team, goals: int, minutes: Iterable[int]) -> list[tuple[int, Team, int, int | None]]:
    squad = players_of(team)
    outfield = [p for p in squad if p["position"] != "Goalkeeper"]
    weights = [6 if p["position"] == "Attacker" else 3 if p["position"] == "Midfielder" else 1 for p in outfield]
    result = []
    for minute in sorted(minutes)[:goals]:
        scorer = rng.choices(outfield, weights=weights)[0]
        assist = rng.choice([p for p in outfield if p["id"] != scorer["id"]])["id"] if rng.random() < 0.7 else None
        result.append((minute, team, scorer["id"], assist))
    return result


def _decide(match_id: int, league: League, season: int, round_name: str, round_index: int, kickoff: datetime,
            home: Team, away: Team, knockout: bool = False) -> Match:
    rng = _rng("match", match_id)
    home_goals, away_goals = _weighted(rng, HOME_GOALS), _weighted(rng, AWAY_GOALS)
    home_minutes = [rng.randint(1, 90) for _ in range(home_goals)]
    away_minutes = [rng.randint(1, 90) for _ in range(away_goals)]
    home_ht = sum(1 for m in home_minutes if m <= 45)
    away_ht = sum(1 for m in away_minutes if m <= 45)
    extratime = penalties = None
    if knockout and home_goals == away_goals:
        extra = (int(rng.random() < 0.3), int(rng.random() < 0.3))
        extratime = extra
        home_minutes += [rng.randint(91, 120) for _ in range(extra[0])]
        away_minutes += [rng.randint(91, 120) for _ in range(extra[1])]
        if extra[0] == extra[1]:
            penalties = (4, 2) if rng.random() < 0.5 else (3, 5)
    match = Match(match_id, league, season, round_name, round_index, kickoff, home, away, home_goals, away_goals,
                  home_ht, away_ht, extratime, penalties)
    match.scorers = sorted(
        _scorers(rng, home, len(home_minutes), home_minutes) + _scorers(rng, away, len(away_minutes), away_minutes),
        key=lambda s: s[0],
    )
    return match


def round_robin(teams: tuple[Team, ...]) -> list[list[tuple[Team, Team]]]:
    """Double round-robin by the circle method: 2 x (n - 1) rounds of n / 2 matches."""
    n = len(teams)
    order = list(teams)
    rounds = []
    for r in range(n - 1):
        pairs = []
        for m in range(n // 2):
            a, b = order[m], order[n - 1 - m]
            pairs.append((a, b) if (r + m) % 2 == 0 else (b, a))
        rounds.append(pairs)
        order = [order[0], order[-1], *order[1:-1]]
    return rounds + [[(away, home) for home, away in pairs] for pairs in rounds]


def season_matches(league: League, season: int, first_id: int) -> list[Match]:
    start = datetime(season, 8, 10, 15, 0, tzinfo=timezone.utc)
    matches: list[Match] = []
    if league.type == "League":
        for r, pairs in enumerate(round_robin(league.teams)):
            for m, (home, away) in enumerate(pairs):
                kickoff = start + timedelta(days=7 * r, hours=2 * m)
                matches.append(_decide(first_id + len(matches), league, season, f"Regular Season - {r + 1}", r, kickoff, home, away))
        return matches
    # a cup: four groups of four (single round-robin), then quarter-finals, semi-finals, final
    for r in range(3):
        for g, group in enumerate(league.groups):
            for m, (home, away) in enumerate(round_robin(group)[r]):
                kickoff = start + timedelta(days=4 * r, hours=3 * g + m)
                matches.append(_decide(first_id + len(matches), league, season, f"Group {'ABCD'[g]} - {r + 1}", r, kickoff, home, away))
    table = {}
    for match in matches:
        for team, gf, ga in ((match.home, match.home_goals, match.away_goals), (match.away, match.away_goals, match.home_goals)):
            row = table.setdefault(team.id, [0, 0, 0, team])
            row[0] += 3 if gf > ga else 1 if gf == ga else 0
            row[1] += gf - ga
            row[2] += gf
    ranked = [sorted((table[t.id] for t in group), key=lambda row: (-row[0], -row[1], -row[2], row[3].name)) for group in league.groups]
    qualified = [(ranked[0][0][3], ranked[1][1][3]), (ranked[1][0][3], ranked[0][1][3]),
                 (ranked[2][0][3], ranked[3][1][3]), (ranked[3][0][3], ranked[2][1][3])]
    for r, name in enumerate(("Quarter-finals", "Semi-finals", "Final")):
        next_round = []
        for m, (home, away) in enumerate(qualified):
            kickoff = start + timedelta(days=14 + 5 * r, hours=3 * m)
            match = _decide(first_id + len(matches), league, season, name, 3 + r, kickoff, home, away, knockout=True)
            matches.append(match)
            home_total = match.home_goals + (match.extratime[0] if match.extratime else 0)
            away_total = match.away_goals + (match.extratime[1] if match.extratime else 0)
            if match.penalties:
                winner = home if match.penalties[0] > match.penalties[1] else away
            else:
                winner = home if home_total > away_total else away
            next_round.append(winner)
        qualified = list(zip(next_round[::2], next_round[1::2]))
    return matches


def standings_rows(league: League, season: int, matches: list[Match], finished_rounds: int, deductions: dict[int, int],
                   updated: str) -> list[list[dict]]:
    """The API's standings: one table per group, from the finished group/league matches."""
    played = [m for m in matches if m.round_index < finished_rounds and not m.postponed
              and (m.round.startswith("Regular Season") or m.round.startswith("Group"))]
    groups = league.groups or (league.teams,)
    tables = []
    for g, group in enumerate(groups):
        group_name = league.name if league.type == "League" else f"Group {'ABCD'[g]}"
        stats = {t.id: {"all": [0] * 6, "home": [0] * 6, "away": [0] * 6, "form": []} for t in group}
        for m in sorted(played, key=lambda m: m.kickoff):
            for team, side, gf, ga in ((m.home, "home", m.home_goals, m.away_goals), (m.away, "away", m.away_goals, m.home_goals)):
                if team.id not in stats:
                    continue
                outcome = 1 if gf > ga else 2 if gf == ga else 3
                for split in ("all", side):
                    row = stats[team.id][split]
                    row[0] += 1
                    row[outcome] += 1
                    row[4] += gf
                    row[5] += ga
                stats[team.id]["form"].append("WDL"[outcome - 1])
        rows = []
        for team in group:
            s = stats[team.id]["all"]
            points = 3 * s[1] + s[2] + deductions.get(team.id, 0)
            rows.append((team, points, s[4] - s[5], s[4]))
        rows.sort(key=lambda r: (-r[1], -r[2], -r[3], r[0].name))
        table = []
        for rank, (team, points, diff, _) in enumerate(rows, start=1):
            split = lambda name: {  # noqa: E731
                "played": stats[team.id][name][0], "win": stats[team.id][name][1], "draw": stats[team.id][name][2],
                "lose": stats[team.id][name][3], "goals": {"for": stats[team.id][name][4], "against": stats[team.id][name][5]},
            }
            description = None
            if league.type == "League" and rank <= 4:
                description = "Promotion - Champions League (Group Stage: )"
            elif league.type == "League" and rank > len(group) - 3:
                description = "Relegation - Division 2"
            elif league.type == "Cup" and rank <= 2:
                description = "Promotion - Quarter-finals"
            table.append({
                "rank": rank, "team": team.ref(), "points": points, "goalsDiff": diff, "group": group_name,
                "form": "".join(stats[team.id]["form"][-5:]) or None, "status": "same", "description": description,
                "all": split("all"), "home": split("home"), "away": split("away"), "update": updated,
            })
        tables.append(table)
    return tables


def player_season_items(league: League, season: int, matches: list[Match], finished_rounds: int) -> list[dict]:
    finished = [m for m in matches if m.round_index < finished_rounds and not m.postponed]
    goals: dict[int, int] = {}
    assists: dict[int, int] = {}
    team_played: dict[int, int] = {}
    conceded: dict[int, int] = {}
    for m in finished:
        for _, _, scorer, assist in m.scorers:
            goals[scorer] = goals.get(scorer, 0) + 1
            if assist:
                assists[assist] = assists.get(assist, 0) + 1
        for team, against in ((m.home, m.away_goals), (m.away, m.home_goals)):
            team_played[team.id] = team_played.get(team.id, 0) + 1
            conceded[team.id] = conceded.get(team.id, 0) + against
    items = []
    for team in league.teams:
        for player in players_of(team):
            rng = _rng("season", player["id"], season)
            apps = max(0, team_played.get(team.id, 0) - rng.randint(0, 6)) if player["number"] <= 16 else 0
            keeper = player["position"] == "Goalkeeper"
            born = date.fromisoformat(player["birth"]["date"])
            items.append({
                "player": {
                    key: player[key] for key in ("id", "name", "firstname", "lastname", "birth", "nationality", "height", "weight")
                } | {"age": season - born.year, "injured": False,
                     "photo": f"https://media.api-sports.io/football/players/{player['id']}.png"},
                "statistics": [{
                    "team": team.ref(),
                    "league": league.ref(season),
                    "games": {"appearences": apps, "lineups": max(0, apps - rng.randint(0, 3)), "minutes": apps * rng.randint(60, 90),
                              "number": player["number"], "position": player["position"],
                              "rating": f"{rng.uniform(6.0, 7.8):.6f}" if apps else None, "captain": player["number"] == 4},
                    "substitutes": {"in": rng.randint(0, 3), "out": rng.randint(0, 5), "bench": rng.randint(0, 8)},
                    "shots": {"total": goals.get(player["id"], 0) * 3 + rng.randint(0, 9), "on": goals.get(player["id"], 0) + rng.randint(0, 4)},
                    "goals": {"total": goals.get(player["id"], 0), "conceded": conceded.get(team.id, 0) if keeper and player["number"] == 1 else 0,
                              "assists": assists.get(player["id"], 0), "saves": rng.randint(0, 90) if keeper else None},
                    "passes": {"total": apps * rng.randint(10, 60), "key": rng.randint(0, 40), "accuracy": rng.randint(60, 92)},
                    "tackles": {"total": rng.randint(0, 60), "blocks": rng.randint(0, 15), "interceptions": rng.randint(0, 40)},
                    "duels": {"total": apps * rng.randint(3, 12), "won": apps * rng.randint(1, 6)},
                    "dribbles": {"attempts": rng.randint(0, 50), "success": rng.randint(0, 25), "past": None},
                    "fouls": {"drawn": rng.randint(0, 40), "committed": rng.randint(0, 40)},
                    "cards": {"yellow": rng.randint(0, 8), "yellowred": 0, "red": int(rng.random() < 0.05)},
                    "penalty": {"won": None, "commited": None, "scored": 0, "missed": 0, "saved": 0 if keeper else None},
                }],
            })
    return items


def detail_item(match: Match) -> dict:
    """A fixture as ``fixtures?ids=`` returns it: events, lineups, statistics and players embedded."""
    item = match.item(finished=True)
    rng = _rng("details", match.id)
    squads = {match.home.id: players_of(match.home), match.away.id: players_of(match.away)}
    names = {p["id"]: p["name"] for squad in squads.values() for p in squad}
    events = []
    for minute, team, scorer, assist in match.scorers:
        events.append({"time": {"elapsed": min(minute, 120), "extra": None}, "team": team.ref(),
                       "player": {"id": scorer, "name": names[scorer]},
                       "assist": {"id": assist, "name": names.get(assist)}, "type": "Goal", "detail": "Normal Goal", "comments": None})
    for team in (match.home, match.away):
        for n in range(rng.randint(0, 3)):
            player = rng.choice(squads[team.id][2:16])
            events.append({"time": {"elapsed": rng.randint(5, 90), "extra": None}, "team": team.ref(),
                           "player": {"id": player["id"], "name": player["name"]}, "assist": {"id": None, "name": None},
                           "type": "Card", "detail": "Yellow Card", "comments": "Foul"})
        for n in range(3):
            off, on = squads[team.id][5 + n], squads[team.id][11 + n]
            events.append({"time": {"elapsed": 60 + 8 * n, "extra": None}, "team": team.ref(),
                           "player": {"id": off["id"], "name": off["name"]}, "assist": {"id": on["id"], "name": on["name"]},
                           "type": "subst", "detail": f"Substitution {n + 1}", "comments": None})
    events.sort(key=lambda e: e["time"]["elapsed"])
    lineups = []
    for team in (match.home, match.away):
        squad = squads[team.id]
        starters = [squad[0], *squad[2:12]]
        bench = [squad[1], *squad[12:18]]
        entry = lambda p, grid: {"player": {"id": p["id"], "name": p["name"], "number": p["number"],  # noqa: E731
                                            "pos": POS_SHORT[p["position"]], "grid": grid}}
        lineups.append({
            "team": {**team.ref(), "colors": None}, "coach": {"id": team.id + 90000, "name": f"Coach {team.name}", "photo": None},
            "formation": "4-4-2", "startXI": [entry(p, f"{1 + i // 4}:{1 + i % 4}") for i, p in enumerate(starters)],
            "substitutes": [entry(p, None) for p in bench],
        })
    possession = rng.randint(35, 65)
    statistics = []
    for team, share, goals in ((match.home, possession, item["goals"]["home"]), (match.away, 100 - possession, item["goals"]["away"])):
        on = goals + rng.randint(0, 6)
        statistics.append({"team": team.ref(), "statistics": [
            {"type": "Shots on Goal", "value": on}, {"type": "Shots off Goal", "value": rng.randint(0, 9)},
            {"type": "Total Shots", "value": on + rng.randint(2, 12)}, {"type": "Fouls", "value": rng.randint(5, 18)},
            {"type": "Corner Kicks", "value": rng.randint(0, 11)}, {"type": "Offsides", "value": rng.randint(0, 5)},
            {"type": "Ball Possession", "value": f"{share}%"}, {"type": "Yellow Cards", "value": None},
            {"type": "Goalkeeper Saves", "value": rng.randint(0, 8)}, {"type": "Passes %", "value": f"{rng.randint(65, 90)}%"},
        ]})
    players = []
    for team in (match.home, match.away):
        squad = squads[team.id]
        players.append({"team": {**team.ref(), "update": match.kickoff.isoformat()}, "players": [
            {"player": {"id": p["id"], "name": p["name"], "photo": None}, "statistics": [{
                "games": {"minutes": 90, "number": p["number"], "position": POS_SHORT[p["position"]],
                          "rating": f"{rng.uniform(6, 8):.1f}", "captain": p["number"] == 4, "substitute": False},
                "goals": {"total": sum(1 for s in match.scorers if s[2] == p["id"]) or None, "conceded": 0,
                          "assists": sum(1 for s in match.scorers if s[3] == p["id"]) or None, "saves": None},
            }]} for p in [squad[0], *squad[2:12]]
        ]})
    return item | {"events": events, "lineups": lineups, "statistics": statistics, "players": players}


# --------------------------------------------------------------------------------------------
# the lake


@dataclass
class SyntheticLake:
    """What was written, for tests to check against and for :func:`add_day`."""

    root: Path
    leagues: list[League]
    seasons: list[int]
    current_season: int
    first_day: date
    days: int
    current_rounds: int
    detail_rounds: int
    matches: dict[tuple[int, int], list[Match]]
    deductions: dict[tuple[int, int], dict[int, int]]
    files: int = 0
    bytes: int = 0

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def finished_rounds(self, season: int, day_index: int, league: League) -> int:
        total = max(m.round_index for m in self.matches[(league.id, season)]) + 1
        if season != self.current_season:
            return total
        return min(total, self.current_rounds + day_index)

    @property
    def fixtures(self) -> int:
        return sum(len(matches) for matches in self.matches.values())


def _write(lake: SyntheticLake, endpoint: str, partition: dict, day: date, body: dict) -> None:
    path = write_partition(lake.root, endpoint, partition, day, body)
    lake.files += 1
    lake.bytes += path.stat().st_size


def _write_season(lake: SyntheticLake, league: League, season: int, day: date, day_index: int, *, details_from: int) -> None:
    """Every season-keyed endpoint of one league season, as fetched on ``day``; fixture details for
    the finished rounds from ``details_from`` on (the ones not fetched on an earlier date)."""
    matches = lake.matches[(league.id, season)]
    finished_rounds = lake.finished_rounds(season, day_index, league)
    partition = {"season": season, "league_id": league.id}
    params = {"league": league.id, "season": season}
    _write(lake, "fixtures", partition, day,
           envelope("fixtures", params, [m.item(m.round_index < finished_rounds) for m in matches]))
    _write(lake, "teams", partition, day,
           envelope("teams", params, [{"team": {"id": t.id, "name": t.name, "code": t.code, "country": t.country, "founded": t.founded,
                                                "national": t.national, "logo": t.ref()["logo"]}, "venue": t.venue()} for t in league.teams]))
    tables = standings_rows(league, season, matches, finished_rounds, lake.deductions.get((league.id, season), {}),
                            f"{day.isoformat()}T00:00:00+00:00")
    _write(lake, "standings", partition, day,
           envelope("standings", params, [{"league": league.ref(season) | {"standings": tables}}]))
    players = player_season_items(league, season, matches, finished_rounds)
    _write(lake, "players", partition, day, envelope("players", params, players, pages=math.ceil(len(players) / 20)))
    detailed = [m for m in matches if details_from <= m.round_index < finished_rounds and not m.postponed]
    if detailed:
        ids = "-".join(str(m.id) for m in detailed[:20])
        _write(lake, "fixture_details", partition, day, envelope("fixtures", {"ids": ids}, [detail_item(m) for m in detailed]))


def _write_leagues_and_venues(lake: SyntheticLake, day: date) -> None:
    for league in lake.leagues:
        seasons = [{
            "year": season, "start": f"{season}-08-10", "end": f"{season + 1}-05-31", "current": season == lake.current_season,
            "coverage": COVERAGE,
        } for season in lake.seasons]
        _write(lake, "leagues", {"league_id": league.id}, day, envelope("leagues", {"id": league.id}, [{
            "league": {"id": league.id, "name": league.name, "type": league.type,
                       "logo": f"https://media.api-sports.io/football/leagues/{league.id}.png"},
            "country": {"name": league.country, "code": league.country_code,
                        "flag": f"https://media.api-sports.io/flags/{(league.country_code or 'xx').lower()}.svg" if league.country_code else None},
            "seasons": seasons,
        }]))
    countries: dict[str, list[Team]] = {}
    for league in lake.leagues:
        if league.type == "League":
            countries.setdefault(league.country, []).extend(league.teams)
    for country, teams in countries.items():
        _write(lake, "venues", {"country": country}, day, envelope("venues", {"country": country}, [t.venue() for t in teams]))


def write_synthetic_lake(root: str | Path, *, leagues: int = 2, seasons: int = 2, cups: int = 0, first_season: int = 2016,
                         days: int = 3, current_rounds: int = 20, detail_rounds: int = 1,
                         first_day: date = date(2026, 1, 10)) -> SyntheticLake:
    """Write a synthetic lake under ``root`` (a directory, created if needed).

    ``seasons`` seasons from ``first_season``; the last one is the current season, fetched on each of
    ``days`` days from ``first_day`` (``current_rounds`` rounds finished on the first, one more each
    day after). Closed seasons were fetched once, before, one league-season a day during a backfill.
    Fixture details cover the last ``detail_rounds`` finished rounds of every season, then each
    newly finished round. Team 6 of the first league loses 6 points in the first closed season."""
    root = Path(root)
    world = [make_league(i) for i in range(leagues)] + [make_cup(i) for i in range(cups)]
    season_list = list(range(first_season, first_season + seasons))
    current = season_list[-1]
    lake = SyntheticLake(root=root, leagues=world, seasons=season_list, current_season=current, first_day=first_day,
                         days=days, current_rounds=current_rounds, detail_rounds=detail_rounds, matches={}, deductions={})
    next_id = 5_000_000
    for league in world:
        for season in season_list:
            lake.matches[(league.id, season)] = season_matches(league, season, next_id)
            next_id += 400
    for league in world:
        matches = lake.matches[(league.id, current)]
        if league.type == "League" and len(matches) > 30:
            matches[30].postponed = True  # round 4: postponed and never replayed (yet)
    if world and seasons > 1 and world[0].type == "League":
        lake.deductions[(world[0].id, season_list[0])] = {world[0].teams[5].id: -6}
    elif world:
        lake.deductions[(world[0].id, season_list[-1])] = {world[0].teams[5].id: -6}

    # the backfill: one closed league-season a day, ending the day before the daily refreshes start
    closed = [(league, season) for season in season_list[:-1] for league in world]
    for n, (league, season) in enumerate(closed):
        day = first_day - timedelta(days=len(closed) - n)
        total = lake.finished_rounds(season, 0, league)
        _write_season(lake, league, season, day, 0, details_from=total - detail_rounds)
    # the current season, every day
    for day_index in range(days):
        add_day(lake, day_index)
    return lake


def add_day(lake: SyntheticLake, day_index: int | None = None) -> date:
    """Ingest the current season on one more day (the day after the last one written, by default):
    fixtures with one more round finished, standings, teams, players, leagues, venues, and the
    details of the newly finished fixtures only. Returns the ingestion date."""
    if day_index is None:
        day_index = lake.days
        lake.days += 1
    day = lake.first_day + timedelta(days=day_index)
    _write_leagues_and_venues(lake, day)
    for league in lake.leagues:
        before = lake.finished_rounds(lake.current_season, day_index - 1, league) if day_index else None
        now = lake.finished_rounds(lake.current_season, day_index, league)
        details_from = before if before is not None else now - lake.detail_rounds
        _write_season(lake, league, lake.current_season, day, day_index, details_from=details_from)
    return day


# --------------------------------------------------------------------------------------------
# the recorded samples as a lake

RECORDED_DATE = "2025-01-26"

#: (sample file, endpoint, partition)
RECORDED_PARTITIONS = [
    ("fixtures/pl_39_2024_footballay.json", "fixtures", {"season": 2024, "league_id": 39}),
    ("fixtures/euro_4_2020_tapball.json", "fixtures", {"season": 2020, "league_id": 4}),
    ("fixtures/fixture_id_1208397_with_events_lineups_stats_players_footballay.json", "fixture_details", {"season": 2024, "league_id": 39}),
    ("standings/pl_39_2023_obissing.json", "standings", {"season": 2023, "league_id": 39}),
    ("teams/pl_39_2023_obissing.json", "teams", {"season": 2023, "league_id": 39}),
    ("teams/pl_39_2024_footballay.json", "teams", {"season": 2024, "league_id": 39}),
    ("players/pl_39_2023_page1_xelathan.json", "players", {"season": 2023, "league_id": 39}),
    ("leagues/id39_current_footballay.json", "leagues", {"league_id": 39}),
    ("players_squads/team50_footballay.json", "players_squads", {"team_id": 50}),
    ("coachs/coachDummy_stefan-dudu.json", "coachs", {"team_id": 2598}),
]


def write_recorded_lake(root: str | Path, *, data_dir: str | Path = RECORDED, ingestion_date: str = RECORDED_DATE,
                        stale_copy: bool = True, decoys: bool = True) -> Path:
    """Lay the recorded responses out as lake partitions under ``root``.

    With ``stale_copy``, the PL 2024 fixtures also get an older ingestion date on which the second
    half of the season was not played yet (staging must keep the newer copy). With ``decoys``, files
    readers must never read are added: a ``_pages/page-0001.json`` and an ``_out_of_plan.json``,
    both with contents that would break the counts if they were read."""
    root, data_dir = Path(root), Path(data_dir)
    for sample, endpoint, partition in RECORDED_PARTITIONS:
        target = root / data_key(endpoint, partition, ingestion_date)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / sample, target)
    if stale_copy:
        body = json.loads((data_dir / "fixtures/pl_39_2024_footballay.json").read_text())
        for item in body["response"]:
            if int(item["league"]["round"].rsplit(" ", 1)[-1]) >= 20:  # a mid-season snapshot
                item["fixture"]["status"] = {"long": "Not Started", "short": "NS", "elapsed": None, "extra": None}
                item["goals"] = {"home": None, "away": None}
        write_partition(root, "fixtures", {"season": 2024, "league_id": 39}, "2024-12-01", body)
    if decoys:
        pages = (root / data_key("players", {"season": 2023, "league_id": 39}, ingestion_date)).parent / "_pages"
        pages.mkdir(parents=True, exist_ok=True)
        (pages / "page-0001.json").write_text(json.dumps(envelope("players", {"league": 39, "season": 2023}, [{"player": {"id": -1}, "statistics": []}])))
        oop = root / "raw" / "standings" / "season=2010" / "league_id=39"
        oop.mkdir(parents=True, exist_ok=True)
        (oop / "_out_of_plan.json").write_text(json.dumps({"errors": {"plan": "Free plans do not have access to this season"}}))
        # a temp file of an interrupted local put (its name starts with '.'), next to a data.json
        (root / data_key("teams", {"season": 2024, "league_id": 39}, ingestion_date)).with_name(".data.json.3f9a").write_text("{ not json")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--leagues", type=int, default=2)
    parser.add_argument("--seasons", type=int, default=2)
    parser.add_argument("--cups", type=int, default=0)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--detail-rounds", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lake = write_synthetic_lake(args.root, leagues=args.leagues, seasons=args.seasons, cups=args.cups, days=args.days,
                                detail_rounds=args.detail_rounds)
    print(f"{lake.fixtures} fixtures, {lake.files} files, {lake.bytes / 1e6:.1f} MB in {time.perf_counter() - started:.1f}s under {args.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
