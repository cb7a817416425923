"""What a server can make a run do is bounded, and what a run reports is what happened (issue 16):

- a body's size and a paginated partition's page count have limits (``MAX_BODY_BYTES``,
  ``MAX_PAGES``); an answer over one fails its partition with a message naming the limit, writes
  nothing for it, and the run goes on, in bounded memory, whatever the answer claims;
- requests are counted when they leave, not when they are attempted: a connection refused is no
  request, a read timeout is one;
- the first lake failure is what the run reports, and it stops the run at once: nothing is sent
  after it but what was in flight.

Every test runs ``pitchlake ingest`` against the sandbox; the lake failures happen in the middle of
a run, told by the sandbox's count of requests served.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from pitchlake.client import MAX_BODY_BYTES, BadResponse, OverLimit
from pitchlake.planner import Task
from pitchlake.runner import KINDS, MAX_PAGES, PartitionFetch, Request
from pitchlake.testing.config import write_config
from pitchlake.testing.moto import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, moto_client
from pitchlake_api_football.endpoints import ENDPOINTS

from .rig import DATA, ROOT, TODAY, Rig, cli

#: The most a `pitchlake ingest` may hold, whatever the API answers.
MEMORY_LIMIT = 250 * 2**20
#: A process over this is killed at once: the code under test has lost its bounds.
RUNAWAY = 1 * 2**30
CONCURRENCY = 4
PL_2024 = "season=2024/league_id=39"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def envelope(get: str, parameters: dict, response: list, total: int = 1) -> dict:
    return {"get": get, "parameters": parameters, "errors": [], "results": len(response),
            "paging": {"current": 1, "total": total}, "response": response}


#: Runs ``pitchlake ARGS`` (argv[3:]) and writes its exit status and peak RSS to argv[1]. The peak
#: must be measured from a small parent: Linux carries the high-water mark of the memory a process
#: replaces by exec into its ``ru_maxrss``, so a child spawned by pytest (which holds the sandbox's
#: hostile bodies) would start out as large as pytest. A child past RUNAWAY is killed rather than
#: let loose on the machine.
LAUNCHER = """
import json, os, subprocess, sys, time
import psutil
result, runaway, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
child = subprocess.Popen([sys.executable, "-m", "pitchlake", *args])
watched, killed, deadline = psutil.Process(child.pid), None, time.monotonic() + 300
while True:
    pid, status, usage = os.wait4(child.pid, os.WNOHANG)
    if pid:
        break
    try:
        rss = watched.memory_info().rss
    except psutil.NoSuchProcess:
        rss = 0
    if killed is None and (rss > runaway or time.monotonic() > deadline):
        killed = f"killed at {rss / 2**20:.0f} MB RSS" if rss > runaway else "killed after 300 s"
        child.kill()
    time.sleep(0.01)
child.returncode = os.waitstatus_to_exitcode(status)
with open(result, "w") as file:
    json.dump({"status": child.returncode, "peak": usage.ru_maxrss * 1024, "killed": killed}, file)
