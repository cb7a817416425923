"""Ingestion over real HTTP: the sandbox as API-Football (counting every request it serves), the
local disk and moto's S3 server as the lake. Credits are counted by the sandbox, not the client."""

from __future__ import annotations

import json
import signal
import time

import pytest

from pitchlake import client
from pitchlake.config import load_config
from pitchlake.planner import Selection, plan
from pitchlake.plugins import registry

from .rig import DATA, MINIMUM, TODAY, Rig, cli


def test_backfill_costs_the_minimum_and_a_second_run_costs_nothing(tmp_path, sandbox_factory, api_key, lake_uri):
    rig = Rig(tmp_path, sandbox_factory, lake_uri)
    summary = rig.ingest()
    assert summary.exit_code == 0, summary.to_json()
    assert summary.api_requests == rig.served() == MINIMUM
    by_endpoint = rig.sandbox.stats()["by_endpoint"]
    assert by_endpoint["fixtures"] == 1 + 19, "details come 20 fixtures a request, not 4 calls per fixture"
    assert by_endpoint["players"] == 29

    data = rig.data_files()
    assert len(data) == 6 and summary.partitions_written == 6
    fixtures_key = f"raw/fixtures/season=2024/league_id=39/ingestion_date={TODAY}/data.json"
    assert rig.lake.read(fixtures_key) == (DATA / "fixtures" / "pl_39_2024_footballay.json").read_bytes()
    details = data[f"raw/fixture_details/season=2024/league_id=39/ingestion_date={TODAY}/data.json"]
    assert details["results"] == 380 and all(item["events"] is not None for item in details["response"])
    players = data[f"raw/players/season=2024/league_id=39/ingestion_date={TODAY}/data.json"]
    assert players["paging"] == {"current": 29, "total": 29} and players["results"] == len(players["response"])
    assert all(envelope["errors"] == [] for envelope in data.values())

    rig.sandbox.reset()
    second = rig.ingest()
    assert second.api_requests == 0 and rig.served() == 0
    assert second.exit_code == 0


def test_max_requests_stops_cleanly_and_the_next_run_repeats_nothing(tmp_path, sandbox_factory, api_key, clean_lake):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake")
    first = rig.ingest(max_requests=10)
    assert first.stopped_reason == "max_requests" and first.exit_code == 3
    assert rig.served() == 10
    second = rig.ingest()
    assert second.exit_code == 0
    assert rig.served() == MINIMUM, "pages already fetched were not fetched again"
    assert rig.files() == clean_lake


def test_daily_quota_stops_the_run_and_the_next_day_finishes_it(tmp_path, sandbox_factory, api_key, clean_lake):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", per_day=30)
    first = rig.ingest()
    assert first.stopped_reason == "daily_quota" and first.exit_code == 3
    assert rig.sandbox.stats()["by_error"].get("requests", 0) <= 4, "stops on the quota header, not by hitting the wall"
    rig.sandbox.new_day()
    rig.config = load_config(rig.config_path)
    second = rig.ingest()
    assert second.exit_code == 0, second.to_json()
    assert rig.files() == clean_lake
    assert rig.served() <= MINIMUM + 4


TRANSIENT = ["429#2", "500#2", "502#3", "503#4,5", "timeout=3#2", "truncate#2", "notjson#3", "rateLimit#2",
             "players:500#3", "latency=300#1-6"]


@pytest.mark.parametrize("faults", TRANSIENT)
def test_transient_faults_are_retried_and_the_lake_is_as_if_nothing_happened(tmp_path, sandbox_factory, api_key,
                                                                          clean_lake, faults, monkeypatch):
    monkeypatch.setattr(client, "MINUTE_SECONDS", 1.0)  # the sandbox's minute: a rateLimit waits one short window
    # 2 s: under the 3 s of the timeout fault, and over what a busy machine (two pytest workers on
    # two cores) takes to answer a healthy request: the count of requests served must be exact.
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", faults=faults, minute_seconds=1,
              config={"timeout_seconds": 2})
    summary = rig.ingest()
    assert summary.exit_code == 0, summary.to_json()
    assert rig.files() == clean_lake
    retried = 0 if faults.startswith("latency") else len(faults.split("#")[1].split(","))
    assert rig.served() == MINIMUM + retried


def only_good_data(rig: Rig) -> None:
    for key, envelope in rig.data_files().items():
        assert envelope["errors"] == [], key


