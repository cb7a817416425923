"""Coaches and transfers: who led a club when, and which players moved between which clubs.

Both are drawn per club from the seed and kept consistent with the rest of the world: the coach
a lineup names is the one whose spell covers the match date, and a transfer's clubs are clubs of
the same league (or, for older moves, clubs the API does not know, with a null id as it gives).
"""

from __future__ import annotations

from datetime import date, timedelta

from . import names
from .memo import Memo
from .names import pick, rng
from .world import COACH_BASE, MEDIA, World

FEES = ("Free", "Loan", "N/A", "€ 1.5M", "€ 4M", "€ 8.5M", "€ 12M", "€ 25M", "Return from loan")


def _club(item: dict) -> dict:
    return {"id": item["team"]["id"], "name": item["team"]["name"], "logo": item["team"]["logo"]}


class Careers:
    def __init__(self, world: World):
        self.world = world
        self.coaches = Memo(self._coaches, 4096)
        self.transfers = Memo(self._transfers, 1024)

    # -- coaches ---------------------------------------------------------------------------------

    def _coaches(self, tid: int) -> list[dict]:
        """The club's current coach and the two before him, most recent first."""
        club = self.world.team(tid)
        if club is None:
            return []
        r = rng(self.world.seed, "coaches", tid)
        starts = [date(2021 + r.randrange(4), 7, 1)]
        for _ in range(2):
            starts.append(date(starts[-1].year - 2 - r.randrange(3), 7, 1))
        coaches = []
        for j, start in enumerate(starts):
            end = None if j == 0 else (starts[j - 1] - timedelta(days=1)).isoformat()
            person = rng(self.world.seed, "coach", tid, j)
            first, last = pick(person, names.FIRST_NAMES), pick(person, names.LAST_NAMES)
            born = date(1960 + person.randrange(25), 1 + person.randrange(12), 1 + person.randrange(28)).isoformat()
            nationality = club["team"]["country"] if person.random() < 0.6 else pick(person, names.NATIONALITIES)
            earlier = pick(person, names.CLUB_PATTERNS).format(city=pick(person, names.CITIES))
            cid = COACH_BASE + tid * 10 + j
            coaches.append({
                "id": cid, "name": f"{first[0]}. {last}", "firstname": first, "lastname": last,
                "age": self.world.age(born), "birth": {"date": born, "place": pick(person, names.CITIES), "country": nationality},
                "nationality": nationality, "height": f"{170 + person.randrange(20)} cm",
                "weight": f"{68 + person.randrange(20)} kg", "photo": f"{MEDIA}/coachs/{cid}.png",
                "team": _club(club),
                "career": [
                    {"team": _club(club), "start": start.isoformat(), "end": end},
                    {"team": {"id": None, "name": earlier, "logo": None},
                     "start": date(start.year - 4, 7, 1).isoformat(), "end": date(start.year - 1, 6, 30).isoformat()},
                ],
            })
        return coaches

    def coach_on(self, tid: int, day: str) -> dict | None:
        """The coach whose spell covers ``day`` (the earliest one for matches before them all)."""
        coaches = self.coaches(tid)
        for coach in coaches:
            if coach["career"][0]["start"] <= day:
                return coach
        return coaches[-1] if coaches else None

    def coach(self, cid: int) -> dict | None:
        if cid <= COACH_BASE:
            return None
        tid, j = divmod(cid - COACH_BASE, 10)
        coaches = self.coaches(tid)
        return coaches[j] if j < len(coaches) else None

    # -- transfers -------------------------------------------------------------------------------

    def _transfers(self, league: int) -> list[dict]:
        """Every transfer item of the league's clubs' players: about a third of each squad joined
        from another club of the league, some of those after an earlier move from an unknown club."""
        world = self.world
        pool = world.pool(league)
        items = []
        for club in pool:
            others = [other for other in pool if other is not club]
            for player in world.squad(club["team"]["id"]):
                r = rng(world.seed, "transfer", player.id)
                if r.random() >= 0.3:
                    continue
                origin = pick(r, others)
                joined = date(min(2016 + r.randrange(9), world.current - 1), pick(r, (1, 7, 8)), 1 + r.randrange(28))
                moves = [{"date": joined.isoformat(), "type": pick(r, FEES),
                          "teams": {"in": _club(club), "out": _club(origin)}}]
                if r.random() < 0.4:
                    before = date(joined.year - 1 - r.randrange(3), 7, 1 + r.randrange(28))
                    unknown = pick(r, names.CLUB_PATTERNS).format(city=pick(r, names.CITIES))
                    moves.append({"date": before.isoformat(), "type": pick(r, FEES),
                                  "teams": {"in": _club(origin), "out": {"id": None, "name": unknown, "logo": None}}})
                items.append({"player": {"id": player.id, "name": player.name},
                              "update": f"{joined.isoformat()}T04:00:00+00:00", "transfers": moves})
        return items

    def of_team(self, tid: int) -> list[dict]:
        """Players who joined or left the club."""
        found = []
        for league in self.world.home_leagues(tid):
            for item in self.transfers(league):
                clubs = {move["teams"][side]["id"] for move in item["transfers"] for side in ("in", "out")}
                if tid in clubs and item not in found:
                    found.append(item)
        return found

    def of_player(self, pid: int) -> list[dict]:
        player = self.world.player(pid)
        if player is None:
            return []
        return [item for league in self.world.home_leagues(player.team)
                for item in self.transfers(league) if item["player"]["id"] == pid][:1]
