"""dbt on DuckDB over two synthetic lakes, 1x and 4x: whether a daily transform's cost follows the new data or the lake (issue 18).

    .venv/bin/python bench/bench_dbt.py                       # 2 leagues x 3 and x 12 seasons, every match detailed
    .venv/bin/python bench/bench_dbt.py --leagues 10 --seasons 10 --scale 4   # the issue's sizes (hours here)
    .venv/bin/python bench/bench_dbt.py --quick [--json]      # 1 league x 2 and x 4 seasons

Each lake is what ingestion of the shipped config ends up with for those seasons: fixtures,
standings, teams, players, leagues, venues, and the details of every finished match, all from the
sandbox's world (:mod:`pitchlake_sandbox.synthetic_lake`, the lake the dbt tests build over too).
The large lake has ``--scale`` times the seasons of the small one and the same leagues, so one new
day of the current season is the same new data on both: only the lake grows.

Figures, each lake (wall time; ``pitchlake transform`` runs in its own process, as a user runs it):

* floor: one bare DuckDB query per endpoint that reads every ``data.json`` of the lake, parses it
  and unnests ``response`` (what any transform must at least do);
* full build: ``pitchlake transform --full-refresh`` (every model and test, from scratch);
* one new day (the current season fetched again with one more round played, the details of the
  newly finished matches), then ``pitchlake transform``: what it selects (downstream of the
  sources that received data) and how long it takes;
* nothing new: ``pitchlake transform`` once more;
* nothing selected: ``dbt build --select`` of a tag no node has: dbt's start-up and parsing alone.

Ratios printed against the goals: the new day's transform on the large lake against the small one
(at most 1.15x), a transform with nothing new against dbt's start-up (at most 1.2x), the full
build against the floor (at most 4x). And one without a goal, which names what the lake's size
costs: the full build's growth from the small lake to the large one against the floor's growth
(dbt's start-up, parsing and per-node costs cancel out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pitchlake.config import load_config
from pitchlake.testing.config import new_project
from pitchlake.transform import run_dbt
from pitchlake_sandbox.synthetic_lake import PARTITION_KEYS, add_day, write_synthetic_lake

#: issue 18's goals: the transform after one new day on the large lake against the small one (the
#: cost follows the new data, not the lake); a transform with nothing new against dbt's start-up;
#: a full build against the bare scan of the same JSON
INCREMENTAL_GROWTH_GOAL = 1.15
NOTHING_NEW_GOAL = 1.2
FULL_GOAL = 4
NOTHING = "tag:pitchlake_bench_selects_nothing"  # a selector no node matches


def floor_scan(lake: Path) -> tuple[float, int]:
    """Seconds to parse every data.json of the lake in DuckDB and unnest its response; items seen."""
    import duckdb

    started = time.perf_counter()
    items = 0
    with duckdb.connect() as connection:
        for endpoint, keys in PARTITION_KEYS.items():
            pattern = lake / "raw" / endpoint / "/".join(f"{key}=*" for key in keys) / "ingestion_date=*" / "data.json"
            if not connection.execute("select count(*) from glob(?)", [str(pattern)]).fetchone()[0]:
                continue
            items += connection.execute(
                "select count(*) from (select unnest(json_extract(json, '$.response[*]')) from "
                "read_json_objects(?, hive_partitioning = true, maximum_object_size = 536870912))",
                [str(pattern)],
            ).fetchone()[0]
    return time.perf_counter() - started, items


def timed_build(config, label: str, args: list[str]) -> tuple[float, dict]:
    started = time.perf_counter()
    code = run_dbt(config, args=["--quiet", *args])
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"{label}: dbt build failed with exit code {code}")
    results = json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    return elapsed, results


def median_run(runs: list[tuple[float, dict]]) -> tuple[float, dict]:
    """The run of median wall time, with its run results."""
    return sorted(runs, key=lambda run: run[0])[len(runs) // 2]


def slowest(results: dict, count: int = 4) -> str:
    nodes = sorted(results["results"], key=lambda r: r["execution_time"], reverse=True)[:count]
    return ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.2f}s" for r in nodes)


def transform_cli(config_path: Path, *args: str) -> tuple[float, str]:
    """``pitchlake transform`` as a user runs it (its own process): wall seconds, and what it said."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pitchlake", "transform", "--config", str(config_path), *args],
                          capture_output=True, text=True, env=os.environ)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"pitchlake transform {' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return elapsed, done.stdout + done.stderr


