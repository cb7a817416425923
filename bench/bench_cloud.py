"""The cloud run's cost: Fargate tasks, billed task-minutes, state transitions and wall time, new design against old.

A cost model, not a run on AWS (there is no account here). Its inputs are real where they can be:

* the **rendered definition** (``pitchlake render stepfunctions``'s adapter, in this process):
  state transitions are counted by walking it (:func:`walk`), state by state, following its Choice
  rules on the ``next.json`` documents each planning step returns, one child execution per batch;
* the **real plan**: for the shipped scope, the real loop (``pitchlake.work.plan_next`` and
  ``run_batch``) against the sandbox (its recorded 2024-25 Premier League and the made-up current
  season): requests and partitions of each stage as measured, and the work files the planner wrote
  with the shipped config's limits. The larger scopes (20 leagues x 10 seasons, 200 x 20) are
  **synthetic**: each stage's measured requests and partitions scaled by the number of leagues
  (stage of ``leagues``) or league-seasons (the others); the real planner is also run on an empty
  lake of the 200 x 20 scope to time it and to take its first stage's batches.

Figures: each run starts ``TASK_START_SECONDS`` (60 s) of Fargate start-up per task, billed. The
new design's wall time: per stage with work, a plan task and the batches' start-up, then the
stage's requests at the per-minute limit (each batch sends ``per_minute // batches`` a minute,
at most what one task can send), then a last plan task; the transform is left out of both
designs' wall times (its dbt time is the same), and counted as a task when it runs. The old
design: one task per partition in scope per endpoint (one per derived endpoint), every run, each
Map ``max(1, per_minute // (10 x Maps of the stage))`` tasks at once, so a stage takes its waves of
start-ups plus its requests at the limit; it always transforms. The daily quota is ignored (a
backfill larger than ``per_day`` spreads over days, which both designs share).

Goals: nothing new -> 1 task; a backfill within 1.2 x the rate-limit floor (requests / per-minute
limit) plus one task start-up.

    .venv/bin/python bench/bench_cloud.py [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pitchlake import work  # noqa: E402
from pitchlake.config import load_config  # noqa: E402
from pitchlake.lake import open_lake  # noqa: E402
from pitchlake.planner import stages  # noqa: E402
from pitchlake.plugins import registry  # noqa: E402
from pitchlake.render import RenderContext  # noqa: E402
from pitchlake_sandbox import Sandbox  # noqa: E402

DATA = ROOT / "tests" / "data" / "api-football"
KEY = "sandbox-key"
TASK_START_SECONDS = 60
#: Requests a minute each old-design task was assumed to make (pitchlake_stepfunctions' old TASK_REQUESTS_PER_MINUTE).
OLD_TASK_REQUESTS_PER_MINUTE = 10
ASL = "terraform/modules/workflow/state_machine.asl.json"


@dataclass
class Stage:
    number: int
    requests: int
    partitions: int
    per_league_season: bool


@dataclass
class Cost:
    tasks: int
    task_minutes: float
    transitions: int
    wall_minutes: float
    requests: int

    def floor(self, per_minute: int) -> float:
        return self.requests / per_minute


def walk(definition: dict, steps: list[dict], batches: list[int]) -> int:
    """State transitions of one execution of ``definition``: the states entered, following its
    Choice on each ``next.json`` of ``steps``; per Map run, its items' child executions (one per
    batch of ``batches``, in order), each entering its ItemProcessor's states to the end."""
    states = definition["States"]
    name, transitions, step, maps = definition["StartAt"], 0, 0, 0
    document: dict = {}
    while name:
        state = states[name]
        transitions += 1
        if name == "Read the plan":
            document["plan"] = {"next": steps[step]}
            step += 1
        if state["Type"] == "Choice":
            name = next((rule["Next"] for rule in state["Choices"] if _holds(document, rule)), state["Default"])
            continue
        if state["Type"] == "Map":
            document["ingested"] = [{"work": "w", "batch": str(n)} for n in range(batches[maps])]  # none failed
            processor = state["ItemProcessor"]
            for _ in range(batches[maps]):
                inner = processor["StartAt"]
                while inner:
                    transitions += 1
                    inner = processor["States"][inner].get("Next")
            maps += 1
        name = None if state.get("End") else state.get("Next")
    return transitions


_MISSING = object()


