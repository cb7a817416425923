"""The staging models of the catalogue's endpoints (issue 19), built on DuckDB over real answers.

Each endpoint's recorded answer (``tests/data/api-football-docs/``, one real response per path;
``tests/data/api-football-catalogue/`` for /players/profiles) is laid out as a lake partition whose
keys are what the recorded request asked (``fixtures/rounds`` asked ``league=135&season=2025``: the
partition ``season=2025/league_id=135``). The per-match paths asked only ``fixture=215662``; their
league and season keys are stand-ins, which the models carry as they are. A few older fetches and
an empty answer are added to check that the newest fetch wins. Every endpoint is enabled in the
project's config (none is in the shipped one), the dbt sources are rendered for it, and one
``dbt build`` runs the models and their data tests; the rows are then checked against the samples.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from pitchlake.config import load_config
from pitchlake_sandbox.synthetic_lake import write_partition

from .test_dbt_duckdb import Warehouse, column_documentation_gaps

pytestmark = pytest.mark.timeout(600)

DATA = Path(__file__).resolve().parent / "data"
DOCS = DATA / "api-football-docs"
CATALOGUE = DATA / "api-football-catalogue"
DBT_MODELS = Path(__file__).resolve().parent.parent / "dbt" / "models"

TODAY = "2025-02-01"  # the newest fetch of every partition
OLDER = "2025-01-01"  # an older fetch, which the models must not read where a newer one exists
SERIE_A = {"season": 2025, "league_id": 135}
#: /fixtures/events, /lineups, /statistics, /players asked fixture=215662 only (Aldosivi's match)
MATCH = {"season": 2019, "league_id": 128, "fixture_id": 215662}

#: endpoint -> (sample, partition): the partition is what the sample's request asked
SAMPLES: dict[str, tuple[Path, dict]] = {
    "timezone": (DOCS / "timezone.json", {}),
    "countries": (DOCS / "countries.json", {}),
    "leagues_seasons": (DOCS / "leagues" / "seasons.json", {}),
    "teams_countries": (DOCS / "teams" / "countries.json", {}),
    "players_seasons": (DOCS / "players" / "seasons.json", {}),
    "fixtures_rounds": (DOCS / "fixtures" / "rounds.json", SERIE_A),
    "players_topscorers": (DOCS / "players" / "topscorers.json", SERIE_A),
    "players_topassists": (DOCS / "players" / "topassists.json", SERIE_A),
    "players_topyellowcards": (DOCS / "players" / "topyellowcards.json", SERIE_A),
    "players_topredcards": (DOCS / "players" / "topredcards.json", SERIE_A),
    "teams_seasons": (DOCS / "teams" / "seasons.json", {"team_id": 490}),
    "teams_statistics": (DOCS / "teams" / "statistics.json", {**SERIE_A, "team_id": 490}),
    "fixtures_events": (DOCS / "fixtures" / "events.json", MATCH),
    "fixtures_lineups": (DOCS / "fixtures" / "lineups.json", MATCH),
    "fixtures_statistics": (DOCS / "fixtures" / "statistics.json", MATCH),
    "fixtures_players": (DOCS / "fixtures" / "players.json", MATCH),
    "fixtures_headtohead": (DOCS / "fixtures" / "headtohead.json", {"team_id": 490, "opponent_id": 491}),
    "players_profiles": (CATALOGUE / "players_profiles_player_276.json", {"player_id": 276}),
    "players_teams": (DOCS / "players" / "teams.json", {"player_id": 4526}),
}
ENDPOINTS = list(SAMPLES)
MODELS = [f"stg_api_football__{name}" for name in ENDPOINTS]
TOP_LISTS = ["players_topscorers", "players_topassists", "players_topyellowcards", "players_topredcards"]


def sample(endpoint: str) -> dict:
    return json.loads(SAMPLES[endpoint][0].read_text(encoding="utf-8"))


def response(endpoint: str):
    return sample(endpoint)["response"]


def write_lake(lake: Path) -> None:
    for endpoint, (path, partition) in SAMPLES.items():
        write_partition(lake, endpoint, partition, TODAY, json.loads(path.read_text(encoding="utf-8")))
    # older fetches the newest must win over: a time zone since dropped, other numbers, fewer events
    older = sample("timezone")
    older["response"] = ["Old/Gone", *older["response"][:3]]
    write_partition(lake, "timezone", {}, OLDER, older)
    older = sample("teams_statistics")
    older["response"]["fixtures"]["played"]["total"] = 1
    write_partition(lake, "teams_statistics", SAMPLES["teams_statistics"][1], OLDER, older)
    older = sample("fixtures_headtohead")
    older["response"] = [{**copy.deepcopy(item), "goals": {"home": 9, "away": 9}} for item in older["response"]]
    write_partition(lake, "fixtures_headtohead", SAMPLES["fixtures_headtohead"][1], OLDER, older)
    older = sample("fixtures_events")
    older["response"] = older["response"][:2]
    write_partition(lake, "fixtures_events", MATCH, OLDER, older)
    # a team the API has no statistics for answers with an empty list: no row
    empty = {**sample("teams_statistics"), "response": [], "results": 0}
    write_partition(lake, "teams_statistics", {**SERIE_A, "team_id": 491}, TODAY, empty)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Warehouse:
    from pitchlake.dbt_sources import DbtSources
    from pitchlake.plugins import registry
    from pitchlake.render import RenderContext, render

    workdir = tmp_path_factory.mktemp("dbt-staging-catalogue")
    lake = workdir / "lake"
    write_lake(lake)
    warehouse = Warehouse(workdir, lake)
    document = json.loads(warehouse.config.path.read_text())
    document["scope"] = {"seasons": [2019, 2025], "leagues": [128, 135], "current_season": 2025}
    document["endpoints"] = [{"plugin": name} for name in ENDPOINTS]
    warehouse.config.path.write_text(json.dumps(document))
    warehouse.config = load_config(warehouse.config.path)
    render(DbtSources(), RenderContext(warehouse.config, registry().endpoints), warehouse.config.root)
    assert warehouse.build(select=MODELS) == 0, "dbt build of the catalogue's staging models failed (see the output above)"
    return warehouse


def rows(warehouse: Warehouse, model: str, columns: str, order: str | None = None) -> list[tuple]:
    sql = f"select {columns} from staging.stg_api_football__{model}"
    return warehouse.query(sql + (f" order by {order}" if order else ""))


def documented_columns(path: Path, model: str) -> list[str]:
    models = {entry["name"]: entry for entry in yaml.safe_load(path.read_text())["models"]}
    return [column["name"] for column in models[model]["columns"]]


def test_every_model_and_its_tests_are_built(built):
    results = json.loads((built.workdir / "dbt_target" / "run_results.json").read_text())["results"]
    statuses = {result["unique_id"]: result["status"] for result in results}
    assert {f"model.pitchlake.{model}": "success" for model in MODELS}.items() <= statuses.items()
    tests = {uid: status for uid, status in statuses.items() if uid.startswith("test.")}
    assert len(tests) > 60 and set(tests.values()) == {"pass"}, {uid: s for uid, s in tests.items() if s != "pass"}
    assert column_documentation_gaps(built) == {}
    # each model read its endpoint's newest data.json only
    for endpoint in ENDPOINTS:
        files = {row[0] for row in rows(built, endpoint, "distinct filename")}
        assert len(files) == 1 and files.pop().endswith(f"/ingestion_date={TODAY}/data.json"), endpoint


def test_keyless_lists_are_their_newest_fetch(built):
    assert sorted(row[0] for row in rows(built, "timezone", "timezone_name")) == sorted(response("timezone"))
    assert rows(built, "timezone", "count(*)", None) == [(427,)]  # "Old/Gone" was in the older fetch only
    for endpoint in ("countries", "teams_countries"):
        expected = sorted((item["name"], item["code"], item["flag"]) for item in response(endpoint))
        assert rows(built, endpoint, "country_name, country_code, country_flag_url", "country_name") == expected, endpoint
    for endpoint in ("leagues_seasons", "players_seasons"):
        assert rows(built, endpoint, "season", "season") == [(year,) for year in sorted(response(endpoint))], endpoint
    assert {str(row[0]) for row in rows(built, "timezone", "distinct ingestion_date")} == {TODAY}


def test_rounds_in_the_apis_order(built):
    assert rows(built, "fixtures_rounds", "league_id, season, round, round_index", "round_index") == [
        (135, 2025, name, index) for index, name in enumerate(response("fixtures_rounds"))]


def test_top_lists_rank_the_listed_players(built):
    for endpoint in TOP_LISTS:
        listed = response(endpoint)
        expected = [(135, 2025, rank, item["player"]["id"], item["statistics"][0]["team"]["id"],
                      item["statistics"][0]["goals"]["total"], item["statistics"][0]["goals"]["assists"],
                      item["statistics"][0]["cards"]["yellow"], item["statistics"][0]["cards"]["red"],
                      item["statistics"][0]["games"]["appearences"], item["statistics"][0]["games"]["minutes"])
                    for rank, item in enumerate(listed, 1)]
        assert len(expected) == 20
        assert rows(built, endpoint, "league_id, season, list_rank, player_id, team_id, goals, assists, yellow_cards,"
                    " red_cards, appearances, minutes_played", "list_rank") == expected, endpoint


def test_team_seasons_and_statistics(built):
    assert rows(built, "teams_seasons", "team_id, season", "season") == [(490, year) for year in sorted(response("teams_seasons"))]
    stats = response("teams_statistics")
    played, goals = stats["fixtures"], stats["goals"]
    # one row: the newest fetch of team 490 (the older one said 1 match played); team 491's empty answer has none
    assert rows(built, "teams_statistics", "league_id, season, team_id, team_name, form, played, won, drawn, lost, "
                "home_played, away_won, goals_for, goals_against, home_goals_for, away_goals_against, goals_for_average, "
                "clean_sheets, failed_to_score, longest_winning_streak, biggest_home_win, penalties_scored") == [(
        135, 2025, 490, "Cagliari", stats["form"],
        played["played"]["total"], played["wins"]["total"], played["draws"]["total"], played["loses"]["total"],
        played["played"]["home"], played["wins"]["away"],
        goals["for"]["total"]["total"], goals["against"]["total"]["total"],
        goals["for"]["total"]["home"], goals["against"]["total"]["away"], float(goals["for"]["average"]["total"]),
        stats["clean_sheet"]["total"], stats["failed_to_score"]["total"], stats["biggest"]["streak"]["wins"],
        stats["biggest"]["wins"]["home"], stats["penalty"]["scored"]["total"])]
    assert (played["played"]["total"], goals["for"]["total"]["total"], goals["against"]["total"]["total"]) == (18, 19, 25)


def test_match_paths_have_the_columns_of_the_fixture_details_models(built):
    intermediate = DBT_MODELS / "intermediate" / "api_football" / "_int_api_football__models.yml"
    for endpoint, model in [("fixtures_events", "int_api_football__fixture_events"),
                            ("fixtures_lineups", "int_api_football__fixture_lineups"),
                            ("fixtures_statistics", "int_api_football__fixture_statistics"),
                            ("fixtures_players", "int_api_football__fixture_player_statistics")]:
        built_columns = {row[0] for row in built.query(
            "select column_name from information_schema.columns where table_schema = 'staging' and table_name = ?",
            [f"stg_api_football__{endpoint}"])}
        assert set(documented_columns(intermediate, model)) <= built_columns, endpoint
        # the response names no match: the partition's keys are the row's
        assert rows(built, endpoint, "distinct fixture_id, league_id, season") == [(215662, 128, 2019)], endpoint

    events = response("fixtures_events")
    assert rows(built, "fixtures_events", "event_index, team_id, player_id, event_type, event_detail, elapsed_minutes",
                "event_index") == [(i, e["team"]["id"], e["player"]["id"], e["type"], e["detail"], e["time"]["elapsed"])
                                   for i, e in enumerate(events)]  # 18, not the older fetch's 2

    lineups = response("fixtures_lineups")
    assert built.query("select team_id, is_starter, count(*), min(formation), min(coach_id)"
                       " from staging.stg_api_football__fixtures_lineups group by all order by all") == sorted(
        (team["team"]["id"], starter, len(team["startXI" if starter else "substitutes"]), team["formation"], team["coach"]["id"])
        for team in lineups for starter in (False, True))

    statistics = response("fixtures_statistics")
    expected = sorted((team["team"]["id"], s["type"], None if s["value"] is None else str(s["value"]))
                      for team in statistics for s in team["statistics"])
    assert rows(built, "fixtures_statistics", "team_id, statistic_type, statistic_value", "team_id, statistic_type") == expected
    possession = next(s["value"] for s in statistics[0]["statistics"] if s["type"] == "Ball Possession")
    assert built.query("select statistic_number from staging.stg_api_football__fixtures_statistics"
                       " where team_id = ? and statistic_type = 'Ball Possession'",
                       [statistics[0]["team"]["id"]]) == [(float(possession.rstrip("%")),)]

    players = response("fixtures_players")
    expected = sorted((team["team"]["id"], i, p["player"]["id"], p["statistics"][0]["games"]["minutes"],
                       p["statistics"][0]["goals"]["total"])
                      for team in players for i, p in enumerate(team["players"]))
    assert rows(built, "fixtures_players", "team_id, player_index, player_id, minutes_played, goals",
                "team_id, player_index") == expected


def test_head_to_head_has_the_fixtures_columns(built):
    staging = DBT_MODELS / "staging" / "api_football" / "_api_football__models.yml"
    built_columns = {row[0] for row in built.query(
        "select column_name from information_schema.columns where table_schema = 'staging'"
        " and table_name = 'stg_api_football__fixtures_headtohead'")}
    assert set(documented_columns(staging, "stg_api_football__fixtures")) | {"team_id", "opponent_id"} == built_columns
    matches = response("fixtures_headtohead")
    expected = sorted((m["fixture"]["id"], m["league"]["season"], m["teams"]["home"]["id"], m["teams"]["away"]["id"],
                       m["goals"]["home"], m["goals"]["away"], m["fixture"]["status"]["short"]) for m in matches)
    assert rows(built, "fixtures_headtohead", "fixture_id, season, home_team_id, away_team_id, home_goals, away_goals, status",
                "fixture_id") == expected  # the newest fetch's goals, not the older one's 9-9
    assert rows(built, "fixtures_headtohead", "distinct team_id, opponent_id") == [(490, 491)]
    assert len(expected) == 18


def test_player_profiles_and_teams(built):
    (profile,) = response("players_profiles")
    player = profile["player"]
    assert [(a, b, c, str(d), e, f, g) for a, b, c, d, e, f, g in rows(
        built, "players_profiles", "player_id, player_name, last_name, birth_date, height, shirt_number, position")] == [
        (276, player["name"], player["lastname"], player["birth"]["date"], player["height"], player["number"], player["position"])]
    teams = response("players_teams")
    expected = sorted((4526, team["team"]["id"], season) for team in teams for season in team["seasons"])
    assert rows(built, "players_teams", "player_id, team_id, season", "team_id, season") == expected
    assert len(expected) == 12 and Counter(len(team["seasons"]) for team in teams)[0] == 1  # team 932 lists no season