@pytest.mark.parametrize("faults, message", [
    ("token@1", "the API rejected the key (FOOTBALL_API_KEY)"),
    ("fixtures:param=league#1", "a bug in the request"),
])
def test_fatal_errors_stop_the_run_with_a_clear_message(tmp_path, sandbox_factory, api_key, faults, message):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", faults=faults)
    summary = rig.ingest()
    assert summary.exit_code == 1
    assert summary.stopped_reason.startswith("fatal: ") and message in summary.stopped_reason
    only_good_data(rig)
    assert not any("/fixtures/" in key for key in rig.data_files())


def test_daily_quota_error_in_200_stops_the_run(tmp_path, sandbox_factory, api_key):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", faults="requests#3-")
    summary = rig.ingest()
    assert summary.stopped_reason == "daily_quota" and summary.exit_code == 3
    only_good_data(rig)


def test_out_of_plan_is_recorded_and_skipped_from_then_on(tmp_path, sandbox_factory, api_key):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", faults="standings:plan@1")
    summary = rig.ingest()
    assert summary.out_of_plan == 1 and summary.exit_code == 0
    assert not any("/standings/" in key for key in rig.data_files())
    assert any(key.endswith("standings/season=2024/league_id=39/_out_of_plan.json") for key in rig.files())
    later = plan(rig.config, registry().endpoints, rig.lake, Selection(endpoints=("standings",)))
    assert later.tasks == [] and "out of plan" in later.skipped[0].reason


def test_a_body_that_fails_the_item_schema_is_never_written(tmp_path, sandbox_factory, api_key):
    broken = json.loads((DATA / "fixtures" / "pl_39_2024_footballay.json").read_text())
    broken["response"][7]["fixture"]["id"] = "not-an-id"
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "fixtures.json").write_text(json.dumps(broken))
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", data=[folder, DATA], endpoints=["fixtures"])
    summary = rig.ingest()
    assert summary.exit_code == 1
    assert "/response/7/fixture/id" in summary.failures[0]["error"]
    assert rig.files() == {}


