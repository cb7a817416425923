"""What happened in each match: injuries before it, lineups, events, team and player statistics,
and the season statistics of every player, summed from those matches.

A match's details follow from its score: each team has exactly as many ``Goal`` events as goals
(first-half goals before the 46th minute, as the half-time score says), goals are scored and
assisted by players on the pitch at that minute, yellow and red cards agree with the team
statistics and the players' cards, a goalkeeper concedes what the other team scored. Players out
with an injury ("Missing Fixture") are not in the lineup. Season statistics are sums over the
league season's finished matches, so ``/players`` agrees with ``/fixtures/players``; details
recorded with a fixture count too, as the API's own, and the players of those details who are in no
squad of the world (the real players of a recorded match) are listed by ``/players`` all the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import names
from .careers import Careers
from .memo import Memo
from .names import pick, rng
from .world import FINISHED, Player, World

NO_DETAILS = {"events": [], "lineups": [], "statistics": [], "players": []}
GROUPS = ("shots", "goals", "passes", "tackles", "duels", "dribbles", "fouls", "cards", "penalty")
#: the one-letter position of match statistics -> the word of ``/players``
POSITIONS = {"G": "Goalkeeper", "D": "Defender", "M": "Midfielder", "F": "Attacker"}


def _team(team: dict) -> dict:
    return {"id": team["id"], "name": team["name"], "logo": team["logo"]}


def _none_if_zero(value: int) -> int | None:
    return value or None


@dataclass
class _Side:
    team: dict
    formation: str
    starters: list[tuple[Player, str]]
    bench: list[Player]
    #: player id -> (minute on, minute off)
    on: dict[int, tuple[int, int]]
    events: list[dict] = field(default_factory=list)
    goals: dict[int, int] = field(default_factory=dict)
    assists: dict[int, int] = field(default_factory=dict)
    penalties: dict[int, int] = field(default_factory=dict)
    yellow: dict[int, int] = field(default_factory=dict)
    red: dict[int, int] = field(default_factory=dict)

    def on_pitch(self, minute: int) -> list[Player]:
        players = [p for p, _ in self.starters] + self.bench
        return [p for p in players if p.id in self.on and self.on[p.id][0] <= minute <= self.on[p.id][1]]

    def event(self, minute: int, extra: int | None, player: Player, assist: Player | None, kind: str,
              detail: str) -> None:
        self.events.append({
            "time": {"elapsed": minute, "extra": extra}, "team": _team(self.team),
            "player": {"id": player.id, "name": player.name},
            "assist": {"id": assist.id if assist else None, "name": assist.name if assist else None},
            "type": kind, "detail": detail, "comments": None,
        })


def _weighted(r, players: list[Player], weights: dict[str, float]) -> Player | None:
    pool = [(p, weights[p.pos]) for p in players if weights[p.pos] > 0]
    if not pool:
        return None
    return r.choices([p for p, _ in pool], [w for _, w in pool])[0]


class Matches:
    def __init__(self, world: World, careers: Careers):
        self.world, self.careers = world, careers
        self.details = Memo(self._details, 4096)
        self.injuries = Memo(self._injuries, 8192)
        self.season_stats = Memo(self._season_stats, 64)
        self.recorded_players = Memo(self._recorded_players, 64)

    # -- injuries --------------------------------------------------------------------------------

    def _injuries(self, fid: int) -> list[dict]:
        """Nobody, one or two players of each team out of (or doubtful for) the match."""
        item = self.world.fixture(fid)
        if item is None:
            return []
        r = rng(self.world.seed, "injuries", fid)
        league = item["league"]
        found = []
        for side in ("home", "away"):
            team = item["teams"][side]
            squad = self.world.squad(team["id"])
            for player in r.sample(squad, pick(r, (0, 0, 1, 1, 2))):
                found.append({
                    "player": {"id": player.id, "name": player.name, "photo": player.photo(),
                               "type": "Missing Fixture" if r.random() < 0.75 else "Questionable",
                               "reason": pick(r, names.INJURY_REASONS)},
                    "team": _team(team),
                    "fixture": {"id": fid, "timezone": "UTC", "date": item["fixture"]["date"],
                                "timestamp": item["fixture"]["timestamp"]},
                    "league": {"id": league["id"], "season": league["season"], "name": league["name"],
                               "country": league["country"], "logo": league["logo"], "flag": league.get("flag")},
                })
        return found

    # -- one match -------------------------------------------------------------------------------

    def _lineup(self, r, team: dict, squad: list[Player], full: int) -> _Side:
        formation = pick(r, names.FORMATIONS)
        rows = [int(n) for n in formation.split("-")]
        need = {"D": rows[0], "M": sum(rows[1:-1]), "F": rows[-1]}
        ranked = sorted(squad, key=lambda p: p.quality + 0.35 * r.random(), reverse=True)
        keepers = [p for p in ranked if p.pos == "G"]
        chosen = keepers[:1]
        for pos in ("D", "M", "F"):
            chosen += [p for p in ranked if p.pos == pos][: need[pos]]
        chosen += [p for p in ranked if p not in chosen and p.pos != "G"][: 11 - len(chosen)]
        row_of = [row for row, size in enumerate([1, *rows], 1) for _ in range(size)]
        grids, filled = [], Counter()
        for player, row in zip(chosen, row_of, strict=False):  # a short squad fields fewer than 11
            filled[row] += 1
            grids.append((player, f"{row}:{filled[row]}"))
        rest = [p for p in ranked if p not in chosen]
        bench = ([p for p in rest if p.pos == "G"][:1] + [p for p in rest if p.pos != "G"])[:9]
        return _Side(team=team, formation=formation, starters=grids, bench=bench, on={p.id: (0, full) for p in chosen})

    def _substitutions(self, r, side: _Side, full: int) -> None:
        outfield = [p for p, _ in side.starters if p.pos != "G"]
        fresh = [p for p in side.bench if p.pos != "G"]
        count = min(3 + r.randrange(3 if full == 90 else 4), len(outfield), len(fresh))
        for number, minute in enumerate(sorted(r.sample(range(46, full - 1), count)), 1):
            leaving = pick(r, [p for p in outfield if side.on[p.id][1] == full])
            joining = fresh.pop(r.randrange(len(fresh)))
            side.on[leaving.id] = (side.on[leaving.id][0], minute)
            side.on[joining.id] = (minute, full)
            side.event(minute, None, leaving, joining, "subst", f"Substitution {number}")

    def _red_card(self, r, side: _Side, full: int) -> None:
        if r.random() >= 0.05:
            return
        minute = 55 + r.randrange(35)
        candidates = [p for p in side.on_pitch(minute) if p.pos != "G" and side.on[p.id][1] == full]
        if candidates:
            player = pick(r, candidates)
            side.on[player.id] = (side.on[player.id][0], minute)
            side.red[player.id] = 1
            side.event(minute, None, player, None, "Card", "Red Card")

    def _goals(self, r, side: _Side, halves: tuple[int, int, int]) -> None:
        spans = [(1, 45)] * halves[0] + [(46, 90)] * halves[1] + [(91, 120)] * halves[2]
        for low, high in spans:
            minute = low + r.randrange(high - low + 1)
            extra = 1 + r.randrange(4) if minute in (45, 90) and r.random() < 0.5 else None
            players = side.on_pitch(minute)
            scorer = _weighted(r, players, {"G": 0, "D": 1, "M": 3, "F": 5}) or players[0]
            assist = None
            if r.random() < 0.1:
                detail = "Penalty"
                side.penalties[scorer.id] = side.penalties.get(scorer.id, 0) + 1
            else:
                detail = "Normal Goal"
                if r.random() < 0.7:
                    assist = _weighted(r, [p for p in players if p is not scorer], {"G": 0, "D": 1, "M": 3, "F": 2})
            side.goals[scorer.id] = side.goals.get(scorer.id, 0) + 1
            if assist:
                side.assists[assist.id] = side.assists.get(assist.id, 0) + 1
            side.event(minute, extra, scorer, assist, "Goal", detail)

    def _yellow_cards(self, r, side: _Side, full: int) -> None:
        for _ in range(pick(r, (0, 1, 1, 2, 2, 3, 4))):
            minute = 5 + r.randrange(full - 4)
            candidates = [p for p in side.on_pitch(minute) if p.id not in side.yellow and p.id not in side.red]
            if candidates:
                player = pick(r, candidates)
                side.yellow[player.id] = 1
                side.event(minute, None, player, None, "Card", "Yellow Card")

    def _split(self, r, item: dict, side: str) -> tuple[int, int, int]:
        """Goals of each period (first half, second half, extra time) from the recorded scores."""
        total = item["goals"][side] or 0
        score = item.get("score") or {}
        full = (score.get("fulltime") or {}).get(side)
        full = total if full is None else min(full, total)
        half = (score.get("halftime") or {}).get(side)
        half = sum(r.random() < 0.45 for _ in range(full)) if half is None else min(half, full)
        return half, full - half, total - full

    def _details(self, fid: int) -> dict:
        item = self.world.fixture(fid)
        if item is None or item["fixture"]["status"]["short"] not in FINISHED:
            return NO_DETAILS
        r = rng(self.world.seed, "details", fid)
        full = 120 if item["fixture"]["status"]["short"] in ("AET", "PEN") else 90
        missing = {i["player"]["id"] for i in self.injuries(fid) if i["player"]["type"] == "Missing Fixture"}
        sides = []
        for name in ("home", "away"):
            team = item["teams"][name]
            side = self._lineup(r, team, [p for p in self.world.squad(team["id"]) if p.id not in missing], full)
            self._substitutions(r, side, full)
            self._red_card(r, side, full)
            self._goals(r, side, self._split(r, item, name))
            self._yellow_cards(r, side, full)
            sides.append(side)
        events = sorted(sides[0].events + sides[1].events,
                        key=lambda e: (e["time"]["elapsed"], e["time"]["extra"] or 0))
        statistics = self._team_statistics(r, sides)
        day = item["fixture"]["date"][:10]
        return {
            "events": events,
            "lineups": [self._lineup_item(s, day) for s in sides],
            "statistics": [{"team": _team(s.team), "statistics": stats} for s, stats in zip(sides, statistics, strict=True)],
            "players": [self._players_item(r, s, sides[1 - i], statistics[i], full, day) for i, s in enumerate(sides)],
        }

    def _lineup_item(self, side: _Side, day: str) -> dict:
        r = rng(self.world.seed, "colours", side.team["id"])
        kit = {"primary": pick(r, names.COLOURS), "number": pick(r, names.COLOURS), "border": pick(r, names.COLOURS)}
        keeper = {"primary": pick(r, names.COLOURS), "number": pick(r, names.COLOURS), "border": pick(r, names.COLOURS)}
        coach = self.careers.coach_on(side.team["id"], day)
        return {
            "team": {**_team(side.team), "colors": {"player": kit, "goalkeeper": keeper}},
            "coach": {"id": coach["id"], "name": coach["name"], "photo": coach["photo"]} if coach else
                     {"id": None, "name": None, "photo": None},
            "formation": side.formation,
            "startXI": [{"player": {"id": p.id, "name": p.name, "number": p.number, "pos": p.pos, "grid": grid}}
                        for p, grid in side.starters],
            "substitutes": [{"player": {"id": p.id, "name": p.name, "number": p.number, "pos": p.pos, "grid": None}}
                            for p in side.bench],
        }

    def _team_statistics(self, r, sides: list[_Side]) -> list[list[dict]]:
        on_target = [sum(s.goals.values()) + r.randrange(7) for s in sides]
        possession = 35 + r.randrange(31)
        result = []
        for i, side in enumerate(sides):
            off, blocked = 2 + r.randrange(9), r.randrange(7)
            total = on_target[i] + off + blocked
            inside = total - r.randrange(total // 2 + 1)
            share = possession if i == 0 else 100 - possession
            passes = 180 + share * 6 + r.randrange(80)
            accurate = int(passes * (0.68 + 0.22 * r.random()))
            conceded = sum(sides[1 - i].goals.values())
            values = [
                ("Shots on Goal", on_target[i]), ("Shots off Goal", off), ("Total Shots", total),
                ("Blocked Shots", blocked), ("Shots insidebox", inside), ("Shots outsidebox", total - inside),
                ("Fouls", 6 + r.randrange(11)), ("Corner Kicks", 1 + r.randrange(10)), ("Offsides", r.randrange(6)),
                ("Ball Possession", f"{share}%"), ("Yellow Cards", len(side.yellow)), ("Red Cards", len(side.red)),
                ("Goalkeeper Saves", on_target[1 - i] - conceded), ("Total passes", passes),
                ("Passes accurate", accurate), ("Passes %", f"{round(100 * accurate / passes)}%"),
                ("expected_goals", f"{0.25 * on_target[i] + 0.8 * r.random():.2f}"),
            ]
            result.append([{"type": kind, "value": value} for kind, value in values])
        return result

    def _players_item(self, r, side: _Side, other: _Side, statistics: list[dict], full: int, day: str) -> dict:
        saves = next(s["value"] for s in statistics if s["type"] == "Goalkeeper Saves")
        conceded = sum(other.goals.values())
        starters = [p for p, _ in side.starters]
        captain = max(starters, key=lambda p: p.quality).id
        players = []
        for player in starters + side.bench:
            substitute = player not in starters
            minute_on, minute_off = side.on.get(player.id, (None, None))
            played = minute_on is not None
            goals, assists = side.goals.get(player.id, 0), side.assists.get(player.id, 0)
            keeper = player.pos == "G"
            rating = None
            if played:
                rating = min(10.0, 6.0 + 1.6 * r.random() + 0.8 * goals + 0.4 * assists - 1.0 * side.red.get(player.id, 0))
            minutes = max(1, minute_off - minute_on) if played else None
            passes = int((minutes or 0) * (0.25 + 0.5 * r.random()))
            shots_on = goals + (r.randrange(2) if played and player.pos in "MF" else 0)
            duels = r.randrange(12) if played else None
            players.append({
                "player": {"id": player.id, "name": player.name, "photo": player.photo()},
                "statistics": [{
                    "games": {"minutes": minutes, "number": player.number, "position": player.pos,
                              "rating": f"{rating:.1f}" if rating is not None else None,
                              "captain": player.id == captain, "substitute": substitute},
                    "offsides": None,
                    "shots": {"total": _none_if_zero(shots_on + (r.randrange(3) if played and not keeper else 0)),
                              "on": _none_if_zero(shots_on)},
                    "goals": {"total": _none_if_zero(goals), "conceded": conceded if keeper and played else 0,
                              "assists": assists, "saves": saves if keeper and played else None},
                    "passes": {"total": passes if played else None, "key": _none_if_zero(r.randrange(3)) if played else None,
                               "accuracy": str(int(passes * (0.7 + 0.25 * r.random()))) if played else None},
                    "tackles": {"total": _none_if_zero(r.randrange(4)) if played else None, "blocks": None,
                                "interceptions": _none_if_zero(r.randrange(3)) if played else None},
                    "duels": {"total": duels, "won": r.randrange(duels + 1) if played else None},
                    "dribbles": {"attempts": None, "success": None, "past": None},
                    "fouls": {"drawn": _none_if_zero(r.randrange(3)) if played else None,
                              "committed": _none_if_zero(r.randrange(3)) if played else None},
                    "cards": {"yellow": side.yellow.get(player.id, 0), "red": side.red.get(player.id, 0)},
                    "penalty": {"won": None, "commited": None, "scored": side.penalties.get(player.id, 0),
                                "missed": 0, "saved": 0 if keeper else None},
                }],
            })
        return {"team": {**_team(side.team), "update": f"{day}T04:00:00+00:00"}, "players": players}

    # -- a season --------------------------------------------------------------------------------

    def _season_stats(self, league: int, season: int) -> dict[int, dict]:
        """player id -> his statistics block (without team and league) summed over the season."""
        return self.totals(self.world.fixtures(league, season))

    def served_players(self, fid: int) -> list[dict]:
        """The ``players`` of a finished match's details as the sandbox serves them: recorded with
        the fixture, else synthesised."""
        if self.world.recorded.has_details(fid):
            return self.world.fixture(fid).get("players") or []
        return self.details(fid)["players"]

    def _recorded_players(self, league: int, season: int) -> list[Player]:
        """The players of the season's recorded match details who are in no squad of the world (a
        recorded match's real players), each of the team he played for: ``/players`` lists them too,
        so that its totals cover every player of the details it serves. Their profiles are what
        the details give: id, name and photo."""
        found: dict[int, Player] = {}
        for item in self.world.fixtures(league, season):
            fid = item["fixture"]["id"]
            if not self.world.recorded.has_details(fid):
                continue
            for team in self.served_players(fid):
                tid = team["team"]["id"]
                squad = {player.id for player in self.world.squad(tid)}
                for entry in team["players"]:
                    pid, games = entry["player"]["id"], entry["statistics"][0]["games"]
                    if pid is None or pid in squad or pid in found:
                        continue
                    found[pid] = Player(
                        id=pid, team=tid, name=entry["player"]["name"], firstname=None, lastname=None, birth=None,
                        birth_place=None, birth_country=None, nationality=None, height=None, weight=None,
                        position=POSITIONS.get(games.get("position"), "Midfielder"), number=games.get("number"),
                        age=None, quality=0.0)
        return list(found.values())

    def totals(self, fixtures: Iterable[dict]) -> dict[int, dict]:
        """player id -> his statistics summed over the finished matches among ``fixtures`` (a
        season, or the part of it played by some date), for :meth:`season_block`: the details the
        sandbox serves for each, recorded or synthesised."""
        totals: dict[int, dict] = {}
        for item in fixtures:
            fid = item["fixture"]["id"]
            status = item["fixture"]["status"]["short"]
            if status not in FINISHED:
                continue
            full = 120 if status in ("AET", "PEN") else 90
            for team in self.served_players(fid):
                for entry in team["players"]:
                    stats = entry["statistics"][0]
                    games = stats["games"]
                    total = totals.get(entry["player"]["id"])
                    if total is None:  # not setdefault: it would build this dict for every match
                        total = totals[entry["player"]["id"]] = {
                            "appearences": 0, "lineups": 0, "minutes": 0, "ratings": [], "captain": False,
                            "in": 0, "out": 0, "bench": 0, **{group: {} for group in GROUPS}}
                    if games["minutes"] is None:
                        total["bench"] += 1
                        continue
                    total["appearences"] += 1
                    total["minutes"] += games["minutes"]
                    if games["rating"] is not None:
                        total["ratings"].append(float(games["rating"]))
                    total["captain"] |= games["captain"]
                    if games["substitute"]:
                        total["in"] += 1
                    else:
                        total["lineups"] += 1
                        total["out"] += games["minutes"] < full and not stats["cards"]["red"]
                    for group in GROUPS:
                        sums = total[group]
                        for key, value in stats[group].items():
                            if isinstance(value, int) and key != "accuracy":
                                sums[key] = sums.get(key, 0) + value
        return totals

    def season_block(self, player: Player, league: int, season: int, totals: dict[int, dict] | None = None) -> dict:
        """The player's ``statistics`` entry for a league season, as ``/players`` gives it: summed
        over the whole season so far, or given as ``totals`` (from :meth:`totals`)."""
        total = (self.season_stats(league, season) if totals is None else totals).get(player.id)
        club = self.world.team(player.team)
        ratings = total["ratings"] if total else []

        def group(name: str, keys: tuple[str, ...]) -> dict:
            values = total[name] if total else {}
            return {key: values.get(key) for key in keys}

        return {
            "team": _team(club["team"]) if club else {"id": player.team, "name": None, "logo": None},
            "league": self.world.league_block(league, season),
            "games": {"appearences": total["appearences"] if total else 0,
                      "lineups": total["lineups"] if total else 0, "minutes": total["minutes"] if total else 0,
                      "number": player.number, "position": player.position,
                      "rating": f"{sum(ratings) / len(ratings):.6f}" if ratings else None,
                      "captain": total["captain"] if total else False},
            "substitutes": {"in": total["in"] if total else 0, "out": total["out"] if total else 0,
                            "bench": total["bench"] if total else 0},
            "shots": group("shots", ("total", "on")),
            "goals": group("goals", ("total", "conceded", "assists", "saves")),
            "passes": {**group("passes", ("total", "key")), "accuracy": None},
            "tackles": group("tackles", ("total", "blocks", "interceptions")),
            "duels": group("duels", ("total", "won")),
            "dribbles": group("dribbles", ("attempts", "success", "past")),
            "fouls": group("fouls", ("drawn", "committed")),
            "cards": {"yellow": group("cards", ("yellow",))["yellow"], "yellowred": 0,
                      "red": group("cards", ("red",))["red"]},
            "penalty": group("penalty", ("won", "commited", "scored", "missed", "saved")),
        }
