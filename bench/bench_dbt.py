"""dbt on DuckDB over a synthetic lake: full build, the bare-scan floor, and an incremental run.

    .venv/bin/python bench/bench_dbt.py                      # 20 leagues x 10 seasons (~76,000 fixtures, ~2.8 GB)
    .venv/bin/python bench/bench_dbt.py --detail-rounds 1    # the same without most fixture details (~0.35 GB)
    .venv/bin/python bench/bench_dbt.py --quick [--json]     # 4 leagues x 3 seasons (170 MB), one run of each

The lake is what ingestion of the shipped config ends up with for those seasons: fixtures,
standings, teams, players, leagues, venues, and the details of every finished match, all from the
sandbox's world (:mod:`pitchlake_sandbox.synthetic_lake`, the lake the dbt tests build over too).

Figures (wall time, median of --repeat runs where it applies):

* floor: one bare DuckDB query per endpoint that reads every ``data.json`` of the lake, parses it
  and unnests ``response`` (what any transform must at least do);
* full build: ``dbt build`` (every model and test) from an empty warehouse, through
  :func:`pitchlake.transform.run_dbt`, dbt start-up and parsing included;
* incremental: one more day of ingestion (the current season re-fetched with one more round
  played, the details of the newly finished matches) and ``dbt build`` again; incremental models
  read only the partitions inside the lookback window (``--lookback-days``);
* no-op: ``dbt build`` once more with nothing new: the fixed cost of a build of every node (dbt
  start-up and parsing, the hooks, every model and test node);
* nothing selected: ``dbt build --select`` of a tag no node has: dbt's start-up and parsing alone,
  which no project and no incremental strategy can go below.

Ratios printed: full / floor; incremental / full, as wall time (goal: under 15%) and as the
incremental models' own execution time; no-op / full and nothing selected / full (the parts of
any incremental run that do not depend on the data).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from pitchlake.config import load_config
from pitchlake.testing.config import new_project
from pitchlake.transform import run_dbt
from pitchlake_sandbox.synthetic_lake import PARTITION_KEYS, add_day, write_synthetic_lake

GOAL = 0.15  # incremental build / full build, wall time
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


def model_seconds(results: dict, names: set[str] | None = None) -> float:
    """Summed execution time of the models (of ``names`` only, if given) in a run."""
    return sum(r["execution_time"] for r in results["results"]
               if r["unique_id"].startswith("model.") and (names is None or r["unique_id"].split(".")[-1] in names))


def slowest(results: dict, count: int = 4) -> str:
    nodes = sorted(results["results"], key=lambda r: r["execution_time"], reverse=True)[:count]
    return ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.2f}s" for r in nodes)


def incremental_models() -> set[str]:
    manifest = json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "manifest.json").read_text())
    return {node["name"] for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"}


def figures(r: dict) -> list[dict]:
    """The rows ``bench/run.py`` tabulates."""
    lake, full, incremental = r["lake"], r["full_seconds"], r["incremental_seconds"]
    details = "details for every finished match" if r["detail_rounds"] >= 38 else f"details for {r['detail_rounds']} round(s) a season"
    return [
        {"figure": f"full build, {r['leagues']} leagues x {r['seasons']} seasons ({lake['fixtures']:,} fixtures, "
                   f"{details}, {lake['megabytes']:,} MB lake)", "value": full, "unit": "s",
         "reference": f"bare DuckDB scan {r['floor_seconds']} s", "ratio": round(full / r["floor_seconds"], 1),
         "goal": "-", "met": None},
        {"figure": "incremental build after one new day", "value": incremental, "unit": "s",
         "reference": f"full build {full} s", "ratio": round(incremental / full, 2), "goal": f"< {GOAL}",
         "met": incremental / full < GOAL},
        {"figure": "build with nothing new (the fixed cost of a build of every node)", "value": r["noop_seconds"],
         "unit": "s", "reference": f"full build {full} s", "ratio": round(r["noop_seconds"] / full, 2), "goal": "-", "met": None},
        {"figure": "build with nothing selected (dbt start-up and parsing alone)", "value": r["empty_seconds"],
         "unit": "s", "reference": f"full build {full} s", "ratio": round(r["empty_seconds"] / full, 2), "goal": "-", "met": None},
        {"figure": f"incremental models' own work ({r['incremental_models']} models, summed)",
         "value": r["incremental_work_seconds"], "unit": "s", "reference": f"full build {r['full_work_seconds']} s",
         "ratio": round(r["incremental_work_seconds"] / r["full_work_seconds"], 2), "goal": "-", "met": None},
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leagues", type=int, default=20)
    parser.add_argument("--seasons", type=int, default=10)
    parser.add_argument("--days", type=int, default=3, help="daily fetches of the current season already in the lake")
    parser.add_argument("--detail-rounds", type=int, default=38,
                        help="rounds of every season with fixture details (default 38: every finished match, as "
                             "ingestion of the shipped config ends up with; 1 for a thin lake)")
    parser.add_argument("--lookback-days", type=int, default=3, help="the lookback_days var of the incremental models")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (the median is printed)")
    parser.add_argument("--quick", action="store_true", help="4 leagues x 3 seasons, one run of each measurement")
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures instead of text")
    parser.add_argument("--workdir", type=Path, help="keep the lake and the warehouse here (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.quick:
        args.leagues, args.seasons, args.repeat = 4, 3, 1
    say = (lambda *_: None) if args.json else print

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pitchlake-bench-dbt-"))
    workdir.mkdir(parents=True, exist_ok=True)
    lake_root = workdir / "lake"
    os.environ["PITCHLAKE_DUCKDB"] = str(workdir / "warehouse" / "bench.duckdb")
    os.environ["DBT_TARGET_PATH"] = str(workdir / "dbt_target")
    os.environ["DBT_LOG_PATH"] = str(workdir / "dbt_logs")
    os.environ["PITCHLAKE_DBT_THREADS"] = str(args.threads)
    for stale in (Path(os.environ["PITCHLAKE_DUCKDB"]), Path(os.environ["PITCHLAKE_DUCKDB"] + ".wal")):
        stale.unlink(missing_ok=True)

    say(f"pitchlake dbt benchmark: {args.leagues} leagues x {args.seasons} seasons, {args.days} daily fetches of the "
        f"current season, details for {args.detail_rounds} round(s) a season, lookback {args.lookback_days} days, "
        f"{args.threads} dbt threads, {os.cpu_count()} CPUs")
    started = time.perf_counter()
    if lake_root.exists():
        shutil.rmtree(lake_root)
    lake = write_synthetic_lake(lake_root, leagues=args.leagues, seasons=args.seasons, days=args.days,
                                detail_rounds=args.detail_rounds)
    say(f"lake: {lake.fixtures:,} fixtures, {lake.files:,} data.json files, {lake.bytes / 1e6:,.0f} MB "
        f"(written in {time.perf_counter() - started:.1f}s) under {lake_root}")

    config = load_config(new_project(workdir, base_url="http://127.0.0.1:9", lake_uri=f"file://{lake_root}"))
    dbt_vars = ["--vars", json.dumps({"lookback_days": args.lookback_days})]

    floors = [floor_scan(lake_root) for _ in range(args.repeat)]
    floor = statistics.median(seconds for seconds, _ in floors)
    say(f"floor (bare DuckDB parse + unnest of every data.json): {floor:.2f}s for {floors[0][1]:,} items")

    warehouse = Path(os.environ["PITCHLAKE_DUCKDB"])
    fulls = []
    for _ in range(args.repeat):
        warehouse.unlink(missing_ok=True)
        fulls.append(timed_build(config, "full build", dbt_vars))
    full, full_results = median_run(fulls)
    say(f"full dbt build: {full:.2f}s wall, median of {args.repeat} ({full_results['elapsed_time']:.2f}s in dbt's run, "
        f"{len(full_results['results'])} nodes); slowest: {slowest(full_results)}")

    snapshot = warehouse.with_name("before-the-new-day.duckdb")
    shutil.copyfile(warehouse, snapshot)
    day = add_day(lake)
    incrementals = []
    for _ in range(args.repeat):
        shutil.copyfile(snapshot, warehouse)
        incrementals.append(timed_build(config, "incremental build", dbt_vars))
    incremental, incremental_results = median_run(incrementals)
    say(f"incremental dbt build after one new day ({day}): {incremental:.2f}s wall, median of {args.repeat} "
        f"({incremental_results['elapsed_time']:.2f}s in dbt's run); slowest: {slowest(incremental_results)}")

    noop, noop_results = median_run([timed_build(config, "no-op build", dbt_vars) for _ in range(args.repeat)])
    kinds = [r["unique_id"].split(".")[0] for r in noop_results["results"]]
    say(f"dbt build again with nothing new: {noop:.2f}s wall, median of {args.repeat} (dbt start-up and parsing, the "
        f"hooks, {kinds.count('model')} models, {kinds.count('test')} tests: the fixed cost of a build of every node)")
    empty, _ = median_run([timed_build(config, "empty build", [*dbt_vars, "--select", NOTHING]) for _ in range(args.repeat)])
    say(f"dbt build with nothing selected: {empty:.2f}s wall, median of {args.repeat} (dbt's start-up and parsing alone)")

    names = incremental_models()
    full_work, incremental_work = model_seconds(full_results, names), model_seconds(incremental_results, names)
    result = {
        "leagues": args.leagues, "seasons": args.seasons, "detail_rounds": args.detail_rounds, "repeat": args.repeat,
        "lake": {"fixtures": lake.fixtures, "files": lake.files, "megabytes": round(lake.bytes / 1e6)},
        "floor_seconds": round(floor, 2), "full_seconds": round(full, 2), "incremental_seconds": round(incremental, 2),
        "noop_seconds": round(noop, 2), "empty_seconds": round(empty, 2), "incremental_models": len(names),
        "full_work_seconds": round(full_work, 2), "incremental_work_seconds": round(incremental_work, 2),
    }
    if args.json:
        print(json.dumps({"benchmark": "dbt", "figures": figures(result), "details": result}))
        return 0
    print()
    print(f"full build / floor:                        {full / floor:6.1f}x")
    print(f"incremental / full build (wall):           {incremental / full:6.1%}  (goal: under {GOAL:.0%})")
    print(f"no-op / full build (wall):                 {noop / full:6.1%}  (dbt's fixed cost of a build of every node)")
    print(f"nothing selected / full build (wall):      {empty / full:6.1%}  (dbt's start-up and parsing alone)")
    print(f"incremental models' own work, incremental / full: {incremental_work / full_work:6.1%}  "
          f"({incremental_work:.2f}s vs {full_work:.2f}s summed over {len(names)} incremental models)")
    print(f"fixtures per second (full build): {lake.fixtures / full:,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
