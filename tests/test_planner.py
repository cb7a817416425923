"""The planner against lakes laid out by hand on both backends: what it fetches, what it skips
and why, and that it reads the lake with LISTs, not a HEAD per partition."""

import json
import math
from pathlib import Path

from pitchlake.config import load_config
from pitchlake.lake import Layout, open_lake
from pitchlake.planner import OUT_OF_PLAN, Selection, page_name, plan
from pitchlake.plugins import registry
from pitchlake.testing.config import write_config
from pitchlake_api_football.envelope import envelope as api_envelope

ENDPOINTS = registry().endpoints
LAYOUT = Layout()


def envelope(items, get="fixtures", paging_total=1):
    return json.dumps(api_envelope(get, {}, items, pages=paging_total)).encode()


def put(lake, endpoint, partition, date, body=None, rest="data.json"):
    keys = ENDPOINTS[endpoint].partition_keys
    lake.put(f"{LAYOUT.fetch_dir(endpoint, keys, partition, date)}/{rest}", body or envelope([]))


def config(tmp_path, lake_uri, endpoints, seasons=(2023, 2024), current=2024):
    return load_config(write_config(tmp_path / "c.json", base_url="http://127.0.0.1:9", lake_uri=lake_uri,
                                    seasons=seasons, current_season=current, endpoints=endpoints))


def by_season(result):
    return {t.partition["season"]: t for t in result.tasks}, {s.partition.get("season"): s.reason for s in result.skipped}


def test_closed_season_once_ever_current_season_once_a_day(tmp_path, lake_uri):
    cfg = config(tmp_path, lake_uri, ["fixtures"])
    lake = open_lake(lake_uri)
    first = plan(cfg, ENDPOINTS, lake, date="2025-01-26")
    assert sorted(t.partition["season"] for t in first.tasks) == ["2023", "2024"]
    assert {t.reason for t in first.tasks} == {"new"}

    put(lake, "fixtures", {"season": 2023, "league_id": 39}, "2025-01-26")
    put(lake, "fixtures", {"season": 2024, "league_id": 39}, "2025-01-26")
    same_day = plan(cfg, ENDPOINTS, lake, date="2025-01-26")
    tasks, skipped = by_season(same_day)
    assert tasks == {}
    assert skipped == {"2023": "complete (closed season, fetched 2025-01-26)",
                       "2024": "fresh (fetched 2025-01-26; refresh auto: daily, next by 2025-01-27)"}

    next_day = plan(cfg, ENDPOINTS, lake, date="2025-01-27")
    tasks, skipped = by_season(next_day)
    assert list(tasks) == ["2024"] and tasks["2024"].reason == "refresh (fetched 2025-01-26, daily under refresh auto)"
    assert "2023" in skipped


def test_a_crashed_paginated_fetch_resumes_at_its_date_with_its_pages(tmp_path, lake_uri):
    cfg = config(tmp_path, lake_uri, ["players"], seasons=(2023,))
    lake = open_lake(lake_uri)
    for number in (1, 2, 3):
        put(lake, "players", {"season": 2023, "league_id": 39}, "2025-01-20", envelope([], "players", 5), page_name(number))
    result = plan(cfg, ENDPOINTS, lake, date="2025-01-26")
    [task] = result.tasks
    assert task.ingestion_date == "2025-01-20"
    assert task.done_pages == {1, 2, 3}
    assert task.reason == "resume: 3 page(s) already in the lake"


def test_out_of_plan_partitions_are_skipped(tmp_path, lake_uri):
    cfg = config(tmp_path, lake_uri, ["teams"], seasons=(2023,))
    lake = open_lake(lake_uri)
    keys = ENDPOINTS["teams"].partition_keys
    lake.put(LAYOUT.partition_dir("teams", keys, {"season": 2023, "league_id": 39}) + "/" + OUT_OF_PLAN, b"{}")
    result = plan(cfg, ENDPOINTS, lake, date="2025-01-26")
    assert result.tasks == []
    assert [s.reason for s in result.skipped] == ["out of plan (the API said so on an earlier run)"]


def test_coverage_flags_from_the_leagues_data_skip_empty_calls(tmp_path, file_lake_uri):
    cfg = config(tmp_path, file_lake_uri, ["leagues", "standings", "injuries"], seasons=(2023, 2024))
    lake = open_lake(file_lake_uri)
    league = {"league": {"id": 39, "name": "Premier League", "type": "League", "logo": ""},
              "country": {"name": "England", "code": "GB", "flag": ""},
              "seasons": [{"year": 2023, "start": "2023-08-11", "end": "2024-05-19", "current": False,
                           "coverage": {"standings": True, "injuries": False}},
                          {"year": 2024, "start": "2024-08-16", "end": "2025-05-25", "current": True,
                           "coverage": {"standings": False, "injuries": True}}]}
    put(lake, "leagues", {"league_id": 39}, "2025-01-26", envelope([league], "leagues"))
    result = plan(cfg, ENDPOINTS, lake, date="2025-01-26")
    fetched = sorted((t.name, t.partition["season"]) for t in result.tasks)
    assert fetched == [("injuries", "2024"), ("standings", "2023")]
    reasons = sorted((s.name, s.partition.get("season"), s.reason) for s in result.skipped)
    assert ("injuries", "2023", "coverage flag injuries is false") in reasons
    assert ("standings", "2024", "coverage flag standings is false") in reasons


