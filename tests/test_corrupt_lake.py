"""A corrupt lake object is quarantined for its partition, never a traceback nor a blocked run
(issue 16): a data.json, a checkpointed page or a lease that is not JSON, or not what its endpoint
writes, is moved to ``_quarantine/<key>`` by ``ingest`` (``plan`` only says it would be), and its
partition is planned as if that fetch had never happened. Also: the file lake's temp files left by
a SIGKILL are removed once they are older than a lease (issue 16, item 8).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from pitchlake.lease import LEASE_SECONDS
from pitchlake.planner import page_name

from .rig import TODAY, Rig, cli

FIXTURES = f"raw/fixtures/season=2024/league_id=39/ingestion_date={TODAY}/data.json"
TEAMS = f"raw/teams/season=2024/league_id=39/ingestion_date={TODAY}/data.json"
PLAYERS = f"raw/players/season=2024/league_id=39/ingestion_date={TODAY}"
QUARANTINE = "_quarantine/"


def run(process: subprocess.Popen, timeout: int = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def quarantined(rig: Rig) -> dict[str, bytes]:
    return {key: rig.lake.read(key) for key in rig.lake.list(QUARANTINE)}


def test_a_corrupt_data_json_is_quarantined_and_its_partition_fetched_again(tmp_path, sandbox_factory, api_key,
                                                                           lake_uri):
    """The fixtures of a closed season, read by fixture_details' derive: the only fetch of the
    partition is corrupt, so the partition is new again. ``plan`` says so and moves nothing;
    ``ingest`` moves it aside, fetches it again (one request), and touches nothing else. Not JSON
    on one lake, JSON of another shape on the other (each case costs seconds of ingest)."""
    corrupt, why = (b"x\n", "not JSON") if lake_uri.startswith("file://") else (b"[]", "no list of items")
    rig = Rig(tmp_path, sandbox_factory, lake_uri, endpoints=["fixtures", "fixture_details"])
    assert rig.ingest().exit_code == 0
    before = rig.files()
    rig.lake.put(FIXTURES, corrupt)
    rig.sandbox.reset()

    status, out, err = run(cli(rig.config_path, "plan", "--json"))
    assert status == 0 and "Traceback" not in err, err
    planned = json.loads(out)
    assert [(t["endpoint"], t["reason"]) for t in planned["tasks"]] == [("fixtures", "new")]
    [(key, reason)] = [(q["key"], q["reason"]) for q in planned["quarantine"]]
    assert key == FIXTURES and why in reason
    [warning] = [line for line in err.splitlines() if FIXTURES in line]
    assert why in warning and "quarantine" in warning
    assert rig.lake.read(FIXTURES) == corrupt and quarantined(rig) == {}, "plan is a dry run"
    assert rig.served() == 0

    status, out, err = run(cli(rig.config_path, "ingest", "--json"))
    assert status == 0 and "Traceback" not in err, err
    summary = json.loads(out)
    assert [(q["key"], q["moved_to"]) for q in summary["quarantined"]] == [(FIXTURES, QUARANTINE + FIXTURES)]
    assert why in summary["quarantined"][0]["reason"]
    assert [line for line in err.splitlines() if FIXTURES in line], err
    assert rig.served() == 1 and summary["partitions_written"] == 1
    assert rig.files() == before, "fetched again as it was; every other object untouched"
    assert quarantined(rig) == {QUARANTINE + FIXTURES: corrupt}

    again = rig.ingest()
    assert again.exit_code == 0 and again.quarantined == [] and rig.served() == 1
    # the run that refetched fixtures skipped what the next run skips, but for fixtures (fetched),
    # though its first stage had found the partition complete, before fixture_details' read it
    assert summary["partitions_skipped"] == again.partitions_skipped - 1


def test_plan_and_ingest_print_the_quarantine(tmp_path, sandbox_factory, api_key, file_lake_uri):
    """The human output: plan names the key and why; ingest's summary counts it."""
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, endpoints=["fixtures", "fixture_details"])
    assert rig.ingest().exit_code == 0
    rig.lake.put(FIXTURES, b"x\n")
    status, out, err = run(cli(rig.config_path, "plan"))
    assert status == 0 and "Traceback" not in err, err
    [warning] = [line for line in err.splitlines() if FIXTURES in line]
    assert warning.startswith("warning: ") and "not JSON" in warning and "would move it to _quarantine/" in warning
    status, out, err = run(cli(rig.config_path, "ingest"))
    assert status == 0 and "Traceback" not in err, err
    assert "quarantined: 1" in out
    assert any(FIXTURES in line and "_quarantine/" in line for line in err.splitlines()), err


def test_a_corrupt_page_of_an_interrupted_fetch_is_fetched_again_and_the_merge_succeeds(
        tmp_path, sandbox_factory, api_key, lake_uri, clean_lake):
    rig = Rig(tmp_path, sandbox_factory, lake_uri, endpoints=["players"], config={"concurrency": 1})
    assert rig.ingest(max_requests=5).stopped_reason == "max_requests"
    pages = sorted(key for key in rig.files() if "/_pages/" in key)
    assert pages == [f"{PLAYERS}/{page_name(number)}" for number in range(1, 6)]
    corrupt = f"{PLAYERS}/{page_name(2)}"
    rig.lake.put(corrupt, b'{"get": "players", "respo')  # torn

    status, out, err = run(cli(rig.config_path, "plan", "--json"))
    assert status == 0 and "Traceback" not in err, err
    [task] = json.loads(out)["tasks"]
    assert task["reason"] == "resume: 4 page(s) already in the lake"
    assert [q["key"] for q in json.loads(out)["quarantine"]] == [corrupt]

    status, out, err = run(cli(rig.config_path, "ingest", "--json"))
    assert status == 0 and "Traceback" not in err, err
    assert [q["key"] for q in json.loads(out)["quarantined"]] == [corrupt]
    assert rig.served() == 29 + 1, "the 22 pages never fetched, and the corrupt one again"
    assert rig.files() == {key: body for key, body in clean_lake.items() if key.startswith("raw/players/")}
    assert quarantined(rig) == {QUARANTINE + corrupt: b'{"get": "players", "respo'}