"""


def run_measured(args: list[str], tmp_path: Path) -> tuple[int, int, str, str]:
    """Run ``pitchlake ARGS`` to its end: (exit code, peak RSS in bytes, stdout, stderr)."""
    name = uuid.uuid4().hex
    result, out_path, err_path = (tmp_path / f"{kind}-{name}" for kind in ("result", "out", "err"))
    with out_path.open("w") as out, err_path.open("w") as err:
        subprocess.run([sys.executable, "-c", LAUNCHER, str(result), str(RUNAWAY), *args], stdout=out, stderr=err, cwd=ROOT,
                       timeout=600, check=True)
    measured = json.loads(result.read_text())
    stdout, stderr = out_path.read_text(), err_path.read_text()
    assert measured["killed"] is None, f"pitchlake ingest {measured['killed']}:\n{stderr[-3000:]}"
    return measured["status"], measured["peak"], stdout, stderr


def requests_reported(stdout: str) -> int:
    return int(re.search(r"^API requests: (\d+);", stdout, re.MULTILINE).group(1))


# -- item 3: bodies and page counts over the limits ----------------------------------------------

def test_answers_over_the_limits_fail_their_partition_write_nothing_and_stay_in_bounded_memory(
        tmp_path, sandbox_factory, api_key):
    """The sandbox answers players with ``paging.total`` 1,000,000,000 and fixtures with a body of
    MAX_BODY_BYTES + 1 MiB; leagues and teams are answered as recorded. Before the limits, the page
    count alone made the run build a request per page and die of MemoryError at 5.85 GB."""
    assert MAX_PAGES == 1000 and MAX_BODY_BYTES == 16 * 2**20
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    (hostile / "players.json").write_text(json.dumps(
        envelope("players", {"league": "39", "season": "2024"}, [], total=1_000_000_000)))
    # valid JSON, padded with whitespace: nothing but its size is wrong with it
    big = json.dumps(envelope("fixtures", {"league": "39", "season": "2024"}, []))
    padding = MAX_BODY_BYTES + 2**20 - len(big)
    (hostile / "fixtures.json").write_text(big[:-1] + " " * padding + "}")
    size = (hostile / "fixtures.json").stat().st_size
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", data=[hostile, DATA],
              endpoints=["leagues", "teams", "fixtures", "players"], config={"concurrency": CONCURRENCY})

    started = time.monotonic()
    status, peak, out, err = run_measured(["ingest", "--config", str(rig.config_path), "--max-requests", "50"], tmp_path)
    elapsed = time.monotonic() - started

    assert status == 1, err
    assert peak < MEMORY_LIMIT, f"peak RSS {peak / 2**20:.0f} MB"
    print(f"pitchlake ingest: peak RSS {peak / 2**20:.0f} MB in {elapsed:.1f} s")
    assert "Traceback" not in err and "MemoryError" not in err, err
    failed = sorted(line for line in err.splitlines() if line.startswith("failed: "))
    assert failed == [
        f"failed: fixtures[{PL_2024}]: OverLimit: the body is {size} bytes (its Content-Length), over the limit "
        "of 16 MiB (MAX_BODY_BYTES); nothing of it was read",
        f"failed: players[{PL_2024}]: OverLimit: the answer says the partition has 1000000000 pages, over the "
        "limit of 1000 pages (MAX_PAGES); none of them was written",
    ], err

    keys = list(rig.lake.list("raw/"))
    assert not [key for key in keys if key.startswith(("raw/players/", "raw/fixtures/"))], \
        "nothing of a partition over a limit is written: no data.json, no page, no lease"
    assert f"raw/teams/{PL_2024}/ingestion_date={TODAY}/data.json" in keys, "the other partitions carried on"
    assert f"raw/leagues/league_id=39/ingestion_date={TODAY}/data.json" in keys
    stats = rig.sandbox.stats()
    assert stats["by_endpoint"] == {"fixtures": 1, "leagues": 1, "players": 1, "teams": 1}, "an answer over a limit is not retried"
    assert requests_reported(out) == stats["total"]


def test_the_largest_body_accepted_stays_in_bounded_memory(tmp_path, sandbox_factory, api_key):
    """Real fixtures repeated to just under MAX_BODY_BYTES, for four league seasons fetched at
    once: each body is written whole, and the run stays under the memory limit (bodies this large
    are parsed one at a time, at about six times their size)."""
    items = json.loads((DATA / "fixtures" / "pl_39_2024_footballay.json").read_text())["response"]
    items = items * ((MAX_BODY_BYTES - 2**16) // (len(json.dumps(items)) + 2))
    hostile = tmp_path / "large"
    hostile.mkdir()
    for league, season in [(39, 2023), (39, 2024), (140, 2023), (140, 2024)]:
        text = json.dumps(envelope("fixtures", {"league": str(league), "season": str(season)}, items))
        (hostile / f"fixtures_{league}_{season}.json").write_text(text)
    assert MAX_BODY_BYTES - 2**20 < len(text) < MAX_BODY_BYTES
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", data=[hostile, DATA], endpoints=["fixtures"],
              config={"concurrency": CONCURRENCY, "leagues": (39, 140), "seasons": (2023, 2024)})

    status, peak, out, err = run_measured(["ingest", "--config", str(rig.config_path)], tmp_path)
    assert status == 0, err
    print(f"pitchlake ingest of 4 bodies of {len(text) / 2**20:.1f} MiB: peak RSS {peak / 2**20:.0f} MB")
    assert peak < MEMORY_LIMIT, f"peak RSS {peak / 2**20:.0f} MB"
    written = [key for key in rig.lake.list("raw/fixtures/") if key.endswith("/data.json")]
    assert len(written) == 4 and all(abs(len(rig.lake.read(key)) - len(text)) < 10 for key in written)


def test_the_pages_of_one_fetch_are_bounded_in_size_too(tmp_path, sandbox_factory, api_key):
    """Ten pages of players of 3.5 MiB each, every one under MAX_BODY_BYTES: the merge would parse
    35 MiB at once, so the fetch fails at the page that passes MAX_FETCH_BYTES, and no data.json is
    written; the run stays in bounded memory."""
    player = {"player": {"id": 1, "name": "x" * 1000}, "statistics": []}
    hostile = tmp_path / "pages"
    hostile.mkdir()
    for number in range(1, 11):
        page = envelope("players", {"league": "39", "season": "2024", "page": str(number)}, [player] * 3500, total=10)
        page["paging"]["current"] = number
        (hostile / f"players_{number}.json").write_text(json.dumps(page))
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", data=[hostile, DATA], endpoints=["players"],
              config={"concurrency": 1})

    status, peak, out, err = run_measured(["ingest", "--config", str(rig.config_path)], tmp_path)
    assert status == 1, err
    assert peak < MEMORY_LIMIT, f"peak RSS {peak / 2**20:.0f} MB"
    failed = [line for line in err.splitlines() if line.startswith("failed: ")]
    # the first page past the limit, and any of its pages in flight then
    assert "the pages of the partition pass the limit of 24 MiB (MAX_FETCH_BYTES) at page 7" in failed[0], err
    assert all(f"players[{PL_2024}]: OverLimit" in line for line in failed), err
    keys = list(rig.lake.list("raw/players/"))
    assert len([key for key in keys if "/_pages/" in key]) == 6 and not [key for key in keys if key.endswith("data.json")]


def players_fetch(pages: set[int] = frozenset()) -> PartitionFetch:
    endpoint = next(endpoint for endpoint in ENDPOINTS if endpoint.name == "players")
    params = {"league": "39", "season": "2024"}
    task = Task("players", endpoint, {"season": "2024", "league_id": "39"}, TODAY, "new", params)
    return PartitionFetch(task, "raw/players/x", KINDS["paginated"], pages=set(pages))


def test_the_pages_that_follow_page_one_are_made_as_they_are_taken():
    """Within the limit too, a page count is no list of requests: the pages that follow page 1 are
    made one at a time as the pool takes them, skip those in the lake, and stop when the fetch
    fails."""
    fetch = players_fetch({1, 3})
    first = Request(fetch, 1, fetch.task.params)
    fetch.total = MAX_PAGES
    pages = fetch.kind.follow_up(fetch, first, first_page=lambda: pytest.fail("page 1 is known"))
    assert not isinstance(pages, list | tuple) and pages
    taken = iter(pages)
    assert [next(taken).page for _ in range(3)] == [2, 4, 5]
    assert next(taken).params == {"league": "39", "season": "2024", "page": "6"}
    fetch.failed = True
    assert list(taken) == []
    fetch.pages.update(range(1, MAX_PAGES + 1))
    assert not fetch.kind.follow_up(fetch, first, first_page=lambda: None), "nothing follows: the fetch merges"


@pytest.mark.parametrize("paging, error", [
    ({"total": MAX_PAGES}, None),
    ({"total": MAX_PAGES + 1}, "the answer says the partition has 1001 pages, over the limit of 1000 pages (MAX_PAGES)"),
    ({"total": "many"}, "the page count of the answer cannot be read: ValueError: invalid literal for int()"),
    ({"total": [2]}, "the page count of the answer cannot be read: TypeError:"),
    ("2", "the page count of the answer cannot be read: AttributeError:"),
], ids=["at-the-limit", "over", "text", "list", "paging-not-an-object"])
def test_a_page_count_is_believed_up_to_the_limit(paging, error):
    fetch = players_fetch()
    document = envelope("players", fetch.task.params, [])
    document["paging"] = paging
    if error is None:
        fetch.kind.check(fetch, document)
        return
    with pytest.raises(BadResponse) as raised:
        fetch.kind.check(fetch, document)
    assert str(raised.value).startswith(error)
    assert isinstance(raised.value, OverLimit) == ("over the limit" in error)


# -- item 5a: a request counts when it leaves ---------------------------------------------------

def test_an_unreachable_api_costs_no_request(tmp_path, api_key):
    """Nothing listens on the API's port: every attempt is refused before anything is sent, so
    none counts, and --max-requests is not what ends the run (it used to say 'API requests: 3')."""
    config = write_config(tmp_path / "config.json", base_url=f"http://127.0.0.1:{free_port()}",
                          lake_uri=f"file://{tmp_path}/lake", endpoints=["leagues"], max_retries=1)
    process = cli(config, "ingest", "--max-requests", "3")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    assert requests_reported(out) == 0, out
    assert "failed: leagues[league_id=39]: TransientApiError:" in err and "connection failed" in err, err
    assert "stopped early" not in err, "the budget was not spent: nothing was sent"


def test_a_read_timeout_is_a_request_sent(tmp_path, sandbox_factory, api_key):
    """The first answer never comes (the sandbox holds the connection past the client's timeout):
    the request was sent all the same, so it counts, as the server counted it."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", endpoints=["leagues"],
              config={"timeout_seconds": 1}, faults="leagues:timeout=3#1")
    summary = rig.ingest()
    assert summary.exit_code == 0, summary.to_json()
    assert summary.api_requests == rig.served() == 2