def _path(document: dict, path: str):
    value = document
    for part in path.removeprefix("$.").split("."):
        name, _, index = part.partition("[")
        value = value.get(name, _MISSING) if isinstance(value, dict) else _MISSING
        if index and value is not _MISSING:
            position = int(index.rstrip("]"))
            value = value[position] if position < len(value) else _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def _holds(document: dict, rule: dict) -> bool:
    """The Choice rules the definition uses: And, BooleanEquals, IsPresent."""
    if "And" in rule:
        return all(_holds(document, part) for part in rule["And"])
    value = _path(document, rule["Variable"])
    if "IsPresent" in rule:
        return (value is not _MISSING) == rule["IsPresent"]
    return value == rule["BooleanEquals"]


def new_design(config, scope_stages: list[Stage], definition: dict) -> tuple[Cost, list[dict]]:
    """The loop as pitchlake.work plans it (work.batch_count, max_batches, MAX_TASK_MINUTES)."""
    per_minute = config.api.limits.per_minute
    steps: list[dict] = []
    batches: list[int] = []
    wall = task_minutes = 0.0
    tasks = 0
    rows = []
    remaining = [stage for stage in scope_stages if stage.requests]
    rest = work.max_batches(config) == 1
    while remaining:
        stage = remaining[0]
        count = work.batch_count(config, stage.requests, stage.partitions)
        rate = max(per_minute // count, 1)
        capacity = min(rate, work.task_capacity(config))
        room = rate * work.MAX_TASK_MINUTES * count
        requests = min(stage.requests, room) if not rest else sum(s.requests for s in remaining)
        minutes = requests / (capacity * count)
        wall += 2 * TASK_START_SECONDS / 60 + minutes  # the plan task, then the batches (together)
        task_minutes += TASK_START_SECONDS / 60 + count * (TASK_START_SECONDS / 60 + minutes)
        tasks += 1 + count
        steps.append({"done": False, "rest": rest, "transform": False})
        batches.append(count)
        rows.append({"stage": stage.number, "batches": count, "per_minute": rate, "requests": requests,
                     "rest": rest})
        if rest:
            remaining = []
        elif requests < stage.requests:
            remaining[0] = Stage(stage.number, stage.requests - requests, stage.partitions, stage.per_league_season)
        else:
            remaining = remaining[1:]
    wrote = bool(steps)
    steps.append({"done": True, "rest": False, "transform": wrote})
    if not rest or not wrote:  # a batch that took every stage ends the run itself: no last plan task
        wall += TASK_START_SECONDS / 60
        task_minutes += TASK_START_SECONDS / 60
        tasks += 1
    tasks += int(wrote)
    requests = sum(stage.requests for stage in scope_stages)
    return Cost(tasks, task_minutes, walk(definition, steps, batches), wall, requests), rows


def old_design(config, endpoints, scope_stages: list[Stage]) -> Cost:
    """One task per partition in scope per endpoint (one per derived endpoint), every run."""
    per_minute = config.api.limits.per_minute
    leagues, seasons = len(config.scope.values("leagues")), len(config.scope.values("seasons"))
    tasks = transitions = 0
    wall = task_minutes = 0.0
    by_number = {stage.number: stage for stage in scope_stages}
    for number, stage in enumerate(stages(config, endpoints), start=1):
        maps = len(stage)
        concurrency = max(1, per_minute // (OLD_TASK_REQUESTS_PER_MINUTE * maps))
        waves = 0
        for entry in stage:
            keys = set(endpoints[entry.plugin].partition_keys)
            items = (leagues * seasons if keys == {"season", "league_id"} else leagues if keys == {"league_id"}
                     else seasons if keys == {"season"} else 1)
            tasks += items
            transitions += items + 2  # the ingest task of each item, the branch's Pass and Map
            waves = max(waves, math.ceil(items / concurrency))
            task_minutes += items * TASK_START_SECONDS / 60
        requests = by_number[number].requests if number in by_number else 0
        wall += waves * TASK_START_SECONDS / 60 + requests / per_minute
        # each task fetches at about OLD_TASK_REQUESTS_PER_MINUTE (the share the formula gave it)
        task_minutes += requests / OLD_TASK_REQUESTS_PER_MINUTE
        transitions += 1  # the stage's Parallel
    tasks += 1  # the transform, always
    transitions += 1
    return Cost(tasks, task_minutes, transitions, wall, sum(stage.requests for stage in scope_stages))


def measure_shipped(folder: Path, endpoints) -> tuple[object, list[Stage], list[dict], int]:
    """The real loop on the shipped config against the sandbox (its per-minute limit raised for the
    fetches only, so the bench does not wait the real limit): each stage's requests and partitions,
    the steps with the shipped limits, and the plan tasks of a second run with nothing new."""
    document = json.loads((ROOT / "config" / "endpoints.json").read_text())
    os.environ["FOOTBALL_API_KEY"] = KEY
    with Sandbox(data=[DATA], keys=(KEY,), per_minute=100000, per_day=100000) as api:
        document["api"]["base_url"] = api.url
        document["lake"]["uri"] = f"file://{folder}/lake"
        document.pop("$schema", None)
        (folder / "config").mkdir()
        path = folder / "config" / "endpoints.json"
        path.write_text(json.dumps(document))
        config = load_config(path)
        lake = open_lake(config.lake.uri)
        # Measured per stage: a config whose limit needs several tasks, so each stage is its own step.
        measuring = work.batch_config(config, {"per_minute": 100000})
        keys = {entry.name: endpoints[entry.plugin].partition_keys for entry in config.endpoints}
        measured: list[Stage] = []
        shipped_steps = []
        while True:
            # what the plan task decides with the shipped limits, on the lake as it is at this step
            shipped_steps.append(work.plan_next(config, endpoints, lake, f"shipped-view-{len(shipped_steps) + 1}"))
            step = work.plan_next(measuring, endpoints, lake, "measure")
            if step["done"]:
                break
            doc = json.loads(lake.read(step["work"]))
            requests = 0
            for batch in doc["batches"]:
                requests += work.run_batch(measuring, endpoints, lake, step["work"], batch["batch"]).api_requests
            partitions = [name for batch in doc["batches"] for name, _ in batch["partitions"]]
            season_keyed = sum("season" in keys[name] for name in partitions) >= len(partitions) / 2
            measured.append(Stage(step["stage"], requests, len(partitions), season_keyed))
        second = work.plan_next(config, endpoints, lake, "second")
    return config, measured, shipped_steps, second["summary"]["tasks_started"]["plan"]


def scaled(stages_: list[Stage], leagues: int, seasons: int, base_leagues: int, base_seasons: int) -> list[Stage]:
    result = []
    for stage in stages_:
        factor = (leagues * seasons) / (base_leagues * base_seasons) if stage.per_league_season else leagues / base_leagues
        result.append(Stage(stage.number, round(stage.requests * factor), round(stage.partitions * factor), stage.per_league_season))
    return result


def config_for(folder: Path, leagues: int, seasons: int, per_minute: int, per_day: int):
    document = json.loads((ROOT / "config" / "endpoints.json").read_text())
    document.pop("$schema", None)
    document["scope"] = {"seasons": list(range(2028 - seasons, 2028)), "leagues": list(range(1, leagues + 1)), "current_season": 2027}
    document["api"]["limits"] = {"per_minute": per_minute, "per_day": per_day}
    document["lake"]["uri"] = f"file://{folder}/lake-{leagues}x{seasons}"
    target = folder / f"{leagues}x{seasons}" / "config"
    target.mkdir(parents=True)
    (target / "endpoints.json").write_text(json.dumps(document))
    return load_config(target / "endpoints.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    found = registry()
    endpoints = found.endpoints
    adapter = found.adapters["stepfunctions"]
    figures, lines = [], []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        shipped, measured, shipped_steps, second_plans = measure_shipped(folder, endpoints)
        base_leagues, base_seasons = len(shipped.scope.values("leagues")), len(shipped.scope.values("seasons"))
        scopes = [("shipped scope (1 league x 2 seasons, 10/min)", shipped, measured)]
        for leagues, seasons, per_minute, per_day in ((20, 10, 300, 7500), (200, 20, 900, 75000)):
            config = config_for(folder, leagues, seasons, per_minute, per_day)
            scopes.append((f"{leagues} leagues x {seasons} seasons ({per_minute}/min, synthetic)", config,
                           scaled(measured, leagues, seasons, base_leagues, base_seasons)))
        # The real planner on an empty lake of the largest scope: its first stage's batches.
        big = scopes[-1][1]
        started = time.perf_counter()
        first_big = work.plan_next(big, endpoints, open_lake(big.lake.uri), "empty")
        planning_seconds = time.perf_counter() - started
        definition_sizes = set()
        for label, config, scope_stages in scopes:
            definition = json.loads(adapter.render(RenderContext(config, endpoints))[ASL])
            # the size at the shipped limits (the Map's concurrency and a comment follow the limits, not the scope)
            same_limits = json.loads(adapter.render(RenderContext(replace(config, api=shipped.api), endpoints))[ASL])
            definition_sizes.add(len(json.dumps(same_limits, separators=(",", ":"))))
            per_minute = config.api.limits.per_minute
            nothing_new, _ = new_design(config, [Stage(s.number, 0, 0, s.per_league_season) for s in scope_stages], definition)
            backfill, rows = new_design(config, scope_stages, definition)
            old_nothing = old_design(config, endpoints, [Stage(s.number, 0, 0, s.per_league_season) for s in scope_stages])
            old_backfill = old_design(config, endpoints, scope_stages)
            floor = backfill.floor(per_minute)
            goal = 1.2 * floor + TASK_START_SECONDS / 60
            lines.append(f"\n{label}: backfill {backfill.requests} requests, floor {floor:.1f} min "
                         f"({math.ceil(backfill.requests / config.api.limits.per_day)} day(s) of the daily quota)")
            lines.append("  stages of the new design: " + "; ".join(
                f"stage {row['stage']}: {row['batches']} batch(es) at {row['per_minute']}/min, {row['requests']} requests"
                + (" (and every later stage)" if row["rest"] else "") for row in rows))
            for day, new, old in (("nothing new", nothing_new, old_nothing), ("first backfill", backfill, old_backfill)):
                lines.append(f"  {day:15} new: {new.tasks:6} tasks, {new.task_minutes:9.1f} task-min, {new.transitions:6} transitions, "
                             f"wall {new.wall_minutes:7.1f} min | old: {old.tasks:6} tasks, {old.task_minutes:9.1f} task-min, "
                             f"{old.transitions:6} transitions, wall {old.wall_minutes:7.1f} min")
            figures += [
                {"figure": f"{label}: nothing new, tasks started", "value": nothing_new.tasks, "unit": "tasks",
                 "reference": f"old design {old_nothing.tasks}", "ratio": round(nothing_new.tasks / old_nothing.tasks, 4),
                 "goal": "1", "met": nothing_new.tasks == 1},
                {"figure": f"{label}: nothing new, state transitions", "value": nothing_new.transitions, "unit": "",
                 "reference": f"old design {old_nothing.transitions}", "ratio": round(nothing_new.transitions / old_nothing.transitions, 4),
                 "goal": None, "met": None},
                {"figure": f"{label}: backfill, tasks started", "value": backfill.tasks, "unit": "tasks",
                 "reference": f"old design {old_backfill.tasks}", "ratio": round(backfill.tasks / old_backfill.tasks, 4),
                 "goal": None, "met": None},
                {"figure": f"{label}: backfill, billed task-minutes", "value": round(backfill.task_minutes, 1), "unit": "min",
                 "reference": f"old design {old_backfill.task_minutes:.1f}",
                 "ratio": round(backfill.task_minutes / old_backfill.task_minutes, 3), "goal": None, "met": None},
                {"figure": f"{label}: backfill, state transitions", "value": backfill.transitions, "unit": "",
                 "reference": f"old design {old_backfill.transitions}",
                 "ratio": round(backfill.transitions / old_backfill.transitions, 4), "goal": None, "met": None},
                {"figure": f"{label}: backfill, wall time", "value": round(backfill.wall_minutes, 1), "unit": "min",
                 "reference": f"floor {floor:.1f} min; goal <= {goal:.1f}; old design {old_backfill.wall_minutes:.1f}",
                 "ratio": round(backfill.wall_minutes / floor, 3) if floor else None,
                 "goal": "<= 1.2 x floor + 1 start-up", "met": backfill.wall_minutes <= goal},
            ]
        figures.append({"figure": "definition size, minified, every scope", "value": sorted(definition_sizes), "unit": "bytes",
                        "reference": "the same for every scope", "ratio": None, "goal": "one size",
                        "met": len(definition_sizes) == 1})
        figures.append({"figure": "second run of the shipped scope (real), plan tasks", "value": second_plans, "unit": "tasks",
                        "reference": "nothing new", "ratio": None, "goal": "1", "met": second_plans == 1})
        figures.append({"figure": "real planner, 200 x 20 on an empty lake: first stage", "value": round(planning_seconds, 1),
                        "unit": "s", "reference": f"stage {first_big['stage']}: {first_big['batches']} batch(es) at "
                                                  f"{first_big['per_minute']}/min, {first_big['requests']} requests estimated",
                        "ratio": None, "goal": None, "met": None})
        lines.append("\nshipped config, the real plan task's decision at each stage: "
                     + "; ".join(step["why"] for step in shipped_steps))
    if args.json:
        print(json.dumps({"benchmark": "cloud", "figures": figures}))
        return
    print("\n".join(lines))
    print()
    for row in figures:
        ratio = f" (ratio {row['ratio']})" if row.get("ratio") is not None else ""
        met = "" if row.get("met") is None else (" MET" if row["met"] else " NOT MET")
        print(f"{row['figure']}: {row['value']} {row['unit']} [{row['reference']}]{ratio}{met}")


if __name__ == "__main__":
    main()