def test_fixture_details_are_worth_a_call_if_any_of_their_coverage_flags_is_true(tmp_path, file_lake_uri):
    """One fixtures?ids= answer holds events, lineups and statistics: a league that covers only
    lineups still has details to fetch; one that covers none of them is skipped."""
    cfg = config(tmp_path, file_lake_uri, ["leagues", "fixtures", "fixture_details"], seasons=(2023, 2024))
    lake = open_lake(file_lake_uri)
    recorded = json.loads((Path(__file__).parent / "data" / "api-football" / "fixtures" / "pl_39_2024_footballay.json").read_text())
    none = {"events": False, "lineups": False, "statistics_fixtures": False, "statistics_players": False}
    league = {"league": {"id": 39, "name": "Premier League", "type": "League", "logo": ""},
              "country": {"name": "England", "code": "GB", "flag": ""},
              "seasons": [{"year": 2023, "start": "2023-08-11", "end": "2024-05-19", "current": False,
                           "coverage": {"fixtures": none}},
                          {"year": 2024, "start": "2024-08-16", "end": "2025-05-25", "current": True,
                           "coverage": {"fixtures": {**none, "lineups": True}}}]}
    put(lake, "leagues", {"league_id": 39}, "2025-01-26", envelope([league], "leagues"))
    for season in (2023, 2024):
        put(lake, "fixtures", {"season": season, "league_id": 39}, "2025-01-26", envelope(recorded["response"]))
    result = plan(cfg, ENDPOINTS, lake, date="2025-01-26")
    assert [(t.name, t.partition["season"]) for t in result.tasks] == [("fixture_details", "2024")]
    reasons = {(s.name, s.partition.get("season")): s.reason for s in result.skipped}
    assert reasons[("fixture_details", "2023")] == (
        "coverage flags fixtures.events, fixtures.lineups, fixtures.statistics_fixtures, fixtures.statistics_players are false")


def test_fixture_details_wait_for_the_fixtures_they_derive_from(tmp_path, file_lake_uri):
    cfg = config(tmp_path, file_lake_uri, ["fixtures", "fixture_details"], seasons=(2023,))
    result = plan(cfg, ENDPOINTS, open_lake(file_lake_uri), date="2025-01-26")
    assert [t.name for t in result.tasks] == ["fixtures"]
    assert result.deferred == ["fixture_details"]


def test_selectors_narrow_the_plan(tmp_path, file_lake_uri):
    cfg = config(tmp_path, file_lake_uri, ["fixtures", "teams"], seasons=(2023, 2024))
    result = plan(cfg, ENDPOINTS, open_lake(file_lake_uri), Selection(endpoints=("teams",), partitions={"season": ("2024",)}), date="2025-01-26")
    assert [(t.name, t.partition) for t in result.tasks] == [("teams", {"season": "2024", "league_id": "39"})]


def test_planning_many_partitions_on_s3_costs_one_list_per_thousand_keys(tmp_path, s3_lake_uri):
    seasons = list(range(2010, 2025))
    leagues = list(range(1, 101))  # 15 x 100 = 1,500 partitions
    cfg = load_config(write_config(tmp_path / "c.json", base_url="http://127.0.0.1:9", lake_uri=s3_lake_uri,
                                   seasons=seasons, leagues=leagues, current_season=2024, endpoints=["teams"]))
    lake = open_lake(s3_lake_uri)
    for season in seasons:
        for league in leagues:
            put(lake, "teams", {"season": season, "league_id": league}, "2025-01-26")
    before = lake.request_count
    result = plan(cfg, ENDPOINTS, lake, date="2025-01-26")
    assert result.tasks == [] and len(result.skipped) == 1500
    assert lake.request_count - before == math.ceil(1500 / 1000)


def test_pages_left_behind_a_written_data_json_are_cleaned_up(tmp_path, file_lake_uri):
    cfg = config(tmp_path, file_lake_uri, ["players"], seasons=(2023,))
    lake = open_lake(file_lake_uri)
    partition = {"season": 2023, "league_id": 39}
    put(lake, "players", partition, "2025-01-20", envelope([], "players", 2), page_name(1))
    put(lake, "players", partition, "2025-01-20", envelope([], "players", 2), page_name(2))
    put(lake, "players", partition, "2025-01-20")  # a crash came after the merge, before the deletes
    result = plan(cfg, ENDPOINTS, lake, date="2025-01-26")
    assert result.tasks == []
    folder = LAYOUT.fetch_dir("players", ENDPOINTS["players"].partition_keys, partition, "2025-01-20")
    assert result.cleanup == [f"{folder}/{page_name(1)}", f"{folder}/{page_name(2)}"]


