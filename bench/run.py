"""Run every benchmark of bench/ and print one markdown table of their figures (``make bench``).

Each benchmark runs in its own process, one after the other (they would otherwise compete for the
CPU), with ``--json``: it prints one JSON object whose ``figures`` are rows of
figure | value | reference | ratio | goal met?. The table ends with the machine and the date, because every figure depends on them: on a small shared
machine the timings are noisy, and request counts and memory are the stable figures.

    .venv/bin/python bench/run.py            # full sizes (the rate benchmark alone takes ~2.5 min)
    .venv/bin/python bench/run.py --quick    # smaller sizes, a shortened rate-limit window
    .venv/bin/python bench/run.py --only rate --only planning
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name -> (script, full-size arguments, --quick arguments)
BENCHMARKS = {
    "sandbox": ("bench_sandbox.py", ["--clients", "8", "--seconds", "10"], ["--clients", "8", "--seconds", "3"]),
    "rate": ("bench_rate.py", [], ["--seconds", "45", "--minute-seconds", "15"]),
    "planning": ("bench_planning.py", [], ["--partitions", "2000", "--repeat", "2"]),
    "memory": ("bench_memory.py", [], ["--pages", "300"]),
    "credits": ("bench_credits.py", [], []),
    "ratelimit": ("bench_ratelimit.py", [], []),
    "sharedkey": ("bench_shared_key.py", [], ["--runs", "100"]),
    "freshness": ("bench_freshness.py", [], []),
    "plugins": ("bench_plugin_load.py", [], ["--repeat", "2"]),
    "dbt": ("bench_dbt.py", [], ["--quick"]),
    "install": ("bench_install.py", [], []),
    "dagster": ("bench_dagster.py", [], []),
    "catalogue": ("bench_catalogue.py", [], ["--repeat", "2", "--days", "7"]),
    "cloud": ("bench_cloud.py", [], []),
}
TIMEOUT = {"full": 3600, "quick": 900}


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total_kib = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"nproc": usable, "memory_gib": round(total_kib / 2**20, 1), "cpu": model,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None}


def last_json(stdout: str) -> dict | None:
    """The benchmark's JSON object: the whole output, or its last line that parses as one."""
    try:
        value = json.loads(stdout)
        return value if isinstance(value, dict) else None
    except ValueError:
        pass
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def run_one(name: str, quick: bool) -> tuple[list[dict], float, str | None]:
    script, full, small = BENCHMARKS[name]
    path = HERE / script
    command = [sys.executable, str(path), *(small if quick else full), "--json"]
    print(f"== {name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent,
                              timeout=TIMEOUT["quick" if quick else "full"])
    except subprocess.TimeoutExpired:
        return [], time.monotonic() - started, "timed out"
    seconds = time.monotonic() - started
    if done.stderr.strip():
        sys.stderr.write("".join(f"   {line}\n" for line in done.stderr.strip().splitlines()[-15:]))
    result = last_json(done.stdout)
    if result is None:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [], seconds, f"exit {done.returncode}, no JSON: {tail[:200]}"
    error = None if done.returncode == 0 else f"exit {done.returncode}"
    return result.get("figures", []), seconds, error


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 100:
        value = int(value)
    if isinstance(value, float):
        text = f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.1f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def table(results: list[tuple[str, list[dict], float, str | None]], info: dict, quick: bool) -> str:
    lines = ["| figure | value | reference | ratio | goal met? |", "|---|---|---|---|---|"]
    for name, rows, _, error in results:
        for row in rows:
            ratio = row.get("ratio")
            met = row.get("met")
            goal = row.get("goal") or "-"
            verdict = "-" if met is None else (f"yes ({goal})" if met else f"**no** ({goal})")
            lines.append(f"| {name}: {row.get('figure', '?')} | {fmt(row.get('value'), row.get('unit', ''))} | "
                         f"{row.get('reference', '-')} | {fmt(ratio)} | {verdict} |")
        if error:
            lines.append(f"| {name}: benchmark failed | {error} | - | - | **no** |")
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    durations = ", ".join(f"{name} {seconds:.0f} s" for name, _, seconds, _ in results)
    lines += [
        "",
        f"Machine: {info['nproc']} CPU(s) usable, {info['cpu']}, {info['memory_gib']} GiB RAM, Python {info['python']} "
        f"({info['platform']}); load average before the run {info['load_average']}.",
        f"Date: {when}. Sizes: {'quick (--quick)' if quick else 'full'}. Durations: {durations}.",
        "Timings on a small shared machine are noisy (other work runs at the same time); request counts, "
        "error counts and memory are the stable figures.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes in all)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only this benchmark (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the collected figures as JSON instead of the table")
    args = parser.parse_args()
    info = machine()
    results = []
    for name in args.only or list(BENCHMARKS):
        rows, seconds, error = run_one(name, args.quick)
        results.append((name, rows, seconds, error))
    if args.json:
        print(json.dumps({"machine": info, "date": dt.datetime.now(dt.UTC).isoformat(), "quick": args.quick,
                          "benchmarks": {name: {"figures": rows, "seconds": round(seconds, 1), "error": error}
                                         for name, rows, seconds, error in results}}, indent=2))
    else:
        print(table(results, info, args.quick))
    # A goal not met is a finding, shown in the table; only a benchmark that could not run fails the command.
    return 1 if any(error for *_, error in results) else 0


if __name__ == "__main__":
    sys.exit(main())
