"""Synthetic lakes for the dbt tests and the dbt benchmark: the sandbox's world, laid out exactly
as ingestion writes it.

:func:`write_synthetic_lake` writes what ``pitchlake ingest`` of the shipped config's endpoints
(leagues, teams, venues, fixtures, fixture_details, standings, players) would have left in a lake
after fetching N synthetic leagues x M seasons from the sandbox: every item is the sandbox's own
(its :class:`~.world.World` of clubs, squads, calendars and results, :class:`~.matches.Matches` for
events, lineups and statistics and the players' season sums, :mod:`.standings` for the tables), and
every partition is one ``data.json`` envelope built by the shared
:func:`pitchlake_api_football.envelope.envelope`, pages and batches merged as the runner merges
them. So the lake is internally consistent: standings agree with fixtures, players' goals add up to
their club's, fixture details follow from the scores.

Closed seasons were fetched once each, one league season a day during a backfill. The current
season is fetched every day, and the lake's clock runs by rounds, not by the calendar: on its
first day ``current_rounds`` rounds are played, one more on each day after (:func:`add_day`), and
the rounds to come are shown as the API shows a fixture before kick-off (:func:`.world.unplayed`).
Fixture details hold only the matches newly finished on each date, as ingestion fetches them.

What the sandbox's world lacks and the lake's models must handle, :class:`LakeWorld` adds: cups
(four groups of four, then quarter-finals, semi-finals and a final, with extra time and
penalties), one postponed match per league in the current season, and a points deduction (team 6
of the first league, -6, in the first closed season) so that ``points_adjustment`` has something
to find.

    python -m pitchlake_sandbox.synthetic_lake ./lake --leagues 20 --seasons 10
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pitchlake.lake import DEFAULT_LAYOUT, partition_key
from pitchlake_api_football.derive import NO_COUNTRY
from pitchlake_api_football.endpoints import ENDPOINTS
from pitchlake_api_football.envelope import envelope

from . import standings
from .api import PAGE_SIZE, Api
from .names import rng
from .recorded import Recorded
from .world import FINISHED, MEDIA, World, double_round_robin, fixture_id, season_of, unplayed

#: endpoint -> its partition keys, as the API-Football plugin declares them.
PARTITION_KEYS: dict[str, tuple[str, ...]] = {endpoint.name: endpoint.partition_keys for endpoint in ENDPOINTS}

#: League ids of the lake: synthetic leagues 701, 702... and cups 801, 802... (below 1000, so that
#: their fixture ids keep to the 10 digits ``/fixtures?ids=`` accepts).
FIRST_SYNTHETIC_LEAGUE = 701
FIRST_SYNTHETIC_CUP = 801
#: The fixtures the runner asks ``/fixtures?ids=`` for in one request.
BATCH_SIZE = 20
KNOCKOUT_ROUNDS = ("Quarter-finals", "Semi-finals", "Final")
POSTPONED = {"long": "Match Postponed", "short": "PST", "elapsed": None, "extra": None}
OTHER_SIDE = {"home": "away", "away": "home"}


# --------------------------------------------------------------------------------------------
# writing partitions


def data_key(endpoint: str, partition: dict[str, Any], ingestion_date: date | str) -> str:
    """The lake key of a partition's data.json, from the lake protocol's default layout."""
    return partition_key(DEFAULT_LAYOUT, endpoint, PARTITION_KEYS[endpoint], partition, str(ingestion_date))


def write_partition(root: Path, endpoint: str, partition: dict[str, Any], ingestion_date: date | str, body: dict) -> Path:
    """Write ``body`` as the partition's data.json (compact UTF-8 JSON, as the runner writes it)."""
    path = Path(root) / data_key(endpoint, partition, ingestion_date)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# the world


def round_index(item: dict) -> int:
    """0 for a season's first round (``Regular Season - 1``, ``Group A - 1``), up to the final."""
    name = item["league"]["round"]
    if name in KNOCKOUT_ROUNDS:
        return 3 + KNOCKOUT_ROUNDS.index(name)
    return int(name.rsplit(" - ", 1)[1]) - 1


