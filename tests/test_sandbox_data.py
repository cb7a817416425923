"""The data the sandbox serves: recorded envelopes as recorded, and synthetic data that agrees
with itself and with what was recorded."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import requests
from jsonschema import Draft202012Validator

DATA = Path(__file__).parent / "data" / "api-football"
RECORDED = sorted(DATA.rglob("*.json"))
KEY = {"x-apisports-key": "sandbox-key"}
FINISHED = {"FT", "AET", "PEN"}


def get(sandbox, path: str, headers=KEY, **params) -> requests.Response:
    response = requests.get(f"{sandbox.url}/{path}", params=params, headers=headers, timeout=30)
    assert response.status_code == 200
    return response


def recorded(name: str) -> dict:
    return json.loads((DATA / name).read_bytes())


@pytest.mark.parametrize("path", RECORDED, ids=[str(p.relative_to(DATA)) for p in RECORDED])
def test_every_recorded_envelope_comes_back_byte_for_byte(sandbox, path):
    envelope = json.loads(path.read_bytes())
    params = envelope["parameters"] or {}
    response = get(sandbox, envelope["get"], **params)
    assert response.content == path.read_bytes()
    assert response.headers["x-ratelimit-requests-limit"] == "7500"


def test_parameters_match_in_any_order_and_page_1_may_be_omitted(sandbox):
    expected = (DATA / "players" / "pl_39_2023_page1_xelathan.json").read_bytes()
    by_hand = requests.get(f"{sandbox.url}/players?season=2023&page=1&league=39", headers=KEY, timeout=30)
    assert by_hand.content == expected
    assert get(sandbox, "players", league="39", season="2023").content == expected
    leagues = (DATA / "leagues" / "id39_current_footballay.json").read_bytes()
    assert requests.get(f"{sandbox.url}/leagues?id=39&current=true", headers=KEY, timeout=30).content == leagues
    assert requests.get(f"{sandbox.url}/v3/leagues?current=true&id=39", headers=KEY, timeout=30).content == leagues


def test_rapidapi_headers_are_accepted(sandbox):
    headers = {"x-rapidapi-key": "sandbox-key", "x-rapidapi-host": "v3.football.api-sports.io"}
    response = get(sandbox, "teams", headers=headers, league="39", season="2024")
    assert response.content == (DATA / "teams" / "pl_39_2024_footballay.json").read_bytes()


def test_a_folder_of_its_own_is_indexed_recursively(sandbox_factory, tmp_path):
    folder = tmp_path / "deep" / "er"
    folder.mkdir(parents=True)
    body = b'{"get":"teams","parameters":{"season":2031,"league":7},"errors":[],"results":0,"paging":{"current":1,"total":1},"response":[]}'
    (folder / "x.json").write_bytes(body)
    (tmp_path / "broken.json").write_text("not json")
    sandbox = sandbox_factory(data=[tmp_path], today="2025-01-26")
    assert get(sandbox, "teams", league="7", season="2031").content == body
    assert any("broken.json" in reason for reason in sandbox.recorded.skipped)


def _table(fixtures: list[dict]) -> dict[int, dict]:
    """An independent league table: the test's own arithmetic, not the sandbox's."""
    table: dict[int, dict] = {}
    for item in fixtures:
        if item["fixture"]["status"]["short"] not in FINISHED:
            continue
        for side, other in (("home", "away"), ("away", "home")):
            row = table.setdefault(item["teams"][side]["id"], Counter())
            scored, conceded = item["goals"][side], item["goals"][other]
            row["played"] += 1
            row["for"] += scored
            row["against"] += conceded
            row[f"{side}_played"] += 1
            row["win" if scored > conceded else "lose" if scored < conceded else "draw"] += 1
            row["points"] += 3 if scored > conceded else 1 if scored == conceded else 0
    return table


def _assert_agrees(rows: list[dict], fixtures: list[dict]) -> None:
    expected = _table(fixtures)
    for row in rows:
        want = expected.get(row["team"]["id"], Counter())
        got = row["all"]
        assert (got["played"], got["win"], got["draw"], got["lose"]) == (want["played"], want["win"], want["draw"], want["lose"])
        assert (got["goals"]["for"], got["goals"]["against"]) == (want["for"], want["against"])
        assert row["points"] == want["points"]
        assert row["goalsDiff"] == want["for"] - want["against"]
        assert row["home"]["played"] == want["home_played"] and row["away"]["played"] == want["away_played"]
        assert row["home"]["goals"]["for"] + row["away"]["goals"]["for"] == want["for"]
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    assert [row["points"] for row in rows] == sorted((row["points"] for row in rows), reverse=True)


def test_standings_of_recorded_pl_2024_agree_with_the_recorded_fixtures(sandbox):
    fixtures = recorded("fixtures/pl_39_2024_footballay.json")["response"]
    body = get(sandbox, "standings", league="39", season="2024").json()
    assert body["errors"] == [] and body["results"] == 1
    league = body["response"][0]["league"]
    assert (league["id"], league["season"], league["name"]) == (39, 2024, "Premier League")
    (rows,) = league["standings"]
    assert len(rows) == 20 and {row["team"]["id"] for row in rows} == {f["teams"]["home"]["id"] for f in fixtures}
    _assert_agrees(rows, fixtures)
    assert all(row["all"]["played"] == 38 for row in rows)
    assert all(len(row["form"]) == 5 and set(row["form"]) <= set("WDL") for row in rows)


def test_standings_of_recorded_euro_2020_are_its_group_tables(sandbox):
    fixtures = recorded("fixtures/euro_4_2020_tapball.json")["response"]
    groups = get(sandbox, "standings", league="4", season="2020").json()["response"][0]["league"]["standings"]
    assert [rows[0]["group"] for rows in groups] == [f"Group {g}" for g in "ABCDEF"]
    for rows in groups:
        group_fixtures = [f for f in fixtures if f["league"]["round"].startswith(rows[0]["group"] + " - ")]
        assert len(rows) == 4
        _assert_agrees(rows, group_fixtures)
    assert all(row["all"]["played"] == 0 for row in groups[-1])


def test_teams_and_players_of_a_recorded_season_are_its_clubs(sandbox):
    fixtures = recorded("fixtures/euro_4_2020_tapball.json")["response"]
    clubs = {f["teams"][side]["id"] for f in fixtures for side in ("home", "away")}
    teams = get(sandbox, "teams", league="4", season="2020").json()["response"]
    assert {t["team"]["id"] for t in teams} == clubs
    italy = next(t for t in teams if t["team"]["name"] == "Italy")
    assert italy["team"]["national"] is True and italy["venue"]["name"] == "Stadio Olimpico"
    players = get(sandbox, "players", league="39", season="2024", page="2").json()
    pl_clubs = {f["teams"]["home"]["id"] for f in recorded("fixtures/pl_39_2024_footballay.json")["response"]}
    assert {p["statistics"][0]["team"]["id"] for p in players["response"]} <= pl_clubs


def test_details_of_recorded_fixtures_follow_their_scores(sandbox):
    fixtures = recorded("fixtures/pl_39_2024_footballay.json")["response"][:20]
    ids = "-".join(str(f["fixture"]["id"]) for f in fixtures)
    body = get(sandbox, "fixtures", ids=ids).json()
    assert body["results"] == 20
    for plain, detailed in zip(fixtures, body["response"], strict=True):
        assert {k: detailed[k] for k in plain} == plain
        for side in ("home", "away"):
            goals = [e for e in detailed["events"] if e["type"] == "Goal" and e["team"]["id"] == plain["teams"][side]["id"]]
            assert len(goals) == plain["goals"][side]
            assert sum(e["time"]["elapsed"] <= 45 for e in goals) == plain["score"]["halftime"][side]
    events = get(sandbox, "fixtures/events", fixture=str(fixtures[0]["fixture"]["id"])).json()["response"]
    assert events == body["response"][0]["events"]


def test_a_recorded_fixture_with_details_is_served_as_recorded_inside_a_batch(sandbox):
    item = recorded("fixtures/fixture_id_1208397_with_events_lineups_stats_players_footballay.json")["response"][0]
    body = get(sandbox, "fixtures", ids="1208396-1208397").json()
    assert body["response"][1] == item
    assert get(sandbox, "fixtures/lineups", fixture="1208397").json()["response"] == item["lineups"]


def test_extra_time_and_penalties_of_the_recorded_euro_count_every_goal(sandbox):
    fixtures = recorded("fixtures/euro_4_2020_tapball.json")["response"]
    extra = [f for f in fixtures if f["fixture"]["status"]["short"] in ("AET", "PEN")]
    body = get(sandbox, "fixtures", ids="-".join(str(f["fixture"]["id"]) for f in extra)).json()
    for plain, detailed in zip(extra, body["response"], strict=True):
        for side in ("home", "away"):
            goals = [e for e in detailed["events"] if e["type"] == "Goal" and e["team"]["id"] == plain["teams"][side]["id"]]
            assert len(goals) == plain["goals"][side]
            assert sum(e["time"]["elapsed"] > 90 for e in goals) == plain["score"]["extratime"][side]


# -- synthetic data ------------------------------------------------------------------------------

TODAY = "2025-01-26"
SCHEMAS = Path(__file__).parents[1] / "plugins" / "pitchlake_api_football" / "schemas"


@pytest.fixture
def synthetic(sandbox_factory):
    """A sandbox with nothing recorded: every answer is synthesised."""
    return sandbox_factory(today=TODAY, seed=3)


def fixtures_of(sandbox, league: int, season: int) -> list[dict]:
    return get(sandbox, "fixtures", league=str(league), season=str(season)).json()["response"]


def all_pages(sandbox, **params) -> list[dict]:
    items, page = [], 1
    while True:
        body = get(sandbox, "players", page=str(page), **params).json()
        assert body["paging"]["current"] == page and len(body["response"]) <= 20
        items += body["response"]
        if body["paging"]["current"] >= body["paging"]["total"]:
            return items
        page += 1


def test_a_past_season_is_a_finished_double_round_robin_from_august_to_may(synthetic):
    fixtures = fixtures_of(synthetic, 140, 2023)
    assert len(fixtures) == 380
    assert [f["fixture"]["id"] for f in fixtures] == [(140 * 10_000 + 2023) * 1000 + n for n in range(1, 381)]
    assert {f["fixture"]["status"]["short"] for f in fixtures} == {"FT"}
    pairs = Counter((f["teams"]["home"]["id"], f["teams"]["away"]["id"]) for f in fixtures)
    clubs = {home for home, _ in pairs}
    assert len(clubs) == 20 and len(pairs) == 380 and set(pairs.values()) == {1}
    assert all((away, home) in pairs for home, away in pairs)
    days = sorted(f["fixture"]["date"] for f in fixtures)
    assert days[0][:7] == "2023-08" and days[-1][:7] == "2024-05"
    rounds: dict[str, list[int]] = {}
    for f in fixtures:
        rounds.setdefault(f["league"]["round"], []).extend([f["teams"]["home"]["id"], f["teams"]["away"]["id"]])
        assert f["fixture"]["venue"]["id"] is not None and f["fixture"]["referee"]
        assert f["teams"]["home"]["winner"] == (f["goals"]["home"] > f["goals"]["away"] if f["goals"]["home"] != f["goals"]["away"] else None)
        assert 0 <= f["score"]["halftime"]["home"] <= f["goals"]["home"]
    assert len(rounds) == 38 and all(sorted(teams) == sorted(clubs) for teams in rounds.values())


def test_today_splits_the_current_season_and_later_seasons_are_not_played(synthetic):
    fixtures = fixtures_of(synthetic, 140, 2024)
    played = [f for f in fixtures if f["fixture"]["status"]["short"] == "FT"]
    to_come = [f for f in fixtures if f["fixture"]["status"]["short"] == "NS"]
    assert played and to_come and len(played) + len(to_come) == 380
    assert max(f["fixture"]["date"][:10] for f in played) < TODAY <= min(f["fixture"]["date"][:10] for f in to_come)
    assert all(f["goals"] == {"home": None, "away": None} for f in to_come)
    assert {f["fixture"]["status"]["short"] for f in fixtures_of(synthetic, 140, 2025)} == {"NS"}


@pytest.mark.parametrize("teams", [18, 19, 24])
def test_the_number_of_clubs_is_configurable(sandbox_factory, teams):
    sandbox = sandbox_factory(today=TODAY, teams=teams)
    fixtures = fixtures_of(sandbox, 61, 2022)
    assert len(fixtures) == teams * (teams - 1)
    per_club = Counter(f["teams"][side]["id"] for f in fixtures for side in ("home", "away"))
    assert set(per_club.values()) == {2 * (teams - 1)}
    assert len(get(sandbox, "teams", league="61", season="2022").json()["response"]) == teams


@pytest.mark.parametrize("season", [2023, 2024])
def test_synthetic_standings_agree_exactly_with_synthetic_fixtures(synthetic, season):
    fixtures = fixtures_of(synthetic, 140, season)
    (item,) = get(synthetic, "standings", league="140", season=str(season)).json()["response"]
    (rows,) = item["league"]["standings"]
    assert len(rows) == 20 and {r["group"] for r in rows} == {"La Liga"}
    _assert_agrees(rows, fixtures)
    team = rows[3]["team"]["id"]
    only = get(synthetic, "standings", season=str(season), team=str(team)).json()["response"]
    assert only[0]["league"]["standings"] == [[rows[3]]]


def test_same_seed_same_bytes_other_seed_other_world(sandbox_factory):
    paths = [("fixtures", {"league": "78", "season": "2021"}), ("players", {"league": "78", "season": "2021", "page": "4"}),
             ("standings", {"league": "78", "season": "2021"})]
    first, again, other = (sandbox_factory(today=TODAY, seed=seed) for seed in (11, 11, 12))
    for path, params in paths:
        assert get(first, path, **params).content == get(again, path, **params).content
        assert get(first, path, **params).content != get(other, path, **params).content


def test_players_are_paginated_20_a_page_over_every_squad(synthetic):
    players = all_pages(synthetic, league="140", season="2024")
    assert 20 * 24 <= len(players) <= 20 * 28
    ids = [p["player"]["id"] for p in players]
    assert len(set(ids)) == len(ids)
    squads = set()
    for club in get(synthetic, "teams", league="140", season="2024").json()["response"]:
        (squad,) = get(synthetic, "players/squads", team=str(club["team"]["id"])).json()["response"]
        squads |= {p["id"] for p in squad["players"]}
        assert all((p["id"] - 200_000_000) // 100 == club["team"]["id"] for p in squad["players"])
    assert squads == set(ids)
    beyond = get(synthetic, "players", league="140", season="2024", page="99").json()
    assert beyond["response"] == [] and beyond["errors"] == []


def test_season_statistics_are_the_sum_of_the_matches(synthetic):
    fixtures = fixtures_of(synthetic, 88, 2022)
    players = all_pages(synthetic, league="88", season="2022")
    assert sum(p["statistics"][0]["goals"]["total"] or 0 for p in players) == sum(f["goals"]["home"] + f["goals"]["away"] for f in fixtures)
    scorer = max(players, key=lambda p: p["statistics"][0]["goals"]["total"] or 0)
    stats = scorer["statistics"][0]
    assert stats["team"]["id"] == (scorer["player"]["id"] - 200_000_000) // 100
    assert stats["league"] == {**stats["league"], "id": 88, "season": 2022}
    assert 0 < stats["games"]["appearences"] <= 38 and stats["games"]["minutes"] <= 90 * stats["games"]["appearences"]


def test_match_details_follow_the_score(synthetic):
    fixtures = [f for f in fixtures_of(synthetic, 135, 2022)][:40]
    body = get(synthetic, "fixtures", ids="-".join(str(f["fixture"]["id"]) for f in fixtures[:20])).json()
    assert body["results"] == 20
    too_many = get(synthetic, "fixtures", ids="-".join(str(f["fixture"]["id"]) for f in fixtures[:21])).json()
    assert too_many["results"] == 0 and "ids" in too_many["errors"]
    for match in body["response"]:
        assert len(match["lineups"]) == 2 and len(match["statistics"]) == 2 and len(match["players"]) == 2
        for i, side in enumerate(("home", "away")):
            team = match["teams"][side]["id"]
            events = [e for e in match["events"] if e["team"]["id"] == team]
            goals = [e for e in events if e["type"] == "Goal"]
            assert len(goals) == match["goals"][side]
            assert sum(e["time"]["elapsed"] <= 45 for e in goals) == match["score"]["halftime"][side]
            stats = {s["type"]: s["value"] for s in match["statistics"][i]["statistics"]}
            assert stats["Yellow Cards"] == sum(e["detail"] == "Yellow Card" for e in events)
            assert stats["Shots on Goal"] >= match["goals"][side]
            lineup = match["lineups"][i]
            assert lineup["team"]["id"] == team and len(lineup["startXI"]) == 11
            played = [p for p in match["players"][i]["players"] if p["statistics"][0]["games"]["minutes"]]
            assert sum(p["statistics"][0]["goals"]["total"] or 0 for p in played) == match["goals"][side]
            keeper = next(p for p in played if p["statistics"][0]["games"]["position"] == "G")
            assert keeper["statistics"][0]["goals"]["conceded"] == match["goals"]["away" if side == "home" else "home"]
            coaches = get(synthetic, "coachs", team=str(team)).json()["response"]
            assert lineup["coach"]["id"] in {c["id"] for c in coaches}
    single = get(synthetic, "fixtures/events", fixture=str(fixtures[0]["fixture"]["id"])).json()["response"]
    assert single == body["response"][0]["events"]
    assert get(synthetic, "fixtures/events", fixture="99").json()["response"] == []


def test_leagues_list_seasons_with_coverage(synthetic):
    (league,) = get(synthetic, "leagues", id="140").json()["response"]
    assert league["league"]["name"] == "La Liga" and league["country"]["name"] == "Spain"
    seasons = {s["year"]: s for s in league["seasons"]}
    assert max(seasons) == 2024 and [y for y, s in seasons.items() if s["current"]] == [2024]
    assert all(not s["coverage"]["injuries"] for y, s in seasons.items() if y < 2020)
    assert seasons[2024]["coverage"]["injuries"] and seasons[2024]["coverage"]["fixtures"]["events"]
    fixtures = fixtures_of(synthetic, 140, 2023)
    assert seasons[2023]["start"] == min(f["fixture"]["date"][:10] for f in fixtures)
    assert seasons[2023]["end"] == max(f["fixture"]["date"][:10] for f in fixtures)
    current = get(synthetic, "leagues", current="true").json()["response"]
    assert len(current) >= 8 and all([s["year"] for s in item["seasons"]] == [2024] for item in current)
    oldest = min(seasons)
    assert not seasons[oldest]["coverage"]["fixtures"]["events"]
    match = fixtures_of(synthetic, 140, oldest)[0]
    assert get(synthetic, "fixtures", id=str(match["fixture"]["id"])).json()["response"][0]["events"] == []
    assert get(synthetic, "injuries", league="140", season=str(oldest)).json()["response"] == []
    assert get(synthetic, "leagues", id="4321").json()["response"][0]["league"]["id"] == 4321


def test_clubs_grounds_and_people_share_their_ids(synthetic):
    clubs_2023 = {t["team"]["id"]: t for t in get(synthetic, "teams", league="140", season="2023").json()["response"]}
    clubs_2024 = {t["team"]["id"]: t for t in get(synthetic, "teams", league="140", season="2024").json()["response"]}
    assert len(set(clubs_2023) & set(clubs_2024)) >= 14
    for tid in set(clubs_2023) & set(clubs_2024):
        assert clubs_2023[tid] == clubs_2024[tid]
        assert (tid - 1_000_000) // 100 == 140
    fixtures = fixtures_of(synthetic, 140, 2024)
    assert all(f["fixture"]["venue"]["id"] == clubs_2024[f["teams"]["home"]["id"]]["venue"]["id"] for f in fixtures)
    club = next(iter(clubs_2024.values()))
    (venue,) = get(synthetic, "venues", id=str(club["venue"]["id"])).json()["response"]
    assert venue["name"] == club["venue"]["name"] and venue["country"] == "Spain"
    assert club["venue"]["id"] in {v["id"] for v in get(synthetic, "venues", country="Spain").json()["response"]}
    assert get(synthetic, "teams", id=str(club["team"]["id"])).json()["response"] == [club]
    pool = {t["team"]["id"] for season in range(2015, 2025)
            for t in get(synthetic, "teams", league="140", season=str(season)).json()["response"]}
    transfers = get(synthetic, "transfers", team=str(club["team"]["id"])).json()["response"]
    assert transfers
    for item in transfers:
        moves = item["transfers"]
        assert club["team"]["id"] in {moves[0]["teams"]["in"]["id"], moves[0]["teams"]["out"]["id"]}
        assert {m["teams"][s]["id"] for m in moves for s in ("in", "out")} - {None} <= pool
    injuries = get(synthetic, "injuries", league="140", season="2024").json()["response"]
    ids = {f["fixture"]["id"] for f in fixtures}
    assert injuries and all(i["fixture"]["id"] in ids for i in injuries)
    assert all((i["player"]["id"] - 200_000_000) // 100 == i["team"]["id"] for i in injuries)
    missing = next(i for i in injuries if i["player"]["type"] == "Missing Fixture"
                   and i["fixture"]["id"] in {f["fixture"]["id"] for f in fixtures if f["fixture"]["status"]["short"] == "FT"})
    lineups = get(synthetic, "fixtures/lineups", fixture=str(missing["fixture"]["id"])).json()["response"]
    assert missing["player"]["id"] not in {p["player"]["id"] for lineup in lineups for p in lineup["startXI"] + lineup["substitutes"]}
    fixture_ids = {f["fixture"]["id"] for f in fixtures} | {f["fixture"]["id"] for f in fixtures_of(synthetic, 140, 2023)}
    assert len(fixture_ids) == 760 and not fixture_ids & {f["fixture"]["id"] for f in fixtures_of(synthetic, 39, 2024)}


def _validator(name: str):
    path = SCHEMAS / f"{name}.json"
    assert path.exists(), f"no item schema {path}"
    return Draft202012Validator(json.loads(path.read_text()))


@pytest.mark.parametrize("schema, path, params", [
    ("leagues", "leagues", {"id": "39"}),
    ("teams", "teams", {"league": "140", "season": "2024"}),
    ("venues", "venues", {"country": "Spain"}),
    ("fixtures", "fixtures", {"league": "140", "season": "2024"}),
    ("fixture_details", "fixtures", {"ids": "-".join(str(1402023000 + n) for n in range(1, 21))}),
    ("standings", "standings", {"league": "140", "season": "2024"}),
    ("players", "players", {"league": "140", "season": "2024", "page": "2"}),
    ("players_squads", "players/squads", {"team": "1014001"}),
    ("injuries", "injuries", {"league": "140", "season": "2024"}),
    ("transfers", "transfers", {"team": "1014001"}),
    ("coachs", "coachs", {"team": "1014001"}),
])
def test_synthetic_items_fit_the_endpoint_schemas(synthetic, schema, path, params):
    validator = _validator(schema)
    body = get(synthetic, path, **params).json()
    assert body["errors"] == [] and body["response"]
    for item in body["response"]:
        validator.validate(item)
