"""The sandbox answers every path of API-Football v3 (issue 19, item 4): each path of the API's own
description (``tests/data/api-football-docs/openapi.yaml``) with the parameters it names, items
shaped as the real response recorded for that path, and answers that agree with the rest of the
sandbox's world: top scorers with the match events, odds with the predictions.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from pathlib import Path

import pytest
import requests
import yaml

DOCS = Path(__file__).parent / "data" / "api-football-docs"
DATA = Path(__file__).parent / "data" / "api-football"
KEY = {"x-apisports-key": "sandbox-key"}
TODAY = "2025-01-26"
LEAGUE, SEASON, FINISHED_SEASON = 140, 2024, 2023
SPEC = yaml.safe_load((DOCS / "openapi.yaml").read_text())
PATHS = {path: {parameter["name"] for parameter in operation["get"].get("parameters", []) if parameter.get("in") == "query"}
         for path, operation in SPEC["paths"].items()}


def real_sample(path: str) -> dict:
    """The real envelope of ``path``: its recorded file, else the first example of the description
    (``/players/profiles`` has no recorded file)."""
    name = path.strip("/")
    for candidate in (DOCS / f"{name}.json", DOCS / name / f"{name.split('/')[-1]}.json"):
        if candidate.is_file():
            return json.loads(candidate.read_text())
    examples = SPEC["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    return next(iter(examples.values()))["value"]


def kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", dict: "object", list: "array"}[type(value)]


def differences(real, mine, where: str = "$") -> list[str]:
    """Where the shapes differ: key sets of objects, JSON types of values (null matches anything),
    the first items of arrays when both have one."""
    if real is None or mine is None:
        return []
    if kind(real) != kind(mine):
        return [f"{where}: {kind(real)} in the real answer, {kind(mine)} in the sandbox's"]
    if isinstance(real, dict):
        found = []
        if set(real) != set(mine):
            found.append(f"{where}: keys only real {sorted(set(real) - set(mine))}, only sandbox {sorted(set(mine) - set(real))}")
        for key in sorted(set(real) & set(mine)):
            found += differences(real[key], mine[key], f"{where}.{key}")
        return found
    if isinstance(real, list) and real and mine:
        return differences(real[0], mine[0], f"{where}[0]")
    return []


@pytest.fixture(scope="module")
def sandbox():
    from pitchlake_sandbox import Sandbox

    started = Sandbox(data=[DATA], today=TODAY, per_minute=100_000, per_day=1_000_000).start()
    yield started
    started.stop()


def ask(sandbox, path: str, **params) -> dict:
    response = requests.get(f"{sandbox.url}/{path.strip('/')}", params=params, headers=KEY, timeout=60)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def world(sandbox) -> dict:
    """Ids of one league season of the sandbox: a finished and a coming fixture, their clubs, a
    player and a coach of the home club."""
    fixtures = ask(sandbox, "fixtures", league=LEAGUE, season=SEASON)["response"]
    done = [f for f in fixtures if f["fixture"]["status"]["short"] == "FT"][-1]
    coming = next(f for f in fixtures if f["fixture"]["status"]["short"] == "NS")
    home, away = done["teams"]["home"]["id"], done["teams"]["away"]["id"]
    squad = ask(sandbox, "players/squads", team=home)["response"][0]["players"]
    coach = ask(sandbox, "coachs", team=home)["response"][0]["id"]
    return {"fixture": done["fixture"]["id"], "coming": coming["fixture"]["id"], "home": home, "away": away,
            "player": squad[0]["id"], "coach": coach, "day": coming["fixture"]["date"][:10]}


def request_of(path: str, w: dict) -> dict:
    """Parameters that ask ``path`` about the sandbox's league season."""
    league = {"league": LEAGUE, "season": SEASON}
    return {
        "/timezone": {}, "/countries": {}, "/leagues": {"id": LEAGUE}, "/leagues/seasons": {},
        "/teams": league, "/teams/statistics": {**league, "team": w["home"]}, "/teams/seasons": {"team": w["home"]},
        "/teams/countries": {}, "/venues": {"country": "Spain"}, "/standings": league, "/fixtures/rounds": league,
        "/fixtures": league, "/fixtures/headtohead": {"h2h": f"{w['home']}-{w['away']}"},
        "/fixtures/statistics": {"fixture": w["fixture"]}, "/fixtures/events": {"fixture": w["fixture"]},
        "/fixtures/lineups": {"fixture": w["fixture"]}, "/fixtures/players": {"fixture": w["fixture"]},
        "/injuries": league, "/predictions": {"fixture": w["coming"]}, "/coachs": {"team": w["home"]},
        "/players/seasons": {}, "/players/profiles": {"player": w["player"]}, "/players": league,
        "/players/squads": {"team": w["home"]}, "/players/teams": {"player": w["player"]},
        "/players/topscorers": league, "/players/topassists": league, "/players/topyellowcards": league,
        "/players/topredcards": league, "/transfers": {"team": w["home"]}, "/trophies": {"player": w["player"]},
        "/sidelined": {"player": w["player"]}, "/odds/live": {}, "/odds/live/bets": {}, "/odds": {"fixture": w["coming"]},
        "/odds/mapping": {}, "/odds/bookmakers": {}, "/odds/bets": {},
    }[path]