def measure(workdir: Path, leagues: int, seasons: int, args, say) -> dict:
    """One lake: the floor, a full build, then one new day built as ``pitchlake transform`` selects
    it, then a transform with nothing new, and dbt's start-up with nothing selected."""
    workdir.mkdir(parents=True, exist_ok=True)
    lake_root = workdir / "lake"
    os.environ["PITCHLAKE_DUCKDB"] = str(workdir / "warehouse" / "bench.duckdb")
    os.environ["DBT_TARGET_PATH"] = str(workdir / "dbt_target")
    os.environ["DBT_LOG_PATH"] = str(workdir / "dbt_logs")
    os.environ["PITCHLAKE_DBT_THREADS"] = str(args.threads)
    for stale in (lake_root, workdir / "warehouse"):
        shutil.rmtree(stale, ignore_errors=True)
    started = time.perf_counter()
    lake = write_synthetic_lake(lake_root, leagues=leagues, seasons=seasons, days=args.days,
                                detail_rounds=args.detail_rounds)
    say(f"lake {leagues} leagues x {seasons} seasons: {lake.fixtures:,} fixtures, {lake.files:,} data.json files, "
        f"{lake.bytes / 1e6:,.0f} MB (written in {time.perf_counter() - started:.1f}s) under {lake_root}")
    config_path = new_project(workdir, base_url="http://127.0.0.1:9", lake_uri=f"file://{lake_root}")
    config = load_config(config_path)
    floor = statistics.median(floor_scan(lake_root)[0] for _ in range(args.repeat))
    say(f"  floor (bare DuckDB parse + unnest of every data.json): {floor:.2f}s")
    full, said = transform_cli(config_path, "--full-refresh")
    full_results = json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    say(f"  full build (pitchlake transform --full-refresh): {full:.2f}s; slowest: {slowest(full_results)}")
    day = add_day(lake)
    incremental, said = transform_cli(config_path)
    incremental_results = json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    selected = next((line for line in said.splitlines() if "building" in line), "")
    say(f"  one new day ({day}), pitchlake transform: {incremental:.2f}s, {len(incremental_results['results'])} nodes "
        f"({selected}); slowest: {slowest(incremental_results)}")
    nothing, said = transform_cli(config_path)
    assert "nothing new" in said, said
    say(f"  pitchlake transform with nothing new: {nothing:.2f}s")
    empty = median_run([timed_build(config, "empty build", ["--select", NOTHING]) for _ in range(args.repeat)])[0]
    say(f"  dbt build with nothing selected (dbt's start-up and parsing alone): {empty:.2f}s")
    return {"leagues": leagues, "seasons": seasons, "fixtures": lake.fixtures, "megabytes": round(lake.bytes / 1e6),
            "floor_seconds": round(floor, 2), "full_seconds": round(full, 2),
            "incremental_seconds": round(incremental, 2), "incremental_nodes": len(incremental_results["results"]),
            "full_nodes": len(full_results["results"]), "nothing_new_seconds": round(nothing, 2),
            "empty_seconds": round(empty, 2)}