class LakeWorld(World):
    """The sandbox's world seen at the end of ``current`` season (every match has its result),
    with the lake's leagues featured (``/venues`` lists their clubs' grounds), cups, and one
    postponed match per league in the current season."""

    def __init__(self, leagues: list[int], cups: list[int], current: int, seed: int = 0, teams: int = 20):
        self.lake_leagues, self.cups = tuple(leagues), tuple(cups)
        super().__init__(Recorded(), seed, teams, date(current + 1, 6, 30))

    def league(self, league: int) -> dict:
        if league not in self.cups:
            return super().league(league)
        return {"league": {"id": league, "name": f"Continental Cup {self.cups.index(league) + 1}", "type": "Cup",
                           "logo": f"{MEDIA}/leagues/{league}.png"},
                "country": {"name": NO_COUNTRY, "code": None, "flag": None}}

    def featured_league_ids(self) -> set[int]:
        return {*self.lake_leagues, *self.cups}

    def season_window(self, league: int, season: int) -> tuple[str, str]:
        if league not in self.cups:
            return super().season_window(league, season)
        days = sorted(item["fixture"]["date"][:10] for item in self.fixtures(league, season))
        return days[0], days[-1]

    def _roster(self, league: int, season: int) -> list[dict]:
        if league not in self.cups:
            return super()._roster(league, season)
        pool = self.pool(league)
        return [pool[i] for i in sorted(rng(self.seed, "roster", league, season).sample(range(len(pool)), 16))]

    def _fixtures(self, league: int, season: int) -> list[dict]:
        if league in self.cups:
            return self._cup(league, season)
        items = super()._fixtures(league, season)
        if season == self.current and len(items) > 30:
            items[30] = unplayed(items[30], POSTPONED)  # round 4: postponed, and not replayed yet
        return items

    def _cup(self, league: int, season: int) -> list[dict]:
        """Four groups of four (one round-robin), the group winners and runners-up crossed into
        quarter-finals, then semi-finals and a final; a draw there goes to extra time, then penalties."""
        clubs = list(self.roster(league, season))
        rng(self.seed, "draw", league, season).shuffle(clubs)
        by_id = {club["team"]["id"]: club for club in clubs}
        strength = {}
        for club in clubs:
            r = rng(self.seed, "strength", league, season, club["team"]["id"])
            strength[club["team"]["id"]] = (0.65 + 0.8 * r.random(), 0.65 + 0.8 * r.random())
        anchors = self._anchors(league, season, 3 + len(KNOCKOUT_ROUNDS))
        block = self.league_block(league, season)
        items: list[dict] = []

        def play(day: date, hour: int, round_name: str, home: dict, away: dict, knockout: bool = False) -> dict:
            kickoff = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            league_block = {**block, "round": round_name, "standings": round_name.startswith("Group")}
            item = self._fixture(fixture_id(league, season, len(items) + 1), kickoff, league_block, home, away, strength)
            items.append(self._decided(item) if knockout else item)
            return items[-1]

        groups = [clubs[4 * g: 4 * g + 4] for g in range(4)]
        for number, pairs in enumerate(double_round_robin(4)[:3], 1):
            for g, group in enumerate(groups):
                for k, (home, away) in enumerate(pairs):
                    play(anchors[number - 1], 16 + 2 * k + (g % 2), f"Group {'ABCD'[g]} - {number}", group[home], group[away])
        ranked = [[by_id[row["team"]["id"]] for row in table[:2]] for table in standings.tables(items, block["name"])]
        ties = [(ranked[0][0], ranked[1][1]), (ranked[1][0], ranked[0][1]), (ranked[2][0], ranked[3][1]), (ranked[3][0], ranked[2][1])]
        for offset, name in enumerate(KNOCKOUT_ROUNDS):
            winners = []
            for k, (home, away) in enumerate(ties):
                item = play(anchors[3 + offset], 17 + 2 * (k % 2), name, home, away, knockout=True)
                winners.append(home if item["teams"]["home"]["winner"] else away)
            ties = list(zip(winners[::2], winners[1::2], strict=False))  # an odd winner out waits for the next round
        return items

    def _decided(self, item: dict) -> dict:
        """A knock-out match: a draw after 90 minutes gets extra time, and penalties if still level."""
        goals = item["goals"]
        if goals["home"] is None or goals["home"] != goals["away"]:
            return item
        r = rng(self.seed, "extra time", item["fixture"]["id"])
        extra = {"home": int(r.random() < 0.3), "away": int(r.random() < 0.3)}
        total = {side: goals[side] + extra[side] for side in goals}
        penalty = {"home": None, "away": None}
        if total["home"] == total["away"]:
            penalty = {"home": 4, "away": 2} if r.random() < 0.5 else {"home": 3, "away": 5}
        decided = total if penalty["home"] is None else penalty
        short = "AET" if penalty["home"] is None else "PEN"
        return {
            **item,
            "fixture": {**item["fixture"], "status": {"long": "Match Finished", "short": short, "elapsed": 120, "extra": None}},
            "teams": {side: {**team, "winner": decided[side] > decided[OTHER_SIDE[side]]} for side, team in item["teams"].items()},
            "goals": total,
            "score": {**item["score"], "extratime": extra, "penalty": penalty},
        }