# -- refresh auto: what changed, not a timer ------------------------------------------------------

def fixture(fixture_id, status):
    return {"fixture": {"id": fixture_id, "status": {"short": status}}}


def test_refresh_auto_fetches_a_table_again_only_after_a_match_of_it_finished(tmp_path, file_lake_uri):
    """Standings change with fixtures: fetched again the day after a match finished, not on the
    days between, and at the latest a week on; teams keep their own week, players a month. The
    plan says for each partition why."""
    cfg = config(tmp_path, file_lake_uri, ["leagues", "teams", "fixtures", "standings", "players"], seasons=(2024,))
    lake = open_lake(file_lake_uri)
    current = {"season": 2024, "league_id": 39}
    for name in ("teams", "standings", "players"):
        put(lake, name, current, "2025-01-20")
    put(lake, "leagues", {"league_id": 39}, "2025-01-20")
    put(lake, "fixtures", current, "2025-01-20", envelope([fixture(1, "FT"), fixture(2, "NS"), fixture(3, "NS")]))
    put(lake, "fixtures", current, "2025-01-21", envelope([fixture(1, "FT"), fixture(2, "NS"), fixture(3, "NS")]))

    def reasons(date):
        result = plan(cfg, ENDPOINTS, lake, date=date)
        return ({task.name: task.reason for task in result.tasks}, {skip.name: skip.reason for skip in result.skipped})

    tasks, skipped = reasons("2025-01-22")  # the lake's fixtures of the 21st, as a run sees them after fetching
    assert set(tasks) == {"fixtures"}
    assert skipped["standings"] == ("fresh (fetched 2025-01-20, and fixtures shows no change since; refresh auto: weekly, "
                                    "next by 2025-01-27); as the lake's fixtures says before this run fetches it, which decides")
    assert skipped["teams"] == "fresh (fetched 2025-01-20; refresh auto: weekly, next by 2025-01-27)"
    assert skipped["players"] == "fresh (fetched 2025-01-20; refresh auto: monthly, next by 2025-02-19)"

    put(lake, "fixtures", current, "2025-01-22", envelope([fixture(1, "FT"), fixture(2, "FT"), fixture(3, "PEN")]))
    tasks, skipped = reasons("2025-01-22")
    assert tasks == {"standings": "changed since its fetch of 2025-01-20: 2 matches finished "
                                  "(fixtures of 2025-01-20 against 2025-01-22)"}
    put(lake, "standings", current, "2025-01-22")
    tasks, skipped = reasons("2025-01-23")
    assert set(tasks) == {"fixtures"} and "standings" in skipped, "nothing finished since the 22nd"

    tasks, _ = reasons("2025-01-27")  # a week after the 20th: teams, leagues; standings a week after the 22nd
    assert tasks == {"fixtures": "refresh (fetched 2025-01-22, daily under refresh auto)",
                     "leagues": "refresh (fetched 2025-01-20, weekly under refresh auto)",
                     "teams": "refresh (fetched 2025-01-20, weekly under refresh auto)"}
    assert set(reasons("2025-01-29")[0]) == {"fixtures", "leagues", "teams", "standings"}
    assert "players" in reasons("2025-02-19")[0]


def test_a_fixed_refresh_overrides_what_the_endpoint_declares(tmp_path, file_lake_uri):
    """``refresh: daily`` fetches the table every day, whatever fixtures say; ``never`` never."""
    path = write_config(tmp_path / "c.json", base_url="http://127.0.0.1:9", lake_uri=file_lake_uri,
                        seasons=(2024,), current_season=2024, endpoints=["fixtures"])
    raw = json.loads(path.read_text())
    raw["endpoints"] = [{"plugin": "fixtures"}, {"plugin": "standings", "refresh": "daily"},
                        {"plugin": "teams", "refresh": "never"}]
    path.write_text(json.dumps(raw))
    cfg = load_config(path)
    lake = open_lake(file_lake_uri)
    current = {"season": 2024, "league_id": 39}
    for name in ("fixtures", "standings", "teams"):
        put(lake, name, current, "2025-01-20", envelope([fixture(1, "NS")]))
    result = plan(cfg, ENDPOINTS, lake, date="2025-01-21")
    assert {task.name: task.reason for task in result.tasks} == {
        "fixtures": "refresh (fetched 2025-01-20, daily under refresh auto)",
        "standings": "refresh (fetched 2025-01-20, refresh daily)"}
    assert {skip.name: skip.reason for skip in result.skipped} == {"teams": "fresh (fetched 2025-01-20, refresh never)"}