#: At the sandbox's clock no match is in play (its fixtures before ``today`` are finished, the
#: others not started), so /odds/live answers an empty list; its shape is checked by its code.
EMPTY = {"/odds/live"}


def test_every_path_of_the_api_is_covered_by_this_test():
    assert len(PATHS) == 38
    for path in PATHS:
        request_of(path, {"home": 0, "away": 0, "fixture": 0, "coming": 0, "player": 0, "coach": 0})


@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_path_answers_items_shaped_as_the_real_ones(sandbox, world, path):
    params = request_of(path, world)
    assert set(params) <= PATHS[path], f"{path} takes {sorted(PATHS[path])}"
    body = ask(sandbox, path, **params)
    assert body["errors"] == [], body["errors"]
    assert body["get"] == path.strip("/")
    real = real_sample(path)["response"]
    mine = body["response"]
    if path in EMPTY:
        assert mine == []
        return
    assert kind(mine) == kind(real), f"{path}: the real response is an {kind(real)}"
    if isinstance(real, list):
        assert mine, f"{path}: no item for {params}"
        real, mine = real[0], mine[0]
    assert differences(real, mine) == []


def test_every_path_refuses_a_parameter_it_does_not_take(sandbox, world):
    for path in PATHS:
        params = {**request_of(path, world), "colour": "red"}
        body = ask(sandbox, path, **params)
        assert body["errors"] == {"colour": "The Colour field do not exist."}, path
        assert body["response"] == [] and body["results"] == 0


def test_required_parameters_are_required(sandbox):
    assert ask(sandbox, "predictions")["errors"] == {"fixture": "The Fixture field is required."}
    assert ask(sandbox, "players/topscorers", league=LEAGUE)["errors"] == {"season": "The Season field is required."}
    assert ask(sandbox, "teams/statistics", league=LEAGUE, season=SEASON)["errors"] == {"team": "The Team field is required."}
    assert ask(sandbox, "fixtures/headtohead", h2h="33")["errors"] == {
        "h2h": "The H2h field must contain two team ids separated by '-'."}
    assert ask(sandbox, "sidelined", players="-".join(["1"] * 21))["errors"] == {"players": "Maximum of 20 players ids."}
    assert "required" in ask(sandbox, "odds")["errors"]


def test_top_scorers_agree_with_the_match_events(sandbox):
    """Goals and assists counted from the events of every match of a finished season, as
    ``fixtures?ids=`` serves them, are the top lists' totals, and nobody left out has more."""
    fixtures = ask(sandbox, "fixtures", league=LEAGUE, season=FINISHED_SEASON)["response"]
    assert fixtures and all(f["fixture"]["status"]["short"] == "FT" for f in fixtures)
    ids = [f["fixture"]["id"] for f in fixtures]
    goals, assists, yellow = Counter(), Counter(), Counter()
    for start in range(0, len(ids), 20):
        for item in ask(sandbox, "fixtures", ids="-".join(map(str, ids[start:start + 20])))["response"]:
            assert sum(e["type"] == "Goal" for e in item["events"]) == item["goals"]["home"] + item["goals"]["away"]
            for event in item["events"]:
                if event["type"] == "Goal" and event["detail"] != "Missed Penalty":
                    goals[event["player"]["id"]] += 1
                    if event["assist"]["id"]:
                        assists[event["assist"]["id"]] += 1
                elif event["type"] == "Card" and event["detail"] == "Yellow Card":
                    yellow[event["player"]["id"]] += 1
    for path, counted, read in (("players/topscorers", goals, lambda s: s["goals"]["total"]),
                                ("players/topassists", assists, lambda s: s["goals"]["assists"]),
                                ("players/topyellowcards", yellow, lambda s: s["cards"]["yellow"])):
        top = ask(sandbox, path, league=LEAGUE, season=FINISHED_SEASON)["response"]
        assert len(top) == 20, path
        listed = {item["player"]["id"]: read(item["statistics"][0]) for item in top}
        assert listed == {pid: counted[pid] for pid in listed}, path
        values = list(listed.values())
        assert values == sorted(values, reverse=True), path
        assert max((n for pid, n in counted.items() if pid not in listed), default=0) <= values[-1], path
    # the same totals as /players gives the scorer
    best = ask(sandbox, "players/topscorers", league=LEAGUE, season=FINISHED_SEASON)["response"][0]
    team = best["statistics"][0]["team"]["id"]
    pages = ask(sandbox, "players", team=team, season=FINISHED_SEASON)["response"]
    assert [item["statistics"] for item in pages if item["player"]["id"] == best["player"]["id"]] == [best["statistics"]]