def test_the_current_season_is_fetched_again_as_refresh_auto_says(tmp_path, sandbox_factory, api_key, monkeypatch):
    """The recorded 2024 season as the current one, every match of it finished: the next day only
    its fixtures are fetched (they say no match finished since, so the table waits), a week on the
    weekly endpoints too, a month on the 26 pages of players."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", config={"current_season": 2024})
    assert rig.ingest().exit_code == 0
    rig.sandbox.reset()
    assert rig.ingest().api_requests == 0
    for day, paths in (("2025-01-27", {"fixtures": 1}),
                       ("2025-02-02", {"fixtures": 1, "leagues": 1, "teams": 1, "standings": 1}),
                       ("2025-02-25", {"fixtures": 1, "leagues": 1, "teams": 1, "standings": 1, "players": MINIMUM - 19 - 4})):
        monkeypatch.setenv("PITCHLAKE_TODAY", day)
        rig.sandbox.reset()
        assert rig.ingest().api_requests == rig.served()
        assert rig.sandbox.stats()["by_endpoint"] == paths, day


def test_refresh_daily_fetches_every_current_season_partition_every_day(tmp_path, sandbox_factory, api_key, monkeypatch):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", config={"current_season": 2024, "refresh": "daily"})
    assert rig.ingest().exit_code == 0
    rig.sandbox.reset()
    assert rig.ingest().api_requests == 0
    monkeypatch.setenv("PITCHLAKE_TODAY", "2025-01-27")
    next_day = rig.ingest()
    # every current-season partition again, but no fixture details: all finished ones have theirs
    assert rig.served() == next_day.api_requests == MINIMUM - 19
    assert rig.sandbox.stats()["by_endpoint"]["fixtures"] == 1


def test_a_fixture_id_the_api_leaves_out_costs_one_credit_not_one_a_day(tmp_path, sandbox_factory, api_key, monkeypatch):
    """fixtures?ids= answers without the ids the API has no fixture for; the merged data.json
    records what was asked (as the API's envelope does), so the id is not asked for again."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake")
    assert rig.ingest().exit_code == 0
    # a newer fetch of the (closed) season lists one more finished match, one the API cannot detail
    fixtures = json.loads((DATA / "fixtures" / "pl_39_2024_footballay.json").read_text())
    ghost = json.loads(json.dumps(fixtures["response"][0]))
    ghost["fixture"]["id"] = 999_999_999  # no league 99, season 9999 in the sandbox: it is left out
    fixtures["response"].append(ghost)
    newer = tmp_path / "lake" / "raw" / "fixtures" / "season=2024" / "league_id=39" / "ingestion_date=2025-01-27" / "data.json"
    newer.parent.mkdir(parents=True)
    newer.write_text(json.dumps(fixtures))

    monkeypatch.setenv("PITCHLAKE_TODAY", "2025-01-27")
    rig.sandbox.reset()

    def fixture_requests() -> int:  # /fixtures, which fixture details are fetched from
        return rig.sandbox.stats()["by_endpoint"].get("fixtures", 0)

    assert rig.ingest().exit_code == 0 and fixture_requests() == 1
    details = rig.data_files()["raw/fixture_details/season=2024/league_id=39/ingestion_date=2025-01-27/data.json"]
    assert details["results"] == 0 and details["parameters"]["ids"] == "999999999"

    monkeypatch.setenv("PITCHLAKE_TODAY", "2025-01-28")
    rig.sandbox.reset()
    assert rig.ingest().exit_code == 0 and fixture_requests() == 0


def test_the_key_never_appears_in_output_errors_or_the_lake(tmp_path, sandbox_factory, api_key):
    secret = "pl-SECRET-0123456789abcdef"
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", keys=(secret,), faults="500#1;standings:plan@1")
    wrong = cli(rig.config_path, "ingest", "--verbose", env={"FOOTBALL_API_KEY": secret[::-1]})
    wrong_out, wrong_err = wrong.communicate(timeout=120)
    assert wrong.returncode == 1 and "the API rejected the key" in wrong_err
    rig.sandbox.reset()  # the fault rules count again from the first request
    good = cli(rig.config_path, "ingest", "--verbose", env={"FOOTBALL_API_KEY": secret})
    out, err = good.communicate(timeout=120)
    assert good.returncode == 0, err
    assert "retry" in err and "out of plan" in err, "the verbose log did say what happened"
    assert rig.data_files()
    everything = out + err + wrong_out + wrong_err + "".join(body.decode(errors="replace") for body in rig.files().values())
    for key in (secret, secret[::-1]):
        assert key not in everything


def test_ingest_json_summary_and_exit_codes(tmp_path, sandbox_factory, api_key):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake")
    stopped = cli(rig.config_path, "ingest", "--json", "--max-requests", "3")
    out, err = stopped.communicate(timeout=120)
    assert stopped.returncode == 3, err
    summary = json.loads(out)
    assert summary["api_requests"] == 3 and summary["stopped_reason"] == "max_requests"
    assert {"partitions_written", "partitions_skipped", "pages_written"} <= set(summary)

    done = cli(rig.config_path, "ingest", "--json", "--endpoint", "fixtures", "--season", "2024", "--league", "39")
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert json.loads(out)["stopped_reason"] is None

    missing_key = cli(rig.config_path, "ingest", env={"FOOTBALL_API_KEY": ""})
    _, err = missing_key.communicate(timeout=60)
    assert missing_key.returncode == 1 and "set FOOTBALL_API_KEY" in err


def test_plan_lists_costs_before_and_skips_with_reasons_after(tmp_path, sandbox_factory, api_key):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake")
    before = cli(rig.config_path, "plan", "--json")
    out, err = before.communicate(timeout=60)
    assert before.returncode == 0, err
    planned = json.loads(out)
    assert {t["endpoint"] for t in planned["tasks"]} == {"leagues", "teams", "fixtures", "standings", "players"}
    assert planned["deferred"] == ["fixture_details"]
    assert rig.served() == 0, "planning spends no API request"

    rig.ingest()
    after = cli(rig.config_path, "plan")
    out, err = after.communicate(timeout=60)
    assert after.returncode == 0, err
    assert "to fetch (0 requests)" in out
    assert "fixtures season=2024 league_id=39: complete (closed season, fetched 2025-01-26)" in out


def test_sigterm_stops_cleanly_and_nothing_queued_is_sent_after_it(tmp_path, sandbox_factory, api_key):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", latency_ms=200, config={"concurrency": 2})
    process = cli(rig.config_path, "ingest", "--json")
    # SIGTERM mid-run, once requests flow (a fixed sleep raced the process's start on a busy machine)
    deadline = time.monotonic() + 60
    while rig.served() < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    summary = json.loads(out)
    assert process.returncode == 3 and summary["stopped_reason"] == "interrupted", err
    served = rig.served()
    assert served == summary["api_requests"] < MINIMUM
    time.sleep(1)
    assert rig.served() == served, "no request after the process ended"
    final = cli(rig.config_path, "ingest")
    final.communicate(timeout=120)
    assert final.returncode == 0
    assert rig.served() <= MINIMUM + 2 * rig.config.api.concurrency
    assert not any("/_pages/" in key for key in rig.files()), "merged pages are deleted"
