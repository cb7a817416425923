"""Hostile input gets a clear error and loses nothing: API bodies that are JSON but must not reach
the lake (NaN, duplicate keys, wrong types, absurd nesting), a huge body, and hostile partition
values in the config (the config tests cover the rest of the invalid-config corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitchlake.client import ApiClient, BadResponse

from .rig import DATA, Rig

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
    envelope["response"] = envelope["response"] * 60  # 22,800 fixtures, about 30 MB
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
