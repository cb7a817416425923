"""The sandbox as a server: exact counts under concurrency, keep-alive, its routes and its CLI."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from typer.testing import CliRunner

from pitchlake_sandbox import Sandbox, app

TODAY = "2025-01-26"
KEY = {"x-apisports-key": "sandbox-key"}
DATA = Path(__file__).parent / "data" / "api-football"


def test_counts_are_exact_under_concurrency(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, per_day=10_000, per_minute=10_000, data=[DATA], faults="503@0.1")
    paths = [("leagues", {"id": "39"}), ("teams", {"league": "39", "season": "2024"}),
             ("standings", {"league": "140", "season": "2023"}), ("nothing", {})]
    seen: list[tuple[str, int]] = []
    lock = threading.Lock()

    def client(worker: int) -> None:
        with requests.Session() as session:
            session.headers.update(KEY)
            for n in range(40):
                path, params = paths[(worker + n) % len(paths)]
                status = session.get(f"{sandbox.url}/{path}", params=params, timeout=30).status_code
                with lock:
                    seen.append((path, status))

    threads = [threading.Thread(target=client, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()
    assert stats["total"] == 320 == len(seen)
    assert stats["by_endpoint"] == {"leagues": 80, "nothing": 80, "standings": 80, "teams": 80}
    statuses = [status for _, status in seen]
    assert stats["by_status"] == {"200": statuses.count(200), "503": statuses.count(503)}
    assert stats["by_fault"] == {"503": statuses.count(503)}
    assert stats["by_error"] == {"endpoint": seen.count(("nothing", 200))}
    remaining = requests.get(f"{sandbox.url}/leagues?id=39", headers=KEY, timeout=5).headers["x-ratelimit-requests-remaining"]
    assert int(remaining) == 10_000 - statuses.count(200) - 1


def test_one_connection_serves_many_requests(sandbox):
    address = urlsplit(sandbox.url)
    request = b"GET /leagues?id=39&current=true HTTP/1.1\r\nHost: x\r\nx-apisports-key: sandbox-key\r\n\r\n"
    expected = (DATA / "leagues" / "id39_current_footballay.json").read_bytes()
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        reader = connection.makefile("rb")
        for _ in range(3):
            connection.sendall(request)
            assert reader.readline().startswith(b"HTTP/1.1 200")
            headers = {}
            while (line := reader.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                headers[name.lower()] = value.strip()
            assert reader.read(int(headers["content-length"])) == expected
            assert headers.get("connection") != "close"


def test_the_sandbox_routes_are_neither_counted_nor_limited(sandbox_factory):
    sandbox = sandbox_factory(today=TODAY, per_day=1)
    for _ in range(3):
        assert requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()["total"] == 0
    assert requests.get(f"{sandbox.url}/_sandbox/reset", timeout=5).status_code == 405
    assert requests.get(f"{sandbox.url}/_sandbox/nothing", timeout=5).status_code == 404
    assert sandbox.stats()["total"] == 0


def test_the_url_needs_a_started_sandbox():
    sandbox = Sandbox(today=TODAY)
    with pytest.raises(RuntimeError):
        _ = sandbox.url
    with sandbox:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sandbox.url)
    sandbox.stop()


def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "pitchlake_sandbox", "serve", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not match:
        process.kill()
        pytest.fail(f"no URL in {line!r}: {process.stderr.read()}")
    return process, match.group(0)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_cli_prints_its_url_serves_and_stops_cleanly(signum):
    process, url = _serve("--data", str(DATA), "--today", TODAY, "--seed", "7", "--key", "k1", "--key", "k2",
                          "--faults", "429#1", "--per-day", "10")
    try:
        assert requests.get(f"{url}/leagues", params={"id": "39"}, headers={"x-apisports-key": "k1"}, timeout=10).status_code == 429
        response = requests.get(f"{url}/fixtures", params={"league": "78", "season": "2021"},
                                headers={"x-apisports-key": "k2"}, timeout=30)
        assert response.headers["x-ratelimit-requests-remaining"] == "9"
        with Sandbox(today=TODAY, seed=7) as here:
            same = requests.get(f"{here.url}/fixtures", params={"league": "78", "season": "2021"}, headers=KEY, timeout=30)
        assert response.content == same.content
        teams = requests.get(f"{url}/teams", params={"league": "39", "season": "2024"}, headers={"x-apisports-key": "k1"}, timeout=10)
        assert teams.content == (DATA / "teams" / "pl_39_2024_footballay.json").read_bytes()
    finally:
        process.send_signal(signum)
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "stopped" in out


def test_the_cli_refuses_a_bad_fault_spec_and_documents_the_grammar():
    runner = CliRunner()
    refused = runner.invoke(app, ["serve", "--faults", "418#1"])
    assert refused.exit_code == 2 and "kind one of" in refused.output
    help_text = runner.invoke(app, ["serve", "--help"]).output
    for word in ("--per-minute", "--per-day", "--latency-ms", "--key", "--today", "--teams", "timeout", "#3,7", "@0.1"):
        assert word in help_text