def test_odds_carry_a_margin_and_name_the_predictions_favourite(sandbox, world):
    fixtures = ask(sandbox, "fixtures", league=LEAGUE, season=SEASON)["response"]
    priced = [f["fixture"]["id"] for f in fixtures if offered(f)]
    assert world["coming"] in priced and 10 < len(priced) < len(fixtures)
    sample = priced[::7] + [world["coming"]]
    for fid in sample:
        body = ask(sandbox, "odds", fixture=fid)
        assert body["results"] == 1, fid
        item = body["response"][0]
        winner = ask(sandbox, "predictions", fixture=fid)["response"][0]["predictions"]["winner"]["id"]
        side = "Home" if winner == next(f for f in fixtures if f["fixture"]["id"] == fid)["teams"]["home"]["id"] else "Away"
        assert len(item["bookmakers"]) >= 3
        for bookmaker in item["bookmakers"]:
            match_winner = next(bet for bet in bookmaker["bets"] if bet["id"] == 1)
            assert match_winner["name"] == "Match Winner"
            odds = {value["value"]: float(value["odd"]) for value in match_winner["values"]}
            assert set(odds) == {"Home", "Draw", "Away"}
            margin = sum(1 / odd for odd in odds.values()) - 1
            assert 0 < margin < 0.15, (fid, bookmaker["name"], odds)
            assert odds[side] <= odds["Away" if side == "Home" else "Home"], (fid, bookmaker["name"], odds)
    # no odds for a season whose coverage has none, nor for a match outside the API's window
    old = ask(sandbox, "fixtures", league=LEAGUE, season=2019)["response"][0]["fixture"]["id"]
    assert ask(sandbox, "odds", fixture=old)["response"] == []
    gone = next(f["fixture"]["id"] for f in fixtures if not offered(f))
    assert ask(sandbox, "odds", fixture=gone)["response"] == []


def offered(fixture: dict) -> bool:
    """Whether the API has odds of the match today: from 14 days before it to 7 days after."""
    days = (dt.date.fromisoformat(fixture["fixture"]["date"][:10]) - dt.date.fromisoformat(TODAY)).days
    return -7 <= days <= 14


def test_odds_come_ten_fixtures_a_page(sandbox):
    fixtures = [f for f in ask(sandbox, "fixtures", league=LEAGUE, season=SEASON)["response"] if offered(f)]
    pages = math.ceil(len(fixtures) / 10)
    seen = []
    for page in range(1, pages + 1):
        body = ask(sandbox, "odds", league=LEAGUE, season=SEASON, page=page)
        assert body["paging"] == {"current": page, "total": pages}
        assert body["results"] == len(body["response"]) == (10 if page < pages else len(fixtures) - 10 * (pages - 1))
        seen += [item["fixture"]["id"] for item in body["response"]]
    assert seen == [f["fixture"]["id"] for f in fixtures]
    assert ask(sandbox, "odds", league=LEAGUE, season=SEASON, page=pages + 1)["response"] == []
    only = ask(sandbox, "odds", league=LEAGUE, season=SEASON, bookmaker=8, bet=1)["response"][0]["bookmakers"]
    assert [(b["id"], [bet["id"] for bet in b["bets"]]) for b in only] == [(8, [1])]
    mapping = ask(sandbox, "odds/mapping")
    assert mapping["results"] == 100 and mapping["paging"]["total"] > 1


