"""Clubs and people across seasons: head-to-head records, the seasons a club or player has, their
trophies and a player's spells on the sidelines, all read off the seasons the world already has.

- a club plays the seasons in which it is in a roster of one of its leagues; its players (squads
  are the same every season) play those seasons for it;
- head to head: every fixture between two clubs in the seasons of a league both play in;
- trophies: a finished season's table (``/standings``) won or finished second: "Winner" or
  "2nd Place", for the club's players and for the coach in charge on its last match day;
- sidelined: a player's runs of fixtures missed or doubtful with the same injury (``/injuries``),
  from the first to the last match day of the run. Coaches are never injured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import standings
from .memo import Memo
from .world import FINISHED, World

if TYPE_CHECKING:
    from .api import Api

PLACES = {1: "Winner", 2: "2nd Place"}


class History:
    def __init__(self, api: Api):
        self.api = api
        self.world: World = api.world
        self.head_to_head = Memo(self._head_to_head, 1024)
        self.honours = Memo(self._honours, 1024)
        self.spells = Memo(self._spells, 4096)

    # -- seasons ---------------------------------------------------------------------------------

    def team_seasons(self, tid: int) -> dict[int, list[int]]:
        """league -> the seasons the club plays in it, oldest first."""
        world = self.world
        found = {}
        for league in world.home_leagues(tid):
            seasons = [season for season in world.seasons(league)
                       if any(item["team"]["id"] == tid for item in world.roster(league, season))]
            if seasons:
                found[league] = seasons
        return found

    def _head_to_head(self, a: int, b: int) -> list[dict]:
        world = self.world
        mine, theirs = self.team_seasons(a), self.team_seasons(b)
        found = []
        for league in sorted(set(mine) & set(theirs)):
            for season in sorted(set(mine[league]) & set(theirs[league])):
                found += [item for item in world.fixtures(league, season)
                          if {item["teams"]["home"]["id"], item["teams"]["away"]["id"]} == {a, b}]
        return found

    # -- trophies --------------------------------------------------------------------------------

    def _honours(self, tid: int) -> list[tuple[int, int, int]]:
        """(league, season, rank) of the club's finished seasons it won or ended second, newest first."""
        world = self.world
        found = []
        for league, seasons in self.team_seasons(tid).items():
            name = world.league(league)["league"]["name"]
            for season in seasons:
                fixtures = world.fixtures(league, season)
                if not fixtures or any(f["fixture"]["status"]["short"] not in FINISHED for f in fixtures):
                    continue
                for rows in standings.tables(fixtures, name):
                    for row in rows:
                        if row["team"]["id"] == tid and row["rank"] in PLACES:
                            found.append((league, season, row["rank"]))
        return sorted(found, key=lambda entry: (-entry[1], entry[0]))

    def _trophy(self, league: int, season: int, rank: int) -> dict:
        meta = self.world.league(league)
        return {"league": meta["league"]["name"], "country": meta["country"]["name"],
                "season": f"{season}/{season + 1}", "place": PLACES[rank]}

    def player_trophies(self, pid: int) -> list[dict]:
        player = self.world.player(pid)
        if player is None:
            return []
        return [self._trophy(*entry) for entry in self.honours(player.team)]

    def coach_trophies(self, cid: int) -> list[dict]:
        coach = self.api.careers.coach(cid)
        if coach is None:
            return []
        tid = coach["team"]["id"]
        found = []
        for league, season, rank in self.honours(tid):
            _, last = self.world.season_window(league, season)
            if self.api.careers.coach_on(tid, last)["id"] == cid:
                found.append(self._trophy(league, season, rank))
        return found

    # -- sidelined -------------------------------------------------------------------------------

    def _spells(self, pid: int) -> list[dict]:
        """The player's injury spells, newest first: a run of his club's consecutive fixtures for
        which ``/injuries`` lists him with the same reason is one spell."""
        world = self.world
        player = world.player(pid)
        if player is None:
            return []
        spells: list[dict] = []
        for league, seasons in self.team_seasons(player.team).items():
            for season in seasons:
                if not world.coverage(league, season)["injuries"]:
                    continue
                current = None
                for item in world.fixtures(league, season):
                    if player.team not in (item["teams"]["home"]["id"], item["teams"]["away"]["id"]):
                        continue
                    reason = next((i["player"]["reason"] for i in self.api.matches.injuries(item["fixture"]["id"])
                                   if i["player"]["id"] == pid), None)
                    day = item["fixture"]["date"][:10]
                    if reason is None:
                        current = None
                    elif current is not None and current["type"] == reason:
                        current["end"] = day
                    else:
                        current = {"type": reason, "start": day, "end": day}
                        spells.append(current)
        return sorted(spells, key=lambda spell: spell["start"], reverse=True)
