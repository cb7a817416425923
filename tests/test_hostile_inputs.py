"""Hostile input from the environment, the lake, the machine and the command line gets one clear
line and the right exit code, never a traceback, and writes nothing it should not (issue 16): a
bad or future PITCHLAKE_TODAY, a lake folder of an unusable ingestion date, a busy port, a
selection outside the scope, a fatal API error, help texts that read like a normal CLI, a bad
PITCHLAKE_LAKE or API_FOOTBALL_BASE_URL, and a progress line that says how far the run is."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import typer
from rich.console import Console

from pitchlake.cli import app
from pitchlake.planner import Plan, Task
from pitchlake.progress import IngestProgress, RateLimitedTimeRemainingColumn
from pitchlake.runner import Summary
from pitchlake_sandbox import FAULTS_HELP

from .rig import ROOT, TODAY, Rig, cli

LEAGUES = ["leagues"]
GARBAGE = "raw/leagues/league_id=39/ingestion_date=garbage/data.json"
TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()


def run(process: subprocess.Popen, timeout: int = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def assert_one_clean_line(err: str, *words: str) -> None:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], err


# -- 1. PITCHLAKE_TODAY --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["garbage", "20250126", TOMORROW], ids=["garbage", "not-YYYY-MM-DD", "future"])
@pytest.mark.parametrize("command", ["plan", "ingest"])
def test_a_bad_or_future_pitchlake_today_is_refused_before_anything_is_written(tmp_path, sandbox_factory, api_key,
                                                                             command, value):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", endpoints=LEAGUES)
    status, out, err = run(cli(rig.config_path, command, "-e", "leagues", env={"PITCHLAKE_TODAY": value}))
    assert status == 2, err
    assert_one_clean_line(err, "PITCHLAKE_TODAY", value)
    assert rig.files() == {} and rig.served() == 0


def test_a_past_pitchlake_today_is_still_the_ingestion_date(tmp_path, sandbox_factory, api_key):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", endpoints=LEAGUES)
    status, _, err = run(cli(rig.config_path, "ingest", env={"PITCHLAKE_TODAY": "2024-08-01"}))
    assert status == 0, err
    assert list(rig.files()) == ["raw/leagues/league_id=39/ingestion_date=2024-08-01/data.json"]


# -- 2. a lake folder of an unusable ingestion date ----------------------------------------------

def test_a_folder_of_an_unusable_ingestion_date_is_reported_once_and_left_alone(tmp_path, sandbox_factory, api_key):
    """An older pitchlake wrote whatever PITCHLAKE_TODAY said. Planning warns, ignores the folder
    (neither a crash nor a fetch that looks fresh for years) and never deletes it. Venues derive
    from leagues, so the leagues folder is listed by more than one stage of the run."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", endpoints=["leagues", "venues"])
    future = f"raw/leagues/league_id=39/ingestion_date={TOMORROW}/data.json"
    page = "raw/leagues/league_id=39/ingestion_date=2025-13-01/_pages/page-0001.json"
    for key in (GARBAGE, future, page):
        rig.lake.put(key, b'{"left": "alone"}')

    status, out, err = run(cli(rig.config_path, "plan", "--json"))
    assert status == 0 and "Traceback" not in err, err
    [leagues] = [task for task in json.loads(out)["tasks"] if task["endpoint"] == "leagues"]
    assert leagues["reason"] == "new" and leagues["ingestion_date"] == TODAY

    status, out, err = run(cli(rig.config_path, "ingest"))
    assert status == 0, err
    assert "Traceback" not in err
    for key, date in ((GARBAGE, "garbage"), (future, TOMORROW), (page, "2025-13-01")):
        warnings = [line for line in err.splitlines() if key in line]
        assert len(warnings) == 1, err
        assert "WARNING" in warnings[0] and repr(date) in warnings[0] and "leaves it alone" in warnings[0]
        assert rig.lake.read(key) == b'{"left": "alone"}'
    assert f"raw/leagues/league_id=39/ingestion_date={TODAY}/data.json" in rig.files()
    assert any(key.startswith("raw/venues/") for key in rig.files()), "venues derived from the good leagues data"

    rig.sandbox.reset()
    status, _, err = run(cli(rig.config_path, "ingest"))
    assert status == 0 and rig.served() == 0, err


