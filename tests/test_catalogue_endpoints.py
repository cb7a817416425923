"""The rest of API-Football's catalogue (issue 19): keyless endpoints in the lake, the derives of
the endpoints keyed by match, pair of teams, team of a league season and player, from a small
file lake, and a keyless and a batched endpoint planned and ingested against the sandbox.

What every endpoint's schema accepts (the path's real response) is tests/test_openapi_catalogue.py's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitchlake.config import load_config
from pitchlake.dbt_sources import lake_glob
from pitchlake.lake import DEFAULT_LAYOUT, Layout, open_lake
from pitchlake.planner import LakeView, Selection, plan
from pitchlake.plugins import registry
from pitchlake.runner import ingest
from pitchlake.testing.config import write_config
from pitchlake_api_football import ENDPOINTS, derive
from pitchlake_api_football.envelope import envelope

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "tests" / "data" / "api-football-docs"
CATALOGUE = ROOT / "tests" / "data" / "api-football-catalogue"
SCHEMAS = ROOT / "plugins" / "pitchlake_api_football" / "schemas"
BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}
KEY = "sandbox-key"
TODAY = "2025-01-20"

KEYLESS = ("timezone", "countries", "leagues_seasons", "teams_countries", "players_seasons")
NEW = (*KEYLESS, "fixtures_rounds", "players_topscorers", "players_topassists", "players_topyellowcards",
       "players_topredcards", "teams_seasons", "teams_statistics", "predictions", "fixtures_headtohead",
       "fixtures_events", "fixtures_lineups", "fixtures_statistics", "fixtures_players", "players_profiles",
       "players_teams", "sidelined")


# --- declarations ------------------------------------------------------------------------------


def test_the_catalogue_is_registered_and_none_of_it_is_enabled_by_default():
    assert set(NEW) <= set(registry().endpoints)
    shipped = json.loads((ROOT / "config" / "endpoints.json").read_text())
    assert not {entry["plugin"] for entry in shipped["endpoints"]} & set(NEW)


@pytest.mark.parametrize("name", KEYLESS)
def test_keyless_reference_lists(name):
    endpoint = BY_NAME[name]
    assert (endpoint.partition_keys, dict(endpoint.params), endpoint.partition_source) == ((), {}, "scope")
    assert endpoint.refresh == "monthly" and endpoint.request_params({}) == {}


@pytest.mark.parametrize("name, flag", [("players_topscorers", "top_scorers"), ("players_topassists", "top_assists"),
                                        ("players_topyellowcards", "top_cards"), ("players_topredcards", "top_cards"),
                                        ("predictions", "predictions"), ("fixtures_events", "fixtures.events"),
                                        ("fixtures_lineups", "fixtures.lineups"),
                                        ("fixtures_statistics", "fixtures.statistics_fixtures"),
                                        ("fixtures_players", "fixtures.statistics_players")])
def test_coverage_flags(name, flag):
    assert BY_NAME[name].coverage_flags == (flag,)


def test_top_lists_change_with_finished_matches_as_standings_do():
    for name in ("players_topscorers", "players_topassists", "players_topyellowcards", "players_topredcards"):
        endpoint = BY_NAME[name]
        assert (endpoint.changes_with, endpoint.changed, endpoint.refresh) == ("fixtures", derive.matches_finished_since, "weekly")


def test_request_params_of_the_new_keys():
    assert BY_NAME["teams_statistics"].request_params({"season": 2024, "league_id": 39, "team_id": 33}) == \
        {"league": "39", "season": "2024", "team": "33"}
    assert BY_NAME["fixtures_headtohead"].request_params({"team_id": "33", "opponent_id": "40"}) == {"h2h": "33-40"}
    assert BY_NAME["predictions"].request_params({"season": "2024", "league_id": "39", "fixture_id": "7"}) == {"fixture": "7"}
    assert BY_NAME["players_profiles"].request_params({"player_id": "276"}) == {"player": "276"}
    sidelined = BY_NAME["sidelined"]
    assert (sidelined.kind, sidelined.batch_param, sidelined.batch_size, sidelined.partition_keys) == ("batched", "players", 20, ())
    assert sidelined.batch_request({}, ["276", "278"]) == {"players": "276-278"}


def test_teams_statistics_reads_its_one_object_as_a_list_of_one():
    document = json.loads((DOCS / "teams" / "statistics.json").read_text())
    assert isinstance(document["response"], dict)
    assert BY_NAME["teams_statistics"].items(document) == [document["response"]]
    assert BY_NAME["teams_statistics"].items({"response": []}) == []  # no statistics: the API's empty list
    assert BY_NAME["teams"].items({"response": {"a": 1}}) == {"a": 1}  # the others are not lenient


def test_teams_statistics_schema_catches_a_changed_shape():
    from pitchlake.endpoints import SchemaMismatch, check_items

    document = json.loads((DOCS / "teams" / "statistics.json").read_text())
    for path, value in [(("team", "id"), "490"), (("fixtures", "played", "home"), "6"), (("league",), None)]:
        broken = json.loads(json.dumps(document))
        node = broken["response"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        with pytest.raises(SchemaMismatch):
            check_items(BY_NAME["teams_statistics"], broken)


def test_the_per_match_details_are_final_and_the_rest_is_not():
    scope = {"current_season": 2026}
    for name in ("fixtures_events", "fixtures_lineups", "fixtures_statistics", "fixtures_players"):
        assert BY_NAME[name].closed({"season": "2026", "league_id": "39", "fixture_id": "1"}, scope) == "finished match"
        assert "1 credit per 20" in BY_NAME[name].description
    assert BY_NAME["predictions"].closed({"season": "2026", "league_id": "39", "fixture_id": "1"}, scope) is None
    assert BY_NAME["predictions"].closed({"season": "2024", "league_id": "39", "fixture_id": "1"}, scope) == "closed season"


@pytest.mark.parametrize("name, source, sub_schema", [
    ("fixtures_events", "fixture_details", "event"), ("fixtures_lineups", "fixture_details", "lineup"),
    ("fixtures_statistics", "fixture_details", "team_statistics"), ("fixtures_players", "fixture_details", "team_players"),
    ("players_topscorers", "players", None), ("players_topassists", "players", None),
    ("players_topyellowcards", "players", None), ("players_topredcards", "players", None),
    ("fixtures_headtohead", "fixtures", None),
])
def test_copied_schemas_stay_what_they_copy(name, source, sub_schema):
    """These paths answer with the items another endpoint already checks (the details
    fixture_details embeds, the items of /players and /fixtures): their schemas are copies, kept equal."""
    copy = json.loads((SCHEMAS / f"{name}.json").read_text())
    original = json.loads((SCHEMAS / f"{source}.json").read_text())
    body = {key: value for key, value in copy.items() if key not in ("$schema", "title", "description", "$defs")}
    if sub_schema is None:
        expected = {key: value for key, value in original.items() if key not in ("$schema", "title", "description", "$defs")}
        assert body == expected and copy.get("$defs") == original.get("$defs")
    else:
        expected = {key: value for key, value in original["$defs"][sub_schema].items() if key != "description"}
        assert body == expected
        assert all(copy["$defs"][key] == original["$defs"][key] for key in copy["$defs"])


# --- keyless endpoints in the lake -------------------------------------------------------------


def test_a_keyless_endpoint_has_one_key_per_fetch_without_an_empty_segment():
    layout = Layout()
    key = layout.data_key("timezone", (), {}, "2025-01-26")
    assert key == "raw/timezone/ingestion_date=2025-01-26/data.json"
    match = layout.parser("timezone", ()).match(key)
    assert match and (match["ingestion_date"], match["rest"]) == ("2025-01-26", "data.json")
    assert layout.partition_dir("timezone", (), {}) == "raw/timezone"
    glob = lake_glob(DEFAULT_LAYOUT, "timezone", ())
    assert glob.startswith("raw/timezone/ingestion_date=") and "//" not in glob


# --- derives, from a small file lake -----------------------------------------------------------


def _fixture(fixture_id: int, status: str, date: str, home: int, away: int) -> dict:
    return {"fixture": {"id": fixture_id, "date": f"{date}T15:00:00+00:00", "timestamp": 0, "status": {"short": status}},
            "league": {"id": 39, "season": 2026}, "teams": {"home": {"id": home}, "away": {"id": away}}}


class SmallLake:
    """A file lake in tmp_path and a config enabling the endpoints a test reads and plans."""

    def __init__(self, tmp_path: Path, endpoints, base_url="http://127.0.0.1:9", seasons=(2024, 2026)):
        self.uri = f"file://{tmp_path}/lake"
        self.lake = open_lake(self.uri)
        self.layout = Layout()
        self.config = load_config(write_config(tmp_path / "config.json", base_url=base_url, lake_uri=self.uri,
                                               seasons=seasons, leagues=(39,), current_season=2026, endpoints=endpoints))

    def put(self, endpoint: str, partition: dict, date: str, items, parameters=None):
        keys = tuple(BY_NAME[endpoint].partition_keys)
        document = envelope(BY_NAME[endpoint].path, parameters or {}, items)
        self.lake.put(self.layout.data_key(endpoint, keys, partition, date), json.dumps(document).encode())

    def view(self) -> LakeView:
        return LakeView(self.config, registry().endpoints, self.lake, Selection())

    def plan(self, *names: str, date: str):
        return plan(self.config, registry().endpoints, self.lake, Selection(endpoints=names), date=date)


PL_2024, PL_2026, LALIGA_2024 = ({"season": "2024", "league_id": "39"}, {"season": "2026", "league_id": "39"},
                                 {"season": "2024", "league_id": "140"})


@pytest.fixture
def small_lake(tmp_path, monkeypatch):
    monkeypatch.setenv("PITCHLAKE_TODAY", TODAY)
    lake = SmallLake(tmp_path, ["teams", "fixtures", "players", "predictions", "fixtures_headtohead", "fixtures_events",
                                "teams_statistics", "sidelined"])
    team = lambda team_id: {"team": {"id": team_id}, "venue": {}}  # noqa: E731
    lake.put("teams", PL_2024, "2025-01-01", [team(33), team(34)])
    lake.put("teams", PL_2026, "2025-01-01", [team(33), team(35)])
    lake.put("teams", LALIGA_2024, "2025-01-01", [team(529)])  # a league an earlier scope had
    lake.put("fixtures", PL_2024, "2025-01-01", [_fixture(10, "FT", "2024-08-16", 33, 34)])
    lake.put("fixtures", LALIGA_2024, "2025-01-01", [_fixture(99, "FT", "2024-08-16", 529, 530)])
    lake.put("fixtures", PL_2026, "2025-01-10", [_fixture(1, "NS", "2025-01-12", 33, 35)])
    lake.put("fixtures", PL_2026, TODAY, [
        _fixture(1, "FT", "2025-01-12", 33, 35),
        _fixture(2, "NS", "2025-01-21", 35, 33),   # tomorrow: a prediction, and the pair 33-35
        _fixture(3, "NS", "2025-01-25", 33, 36),   # in 5 days: its pair only
        _fixture(4, "NS", "2025-02-10", 34, 35),   # in three weeks: nothing yet
        _fixture(5, "PST", "2025-01-21", 34, 36),  # postponed: nothing
        _fixture(6, "NS", "2025-01-19", 36, 37),   # yesterday, never played: nothing
    ])
    player = lambda player_id: {"player": {"id": player_id}, "statistics": []}  # noqa: E731
    lake.put("players", PL_2024, "2025-01-01", [player(276), player(278)])
    lake.put("players", PL_2026, "2025-01-01", [player(278), player(300)])
    lake.put("players", LALIGA_2024, "2025-01-01", [player(999)])
    return lake


def test_teams_statistics_derive_the_teams_of_each_league_season_of_the_scope(small_lake):
    assert list(derive.scope_league_season_teams(small_lake.view())) == [
        {"season": "2024", "league_id": "39", "team_id": "33"}, {"season": "2024", "league_id": "39", "team_id": "34"},
        {"season": "2026", "league_id": "39", "team_id": "33"}, {"season": "2026", "league_id": "39", "team_id": "35"},
    ]


def test_details_derive_the_finished_matches_of_the_scope(small_lake):
    assert list(derive.finished_fixtures(small_lake.view())) == [
        {"season": "2024", "league_id": "39", "fixture_id": "10"}, {"season": "2026", "league_id": "39", "fixture_id": "1"},
    ]


def test_predictions_derive_the_matches_of_the_next_days(small_lake):
    assert list(derive.upcoming_fixtures(small_lake.view())) == [{"season": "2026", "league_id": "39", "fixture_id": "2"}]


def test_head_to_heads_derive_the_pairs_of_the_next_week_smaller_id_first(small_lake):
    assert list(derive.upcoming_pairs(small_lake.view())) == [
        {"team_id": "33", "opponent_id": "35"}, {"team_id": "33", "opponent_id": "36"},
    ]


def test_player_endpoints_derive_the_players_of_the_scope_once_each(small_lake):
    assert list(derive.scope_player_ids(small_lake.view())) == [
        {"player_id": "276"}, {"player_id": "278"}, {"player_id": "300"},
    ]


def test_sidelined_asks_the_players_no_fetch_of_the_last_week_asked(small_lake):
    assert list(derive.players_sidelined_due(small_lake.view())) == [{"ids": [276, 278, 300]}]
    small_lake.put("sidelined", {}, "2025-01-10", [], parameters={"players": "278"})  # ten days ago: due again
    small_lake.put("sidelined", {}, "2025-01-18", [{"id": 276, "sidelined": []}], parameters={"players": "276-300"})
    assert list(derive.players_sidelined_due(small_lake.view())) == [{"ids": [278]}]
    small_lake.put("sidelined", {}, "2025-01-19", [], parameters={"players": "278"})
    assert list(derive.players_sidelined_due(small_lake.view())) == []


def test_team_statistics_change_when_a_match_of_the_team_finished(small_lake):
    view = small_lake.view()
    team = lambda team_id: {**PL_2026, "team_id": team_id}  # noqa: E731
    assert derive.team_matches_finished_since(view, team("33"), "2025-01-10") == \
        f"1 match of the team finished (fixtures of 2025-01-10 against {TODAY})"
    assert derive.team_matches_finished_since(view, team("34"), "2025-01-10") is None
    assert derive.team_matches_finished_since(view, team("33"), TODAY) is None


def test_a_prediction_is_fetched_daily_until_kickoff_and_never_after(small_lake, monkeypatch):
    match = {"season": "2026", "league_id": "39", "fixture_id": "2"}
    (task,) = small_lake.plan("predictions", date=TODAY).tasks
    assert (task.partition, task.reason) == (match, "new")
    small_lake.put("predictions", match, TODAY, [])
    assert not small_lake.plan("predictions", date=TODAY).tasks  # fetched today
    monkeypatch.setenv("PITCHLAKE_TODAY", "2025-01-21")  # the match day: still not started
    (task,) = small_lake.plan("predictions", date="2025-01-21").tasks
    assert task.partition == match and task.reason.startswith("refresh")
    small_lake.put("predictions", match, "2025-01-21", [])
    small_lake.put("fixtures", PL_2026, "2025-01-22", [_fixture(2, "FT", "2025-01-21", 35, 33)])
    monkeypatch.setenv("PITCHLAKE_TODAY", "2025-01-22")  # over: the one fetched before it stays
    assert not small_lake.plan("predictions", date="2025-01-22").tasks


def test_a_finished_matchs_details_are_fetched_once_whatever_its_season(small_lake):
    small_lake.put("fixtures_events", {**PL_2026, "fixture_id": "1"}, "2025-01-13", [])
    planned = small_lake.plan("fixtures_events", date=TODAY)
    assert [task.partition["fixture_id"] for task in planned.tasks] == ["10"]
    (skip,) = [skip for skip in planned.skipped if skip.partition.get("fixture_id") == "1"]
    assert skip.reason == "complete (finished match, fetched 2025-01-13)"


# --- against the sandbox -----------------------------------------------------------------------


def test_a_keyless_and_a_batched_endpoint_plan_and_ingest_against_the_sandbox(tmp_path, monkeypatch, sandbox_factory):
    """``timezone`` (no key, no parameter) from the docs' recorded answer, and ``sidelined`` (the
    players of the scope's league seasons, 20 a request) from the documented answer of
    ``players=276-278``, both served by the sandbox's ``--data``."""
    monkeypatch.setenv("PITCHLAKE_TODAY", "2025-01-26")
    sandbox = sandbox_factory(data=[CATALOGUE, DOCS], today="2025-01-26", keys=(KEY,), per_minute=6000, per_day=100000)
    small = SmallLake(tmp_path, ["players", "timezone", "sidelined"], base_url=sandbox.url, seasons=(2024,))
    small.put("players", PL_2024, "2025-01-20", [{"player": {"id": 276}, "statistics": []},
                                                  {"player": {"id": 278}, "statistics": []}])

    planned = small.plan("timezone", "sidelined", date="2025-01-26")
    assert {(task.name, task.reason) for task in planned.tasks} == {("timezone", "new"), ("sidelined", "2 id(s) without data")}
    assert [batch.params for task in planned.tasks for batch in task.batches] == [{"players": "276-278"}]

    summary = ingest(small.config, key=KEY, lake=small.lake)
    assert (summary.api_requests, summary.partitions_written, summary.failures) == (2, 2, [])
    timezone = json.loads(small.lake.read("raw/timezone/ingestion_date=2025-01-26/data.json"))
    assert len(timezone["response"]) == 427 and "Europe/London" in timezone["response"]
    sidelined = json.loads(small.lake.read("raw/sidelined/ingestion_date=2025-01-26/data.json"))
    assert sidelined["parameters"] == {"players": "276-278"}
    assert [item["id"] for item in sidelined["response"]] == [276, 278]

    again = ingest(small.config, key=KEY, lake=small.lake)
    assert (again.api_requests, again.partitions_written) == (0, 0)
    assert not small.plan("timezone", "sidelined", date="2025-01-26").tasks