def figures(small: dict, large: dict, scale: int) -> list[dict]:
    """The rows ``bench/run.py`` tabulates: issue 18's three goals."""
    growth = large["incremental_seconds"] / small["incremental_seconds"]
    scanned = large["floor_seconds"] - small["floor_seconds"]
    marginal = (large["full_seconds"] - small["full_seconds"]) / scanned if scanned > 0 else None
    return [
        {"figure": f"transform after one new day, {scale}x lake ({large['megabytes']:,} MB, {large['seasons']} seasons) "
                   f"against 1x ({small['megabytes']:,} MB, {small['seasons']} seasons)",
         "value": large["incremental_seconds"], "unit": "s", "reference": f"1x lake {small['incremental_seconds']} s",
         "ratio": round(growth, 2), "goal": f"<= {INCREMENTAL_GROWTH_GOAL}", "met": growth <= INCREMENTAL_GROWTH_GOAL},
        {"figure": f"transform with nothing new ({scale}x lake)", "value": large["nothing_new_seconds"], "unit": "s",
         "reference": f"dbt start-up with nothing selected {large['empty_seconds']} s",
         "ratio": round(large["nothing_new_seconds"] / large["empty_seconds"], 2), "goal": f"<= {NOTHING_NEW_GOAL}",
         "met": large["nothing_new_seconds"] / large["empty_seconds"] <= NOTHING_NEW_GOAL},
        {"figure": f"full build ({scale}x lake, {large['full_nodes']} nodes)", "value": large["full_seconds"], "unit": "s",
         "reference": f"bare DuckDB scan {large['floor_seconds']} s",
         "ratio": round(large["full_seconds"] / large["floor_seconds"], 1), "goal": f"<= {FULL_GOAL}",
         "met": large["full_seconds"] / large["floor_seconds"] <= FULL_GOAL},
        {"figure": f"full build's growth from the 1x to the {scale}x lake, against the bare scan's "
                   "(what the lake's size costs, without dbt's fixed costs)",
         "value": round(large["full_seconds"] - small["full_seconds"], 2), "unit": "s",
         "reference": f"bare DuckDB scan +{large['floor_seconds'] - small['floor_seconds']:.2f} s",
         "ratio": round(marginal, 1) if marginal is not None else None},
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leagues", type=int, default=2)
    parser.add_argument("--seasons", type=int, default=3, help="seasons of the 1x lake")
    parser.add_argument("--scale", type=int, default=4, help="the large lake has this many times the seasons")
    parser.add_argument("--days", type=int, default=3, help="daily fetches of the current season already in the lake")
    parser.add_argument("--detail-rounds", type=int, default=38,
                        help="rounds of every season with fixture details (default 38: every finished match, as "
                             "ingestion of the shipped config ends up with; 1 for a thin lake)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1, help="runs of the floor and of the empty build (median)")
    parser.add_argument("--quick", action="store_true", help="1 league, 2 and 4 seasons")
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures instead of text")
    parser.add_argument("--workdir", type=Path, help="keep the lakes and the warehouses here (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.quick:
        args.leagues, args.seasons, args.scale = 1, 2, 2
    say = (lambda *_: None) if args.json else print
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pitchlake-bench-dbt-"))
    say(f"pitchlake dbt benchmark: {args.leagues} leagues x {args.seasons} and x {args.seasons * args.scale} seasons, "
        f"{args.days} daily fetches of the current season, details for {args.detail_rounds} round(s) a season, "
        f"{args.threads} dbt threads, {os.cpu_count()} CPUs")
    small = measure(workdir / "1x", args.leagues, args.seasons, args, say)
    large = measure(workdir / f"{args.scale}x", args.leagues, args.seasons * args.scale, args, say)
    rows = figures(small, large, args.scale)
    if args.json:
        print(json.dumps({"benchmark": "dbt", "figures": rows, "details": {"1x": small, f"{args.scale}x": large}}))
        return 0
    print()
    for row in rows:
        goal = f", goal {row['goal']}, met: {row['met']}" if "goal" in row else ""
        print(f"{row['figure']}: {row['value']} s ({row['reference']}; {row['ratio']}x{goal})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