# -- 3. a busy port ------------------------------------------------------------------------------

def test_sandbox_serve_on_a_busy_port_says_so_in_one_line(sandbox_factory):
    port = urlsplit(sandbox_factory().url).port  # a sandbox holds it
    process = subprocess.Popen([sys.executable, "-m", "pitchlake", "sandbox", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    status, out, err = run(process, timeout=60)
    assert status == 2, out + err
    assert_one_clean_line(err, f"port {port} on 127.0.0.1 is in use", "--port")


def test_sandbox_serve_refuses_plan_seasons_it_cannot_read():
    process = subprocess.Popen([sys.executable, "-m", "pitchlake", "sandbox", "serve", "--port", "0",
                                "--plan-seasons", "2024-2022"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    status, _, err = run(process, timeout=60)
    assert status == 2 and "Traceback" not in err and "--plan-seasons" in err, err


# -- 4. a selection outside the scope ------------------------------------------------------------

@pytest.mark.parametrize("command", ["plan", "ingest"])
@pytest.mark.parametrize("args, said", [
    (["--league", "140"], ["--league 140 is outside the scope (league_id: 39)"]),
    (["--season", "1999", "--season", "2024"], ["--season 1999 is outside the scope (season: 2024)"]),
    (["--season", "1999", "--league", "140", "--league", "61"],
     ["--season 1999 is outside the scope (season: 2024)", "--league 140, 61 are outside the scope (league_id: 39)"]),
    (["--endpoint", "fixture_details", "--season", "2023"], ["--season 2023 is outside the scope (season: 2024)"]),
], ids=["league", "one-season-of-two", "both", "derived-endpoint"])
def test_a_selection_outside_the_scope_is_refused_and_says_what_the_scope_has(tmp_path, sandbox_factory, api_key,
                                                                           command, args, said):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake")
    status, out, err = run(cli(rig.config_path, command, *args))
    assert status == 2, out + err
    assert "Traceback" not in err and out == ""
    assert [line.split(": ", 1)[1] for line in err.splitlines()] == [f"{text}; select among those, or widen /scope"
                                                                     for text in said]
    assert rig.files() == {} and rig.served() == 0


def test_a_selection_inside_the_scope_still_plans(tmp_path, sandbox_factory, api_key):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake")
    for args in (["--season", "2024", "--league", "39"], ["--endpoint", "leagues", "--league", "39"]):
        status, out, err = run(cli(rig.config_path, "plan", *args))
        assert status == 0 and "league_id=39" in out, err


# -- 5. what a stopped run advises ---------------------------------------------------------------

@pytest.mark.parametrize("faults, fix", [
    ("token@1", "set FOOTBALL_API_KEY to a key the API accepts, then run again"),
    ("leagues:param=id#1", "check the config's api.base_url and the endpoint's params (or its plugin), then run again"),
], ids=["token", "param"])
def test_a_fatal_error_says_what_to_fix_not_to_rerun(tmp_path, sandbox_factory, api_key, faults, fix):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", faults=faults)
    status, _, err = run(cli(rig.config_path, "ingest"))
    assert status == 1, err
    [stopped] = [line for line in err.splitlines() if line.startswith("stopped")]
    assert stopped.startswith("stopped: fatal: ") and stopped.endswith(fix), err
    assert "rerun" not in err and "resume" not in err, err


def test_a_stop_a_rerun_resumes_still_says_so(tmp_path, sandbox_factory, api_key):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake")
    status, _, err = run(cli(rig.config_path, "ingest", "--max-requests", "2"))
    assert status == 3, err
    assert "stopped early: max_requests; rerun to resume where it stopped" in err


# -- 6. help -------------------------------------------------------------------------------------

def command_paths(command: typer.core.TyperGroup, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    for name, sub in getattr(command, "commands", {}).items():
        paths += command_paths(sub, (*path, name))
    return paths


def test_every_help_names_values_not_python_types_and_says_everything():
    paths = command_paths(typer.main.get_command(app))
    assert ("sandbox", "serve") in paths and ("ingest",) in paths and len(paths) >= 12
    environment = {**os.environ, "COLUMNS": "100"}
    processes = {path: subprocess.Popen([sys.executable, "-m", "pitchlake", *path, "--help"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=environment, cwd=ROOT)
                 for path in paths}
    helps = {}
    for path, process in processes.items():
        status, out, err = run(process, timeout=120)
        assert status == 0 and err == "", (path, err)
        helps[path] = out
    for path, text in helps.items():
        assert "<bool>" not in text and "<list[" not in text, (path, text)
        assert not re.search(r"--[\w-]+ <", text), (path, text)  # an option's value is named, not typed
    flat = " ".join(helps[("sandbox", "serve")].split())
    assert " ".join(FAULTS_HELP.split()) in flat, helps[("sandbox", "serve")]
    for path in ((), ("sandbox",)):
        commands = helps[path].split("Commands:", 1)[1]
        assert "..." not in commands, helps[path]  # each command's first sentence, whole
    assert "--verbose" in helps[("ingest",)] and "-e, --endpoint NAME" in helps[("ingest",)]


# -- 7. environment overrides --------------------------------------------------------------------

#: What a value may hold by mistake; no message may show it.
SECRET = "sk-5ecret"
OVERRIDES = [
    ("PITCHLAKE_LAKE", f"gs://{SECRET}/lake", "no installed lake backend handles this scheme; installed: file://, s3://"),
    ("PITCHLAKE_LAKE", f"s3://{SECRET.upper()}/lake", "expected s3://bucket or s3://bucket/prefix, the bucket 3 to 63"),
    ("PITCHLAKE_LAKE", SECRET, "expected scheme://location"),
    ("API_FOOTBALL_BASE_URL", f"http://127.0.0.1:9/?key={SECRET}", "expected an http:// or https:// URL without credentials, query"),
    ("API_FOOTBALL_BASE_URL", f"{SECRET}.example", "expected an http:// or https:// URL"),
]


@pytest.mark.parametrize("variable, value, expected", OVERRIDES, ids=["lake-scheme", "lake-bucket", "lake-no-uri",
                                                                      "base-url-query", "base-url-no-url"])
@pytest.mark.parametrize("command", ["validate", "plan", "ingest"])
def test_a_bad_environment_override_is_refused_naming_the_variable_not_its_value(tmp_path, sandbox_factory, api_key,
                                                                               command, variable, value, expected):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", endpoints=LEAGUES)
    status, out, err = run(cli(rig.config_path, command, env={variable: value}))
    assert status == 2, err
    assert_one_clean_line(err, f"{variable} (environment variable, overrides ", expected)
    assert SECRET not in (out + err).lower(), err
    assert rig.files() == {} and rig.served() == 0


@pytest.mark.parametrize("variable, value", [("PITCHLAKE_TODAY", "garbage"), ("PITCHLAKE_TODAY", TOMORROW),
                                             ("PITCHLAKE_LAKE", f"gs://{SECRET}"), ("API_FOOTBALL_BASE_URL", SECRET)],
                         ids=["today-garbage", "today-future", "lake", "base-url"])
def test_the_demo_refuses_a_bad_environment_before_it_does_anything(tmp_path, variable, value):
    """In an empty folder the demo creates a project, starts dbt and a sandbox: none of it happens."""
    process = subprocess.Popen([sys.executable, "-m", "pitchlake", "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, variable: value}, cwd=tmp_path)
    status, out, err = run(process)
    assert status == 2, out + err
    assert_one_clean_line(err, variable)
    assert out == "" and list(tmp_path.iterdir()) == []
    assert SECRET not in err


# -- 8. the progress line ------------------------------------------------------------------------

def task(name: str, requests: int) -> Task:
    return Task(name, None, {}, TODAY, "new", {}, estimated_requests=requests)


def rendered(line: IngestProgress) -> str:
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(line.progress.get_renderable())
    return console.export_text()


def test_the_progress_line_counts_requests_against_the_plans_and_says_the_time_left():
    """The total starts as the plan's estimate (what `pitchlake plan` shows) and grows when a
    stage plans an endpoint that derives from others; the time left goes no faster than the
    plan's per-minute limit."""
    first = Plan(tasks=[task("leagues", 1), task("teams", 1), task("fixtures", 3)], deferred=["fixture_details"])
    line = IngestProgress(Console(file=io.StringIO()), first, per_minute=10)
    assert "0/5 requests, 0:00:00 elapsed, ETA 0:00:30; starting" in rendered(line)  # 5 requests at 10 a minute

    line.on_plan(Plan(tasks=[task("leagues", 1)]))  # stage 1: the first plan's estimate holds
    line.on_progress(Summary(api_requests=1, partitions_written=1, day_remaining=99), "leagues league_id=39")
    assert "1/5 requests, 0:00:00 elapsed, ETA 0:00:24; quota left 99; 1 partitions written; leagues league_id=39" in rendered(line)

    line.on_plan(Plan(tasks=[task("teams", 1), task("fixtures", 3), task("fixture_details", 19)]))
    assert "1/24 requests, 0:00:00 elapsed, ETA 0:02:18;" in rendered(line)  # 23 requests at 10 a minute

    line.on_progress(Summary(api_requests=30, day_remaining=69), "players season=2024 page 7")  # pages beyond the estimate
    assert "30/30 requests" in rendered(line) and "ETA 0:00:00;" in rendered(line)


def test_the_progress_total_is_what_the_run_may_spend():
    first = Plan(tasks=[task("fixture_details", 19)])
    assert "0/4 requests" in rendered(IngestProgress(Console(file=io.StringIO()), first, 10, max_requests=4))
    line = IngestProgress(Console(file=io.StringIO()), first, 10)
    line.on_progress(Summary(api_requests=2, day_remaining=3), "fixture_details season=2024")
    assert "2/5 requests" in rendered(line)  # the day's quota ends the run there


@pytest.mark.parametrize("speed, eta", [(None, "0:00:06"), (50.0, "0:00:06"), (2.0, "0:00:30")],
                         ids=["no-pace-yet", "a-burst", "slower-than-the-limit"])
def test_the_time_left_is_the_pace_of_the_run_never_faster_than_the_rate_limit(speed, eta):
    column = RateLimitedTimeRemainingColumn(per_minute=600)
    assert column.render(SimpleNamespace(total=100, completed=40, speed=speed)).plain == f"ETA {eta};"


def test_ingest_shows_progress_against_the_request_count_plan_estimates(tmp_path, sandbox_factory, api_key):
    """On a terminal (rich's TTY_COMPATIBLE=1 makes stderr one), ingest's progress line starts at
    the request count `pitchlake plan` estimates and ends at the requests the run spent; the
    derived fixture_details, planned once fixtures are in, and the players' pages grow it."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake")
    status, out, err = run(cli(rig.config_path, "plan", "--json"))
    assert status == 0, err
    planned = json.loads(out)
    assert "fixture_details" in planned["deferred"]

    status, out, err = run(cli(rig.config_path, "ingest", env={"TTY_COMPATIBLE": "1", "COLUMNS": "200"}))
    assert status == 0, err
    spent = int(re.search(r"API requests: (\d+);", out).group(1))
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", re.sub(r"\x1b\[[0-9;]*m", "", err))  # colours, then cursor moves
    counts = [(int(done), int(total)) for done, total in
              re.findall(r"(\d+)/(\d+) requests, \d+:\d\d:\d\d elapsed, ETA \d+:\d\d:\d\d;", text)]
    assert counts and counts[0] == (0, planned["estimated_requests"]), text[-2000:]
    assert counts[-1] == (spent, spent) and spent > planned["estimated_requests"], text[-2000:]
