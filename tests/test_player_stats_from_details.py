"""Player season statistics summed from match details (``fct_player_season_stats``), and their
reconciliation with the API's own season totals (``/players``).

The lake here is a synthetic one whose match details are complete (every finished match of every
league season fetched, as ingestion fetches them), so every league season is summed from the
matches and compared with ``/players`` by ``tests/assert_player_season_stats_match_api_players.sql``
during ``dbt build``. A copy of it with one player's minutes changed in one match fails that test,
which names the player. The sandbox's ``/players`` agrees with the details it serves, recorded ones
included, so that a lake ingested from it (``pitchlake demo``) passes the reconciliation too.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import requests

from pitchlake_sandbox.synthetic_lake import write_partition, write_synthetic_lake

from .test_dbt_duckdb import Warehouse

pytestmark = pytest.mark.timeout(900)

RECONCILIATION = "assert_player_season_stats_match_api_players"
COMPARED = ("appearances", "minutes_played", "goals", "assists", "yellow_cards", "red_cards")


def sums_of_details(items: list[dict]) -> dict[tuple[int, int], dict]:
    """(player id, team id) -> his totals over the details' matches, computed here in Python: an
    appearance is a match with minutes, the rating the mean of his match ratings."""
    totals: dict[tuple[int, int], dict] = defaultdict(lambda: {key: 0 for key in COMPARED} | {"ratings": []})
    for item in items:
        for team in item["players"]:
            for entry in team["players"]:
                stats = entry["statistics"][0]
                total = totals[(entry["player"]["id"], team["team"]["id"])]
                if stats["games"]["minutes"]:
                    total["appearances"] += 1
                    total["minutes_played"] += stats["games"]["minutes"]
                if stats["games"]["rating"] is not None:
                    total["ratings"].append(float(stats["games"]["rating"]))
                total["goals"] += stats["goals"]["total"] or 0
                total["assists"] += stats["goals"]["assists"] or 0
                total["yellow_cards"] += stats["cards"]["yellow"] or 0
                total["red_cards"] += stats["cards"]["red"] or 0
    return totals


def season_totals(players: list[dict]) -> dict[tuple[int, int], dict]:
    """(player id, team id) -> the season totals a ``/players`` response gives, null as 0."""
    found = {}
    for item in players:
        for stats in item["statistics"]:
            games, goals, cards = stats["games"], stats["goals"], stats["cards"]
            found[(item["player"]["id"], stats["team"]["id"])] = {
                "appearances": games["appearences"] or 0, "minutes_played": games["minutes"] or 0,
                "goals": goals["total"] or 0, "assists": goals["assists"] or 0,
                "yellow_cards": cards["yellow"] or 0, "red_cards": cards["red"] or 0,
                "rating": None if games["rating"] is None else float(games["rating"]),
            }
    return found


def lake_items(root: Path, endpoint: str, league: int, season: int) -> list[dict]:
    """Every item of a partition over all its fetches (fixture details hold only each day's new matches)."""
    folder = root / "raw" / endpoint / f"season={season}" / f"league_id={league}"
    return [item for path in sorted(folder.glob("ingestion_date=*/data.json")) for item in json.loads(path.read_text())["response"]]


def dbt_test_results(warehouse: Warehouse) -> dict[str, tuple[str, int]]:
    results = json.loads((warehouse.workdir / "dbt_target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: (r["status"], r["failures"]) for r in results if r["unique_id"].startswith("test.")}



@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    """A league and a cup, a closed and a current season, with the details of every finished match."""
    workdir = tmp_path_factory.mktemp("dbt-complete-details")
    lake = write_synthetic_lake(workdir / "lake", leagues=1, seasons=2, cups=1, days=2, detail_rounds=40)
    warehouse = Warehouse(workdir, lake.root)
    assert warehouse.build() == 0, "dbt build over a lake with complete match details failed (see the output above)"
    return warehouse, lake


def test_every_league_season_is_summed_from_the_matches_and_agrees_with_players(complete):
    warehouse, lake = complete
    assert dbt_test_results(warehouse)[RECONCILIATION] == ("pass", 0)
    seasons = warehouse.query("""
        select league_id, season, count(*), sum(appearances),
               count(*) filter (where stats_source = 'fixture_details' and has_complete_match_details and has_api_stats),
               max(ingestion_date) <= max(api_ingestion_date)
        from marts.fct_player_season_stats group by all order by all
    """)
    # every league season, the current ones included, is summed from the matches, complete, and compared
    assert [row[:2] for row in seasons] == sorted((league.id, season) for league in lake.leagues for season in lake.seasons)
    assert all(count == compared and appearances > 0 and fetched_together for _, _, count, appearances, compared, fetched_together in seasons)

    # the sums, checked against the lake's own files: the matches' and the API's
    league, season = lake.leagues[0], lake.seasons[0]
    from_matches = sums_of_details(lake_items(lake.root, "fixture_details", league.id, season))
    from_api = season_totals(lake_items(lake.root, "players", league.id, season))
    columns = ", ".join(COMPARED)
    rows = warehouse.query(f"select player_id, team_id, {columns}, rating, api_rating from marts.fct_player_season_stats "
                           "where league_id = ? and season = ?", [league.id, season])
    assert len(rows) == len(from_api) and len(from_matches) <= len(from_api)
    for player, team, *values, rating, api_rating in rows:
        summed = from_matches.get((player, team), {key: 0 for key in COMPARED} | {"ratings": []})
        assert dict(zip(COMPARED, values, strict=True)) == {key: summed[key] for key in COMPARED}
        assert {key: from_api[(player, team)][key] for key in COMPARED} == {key: summed[key] for key in COMPARED}
        ratings = summed["ratings"]
        assert (rating is None) == (not ratings) and (rating is None or rating == pytest.approx(sum(ratings) / len(ratings)))
        assert api_rating == from_api[(player, team)]["rating"]
        assert rating is None or abs(rating - api_rating) <= 0.000001  # the API's 6 decimals


def test_a_wrong_match_statistic_fails_the_reconciliation_naming_the_player(complete, tmp_path):
    """One player's minutes in one match of a closed season changed in a copy of the lake: the
    reconciliation fails with exactly that player. The same change in a re-fetch of a cup match
    dated after the cup's /players fetch is not compared: the API's totals cannot know it yet."""
    _, lake = complete
    root = Path(shutil.copytree(lake.root, tmp_path / "lake"))
    league, cup, season = lake.leagues[0], lake.leagues[-1], lake.seasons[0]
    assert cup.type == "Cup"

    def change_minutes(body: dict) -> tuple[int, str, int, int]:
        item = body["response"][0]
        team = item["players"][0]
        entry = next(entry for entry in team["players"] if entry["statistics"][0]["games"]["minutes"] == 90)
        entry["statistics"][0]["games"]["minutes"] = 83
        return entry["player"]["id"], entry["player"]["name"], team["team"]["id"], item["fixture"]["id"]

    path = next((root / "raw" / "fixture_details" / f"season={season}" / f"league_id={league.id}").glob("ingestion_date=*/data.json"))
    body = json.loads(path.read_text())
    player, name, team, _ = change_minutes(body)
    path.write_text(json.dumps(body, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")

    refetch_path = max((root / "raw" / "fixture_details" / f"season={season}" / f"league_id={cup.id}").glob("ingestion_date=*/data.json"))
    refetch = json.loads(refetch_path.read_text())
    refetch["response"] = refetch["response"][:1]
    cup_player, _, cup_team, cup_fixture = change_minutes(refetch)
    write_partition(root, "fixture_details", {"season": season, "league_id": cup.id}, lake.last_day + timedelta(days=1), refetch)

    warehouse = Warehouse(tmp_path, root)
    assert warehouse.build("--exclude", "test_type:generic", select=f"+{RECONCILIATION}") == 1
    assert dbt_test_results(warehouse)[RECONCILIATION] == ("fail", 1)
    failures = warehouse.query(f"select league_id, season, team_id, player_id, player_name, problem, minutes_played, api_minutes_played "
                               f"from ({warehouse.compiled(RECONCILIATION)})")
    (row,) = failures
    assert row[:6] == (league.id, season, team, player, name, "differs from /players")
    assert row[6] == row[7] - 7

    # the cup's re-fetch is newer than its /players fetch: summed (the mart is up to date), not compared
    cup_row = warehouse.query("select minutes_played, api_minutes_played, stats_source, ingestion_date > api_ingestion_date "
                              "from marts.fct_player_season_stats where league_id = ? and season = ? and player_id = ? and team_id = ?",
                              [cup.id, season, cup_player, cup_team])
    assert cup_row == [(cup_row[0][1] - 7, cup_row[0][1], "fixture_details", True)]
    assert warehouse.query("select ingestion_date from staging.stg_api_football__fixture_details where fixture_id = ?",
                           [cup_fixture])[0][0] == lake.last_day + timedelta(days=1)


def test_the_sandbox_players_totals_agree_with_every_match_it_serves(sandbox):
    """A recorded season (PL 2024, one fixture recorded with its details): /players sums every
    finished match's details as the sandbox serves them, the recorded fixture's real players
    included, so a lake ingested from the sandbox passes the reconciliation."""
    session = requests.Session()
    session.headers["x-apisports-key"] = "sandbox-key"

    def get(path: str, **params: str) -> dict:
        answer = session.get(f"{sandbox.url}/{path}", params=params, timeout=60)
        answer.raise_for_status()
        return answer.json()

    fixtures = get("fixtures", league="39", season="2024")["response"]
    ids = [item["fixture"]["id"] for item in fixtures if item["fixture"]["status"]["short"] in ("FT", "AET", "PEN")]
    assert len(ids) == 380 and 1208397 in ids
    details = [item for start in range(0, len(ids), 20)
               for item in get("fixtures", ids="-".join(map(str, ids[start:start + 20])))["response"]]
    players, page = [], 1
    while True:
        body = get("players", league="39", season="2024", page=str(page))
        players += body["response"]
        if body["paging"]["current"] >= body["paging"]["total"]:
            break
        page += 1
    from_matches, from_api = sums_of_details(details), season_totals(players)
    assert set(from_matches) <= set(from_api)
    for key, totals in from_api.items():
        summed = from_matches.get(key, {name: 0 for name in COMPARED} | {"ratings": []})
        assert {name: totals[name] for name in COMPARED} == {name: summed[name] for name in COMPARED}, key
        ratings = summed["ratings"]
        assert (totals["rating"] is None) == (not ratings), key
        assert totals["rating"] is None or totals["rating"] == pytest.approx(sum(ratings) / len(ratings), abs=1e-6), key
    # Bruno Fernandes played the recorded match only: his /players row is that match's statistics
    assert {name: from_api[(1485, 33)][name] for name in ("appearances", "minutes_played", "assists", "rating")} == {
        "appearances": 1, "minutes_played": 90, "assists": 1, "rating": 9.2}
    (bruno,) = get("players", id="1485", season="2024")["response"]
    assert bruno["player"]["name"] == "Bruno Fernandes" and bruno["statistics"][0]["team"]["id"] == 33


def test_details_staged_without_player_statistics_leave_their_season_to_players(complete, tmp_path):
    """A warehouse built before staging kept the players array: its older fixture-details rows have
    none. Their league season is incomplete (not summed from a part of its matches): the API's
    totals stand, and it is not compared, until a full refresh rereads the lake."""
    built, lake = complete
    warehouse = Warehouse(tmp_path, lake.root)
    warehouse.duckdb.parent.mkdir(parents=True)
    shutil.copyfile(built.duckdb, warehouse.duckdb)
    league, season = lake.leagues[0], lake.seasons[0]
    with duckdb.connect(str(warehouse.duckdb)) as connection:
        (fixture,) = connection.execute("select min(fixture_id) from staging.stg_api_football__fixture_details "
                                        "where league_id = ? and season = ?", [league.id, season]).fetchone()
        connection.execute("update staging.stg_api_football__fixture_details set player_statistics = null where fixture_id = ?", [fixture])
        connection.execute("delete from intermediate.int_api_football__fixture_player_statistics where fixture_id = ?", [fixture])
    assert warehouse.build(select=f"fct_player_season_stats {RECONCILIATION}") == 0
    assert dbt_test_results(warehouse)[RECONCILIATION] == ("pass", 0)
    seasons = dict(((row[0], row[1]), row[2:]) for row in warehouse.query(
        "select league_id, season, min(stats_source), max(stats_source), bool_or(has_complete_match_details), "
        "count(*) filter (where appearances <> coalesce(api_appearances, 0)) from marts.fct_player_season_stats group by all"))
    assert seasons.pop((league.id, season)) == ("players", "players", False, 0)
    assert all(values[:3] == ("fixture_details", "fixture_details", True) for values in seasons.values())