# --------------------------------------------------------------------------------------------
# the lake


@dataclass(frozen=True)
class Club:
    id: int
    name: str


@dataclass(frozen=True)
class LakeLeague:
    """A league (or cup) of the lake, with every club that plays one of the lake's seasons."""

    id: int
    name: str
    type: str
    country: str
    teams: tuple[Club, ...]


@dataclass
class SyntheticLake:
    """What was written, for tests to check against and for :func:`add_day`."""

    root: Path
    api: Api
    leagues: list[LakeLeague]
    seasons: list[int]
    current_season: int
    first_day: date
    days: int
    current_rounds: int
    detail_rounds: int
    #: (league id, season) -> its fixtures as played by the end of the season
    matches: dict[tuple[int, int], list[dict]]
    #: (league id, season) -> {team id: points}, the API's standings' points deductions
    deductions: dict[tuple[int, int], dict[int, int]]
    files: int = 0
    bytes: int = 0

    @property
    def world(self) -> LakeWorld:
        return self.api.world

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def finished_rounds(self, season: int, day_index: int, league: LakeLeague) -> int:
        total = round_index(self.matches[(league.id, season)][-1]) + 1
        if season != self.current_season:
            return total
        return min(total, self.current_rounds + day_index)

    @property
    def fixtures(self) -> int:
        return sum(len(matches) for matches in self.matches.values())

    def as_of(self, league: LakeLeague, season: int, day_index: int) -> list[dict]:
        """The season's fixtures as fetched on that day: rounds not played yet before kick-off."""
        finished = self.finished_rounds(season, day_index, league)
        return [item if round_index(item) < finished or item["fixture"]["status"]["short"] not in FINISHED
                else unplayed(item) for item in self.matches[(league.id, season)]]


def _write(lake: SyntheticLake, endpoint: str, partition: dict, day: date, body: dict) -> None:
    path = write_partition(lake.root, endpoint, partition, day, body)
    lake.files += 1
    lake.bytes += path.stat().st_size


def _write_season(lake: SyntheticLake, league: LakeLeague, season: int, day: date, day_index: int, *, details_from: int) -> None:
    """Every season-keyed endpoint of one league season, as fetched on ``day``; fixture details for
    the finished rounds from ``details_from`` on (the ones not fetched on an earlier date)."""
    api, world = lake.api, lake.world
    fixtures = lake.as_of(league, season, day_index)
    finished = lake.finished_rounds(season, day_index, league)
    partition = {"season": season, "league_id": league.id}
    params = {"league": str(league.id), "season": str(season)}
    coverage = world.coverage(league.id, season)
    _write(lake, "fixtures", partition, day, envelope("fixtures", params, fixtures))
    _write(lake, "teams", partition, day, envelope("teams", params, world.roster(league.id, season)))
    block = world.league_block(league.id, season)
    tables = standings.tables(fixtures, block["name"], lake.deductions.get((league.id, season)))
    _write(lake, "standings", partition, day, envelope("standings", params, [{"league": {**block, "standings": tables}}]))
    if coverage["players"]:
        totals = api.matches.totals(fixtures)
        players = [{"player": player.profile(), "statistics": [api.matches.season_block(player, league.id, season, totals)]}
                   for club in world.roster(league.id, season) for player in world.squad(club["team"]["id"])]
        pages = max(1, math.ceil(len(players) / PAGE_SIZE))
        _write(lake, "players", partition, day, envelope("players", params, players, page=pages, pages=pages))
    detailed = [item for item in fixtures
                if details_from <= round_index(item) < finished and item["fixture"]["status"]["short"] in FINISHED]
    if detailed and any(coverage["fixtures"].values()):
        ids = "-".join(str(item["fixture"]["id"]) for item in detailed)
        batches = math.ceil(len(detailed) / BATCH_SIZE)
        _write(lake, "fixture_details", partition, day,
               envelope("fixtures", {"ids": ids}, [api.with_details(item) for item in detailed], page=batches, pages=batches))