# -- item 5b: the first lake failure is reported, and stops the run -----------------------------

def when_served(rig: Rig, process: subprocess.Popen, requests_served: int, action) -> int:
    """Run ``action()`` once the sandbox has served ``requests_served`` requests of the run in
    ``process``; returns the count served just after it (the run goes on meanwhile)."""
    deadline = time.monotonic() + 120
    while rig.served() < requests_served:
        assert process.poll() is None, f"the run ended before {requests_served} requests: {process.communicate()}"
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.002)
    action()
    return rig.served()


def assert_stopped_by_the_write(rig: Rig, process: subprocess.Popen, served_at_failure: int, *words: str) -> str:
    """Check how ``process`` stopped on a lake failure; returns its ``stopped:`` line."""
    out, err = process.communicate(timeout=300)
    served = rig.served()
    assert served - served_at_failure <= CONCURRENCY, \
        f"{served - served_at_failure} requests after the lake failed, more than the {CONCURRENCY} that can be in flight"
    assert served < 27, "the run stopped before the partition's last page"
    assert process.returncode == 1, out + err
    assert "Traceback" not in err, err
    stopped = [line for line in err.splitlines() if line.startswith("stopped")]
    assert len(stopped) == 1 and stopped[0].startswith("stopped: lake: "), err
    assert "cannot write" in stopped[0] and "cannot delete" not in stopped[0], \
        f"the write that failed, not the lease release after it: {stopped[0]}"
    for word in words:
        assert word in stopped[0], err
    assert stopped[0].endswith("check that the lake is reachable and writable (its folder or bucket, permissions, "
                               "free space, the S3 endpoint and credentials), then run again; what was written is "
                               "kept and resumed"), stopped[0]
    assert "rerun to resume" not in err
    assert requests_reported(out) == served, "the run counts what the API served"
    return stopped[0]