def test_rounds_head_to_head_and_team_statistics_agree_with_the_fixtures(sandbox, world):
    fixtures = ask(sandbox, "fixtures", league=LEAGUE, season=SEASON)["response"]
    rounds = ask(sandbox, "fixtures/rounds", league=LEAGUE, season=SEASON)["response"]
    assert rounds == list(dict.fromkeys(f["league"]["round"] for f in fixtures))
    current = ask(sandbox, "fixtures/rounds", league=LEAGUE, season=SEASON, current="true")["response"]
    assert current == [next(f["league"]["round"] for f in fixtures if f["fixture"]["status"]["short"] == "NS")]
    h2h = ask(sandbox, "fixtures/headtohead", h2h=f"{world['home']}-{world['away']}", season=SEASON)["response"]
    assert h2h == [f for f in fixtures if {f["teams"]["home"]["id"], f["teams"]["away"]["id"]} == {world["home"], world["away"]}]
    stats = ask(sandbox, "teams/statistics", league=LEAGUE, season=SEASON, team=world["home"])["response"]
    mine = [f for f in fixtures if world["home"] in (f["teams"]["home"]["id"], f["teams"]["away"]["id"])
            and f["fixture"]["status"]["short"] == "FT"]
    assert stats["fixtures"]["played"]["total"] == len(mine) == len(stats["form"])
    scored = sum(f["goals"]["home" if f["teams"]["home"]["id"] == world["home"] else "away"] for f in mine)
    assert stats["goals"]["for"]["total"]["total"] == scored
    assert sum(bucket["total"] or 0 for bucket in stats["goals"]["for"]["minute"].values()) == scored
    assert (stats["fixtures"]["wins"]["total"] + stats["fixtures"]["draws"]["total"] + stats["fixtures"]["loses"]["total"]
            == len(mine))


def test_batched_people_and_empty_live_odds(sandbox, world):
    two = f"{world['player']}-{world['player'] + 1}"
    batched = ask(sandbox, "sidelined", players=two)["response"]
    assert [entry["id"] for entry in batched] == [world["player"], world["player"] + 1]
    assert batched[0]["sidelined"] == ask(sandbox, "sidelined", player=world["player"])["response"]
    trophies = ask(sandbox, "trophies", players=two)["response"]
    assert trophies[0]["trophies"] == ask(sandbox, "trophies", player=world["player"])["response"]
    assert ask(sandbox, "sidelined", coach=world["coach"])["response"] == []
    assert ask(sandbox, "odds/live")["response"] == []


def test_the_sandbox_takes_exactly_the_parameters_the_spec_names():
    from pitchlake_sandbox.api import ENDPOINTS

    assert {f"/{name}" for name in ENDPOINTS} == set(PATHS)
    for path, names in PATHS.items():
        assert set(ENDPOINTS[path.strip("/")].params) == names, path


def test_the_spec_parameters_added_to_older_paths_filter(sandbox, world):
    last = ask(sandbox, "fixtures", league=LEAGUE, season=SEASON, team=world["home"], last=3)["response"]
    assert len(last) == 3 and [f["fixture"]["status"]["short"] for f in last] == ["FT"] * 3
    assert last[0]["fixture"]["date"] > last[-1]["fixture"]["date"]
    coming = ask(sandbox, "fixtures", league=LEAGUE, season=SEASON, next=2)["response"]
    assert [f["fixture"]["id"] for f in coming][:1] == [world["coming"]]
    lineups = ask(sandbox, "fixtures/lineups", fixture=world["fixture"], player=world["player"])["response"]
    assert all(entry["team"]["id"] == world["home"] for entry in lineups)
    batch = ask(sandbox, "injuries", ids=f"{world['fixture']}-{world['coming']}")["response"]
    assert batch == [*ask(sandbox, "injuries", fixture=world["fixture"])["response"],
                     *ask(sandbox, "injuries", fixture=world["coming"])["response"]]
    assert [league["league"]["id"] for league in ask(sandbox, "leagues", team=world["home"])["response"]] == [LEAGUE]
    # last and next make season optional, as the API's do
    recent = ask(sandbox, "fixtures", team=world["home"], last=2)["response"]
    assert recent == last[:2]
    assert ask(sandbox, "fixtures", team=world["home"])["errors"] == {"season": "The Season field is required."}
