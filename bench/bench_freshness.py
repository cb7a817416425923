"""Current-season credits per league per day (issue 17, item 1): daily ingests of three leagues'
2025 season against the sandbox, its clock and pitchlake's advancing one day at a time, over a
14-day in-season window (1-14 October 2025), under ``refresh: auto`` (the default: each endpoint
decides, standings after a match finished) against today's old policy (``refresh: daily`` for
every endpoint) and against the minimum (what changed: the fixtures of each league every day, its
table and the details of the matches finished since the day before).

The lake is backfilled on 12 September and kept current daily until the window opens, so the
window holds a weekly refresh of each slow endpoint and the monthly one of ``players`` (its 26-odd
pages land on 12 October): the worst case of a month, not its best. Run with ``--teams 24`` for a
calendar with midweek matchdays (a 24-club league plays 46 rounds). After each day it checks that
the lake's league tables are the API's and that every finished match has its details: never more
than a day behind.

    .venv/bin/python bench/bench_freshness.py [--teams 24]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import tempfile
from collections import Counter
from pathlib import Path

import requests

from pitchlake.config import load_config
from pitchlake.lake import open_lake
from pitchlake.runner import ingest
from pitchlake.testing.config import write_config
from pitchlake_sandbox import Sandbox

KEY = "sandbox-key"
LEAGUES = (39, 140, 135)
SEASON = 2025
BACKFILL = dt.date(2025, 9, 12)
WINDOW = (dt.date(2025, 10, 1), dt.date(2025, 10, 14))
GOAL = 6.0
FINISHED = {"FT", "AET", "PEN", "AWD", "WO"}


def days(first: dt.date, last: dt.date):
    for offset in range((last - first).days + 1):
        yield first + dt.timedelta(days=offset)


def newest(lake, endpoint: str, league: int) -> dict:
    prefix = f"raw/{endpoint}/season={SEASON}/league_id={league}/"
    keys = sorted(key for key in lake.list(prefix) if key.endswith("/data.json"))
    return json.loads(lake.read(keys[-1]))


def detailed(lake, league: int) -> set[int]:
    prefix = f"raw/fixture_details/season={SEASON}/league_id={league}/"
    return {item["fixture"]["id"] for key in lake.list(prefix) if key.endswith("/data.json")
            for item in json.loads(lake.read(key))["response"]}


def simulate(refresh: str, teams: int) -> dict:
    """Requests per day of the window (and the days behind the API found) under ``refresh``."""
    per_day: dict[dt.date, int] = {}
    by_endpoint: Counter = Counter()
    behind: list[str] = []
    minimum: dict[dt.date, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        lake = None
        for day in days(BACKFILL, WINDOW[1]):
            os.environ["PITCHLAKE_TODAY"] = day.isoformat()
            with Sandbox(keys=(KEY,), today=day, teams=teams, per_minute=100000, per_day=100000) as api:
                write_config(path, base_url=api.url, lake_uri=f"file://{folder}/lake", seasons=(SEASON,),
                             leagues=LEAGUES, current_season=SEASON)
                document = json.loads(path.read_text())
                document["defaults"]["refresh"] = refresh
                path.write_text(json.dumps(document))
                config = load_config(path)
                lake = lake or open_lake(config.lake.uri)
                summary = ingest(config, lake=lake)
                assert summary.exit_code == 0, summary.to_json()
                assert summary.api_requests == api.stats()["total"], "the client's count is the sandbox's"
                if day < WINDOW[0]:
                    continue
                per_day[day] = summary.api_requests
                by_endpoint.update(api.stats()["by_endpoint"])
                needed = 0
                for league in LEAGUES:
                    headers = {"x-apisports-key": KEY}
                    params = {"league": league, "season": SEASON}
                    table = requests.get(f"{api.url}/standings", params=params, headers=headers, timeout=30).json()
                    fixtures = requests.get(f"{api.url}/fixtures", params=params, headers=headers, timeout=30).json()
                    if newest(lake, "standings", league)["response"] != table["response"]:
                        behind.append(f"{day} league {league}: the lake's table is not the API's")
                    finished = {item["fixture"]["id"] for item in fixtures["response"]
                                if item["fixture"]["status"]["short"] in FINISHED}
                    if finished - detailed(lake, league):
                        behind.append(f"{day} league {league}: {len(finished - detailed(lake, league))} finished "
                                      "matches without details")
                    yesterday = [item for item in fixtures["response"] if item["fixture"]["status"]["short"] in FINISHED
                                 and item["fixture"]["date"][:10] == (day - dt.timedelta(days=1)).isoformat()]
                    # what changed: the fixtures (to know), the table and the details of yesterday's matches
                    needed += 1 + (1 if yesterday else 0) + math.ceil(len(yesterday) / 20)
                minimum[day] = needed
    os.environ.pop("PITCHLAKE_TODAY", None)
    window_days = len(per_day)
    return {"per_league_day": sum(per_day.values()) / window_days / len(LEAGUES),
            "minimum_per_league_day": sum(minimum.values()) / window_days / len(LEAGUES),
            "per_day": {day.isoformat(): count for day, count in per_day.items()},
            "matchdays": sum(1 for day in minimum if minimum[day] > len(LEAGUES)),
            "by_endpoint": dict(by_endpoint), "behind": behind}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=20, help="clubs a league season (24: midweek matchdays too)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ["FOOTBALL_API_KEY"] = KEY
    auto = simulate("auto", args.teams)
    daily = simulate("daily", args.teams)
    calendar = f"{args.teams} clubs, {auto['matchdays']} of {len(auto['per_day'])} days with matches finished the day before"
    figures = [
        {"figure": f"refresh auto, requests per league per day ({calendar})", "value": round(auto["per_league_day"], 2),
         "unit": "requests", "reference": f"minimum (what changed) {auto['minimum_per_league_day']:.2f}; "
                                          f"refresh daily {daily['per_league_day']:.2f}",
         "ratio": round(auto["per_league_day"] / daily["per_league_day"], 3), "goal": f"<= {GOAL}",
         "met": auto["per_league_day"] <= GOAL},
        {"figure": "days behind the API (tables, match details) under refresh auto", "value": len(auto["behind"]),
         "unit": "findings", "reference": "0", "ratio": None, "goal": "0", "met": not auto["behind"]},
    ]
    if args.json:
        print(json.dumps({"benchmark": "freshness", "figures": figures,
                          "detail": {"auto": auto, "daily": {key: daily[key] for key in ("per_league_day", "by_endpoint")}}}))
        return
    for row in figures:
        print(f"{row['figure']}: {row['value']} ({row['reference']}; goal {row['goal']}, met: {row['met']})")
    print(f"requests per day under auto (3 leagues): {auto['per_day']}")
    print(f"by endpoint path under auto: {auto['by_endpoint']}; under daily: {daily['by_endpoint']}")
    for finding in auto["behind"]:
        print(f"  behind: {finding}")


if __name__ == "__main__":
    main()