def test_a_lake_that_fails_mid_run_stops_it_and_is_what_it_reports(tmp_path, sandbox_factory, api_key):
    """The file lake's folder becomes a file while the 27 pages of a players partition come in
    (root ignores permissions, so the folder is not merely made read-only): every write fails from
    then on. The run reports the write, stops sending, and exits 1."""
    root = tmp_path / "lake"
    rig = Rig(tmp_path, sandbox_factory, f"file://{root}", endpoints=["players"], latency_ms=40,
              config={"concurrency": CONCURRENCY})

    def break_the_lake():
        root.rename(tmp_path / "lake-before")
        while True:  # a put between the two steps makes the folder again: take it away again
            try:
                root.write_text("not a folder")
                return
            except IsADirectoryError:
                shutil.rmtree(root, ignore_errors=True)

    process = cli(rig.config_path, "ingest")
    try:
        served = when_served(rig, process, 6, break_the_lake)
        # A write already past its mkdir when the folder is renamed fails on the missing folder
        # instead, and one whose mkdir runs while the folder is being replaced by the file finds
        # the file where it makes the folder ("File exists"): each reason is the lake's, and true.
        stopped = assert_stopped_by_the_write(rig, process, served,
                                              f"file://{root}: cannot write 'raw/players/{PL_2024}/")
        assert any(reason in stopped for reason in ("Not a directory", "No such file or directory", "File exists")), stopped
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    pages = list((tmp_path / "lake-before").rglob("page-*.json"))
    assert 1 <= len(pages) < 27 and not list((tmp_path / "lake-before").rglob("data.json"))