def test_a_corrupt_newer_source_of_a_derived_endpoint_leaves_the_older_fetch_in_charge(
        tmp_path, sandbox_factory, api_key, lake_uri):
    """teams, read by players_squads' derive: the newer fetch is corrupt, so the older one counts
    (a closed season: complete, nothing to fetch); the derived endpoint reads the older one."""
    rig = Rig(tmp_path, sandbox_factory, lake_uri, endpoints=["teams", "players_squads"])
    assert rig.ingest().exit_code == 0
    older = TEAMS.replace(TODAY, "2025-01-20")
    rig.lake.put(older, rig.lake.read(TEAMS))
    rig.lake.put(TEAMS, b'{"get": "teams", "response": [{"team": ')
    before = rig.files()
    rig.sandbox.reset()

    status, out, err = run(cli(rig.config_path, "plan", "--json"))
    assert status == 0 and "Traceback" not in err, err
    planned = json.loads(out)
    assert planned["tasks"] == [] and [q["key"] for q in planned["quarantine"]] == [TEAMS]
    teams = [s["reason"] for s in planned["skipped"] if s["endpoint"] == "teams"]
    assert teams == ["complete (closed season, fetched 2025-01-20)"]
    assert len([s for s in planned["skipped"] if s["endpoint"] == "players_squads"]) == 20

    status, out, err = run(cli(rig.config_path, "ingest", "--json"))
    assert status == 0 and "Traceback" not in err, err
    assert [q["key"] for q in json.loads(out)["quarantined"]] == [TEAMS]
    assert rig.served() == 0
    assert rig.files() == {key: body for key, body in before.items() if key != TEAMS}


def test_a_corrupt_lease_is_quarantined_instead_of_failing_its_partition(tmp_path, sandbox_factory, api_key, lake_uri):
    rig = Rig(tmp_path, sandbox_factory, lake_uri, endpoints=["fixtures"])
    lease = FIXTURES.replace("data.json", "_lease.json")
    rig.lake.put(lease, b"[1]")
    summary = rig.ingest()
    assert summary.exit_code == 0 and summary.failures == []
    assert [q["key"] for q in summary.quarantined] == [lease]
    assert rig.lake.exists(FIXTURES) and not rig.lake.exists(lease)


# -- item 8: temp files of a killed put ----------------------------------------------------------

def test_stale_temp_files_of_the_file_lake_are_removed_and_fresh_ones_kept(tmp_path, sandbox_factory, api_key,
                                                                          file_lake_uri):
    """A SIGKILL mid-put leaves ``.name.tmp-<hex>``: one older than a lease belongs to no live
    writer and goes; a fresh one may be a concurrent writer's and stays."""
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, endpoints=["players"])
    root = Path(rig.lake.root)
    pages = root / PLAYERS / "_pages"
    pages.mkdir(parents=True)
    stale = pages / ".page-0003.json.tmp-0123456789abcdef"
    fresh = pages / ".page-0004.json.tmp-fedcba9876543210"
    abandoned = root / "raw/players/season=2024/league_id=39/ingestion_date=2025-01-01/.data.json.tmp-00000000000000aa"
    abandoned.parent.mkdir(parents=True)
    for path in (stale, fresh, abandoned):
        path.write_bytes(b'{"half": ')
    old = time.time() - LEASE_SECONDS - 60
    for path in (stale, abandoned):
        os.utime(path, (old, old))

    assert rig.ingest().exit_code == 0
    assert not stale.exists() and not abandoned.exists()
    assert fresh.exists()


def test_a_source_whose_items_are_not_of_its_shape_is_quarantined_when_a_derive_trips_on_it(
        tmp_path, sandbox_factory, api_key, file_lake_uri):
    """leagues, read by venues' derive and by the coverage gate of teams: JSON of the envelope's
    shape whose items are not leagues. The derive fails on it, so the sources' items are checked
    against their schemas; the data.json that fails is quarantined and fetched again, no traceback."""
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, endpoints=["leagues", "teams", "venues"])
    assert rig.ingest().exit_code == 0
    before = rig.files()
    leagues = f"raw/leagues/league_id=39/ingestion_date={TODAY}/data.json"
    damaged = json.loads(rig.lake.read(leagues))
    damaged["response"] = [1, "x", None]
    rig.lake.put(leagues, json.dumps(damaged).encode())
    rig.sandbox.reset()

    status, out, err = run(cli(rig.config_path, "plan", "--json"))
    assert status == 0 and "Traceback" not in err, err
    planned = json.loads(out)
    assert [q["key"] for q in planned["quarantine"]] == [leagues]
    assert "its items are not what leagues fetches" in planned["quarantine"][0]["reason"]
    assert ("leagues", "new") in [(t["endpoint"], t["reason"]) for t in planned["tasks"]]

    status, out, err = run(cli(rig.config_path, "ingest", "--json"))
    assert status == 0 and "Traceback" not in err, err
    assert [q["key"] for q in json.loads(out)["quarantined"]] == [leagues]
    assert rig.served() == 1 and rig.files() == before
