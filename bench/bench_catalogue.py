"""The whole API-Football catalogue installed (issue 19): what it costs a command, and what its odds
and predictions cost in credits.

* **Load and validate**: ``pitchlake validate`` (a fresh process, as a user runs it) with every
  endpoint enabled (the 32 built-ins and the 4 of ``pitchlake-odds``, pip-installed into a folder
  of its own) against the same command of the last commit before the catalogue (11 built-ins, the
  shipped config), checked out into a temporary worktree. Median of ``--repeat`` runs each; goal
  under 1.2x.
* **Credits of odds and predictions of one league season** (the sandbox's Premier League, its
  current season 2024 on 2025-01-26, and its closed season 2023), against the minimum:
  - a closed season's odds: the pages its one fetch needs (``paging.total``), once; a second run
    the same day spends nothing;
  - the current season over ``--days`` days of daily scheduled runs: odds are fetched again each
    day a match of the league season is within the API's 14-day window (their prices move), so
    the reference is one fetch of all pages a day; predictions are fetched daily for each match
    kicking off within 3 days until kick-off, against one per match (the minimum that still holds
    a prediction made before the match).

    .venv/bin/python bench/bench_catalogue.py [--repeat 5] [--days 14] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The last commit with the 11 built-in endpoints only.
BEFORE_CATALOGUE = "900fcf4"
ODDS_PACKAGE = ROOT / "plugins" / "pitchlake-odds"
KEY = "bench-key"
LOAD_GOAL = 1.2


def install_odds(target: Path) -> None:
    """pip-install pitchlake-odds into ``target``, built from a copy (pip builds in place)."""
    source = target.parent / "pitchlake-odds"
    shutil.copytree(ODDS_PACKAGE, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)],
                   check=True, capture_output=True)


def all_endpoints(path_entries: list[str]) -> list[str]:
    code = "from pitchlake.plugins import registry; print('\\n'.join(sorted(registry().endpoints)))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path_entries)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()


def time_validate(config: Path, path_entries: list[str], repeat: int) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path_entries)}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pitchlake", "validate", "--config", str(config)],
                              env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"validate failed ({config}):\n{done.stdout}{done.stderr}")
    return statistics.median(times)


def load_and_validate(folder: Path, repeat: int) -> dict:
    from pitchlake.testing.config import write_config

    before = folder / "before"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before), BEFORE_CATALOGUE],
                   check=True, capture_output=True)
    try:
        odds = folder / "odds-site"
        install_odds(odds)
        now_path = [str(odds)]
        names = all_endpoints(now_path)
        everything = write_config(folder / "everything.json", base_url="http://127.0.0.1:9", lake_uri=f"file://{folder}/lake",
                                  endpoints=names)
        old_path = [str(before / "core"), str(before / "plugins")]
        shipped = before / "config" / "endpoints.json"
        old = time_validate(shipped, old_path, repeat)
        new = time_validate(everything, now_path, repeat)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)], check=True, capture_output=True)
    return {"figure": f"`pitchlake validate`, all {len(names)} endpoints installed and enabled (odds package included)",
            "value": round(new, 3), "unit": "s", "reference": f"11 built-ins before the catalogue ({BEFORE_CATALOGUE}): {old:.3f} s",
            "ratio": round(new / old, 3), "goal": f"< {LOAD_GOAL}x", "met": new / old < LOAD_GOAL}


def credits(folder: Path, days: int) -> list[dict]:
    sys.path.insert(0, str(folder / "odds-site"))  # the odds package's entry point, before the registry loads
    from pitchlake.config import load_config
    from pitchlake.lake import open_lake
    from pitchlake.runner import ingest
    from pitchlake.testing.config import write_config
    from pitchlake_sandbox import Sandbox

    os.environ["FOOTBALL_API_KEY"] = KEY
    endpoints = ["leagues", "fixtures", "odds", "predictions"]

    def run_day(day: dt.date, season: int, lake_uri: str, again: bool = False) -> tuple[dict, list[dict], int]:
        """One scheduled ingest: the requests by path, the new data.json files, and (``again``)
        what a second run the same day spends."""
        os.environ["PITCHLAKE_TODAY"] = day.isoformat()
        with Sandbox(keys=(KEY,), today=day, per_minute=100000, per_day=100000) as api:
            config = load_config(write_config(folder / "credits.json", base_url=api.url, lake_uri=lake_uri,
                                              seasons=(season,), current_season=2024, endpoints=endpoints))
            lake = open_lake(lake_uri)
            before = set(lake.list("raw/"))
            ingest(config, lake=lake)
            served = dict(api.stats()["by_endpoint"])
            written = [(key, json.loads(lake.read(key))) for key in sorted(set(lake.list("raw/")) - before)
                       if key.endswith("/data.json")]
            rerun = 0
            if again:
                api.reset()
                ingest(config, lake=lake)
                rerun = api.stats()["total"]
        return served, written, rerun

    start = dt.date(2025, 1, 26)
    served, written, rerun = run_day(start, 2023, f"file://{folder}/closed-lake", again=True)
    closed_pages = sum(int(envelope["paging"]["total"]) for key, envelope in written if key.startswith("raw/odds/"))
    closed_spent = served.get("odds", 0)

    odds_spent = odds_pages = predictions_spent = 0
    predicted: set[str] = set()
    for offset in range(days):
        served, written, _ = run_day(start + dt.timedelta(days=offset), 2024, f"file://{folder}/current-lake")
        odds_spent += served.get("odds", 0)
        predictions_spent += served.get("predictions", 0)
        odds_pages += sum(int(envelope["paging"]["total"]) for key, envelope in written if key.startswith("raw/odds/"))
        predicted |= {key.split("fixture_id=")[1].split("/")[0] for key, _ in written if key.startswith("raw/predictions/")}
    os.environ.pop("PITCHLAKE_TODAY", None)
    return [
        {"figure": "odds of a closed season (Premier League 2023), one fetch", "value": closed_spent, "unit": "requests",
         "reference": f"pages the lake's fetch holds: {closed_pages}",
         "ratio": round(closed_spent / closed_pages, 3) if closed_pages else None, "goal": "= minimum",
         "met": closed_spent == closed_pages},
        {"figure": "a second run the same day", "value": rerun, "unit": "requests", "reference": "0", "ratio": None,
         "goal": "0", "met": rerun == 0},
        {"figure": f"odds of the current season over {days} days", "value": odds_spent, "unit": "requests",
         "reference": f"the pages of its daily fetches: {odds_pages}",
         "ratio": round(odds_spent / odds_pages, 3) if odds_pages else None,
         "goal": "= pages written (a fetch a day while a match is in the 14-day window)", "met": odds_spent == odds_pages},
        {"figure": f"predictions of the current season over {days} days", "value": predictions_spent,
         "unit": "requests", "reference": f"matches predicted: {len(predicted)}",
         "ratio": round(predictions_spent / len(predicted), 3) if predicted else None,
         "goal": "none set (daily until kick-off: the lake keeps the last prediction before each match)", "met": None},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        figures = [load_and_validate(folder, args.repeat), *credits(folder, args.days)]
    if args.json:
        print(json.dumps({"benchmark": "catalogue", "figures": figures}))
        return
    for row in figures:
        print(f"{row['figure']}: {row['value']} {row['unit']} ({row['reference']}; goal {row['goal']}, met: {row['met']})")


if __name__ == "__main__":
    main()
