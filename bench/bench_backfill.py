"""Days to backfill 10 closed seasons of 5 leagues on the Free plan (100 requests a day) while
keeping their current season fresh (issue 17, item 3): the quota planner's figure against the
days the simulation really takes.

The lake first keeps the 2025 season of the 5 leagues current for four weeks (daily ingests from
2 September 2025, the sandbox's clock and pitchlake's advancing a day at a time), so the planner
has a month of history to learn what the current season needs on an average day. On 1 October the
scope gains the seasons 2015-2024: ``plan`` gives its figure, then one ``ingest`` a day runs until
nothing of the scope is missing. Each day the lake's league tables of the current season must be
the API's (the backfill never starves them), and the requests spent must never pass the quota.
At the end it compares the requests the backfill spent with what the closed seasons need at
least (one per page, one per 20 matches): a backfill spread over days fetches nothing twice.

The sandbox's minute is not the Free plan's 10 requests (that would make each day ten minutes of
waiting): the figure is days of quota, not wall time.

    .venv/bin/python bench/bench_backfill.py [--warm /tmp/warm] [--forecast]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import requests

from pitchlake.config import load_config
from pitchlake.lake import open_lake
from pitchlake.planner import Selection, plan
from pitchlake.plugins import registry
from pitchlake.quota import forecast
from pitchlake.runner import ingest
from pitchlake.testing.config import write_config
from pitchlake_sandbox import Sandbox

KEY = "sandbox-key"
#: the bench's own look at the API's tables: a key of its own, so its requests neither spend the
#: run's quota nor find it spent
CHECK_KEY = "bench-check-key"
LEAGUES = (39, 140, 135, 78, 61)
CURRENT = 2025
CLOSED = tuple(range(2015, 2025))
WARM_UP = dt.date(2025, 9, 2)
START = dt.date(2025, 10, 1)
PER_DAY = 100


def cost(key: str, envelope: dict) -> int:
    """The requests a fetch took: its pages, its batches of 20 ids, or one."""
    if "/players/" in key:
        return max(int(envelope["paging"]["total"]), 1)
    if "/fixture_details/" in key:
        return math.ceil(len([i for i in envelope["parameters"]["ids"].split("-") if i]) / 20)
    return 1


def run_day(folder: Path, day: dt.date, seasons) -> tuple[dict, Sandbox]:
    """One day's scheduled ingest; returns its summary and the (stopped) sandbox, for its stats."""
    os.environ["PITCHLAKE_TODAY"] = day.isoformat()
    with Sandbox(keys=(KEY, CHECK_KEY), today=day, per_minute=100000, per_day=PER_DAY) as api:
        config = load_config(write_config(folder / "config.json", base_url=api.url, lake_uri=f"file://{folder}/lake",
                                          seasons=seasons, leagues=LEAGUES, current_season=CURRENT, per_day=PER_DAY, timeout_seconds=120))
        summary = ingest(config, lake=open_lake(config.lake.uri))
        stale = []
        for league in LEAGUES:
            table = requests.get(f"{api.url}/standings", params={"league": league, "season": CURRENT},
                                 headers={"x-apisports-key": CHECK_KEY}, timeout=30).json()
            lake = open_lake(config.lake.uri)
            keys = sorted(key for key in lake.list(f"raw/standings/season={CURRENT}/league_id={league}/")
                          if key.endswith("/data.json"))
            if not keys or json.loads(lake.read(keys[-1]))["response"] != table["response"]:
                stale.append(league)
        return {"summary": summary, "stale": stale, "served": api.stats()["by_key"].get(KEY, {}).get("requests", 0)}, api


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--warm", type=Path, help="keep the lake of the four weeks before the backfill here, and "
                                                     "start from it when it is there (the forecast alone: --forecast)")
    parser.add_argument("--forecast", action="store_true", help="print the planner's figure and stop")
    args = parser.parse_args()
    os.environ["FOOTBALL_API_KEY"] = KEY
    endpoints = registry().endpoints
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        day = START
        if args.warm and (args.warm / "lake").is_dir():
            shutil.copytree(args.warm / "lake", folder / "lake")
        else:
            day = WARM_UP
            while day < START:
                run_day(folder, day, (CURRENT,))
                day += dt.timedelta(days=1)
            if args.warm:
                shutil.copytree(folder / "lake", args.warm / "lake")
        seasons = (*CLOSED, CURRENT)
        config = load_config(write_config(folder / "config.json", base_url="http://127.0.0.1:9",
                                          lake_uri=f"file://{folder}/lake", seasons=seasons, leagues=LEAGUES,
                                          current_season=CURRENT, per_day=PER_DAY, timeout_seconds=120))
        lake = open_lake(config.lake.uri)
        figure = forecast(config, endpoints, lake, plan(config, endpoints, lake, Selection(), START.isoformat()),
                          START.isoformat())
        print(f"forecast: {json.dumps(figure.to_json())}", file=sys.stderr, flush=True)
        if args.forecast:
            return
        days, spent, stale, over = 0, 0, [], []
        while True:
            started = time.monotonic()
            result, _ = run_day(folder, day, seasons)
            days += 1
            print(f"{day}: {result['summary'].api_requests} requests, {time.monotonic() - started:.1f} s, "
                  f"stale: {result['stale']}", file=sys.stderr, flush=True)
            spent += result["summary"].api_requests
            if result["served"] > PER_DAY:
                over.append(day.isoformat())
            stale += [f"{day} league {league}" for league in result["stale"]]
            remaining = plan(config, endpoints, lake, Selection(), day.isoformat())
            closed = [task for task in remaining.tasks if task.endpoint.closed(task.partition, config.scope)]
            if not closed and not remaining.deferred and result["summary"].exit_code == 0:
                break
            assert days < 120, "the backfill does not end"
            day += dt.timedelta(days=1)
        fetches = {key: cost(key, json.loads(lake.read(key))) for key in lake.list("raw/") if key.endswith("/data.json")}
        closed_keys = [key for key in fetches if any(f"season={season}/" in key for season in CLOSED)]
        minimum = sum(fetches[key] for key in closed_keys)
        current = sum(requests for key, requests in fetches.items() if key not in closed_keys
                      and START.isoformat() <= key.split("ingestion_date=")[1][:10] <= day.isoformat())
    os.environ.pop("PITCHLAKE_TODAY", None)
    figures = [
        {"figure": f"days to backfill {len(LEAGUES)} leagues x {len(CLOSED)} closed seasons at {PER_DAY} a day, "
                   f"{len(LEAGUES)} current leagues kept fresh",
         "value": days, "unit": "days", "reference": f"the quota planner's figure on day 1: {figure.days} "
                                                      f"({figure.backfill} requests, {figure.daily:.1f} a day for the current season)",
         "ratio": round(days / figure.days, 3) if figure.days else None, "goal": "equal", "met": days == figure.days},
        {"figure": f"requests the current season spent over those {days} days", "value": current, "unit": "requests",
         "reference": f"the quota planner's days ahead: {sum(figure.needs[:days])}",
         "ratio": round(current / sum(figure.needs[:days]), 3) if sum(figure.needs[:days]) else None,
         "goal": "-", "met": None},
        {"figure": "days a current league table lagged the API during the backfill", "value": len(stale),
         "unit": "league-days", "reference": "0", "ratio": None, "goal": "0", "met": not stale},
        {"figure": f"requests the backfill spent on the closed seasons ({len(closed_keys)} partitions)",
         "value": spent - current, "unit": "requests", "reference": f"minimum (one a page, one per 20 matches) {minimum}",
         "ratio": round((spent - current) / minimum, 3), "goal": "= minimum", "met": spent - current == minimum},
        {"figure": "days a run spent more than the daily quota", "value": len(over), "unit": "days",
         "reference": "0", "ratio": None, "goal": "0", "met": not over},
    ]
    if args.json:
        print(json.dumps({"benchmark": "backfill", "figures": figures,
                          "detail": {"forecast": figure.to_json(), "spent_during_backfill": spent, "current_season": current,
                                     "stale": stale, "over_quota_days": over}}))
        return
    for row in figures:
        print(f"{row['figure']}: {row['value']} ({row['reference']}; goal {row['goal']}, met: {row['met']})")
    print(f"forecast: {json.dumps(figure.to_json())}")
    print(f"requests spent during the backfill's days: {spent}, of which the current season's {current}")


if __name__ == "__main__":
    main()
