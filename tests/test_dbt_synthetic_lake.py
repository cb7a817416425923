"""pitchlake_sandbox.synthetic_lake: the lakes the dbt tests and the benchmark run on are lakes
ingestion could have written, from the sandbox's own world: the protocol's keys, envelopes, items
valid against the endpoints' schemas and equal to what the sandbox serves, standings that agree
with the fixtures, and the same bytes on every run."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import requests
from jsonschema import Draft202012Validator

from pitchlake.lake import DEFAULT_LAYOUT, Layout
from pitchlake.plugins import registry
from pitchlake_sandbox import DEFAULT_KEY, Sandbox
from pitchlake_sandbox.synthetic_lake import PARTITION_KEYS, add_day, write_synthetic_lake

from .recorded_lake import write_recorded_lake


def digest(root: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            sha.update(str(path.relative_to(root)).encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


def test_synthetic_lake_follows_the_lake_protocol_and_the_item_schemas(tmp_path):
    lake = write_synthetic_lake(tmp_path / "lake", leagues=2, seasons=2, cups=1, days=2)
    endpoints = registry().endpoints
    layout = Layout(DEFAULT_LAYOUT)
    seen = Counter()
    for path in sorted((tmp_path / "lake").rglob("data.json")):
        key = path.relative_to(tmp_path / "lake").as_posix()
        endpoint = key.split("/")[1]
        match = layout.parser(endpoint, PARTITION_KEYS[endpoint]).match(key)
        assert match and match["rest"] == "data.json" and match["ingestion_date"], key
        body = json.loads(path.read_text())
        assert set(body) == {"get", "parameters", "errors", "results", "paging", "response"}
        assert body["errors"] == [] and body["results"] == len(body["response"])
        validator = Draft202012Validator(endpoints[endpoint].item_schema)
        for item in body["response"]:
            errors = list(validator.iter_errors(item))
            assert not errors, f"{key}: {errors[0].message}"
        seen[endpoint] += 1
    assert set(seen) == {"leagues", "teams", "venues", "fixtures", "fixture_details", "standings", "players"}
    assert lake.files == sum(seen.values())


def test_standings_agree_with_the_fixtures_except_the_deduction(tmp_path):
    lake = write_synthetic_lake(tmp_path / "lake", leagues=1, seasons=2, days=1)
    league = lake.leagues[0]
    for season in lake.seasons:
        fixtures = json.loads(next((tmp_path / "lake/raw/fixtures" / f"season={season}" / f"league_id={league.id}").glob("*/data.json")).read_text())
        standings = json.loads(next((tmp_path / "lake/raw/standings" / f"season={season}" / f"league_id={league.id}").glob("*/data.json")).read_text())
        points = Counter()
        for item in fixtures["response"]:
            if item["fixture"]["status"]["short"] != "FT":
                continue
            home, away = item["goals"]["home"], item["goals"]["away"]
            points[item["teams"]["home"]["id"]] += 3 if home > away else home == away
            points[item["teams"]["away"]["id"]] += 3 if away > home else home == away
        deductions = lake.deductions.get((league.id, season), {})
        for row in standings["response"][0]["league"]["standings"][0]:
            assert row["points"] == points[row["team"]["id"]] + deductions.get(row["team"]["id"], 0)
            assert row["all"]["played"] == row["all"]["win"] + row["all"]["draw"] + row["all"]["lose"]
    (deducted, points), = lake.deductions[(league.id, lake.seasons[0])].items()
    assert list(lake.deductions) == [(league.id, lake.seasons[0])] and points == -6
    assert deducted in {team.id for team in league.teams}


def test_a_closed_season_is_what_the_sandbox_serves(tmp_path):
    """One world generator: a closed season of the lake is, item for item, what the sandbox (the
    same seed, on a day after that season) answers to the requests ingestion makes for it."""
    lake = write_synthetic_lake(tmp_path / "lake", leagues=2, seasons=2, days=1)
    league, season = lake.leagues[1], lake.seasons[0]  # the second league: no points deduction

    def stored(endpoint: str) -> dict:
        folder = tmp_path / "lake" / "raw" / endpoint / f"season={season}" / f"league_id={league.id}"
        return json.loads(next(folder.glob("ingestion_date=*/data.json")).read_text())

    params = {"league": str(league.id), "season": str(season)}
    with Sandbox(today=lake.world.today.isoformat()) as sandbox, requests.Session() as session:
        session.headers["x-apisports-key"] = DEFAULT_KEY

        def served(path: str, **query: str) -> dict:
            answer = session.get(f"{sandbox.url}/{path}", params=query, timeout=60)
            answer.raise_for_status()
            return answer.json()

        for endpoint in ("fixtures", "teams", "standings"):
            assert stored(endpoint) == served(endpoint, **params), endpoint
        players = stored("players")
        pages = served("players", **params)["paging"]["total"]
        assert players["paging"] == {"current": pages, "total": pages}
        assert players["response"] == [item for page in range(1, pages + 1)
                                       for item in served("players", **params, page=str(page))["response"]]
        details = stored("fixture_details")
        ids = details["parameters"]["ids"].split("-")
        assert len(ids) == 10 and details["paging"]["total"] == 1  # the last round: one batch
        assert details["response"] == served("fixtures", ids="-".join(ids))["response"]


def test_synthetic_lake_is_deterministic_and_grows_by_one_day(tmp_path):
    first = write_synthetic_lake(tmp_path / "a", leagues=1, seasons=2, days=2)
    write_synthetic_lake(tmp_path / "b", leagues=1, seasons=2, days=2)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    day = add_day(first)
    assert day == first.last_day
    new = [p for p in (tmp_path / "a").rglob("data.json") if f"ingestion_date={day}" in str(p)]
    assert {p.relative_to(tmp_path / "a").parts[1] for p in new} == {"leagues", "venues", "teams", "fixtures", "standings", "players", "fixture_details"}
    details = json.loads(next(p for p in new if p.parts[-5] == "fixture_details").read_text())["response"]
    assert len(details) == 10  # only the round newly finished that day


def test_recorded_lake_layout(tmp_path):
    root = write_recorded_lake(tmp_path / "lake")
    keys = sorted(p.relative_to(root).as_posix() for p in root.rglob("data.json"))
    assert "raw/fixtures/season=2024/league_id=39/ingestion_date=2025-01-26/data.json" in keys
    assert "raw/fixtures/season=2020/league_id=4/ingestion_date=2025-01-26/data.json" in keys
    assert "raw/fixture_details/season=2024/league_id=39/ingestion_date=2025-01-26/data.json" in keys
    assert "raw/leagues/league_id=39/ingestion_date=2025-01-26/data.json" in keys
    assert (root / "raw/players/season=2023/league_id=39/ingestion_date=2025-01-26/_pages/page-0001.json").exists()
    assert (root / "raw/standings/season=2010/league_id=39/_out_of_plan.json").exists()