def _write_leagues_and_venues(lake: SyntheticLake, day: date) -> None:
    for league in lake.leagues:
        params = {"id": str(league.id)}
        _write(lake, "leagues", {"league_id": league.id}, day, envelope("leagues", params, lake.api.leagues(params)[0]))
    for country in sorted({league.country for league in lake.leagues} - {NO_COUNTRY}):
        params = {"country": country}
        _write(lake, "venues", {"country": country}, day, envelope("venues", params, lake.api.venues(params)[0]))


def write_synthetic_lake(root: str | Path, *, leagues: int = 2, seasons: int = 2, cups: int = 0, days: int = 3,
                         current_rounds: int = 20, detail_rounds: int = 1, first_day: date = date(2026, 1, 10),
                         seed: int = 0, teams: int = 20) -> SyntheticLake:
    """Write a synthetic lake under ``root`` (a directory, created if needed).

    ``seasons`` seasons up to the current one (the season of ``first_day``), which is fetched on
    each of ``days`` days from ``first_day`` (``current_rounds`` rounds played on the first, one
    more each day after). Closed seasons were fetched once, before, one league season a day during
    a backfill. Fixture details cover the last ``detail_rounds`` finished rounds of every season,
    then each newly finished round. ``seed`` and ``teams`` are the sandbox's (``--seed``, ``--teams``)."""
    current = season_of(first_day)
    league_ids = [FIRST_SYNTHETIC_LEAGUE + i for i in range(leagues)]
    cup_ids = [FIRST_SYNTHETIC_CUP + i for i in range(cups)]
    world = LakeWorld(league_ids, cup_ids, current, seed=seed, teams=teams)
    season_list = list(range(current - seasons + 1, current + 1))
    matches = {(league, season): world.fixtures(league, season) for league in league_ids + cup_ids for season in season_list}
    lake_leagues = []
    for league in league_ids + cup_ids:
        playing = {club["team"]["id"] for season in season_list for club in world.roster(league, season)}
        meta = world.league(league)
        lake_leagues.append(LakeLeague(
            id=league, name=meta["league"]["name"], type=meta["league"]["type"], country=meta["country"]["name"],
            teams=tuple(Club(c["team"]["id"], c["team"]["name"]) for c in world.pool(league) if c["team"]["id"] in playing)))
    lake = SyntheticLake(root=Path(root), api=Api(world.recorded, world), leagues=lake_leagues, seasons=season_list,
                         current_season=current, first_day=first_day, days=days, current_rounds=current_rounds,
                         detail_rounds=detail_rounds, matches=matches, deductions={})
    if lake_leagues:
        first = lake_leagues[0]
        season = season_list[0]  # the first closed season, or the current one if it is the only one
        lake.deductions[(first.id, season)] = {world.roster(first.id, season)[5]["team"]["id"]: -6}

    # the backfill: one closed league season a day, ending the day before the daily refreshes start
    closed = [(league, season) for season in season_list[:-1] for league in lake_leagues]
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
    fixtures with one more round played, standings, teams, players, leagues, venues, and the
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pitchlake_sandbox.synthetic_lake", description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--leagues", type=int, default=2)
    parser.add_argument("--seasons", type=int, default=2)
    parser.add_argument("--cups", type=int, default=0)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--detail-rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lake = write_synthetic_lake(args.root, leagues=args.leagues, seasons=args.seasons, cups=args.cups, days=args.days,
                                detail_rounds=args.detail_rounds, seed=args.seed)
    print(f"{lake.fixtures} fixtures, {lake.files} files, {lake.bytes / 1e6:.1f} MB in {time.perf_counter() - started:.1f}s under {args.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
