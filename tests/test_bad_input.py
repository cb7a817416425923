"""Hostile input gets a clear error and loses nothing: API bodies that are JSON but must not reach
the lake (NaN, duplicate keys, wrong types, absurd nesting), a huge body, and hostile configs as
``pitchlake validate`` prints them (the config tests cover the rest of the invalid-config corpus)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pitchlake.client import ApiClient, BadResponse

from .rig import DATA, Rig

ROOT = Path(__file__).resolve().parents[1]

PL_2024 = DATA / "fixtures" / "pl_39_2024_footballay.json"


def recorded(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


def fixtures_rig(tmp_path, sandbox_factory, body: str) -> Rig:
    """A sandbox that answers fixtures?league=39&season=2024 with ``body``; the lake also holds
    one good partition written before, which nothing may touch."""
    folder = recorded(tmp_path / "hostile", "fixtures.json", body)
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", data=[folder, DATA], endpoints=["fixtures", "teams"])
    rig.lake.put("raw/teams/season=2023/league_id=39/ingestion_date=2025-01-01/data.json", b'{"kept": true}')
    return rig


def assert_nothing_written_but(rig: Rig, endpoint: str) -> None:
    files = rig.files()
    assert files["raw/teams/season=2023/league_id=39/ingestion_date=2025-01-01/data.json"] == b'{"kept": true}'
    assert not any(f"/{endpoint}/" in key for key in files)
    assert any("/teams/season=2024/" in key for key in files), "the other endpoints carried on"


def pl_text() -> str:
    """The recorded PL 2024 fixtures, compact, so that a replace hits the first match exactly."""
    return json.dumps(json.loads(PL_2024.read_text()), separators=(",", ":"))


@pytest.mark.parametrize("name, body, message", [
    ("nan", lambda: pl_text().replace('"halftime":{"home":0', '"halftime":{"home":NaN', 1), "body contains NaN"),
    ("infinity", lambda: pl_text().replace('"halftime":{"home":0', '"halftime":{"home":Infinity', 1), "body contains Infinity"),
    ("duplicate-keys", lambda: pl_text().replace('"goals":{', '"goals":{"home":9,', 1), "the key 'home' twice"),
    ("wrong-type", lambda: pl_text().replace('"timestamp":', '"timestamp":"soon","x":', 1), "/response/0/fixture/timestamp"),
    ("response-not-a-list", lambda: json.dumps({**json.loads(pl_text()), "response": {"fixture": 1}}), "'response' is dict, expected a list"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_hostile_bodies_fail_their_partition_and_reach_nothing(tmp_path, sandbox_factory, api_key, name, body, message):
    rig = fixtures_rig(tmp_path, sandbox_factory, body())
    summary = rig.ingest()
    assert summary.exit_code == 1
    [failure] = summary.failures
    assert failure["partition"] == "fixtures[season=2024/league_id=39]" and message in failure["error"]
    assert rig.sandbox.stats()["by_endpoint"]["fixtures"] == 1, "a body that will not change is not retried"
    assert_nothing_written_but(rig, "fixtures")


def test_a_huge_body_is_written_whole(tmp_path, sandbox_factory, api_key):
    envelope = json.loads(pl_text())
    envelope["response"] = envelope["response"] * 40  # 15,200 fixtures, 15 MiB: ten times the largest real body, under MAX_BODY_BYTES
    envelope["results"] = len(envelope["response"])
    body = json.dumps(envelope)
    rig = fixtures_rig(tmp_path, sandbox_factory, body)
    summary = rig.ingest()
    assert summary.exit_code == 0, summary.to_json()
    key = "raw/fixtures/season=2024/league_id=39/ingestion_date=2025-01-26/data.json"
    assert rig.lake.read(key) == body.encode()


class Answer:
    """What _parse reads of an HTTP answer: its headers."""

    headers: dict = {}


def test_absurd_nesting_is_refused_not_a_crash():
    nested = b'{"get":"fixtures","parameters":{},"errors":[],"results":1,"paging":{},"response":[' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    with pytest.raises(BadResponse, match="nested too deeply"):
        ApiClient._parse(nested, Answer())


def validate(config: Path) -> subprocess.CompletedProcess:
    """``pitchlake validate`` without FOOTBALL_API_KEY, so that no secret can be redacted."""
    env = {name: value for name, value in os.environ.items() if name != "FOOTBALL_API_KEY"}
    return subprocess.run([sys.executable, "-m", "pitchlake", "validate", "--config", str(config)],
                          capture_output=True, text=True, cwd=ROOT, env=env)


def test_an_absurdly_nested_config_is_one_line_not_a_traceback(tmp_path):
    config = tmp_path / "d.json"
    config.write_text("[" * 3000 + "]" * 3000 + "\n")
    result = validate(config)
    assert (result.returncode, result.stderr) == (2, f"{config}: /: nested too deeply to be a config\n")


def test_validate_never_echoes_a_key_pasted_into_the_api_settings(tmp_path):
    secret = "sk-live-abcdef123456"
    document = json.loads((ROOT / "config" / "endpoints.json").read_text())
    document["api"] = {"base_url": secret, "auth": secret, "rapidapi_host": secret,
                       "limits": {"per_day": secret, "per_minute": secret},
                       "timeout_seconds": secret, "max_retries": secret, "concurrency": secret}
    document["lake"]["uri"] = f"gs://{secret}/lake"
    config = tmp_path / "endpoints.json"
    config.write_text(json.dumps(document))
    result = validate(config)
    assert result.returncode == 2
    assert [line.split(": ")[1] for line in result.stderr.splitlines()] == [
        "/api/auth", "/api/base_url", "/api/concurrency", "/api/limits/per_day", "/api/limits/per_minute",
        "/api/max_retries", "/api/timeout_seconds", "/lake/uri"]
    assert secret not in result.stdout + result.stderr
