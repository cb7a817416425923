"""What an endpoint declares, and the engine does with it: scope keys, item location, pages,
batches and their merge, closed partitions, data gates and column types. API-Football's
declarations (``ApiFootballEndpoint``) are checked against what the engine did before they moved
out of it; a plain ``Endpoint`` shows that nothing of API-Football is left in the engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitchlake.config import load_config
from pitchlake.dbt_sources import partition_types
from pitchlake.endpoints import Endpoint, SchemaMismatch, check_items
from pitchlake.lake import Layout, open_lake
from pitchlake.planner import Selection, plan
from pitchlake.plugins import registry
from pitchlake.render import RenderContext
from pitchlake.testing.config import write_config
from pitchlake_api_football import ApiFootballEndpoint
from pitchlake_api_football.envelope import envelope
from pitchlake_dagster.adapter import partitionings, raw_assets, schedules

ENDPOINTS = registry().endpoints
SCHEMA = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}


def league_news(**declared) -> Endpoint:
    """An endpoint of some other API: keyed by league alone, its list of leagues from the scope."""
    return Endpoint(name="league_news", path="news", partition_keys=("league_id",), params={"league": "{league_id}"},
                    item_schema=SCHEMA, scope_keys={"league_id": "leagues"}, **declared)


def season_awards() -> Endpoint:
    return Endpoint(name="season_awards", path="awards", partition_keys=("season",), params={"year": "{season}"},
                    item_schema=SCHEMA, scope_keys={"season": "seasons"})


def config_with(tmp_path: Path, endpoints: dict, enabled: list[str], **scope):
    path = write_config(tmp_path / "config.json", base_url="http://127.0.0.1:9", lake_uri=f"file://{tmp_path}/lake",
                        endpoints=enabled, **scope)
    return load_config(path, endpoints=endpoints)


# -- items ------------------------------------------------------------------------------------


def test_items_are_checked_where_the_endpoint_says_they_are():
    plain = league_news()
    check_items(plain, [{"id": 1}])
    with pytest.raises(SchemaMismatch, match=r"^league_news: /1/id: "):
        check_items(plain, [{"id": 1}, {"id": "two"}])
    with pytest.raises(SchemaMismatch, match="league_news: the body is dict, expected a list"):
        check_items(plain, {"id": 1})

    players = ENDPOINTS["players"]
    assert players.items_key == "response"
    with pytest.raises(SchemaMismatch, match=r"^players: 'response' is NoneType, expected a list$"):
        check_items(players, {"get": "players"})


def test_the_runner_and_the_contract_kit_check_items_with_the_endpoints_function():
    import pitchlake.runner
    import pitchlake.testing.contract

    assert pitchlake.runner.check_items is check_items
    assert pitchlake.testing.contract.check_items is check_items


# -- declarations fail when registered ---------------------------------------------------------


def test_pages_and_batches_need_their_declarations():
    with pytest.raises(ValueError, match="page_param"):
        Endpoint(name="x", path="x", partition_keys=(), params={}, item_schema={}, paginated=True)
    with pytest.raises(ValueError, match="merge"):
        Endpoint(name="x", path="x", partition_keys=(), params={}, item_schema={}, paginated=True, page_param="p")
    with pytest.raises(ValueError, match="not both"):
        ApiFootballEndpoint(name="x", path="x", partition_keys=(), params={}, item_schema={}, paginated=True,
                            partition_source="derived", derive=lambda ctx: [], batch_param="ids")
    assert {endpoint.name: endpoint.kind for endpoint in ENDPOINTS.values() if endpoint.kind != "single"} == {
        "players": "paginated", "fixture_details": "batched", "players_profiles": "paginated", "sidelined": "batched"}


# -- API-Football's declarations -------------------------------------------------------------


def test_api_football_pages_merge_into_one_envelope_without_the_page_parameter():
    players = ENDPOINTS["players"]
    first = envelope("players", {"league": "39", "season": "2024"}, [{"id": 1}, {"id": 2}], page=1, pages=2)
    second = envelope("players", {"league": "39", "season": "2024", "page": "2"}, [{"id": 3}], page=2, pages=2)
    assert players.page_count(first) == 2 and players.page_count({"paging": {"total": 0}}) == 1
    assert players.page_request({"league": "39", "season": "2024"}, 2) == {"league": "39", "season": "2024", "page": "2"}
    merged = players.merge([first, second])
    assert json.dumps(merged) == json.dumps(
        {"get": "players", "parameters": {"league": "39", "season": "2024"}, "errors": [], "results": 3,
         "paging": {"current": 2, "total": 2}, "response": [{"id": 1}, {"id": 2}, {"id": 3}]})


def test_api_football_batches_join_ids_with_a_dash_and_the_merge_keeps_every_id_asked():
    details = ENDPOINTS["fixture_details"]
    request = details.batch_request({"timezone": "UTC"}, ["11", "12", "13"])
    assert request == {"timezone": "UTC", "ids": "11-12-13"}
    first = envelope("fixtures", request, [{"fixture": {"id": 11}}, {"fixture": {"id": 13}}])  # 12 left out
    second = envelope("fixtures", {"timezone": "UTC", "ids": "14"}, [{"fixture": {"id": 14}}])
    assert details.asked_ids(first) == ["11", "12", "13"]
    merged = details.merge([first, second])
    assert merged["parameters"] == {"timezone": "UTC", "ids": "11-12-13-14"}
    assert merged["results"] == 3 and merged["paging"] == {"current": 2, "total": 2}


def test_api_football_closes_seasons_before_the_current_one(tmp_path):
    scope = config_with(tmp_path, ENDPOINTS, ["fixtures"], seasons=(2023, 2024), current_season=2024).scope
    fixtures, leagues = ENDPOINTS["fixtures"], ENDPOINTS["leagues"]
    assert fixtures.closed({"season": "2023", "league_id": "39"}, scope) == "closed season"
    assert fixtures.closed({"season": "2024", "league_id": "39"}, scope) is None
    assert leagues.closed({"league_id": "39"}, scope) is None, "a league has no season of its own"
    assert league_news().closed({"league_id": "39"}, scope) is None, "nothing is closed unless its endpoint says so"


def test_api_football_gates_on_the_leagues_coverage_flags():
    assert ENDPOINTS["standings"].gated_by == "leagues" and ENDPOINTS["teams"].gated_by is None
    assert ENDPOINTS["leagues"].gated_by is None and league_news().gated_by is None


def test_column_types_are_the_endpoints_to_declare():
    assert partition_types(ENDPOINTS["fixtures"]) == {"season": "integer", "league_id": "integer"}
    assert partition_types(ENDPOINTS["venues"]) == {"country": "varchar"}
    assert partition_types(league_news()) == {"league_id": "varchar"}, "the engine guesses nothing from a name"
    assert partition_types(league_news(column_types={"league_id": "integer"})) == {"league_id": "integer"}


def test_api_football_checks_its_scope():
    fixtures = ENDPOINTS["fixtures"]
    assert fixtures.scope_problems({"seasons": [2024, 2030], "current_season": 2026}) == [
        ("/seasons/1", "season 2030 is after current_season 2026")]
    assert fixtures.scope_problems("not a scope") == [] and league_news().scope_problems({"seasons": [3000]}) == []


# -- the one scope filter ----------------------------------------------------------------------


def test_one_partition_filter_for_selections_and_the_scope():
    selection = Selection(partitions={"season": ("2024",), "league_id": ("39", "140")})
    assert selection.admits({"season": "2024", "league_id": "140"})
    assert not selection.admits({"season": "2023", "league_id": "39"})
    assert selection.admits({"league_id": "39"}), "a key the partition does not have does not restrict it"
    assert selection.admits({"team_id": "50"})
    assert Selection(partitions={"season": ()}).admits({"season": "1999"}), "no values: no restriction"
    assert Selection().admits({"season": 2024, "league_id": 39})


# -- a plain endpoint's scope keys -------------------------------------------------------------


def test_a_plain_endpoint_is_planned_by_the_scope_keys_it_declares(tmp_path):
    endpoints = {**ENDPOINTS, "league_news": league_news(), "season_awards": season_awards()}
    config = config_with(tmp_path, endpoints, ["league_news", "season_awards"], seasons=(2023, 2024),
                         leagues=(39, 140), current_season=2024)
    lake = open_lake(config.lake.uri)
    result = plan(config, endpoints, lake, date="2025-01-26")
    assert sorted((task.name, tuple(task.partition.items())) for task in result.tasks) == [
        ("league_news", (("league_id", "140"),)), ("league_news", (("league_id", "39"),)),
        ("season_awards", (("season", "2023"),)), ("season_awards", (("season", "2024"),))]
    assert {task.params["league"] for task in result.tasks if task.name == "league_news"} == {"39", "140"}

    layout = Layout()
    for task in result.tasks:  # fetched: the next plan finds them fresh, none closed (nothing says so)
        lake.put(layout.data_key(task.name, task.endpoint.partition_keys, task.partition, "2025-01-26"), b"[]")
    again = plan(config, endpoints, lake, date="2025-01-26")
    assert again.tasks == [] and {skip.reason for skip in again.skipped} == {"fresh (fetched 2025-01-26; refresh auto: daily, next by 2025-01-27)"}

    narrowed = plan(config, endpoints, lake, Selection(partitions={"league_id": ("39",)}), date="2025-01-27")
    assert sorted((t.name, t.partition.get("league_id")) for t in narrowed.tasks) == [
        ("league_news", "39"), ("season_awards", None), ("season_awards", None)]


def test_a_key_the_scope_does_not_give_needs_a_partitions_override(tmp_path):
    undeclared = Endpoint(name="league_news", path="news", partition_keys=("league_id",), params={"league": "{league_id}"},
                          item_schema=SCHEMA)
    endpoints = {**ENDPOINTS, "league_news": undeclared}
    config = config_with(tmp_path, endpoints, ["league_news"])
    with pytest.raises(ValueError, match=r"set partitions.league_id in .* \(the scope does not give it\)"):
        plan(config, endpoints, open_lake(config.lake.uri), date="2025-01-26")


# -- orchestrators partition each endpoint by its own keys ----------------------------------------


def test_dagster_partitions_each_endpoint_by_its_own_keys(tmp_path):
    endpoints = {**ENDPOINTS, "league_news": league_news(), "season_awards": season_awards()}
    config = config_with(tmp_path, endpoints, ["leagues", "fixtures", "venues", "players_squads", "league_news", "season_awards"],
                         seasons=(2023, 2024), leagues=(140, 39), current_season=2024)
    context = RenderContext(config, endpoints)
    assets = raw_assets(context)
    assert {asset.name: asset.keys for asset in assets} == {
        "leagues": ("league_id",), "fixtures": ("league_id", "season"),
        # keyed by what they derive: at the grain of what they derive from (teams is not enabled)
        "venues": ("league_id",), "players_squads": (),
        "league_news": ("league_id",), "season_awards": ("season",)}
    assert {p.variable: p.values for p in partitionings(context, assets)} == {
        "BY_LEAGUE_ID": {"league_id": ["39", "140"]},
        "BY_LEAGUE_ID_SEASON": {"league_id": ["39", "140"], "season": ["2023", "2024"]},
        "UNPARTITIONED": {}, "BY_SEASON": {"season": ["2023", "2024"]}}
    assert {s.job: s.assets for s in schedules(context, assets)} == {
        "ingest_by_league_id": ("raw_leagues", "raw_league_news", "raw_venues"), "ingest_by_league_id_season": ("raw_fixtures",),
        "ingest": ("raw_players_squads",), "ingest_by_season": ("raw_season_awards",)}
