"""What Dagster adds to an ingest: a backfill of raw partitions with nothing to fetch, through
Dagster, against ``pitchlake ingest`` of the same scope.

In a temporary project (4 leagues x 6 seasons: 24 ``teams`` partitions, the lake filled first
from a sandbox in its own process), times:
- ``pitchlake ingest --endpoint teams``: planning finds everything in the lake, 0 requests;
- ``dagster asset materialize --select raw/teams --partition-range FIRST...LAST``: the same 24
  partitions as one run (the raw assets' single-run backfill policy), in a new process that loads
  the rendered definitions as every Dagster run process does.
Goal: Dagster within 3x of the engine alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_install import timed  # a script's own folder is on sys.path
from bench_sandbox import start_sandbox, stop_sandbox

from pitchlake.testing.config import new_project

KEY = "bench-key"
LEAGUES = (39, 61, 78, 135)
SEASONS = tuple(range(2021, 2027))
GOAL = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    process, url = start_sandbox("--key", KEY, "--per-minute", "6000", "--per-day", "100000", recorded=False)
    try:
        with tempfile.TemporaryDirectory() as name:
            project = Path(name) / "project"
            lake = f"file://{project}/lake"
            new_project(project, base_url=url, lake_uri=lake, seasons=SEASONS, leagues=LEAGUES,
                        current_season=SEASONS[-1], endpoints=["leagues", "teams"])
            env = {**os.environ, "FOOTBALL_API_KEY": KEY, "PITCHLAKE_LAKE": lake, "DAGSTER_HOME": str(Path(name) / "home"),
                   "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
            Path(env["DAGSTER_HOME"]).mkdir()
            pitchlake = [str(bin_dir / "pitchlake")]
            timed([*pitchlake, "render", "dagster"], cwd=project, env=env)
            timed([*pitchlake, "render", "dbt"], cwd=project, env=env)
            timed([*pitchlake, "ingest"], cwd=project, env=env)  # fill the lake: what follows fetches nothing
            engine, result = timed([*pitchlake, "ingest", "--endpoint", "teams", "--json"], cwd=project, env=env)
            assert json.loads(result.stdout)["api_requests"] == 0, result.stdout
            # Dagster's order of the keys: the dimensions by name, each in the config's order.
            keys = [f"{league}|{season}" for league in LEAGUES for season in SEASONS]
            # The first load parses the dbt project (once: the manifest is then up to date).
            timed([str(bin_dir / "dagster"), "definitions", "validate", "-f", "dagster/definitions.py"], cwd=project, env=env)
            dagster, result = timed([str(bin_dir / "dagster"), "asset", "materialize", "-f", "dagster/definitions.py",
                                     "--select", "raw/teams", "--partition-range", f"{keys[0]}...{keys[-1]}"],
                                    cwd=project, env=env)
            # What the run recorded, read from the instance it wrote to.
            partitions = subprocess.run([sys.executable, "-c", (
                "import dagster as dg; print(len(dg.DagsterInstance.get()"
                ".get_materialized_partitions(dg.AssetKey(['raw', 'teams']))))")],
                capture_output=True, text=True, env=env, check=True)
            materialised = int(partitions.stdout.split()[-1])
    finally:
        stop_sandbox(process)
    figures = [
        {"figure": f"pitchlake ingest, {len(keys)} teams partitions, nothing to fetch", "value": round(engine, 2), "unit": "s",
         "reference": "-", "ratio": None, "goal": "-", "met": None},
        {"figure": f"the same as one Dagster backfill run ({materialised} partitions materialised)", "value": round(dagster, 2),
         "unit": "s", "reference": f"pitchlake ingest {engine:.2f} s", "ratio": round(dagster / engine, 2),
         "goal": f"<= {GOAL:g}x", "met": dagster / engine <= GOAL},
    ]
    if args.json:
        print(json.dumps({"benchmark": "dagster", "figures": figures}))
        return
    for row in figures:
        print(f"{row['figure']}: {row['value']} {row['unit']}" + (f" (ratio {row['ratio']})" if row["ratio"] else ""))


if __name__ == "__main__":
    main()