def test_one_partition_the_lake_cannot_write_stops_the_whole_run(tmp_path, sandbox_factory, api_key):
    """The folder of one partition of five leagues' teams and players is a file: its lease cannot
    be written, and the run stops there, sending nothing but what was already in flight (it used to
    record the failure and go on to send the other 130-odd requests, into a lake that may be failing
    everywhere)."""
    root = tmp_path / "lake"
    (root / "raw/teams/season=2024").mkdir(parents=True)
    (root / "raw/teams/season=2024/league_id=140").write_text("not a folder")
    rig = Rig(tmp_path, sandbox_factory, f"file://{root}", endpoints=["teams", "players"], latency_ms=20,
              config={"concurrency": CONCURRENCY, "leagues": (39, 140, 135, 78, 61)})
    out, err = cli(rig.config_path, "ingest").communicate(timeout=300)
    served = rig.served()
    assert served <= CONCURRENCY, f"{served} requests: the run went on after the lake failed"
    assert "Traceback" not in err, err
    assert requests_reported(out) == served
    [failed] = [line for line in err.splitlines() if line.startswith("failed: ")]
    assert failed.startswith(f"failed: teams[season=2024/league_id=140]: LakeError: file://{root}: cannot write "
                             "'raw/teams/season=2024/league_id=140/ingestion_date=2025-01-26/_lease.json': "
                             "Not a directory"), err
    [stopped] = [line for line in err.splitlines() if line.startswith("stopped")]
    assert stopped.startswith(f"stopped: lake: file://{root}: cannot write 'raw/teams/season=2024/league_id=140/"), err


@pytest.fixture
def moto_process(tmp_path):
    """A moto server of its own in a process of its own, which a test can kill (the session's moto
    runs in the test process, and a stopped werkzeug server still answers open connections)."""
    port = free_port()
    log = (tmp_path / "moto.log").open("w")
    server = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{url}/moto-api/", timeout=1)
            break
        except requests.ConnectionError:
            assert server.poll() is None and time.monotonic() < deadline, "moto_server did not start"
            time.sleep(0.1)
    yield server, url
    if server.poll() is None:
        server.kill()
    server.wait()
    log.close()


def test_an_s3_lake_that_stops_mid_run_stops_it_and_is_what_it_reports(tmp_path, sandbox_factory, api_key,
                                                                      moto_process, monkeypatch):
    server, url = moto_process
    bucket = f"pitchlake-test-{uuid.uuid4().hex[:16]}"
    moto_client(url).create_bucket(Bucket=bucket)
    s3_env = {"MINIO_ENDPOINT": url, "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
              "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
              "AWS_MAX_ATTEMPTS": "1"}
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in s3_env.items():
        monkeypatch.setenv(name, value)
    rig = Rig(tmp_path, sandbox_factory, f"s3://{bucket}/lake", endpoints=["players"], latency_ms=40,
              config={"concurrency": CONCURRENCY})

    process = cli(rig.config_path, "ingest")
    try:
        served = when_served(rig, process, 6, server.kill)
        assert_stopped_by_the_write(rig, process, served, f"s3://{bucket}/lake", "the S3 endpoint is unreachable")
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
