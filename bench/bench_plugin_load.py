"""Plugin load time with many installed endpoint plugins.

Each plugin is a real (tiny) distribution on sys.path with an entry point in the ``pitchlake``
group, found by importlib.metadata exactly as a pip-installed one. The figure is the wall time of
a fresh process that loads every plugin and builds the registry, beside the same process with
only the built-ins: the cost a user pays per command for the plugins they installed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLUGIN = '''
from pitchlake import hookimpl
from pitchlake.endpoints import Endpoint

@hookimpl
def register_endpoints(register):
    register(Endpoint(name="bench_{n}", path="bench/{n}", partition_keys=("season", "league_id"),
                      params={{"league": "{{league_id}}", "season": "{{season}}"}},
                      item_schema={{"type": "object", "required": ["id"], "properties": {{"id": {{"type": "integer"}}}}}}))
'''
LOAD = "from pitchlake.plugins import registry; r = registry(); print(len(r.endpoints), len(r.problems))"


def make_plugins(site: Path, count: int) -> None:
    for n in range(count):
        module = f"pitchlake_bench_{n}"
        (site / f"{module}.py").write_text(PLUGIN.format(n=n))
        info = site / f"pitchlake_bench_{n}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pitchlake-bench-{n}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[pitchlake]\nbench_{n} = {module}\n")


def time_load(site: Path | None, repeat: int) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(site) if site else ""}
    times, output = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        output = subprocess.run([sys.executable, "-c", LOAD], env=env, capture_output=True, text=True, check=True).stdout.strip()
        times.append(time.perf_counter() - start)
    return statistics.median(times), output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugins", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        baseline, base_out = time_load(None, args.repeat)
        make_plugins(site, args.plugins)
        loaded, out = time_load(site, args.repeat)
    endpoints, problems = map(int, out.split())
    assert problems == 0 and endpoints == int(base_out.split()[0]) + args.plugins, out
    figures = {"plugins": args.plugins, "load_seconds": round(loaded, 3), "builtin_only_seconds": round(baseline, 3),
               "per_plugin_ms": round((loaded - baseline) / args.plugins * 1000, 2)}
    if args.json:
        rows = [{"figure": f"process start + registry, {args.plugins} endpoint plugins installed",
                 "value": figures["load_seconds"], "unit": "s", "reference": f"built-ins only {figures['builtin_only_seconds']} s",
                 "ratio": round(loaded / baseline, 2), "goal": "-", "met": None},
                {"figure": "load time a plugin", "value": figures["per_plugin_ms"], "unit": "ms",
                 "reference": "-", "ratio": None, "goal": "-", "met": None}]
        print(json.dumps({"benchmark": "plugins", "figures": rows}))
        return
    print(f"process start + registry with built-ins only: {baseline:.3f} s")
    print(f"... with {args.plugins} endpoint plugins installed: {loaded:.3f} s "
          f"(+{loaded - baseline:.3f} s, {figures['per_plugin_ms']} ms a plugin)")


if __name__ == "__main__":
    main()
