"""A run split into tasks: the plan of a stage, written to the lake as batches of partitions that
separate processes (the cloud's Fargate tasks) fetch, and what they did, summed up for the run.

One run (a Step Functions execution, by its name) is a loop of two steps until nothing is left:

1. ``pitchlake plan --run NAME`` (:func:`plan_next`) reads the summaries of the batches the run
   has fetched so far, plans the selection as ``pitchlake plan`` does, leaves out the partitions
   this run already tried (a failed one waits for the next run), takes the first dependency stage
   with work, and writes it as ``runs/NAME/work-I.json``: batches of partitions, each with its
   share of the per-minute limit, and ``runs/NAME/work-I.items.json``, one item per batch, which
   the state machine's Map reads (ItemReader). It always writes ``runs/NAME/next.json``, the
   small document the state machine reads to decide what follows; when nothing is left, it
   also writes the run's summary, ``runs/NAME/summary.json``.
2. ``pitchlake ingest --work runs/NAME/work-I.json --batch K`` (:func:`run_batch`), once per
   batch, at once: fetches exactly the batch's partitions (a :class:`~pitchlake.planner.Selection`
   with :attr:`~pitchlake.planner.Selection.exact`) at the batch's rate, and writes its summary
   next to the work file (``work-I.batch-K.json``). A batch that took every later stage (``rest``,
   below) then ends the run itself (:func:`finish`), so no plan task follows it.

Later stages are planned only after the stages before were fetched, since their partitions may
be derived from what those wrote. When one task can use the whole per-minute limit
(:func:`batch_count`), a stage's one batch also takes every later stage (``rest``): the run
then needs one ingest task, not one per stage.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .config import Config
from .endpoints import Endpoint
from .lake import LakeBackend, LakeError
from .planner import Selection, Task, phases, plan, stages

#: Where a run's work and summaries live in the lake (outside ``raw/``, which dbt reads).
RUNS_FOLDER = "runs"
#: Requests one worker thread of a task sends a minute at most, taken as one a second (an answer
#: takes 0.2-1 s, then its write): a task of ``api.concurrency`` workers sends at most this many
#: times that; more tasks only help when the per-minute limit is above it.
WORKER_REQUESTS_PER_MINUTE = 60
#: A task is given at least this many minutes of work at its full capacity (unless the stage is
#: smaller), so that its start-up (about a minute on Fargate) is a small share of it.
MIN_TASK_MINUTES = 3
#: A task is given at most this many minutes of work at its rate (its timeout is 4 h); what does
#: not fit is planned by the next loop of the run.
MAX_TASK_MINUTES = 180
#: The most batches of a stage, and the most tasks the state machine's Map runs at once.
MAX_BATCHES = 40
#: The smallest share of the per-minute limit worth a task of its own: the Map runs at most
#: ``per_minute // MIN_TASK_SHARE`` tasks at once (:func:`map_concurrency`), a bound that holds
#: whatever the plan task decides; the plan task makes fewer batches (:func:`max_batches`).
MIN_TASK_SHARE = 30
#: Stops after which the run plans nothing more (the day's quota is spent, or an error every
#: task would meet again): :attr:`pitchlake.runner.Summary.stopped_reason` values and prefixes.
FINAL_STOPS = ("daily_quota", "daily_quota_kept", "max_requests", "fatal:", "lake:")


def task_capacity(config: Config) -> int:
    """Requests a minute one task can send: :data:`WORKER_REQUESTS_PER_MINUTE` per worker."""
    return WORKER_REQUESTS_PER_MINUTE * config.api.concurrency


def map_concurrency(config: Config) -> int:
    """The Map's MaxConcurrency, fixed at render: ``per_minute // MIN_TASK_SHARE``, 1 to
    :data:`MAX_BATCHES`. At least :func:`max_batches`, so every batch of a stage runs at once."""
    return max(1, min(config.api.limits.per_minute // MIN_TASK_SHARE, MAX_BATCHES))


def max_batches(config: Config) -> int:
    """The tasks it takes to use the whole per-minute limit (:func:`task_capacity` each), at most
    :func:`map_concurrency`: the most batches the plan task makes of a stage."""
    return max(1, min(math.ceil(config.api.limits.per_minute / task_capacity(config)), map_concurrency(config)))


def batch_count(config: Config, requests: int, partitions: int) -> int:
    """Batches of a stage: enough tasks for the per-minute limit (:func:`max_batches`), fewer when
    the stage is small (each gets :data:`MIN_TASK_MINUTES` of work at its capacity), never more
    than its partitions. Each batch then sends ``per_minute // batches`` requests a minute, so the
    batches running at once never pass the limit together."""
    by_work = math.ceil(requests / (task_capacity(config) * MIN_TASK_MINUTES)) if requests else 1
    return max(1, min(max_batches(config), by_work, partitions))


def run_folder(run: str) -> str:
    if not run or "/" in run or run in (".", ".."):
        raise ValueError(f"run name {run!r}: expected a name without '/' (a Step Functions execution name)")
    return f"{RUNS_FOLDER}/{run}"


def _put_json(lake: LakeBackend, key: str, document: Any) -> None:
    lake.put(key, (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode())


def _read_json(lake: LakeBackend, key: str) -> Any:
    return json.loads(lake.read(key))


@dataclass
class Batch:
    """One task's share of a stage: partitions (endpoint name, partition values in key order) and
    the requests they are estimated to take."""

    partitions: list[tuple[str, dict[str, str]]]
    requests: int = 0


def make_batches(tasks: Sequence[Task], count: int, per_minute: int) -> tuple[list[Batch], list[Task]]:
    """``tasks`` in ``count`` batches of about equal requests (the largest partition first, each to
    the batch with the fewest requests so far), the partitions still changing before the closed
    ones; a batch takes at most :data:`MAX_TASK_MINUTES` of work at its rate. Returns the batches
    and the tasks left for the next loop of the run."""
    rate = max(per_minute // count, 1)
    room = rate * MAX_TASK_MINUTES
    batches = [Batch([]) for _ in range(count)]
    left = []
    for task in sorted(tasks, key=lambda task: -task.estimated_requests):
        batch = min(batches, key=lambda batch: batch.requests)
        if batch.partitions and batch.requests + task.estimated_requests > room:
            left.append(task)
            continue
        batch.partitions.append((task.name, dict(task.partition)))
        batch.requests += task.estimated_requests
    return [batch for batch in batches if batch.partitions], left


@dataclass
class RunState:
    """What a run did so far, from its folder: the work files and the batches' summaries."""

    works: list[dict]
    #: (work index, batch number) -> that batch's summary
    summaries: dict[tuple[int, int], dict]

    @property
    def tried(self) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
        return {(name, tuple(sorted(partition.items())))
                for work in self.works for batch in work["batches"] for name, partition in batch["partitions"]}

    @property
    def batches(self) -> list[tuple[int, int]]:
        return [(work["index"], batch["batch"]) for work in self.works for batch in work["batches"]]

    @property
    def finished(self) -> str | None:
        """Why the run plans nothing more, or None: a batch took every later stage, or stopped
        on the day's quota or on an error every task would meet."""
        if any(batch.get("rest") for work in self.works for batch in work["batches"]):
            return "one task took every stage"
        for summary in self.summaries.values():
            reason = summary.get("stopped_reason") or ""
            if reason.startswith(FINAL_STOPS):
                return f"a batch stopped: {reason}"
        return None

    def summary(self, plans: int, transform: bool) -> dict:
        """The run's totals. ``tasks_started``: the plan tasks (``plans``, this one included), the
        ingest tasks (one per batch), and the transform task if it is to run."""
        totals = {"api_requests": 0, "partitions_written": 0, "partitions_skipped": 0, "pages_written": 0,
                  "out_of_plan": 0}
        failures: list[dict] = []
        stops = []
        for key, summary in sorted(self.summaries.items()):
            for field in totals:
                totals[field] += int(summary.get(field) or 0)
            failures += summary.get("failures") or []
            if summary.get("stopped_reason"):
                stops.append({"work": key[0], "batch": key[1], "stopped_reason": summary["stopped_reason"]})
        missing = [{"work": index, "batch": number} for index, number in self.batches
                   if (index, number) not in self.summaries]
        return {**totals, "failures": failures[:20], "failed_partitions": len(failures), "stops": stops,
                "batches_without_summary": missing,
                "tasks_started": {"plan": plans, "ingest": len(self.batches), "transform": int(transform)},
                "stages_planned": [work["stage"] for work in self.works]}


def read_run(lake: LakeBackend, run: str) -> RunState:
    """The run's work and summaries. A work file ``next.json`` never announced (a plan task that
    stopped between the two writes, then retried) is not part of the run: it is planned again."""
    folder = run_folder(run)
    announced = 0
    if lake.exists(f"{folder}/next.json"):
        last = _read_json(lake, f"{folder}/next.json")
        announced = math.inf if last.get("done") else int(str(last.get("work") or "work-0.json").rsplit("-", 1)[1].split(".")[0])
    works, summaries = [], {}
    for key in sorted(lake.list(folder + "/")):
        name = key[len(folder) + 1:]
        if name.startswith("work-") and name.count(".") == 1:  # work-I.json
            works.append(_read_json(lake, key))
        elif name.startswith("work-") and ".batch-" in name:  # work-I.batch-K.json
            index, number = name[len("work-"):-len(".json")].split(".batch-")
            summaries[(int(index), int(number))] = _read_json(lake, key)
    works = sorted((work for work in works if work["index"] <= announced), key=lambda work: work["index"])
    return RunState(works, summaries)


def plan_next(config: Config, endpoints: Mapping[str, Endpoint], lake: LakeBackend, run: str,
              selection: Selection = Selection(), date: str | None = None) -> dict:
    """One planning step of ``run`` (see the module docstring); returns what it writes to
    ``runs/NAME/next.json``: ``{"run", "done", "stage", "batches", "work", "items", "per_minute",
    "requests", "transform", "summary"}``."""
    folder = run_folder(run)
    if set(selection.endpoints) == {entry.name for entry in config.endpoints}:
        selection = replace(selection, endpoints=())  # every endpoint: not a narrowed run
    state = read_run(lake, run)
    plans = len(state.works) + 1
    ordered = stages(config, endpoints)
    finished = state.finished
    tasks: list[Task] = []
    stage_number = None
    if finished is None:
        tried = state.tried
        whole = plan(config, endpoints, lake, selection, date)
        tasks = [task for task in whole.tasks if (task.name, tuple(sorted(task.partition.items()))) not in tried]
        stage_of = {entry.name: number for number, stage in enumerate(ordered, start=1) for entry in stage}
        if tasks:
            stage_number = min(stage_of[task.name] for task in tasks)
            tasks = [task for task in tasks if stage_of[task.name] == stage_number]
        elif whole.deferred and state.works:  # sources of theirs failed: nothing to derive from this run
            finished = "only endpoints whose sources failed are left"
    if not tasks:
        return finish(lake, run, state, plans, finished or "nothing left to fetch")

    index = len(state.works) + 1
    per_minute = config.api.limits.per_minute
    requests = sum(task.estimated_requests for task in tasks)
    count = batch_count(config, requests, len(tasks))
    # Partitions still changing first in each batch (the runner also fetches them first).
    order = phases(config, endpoints)
    tasks.sort(key=lambda task: next(number for number, phase in enumerate(order) if phase.admits(task.endpoint, task.partition)))
    batches, left = make_batches(tasks, count, per_minute)
    rate = max(per_minute // len(batches), 1)
    # One task can use the whole limit: it also takes the later stages, as `pitchlake ingest` would.
    rest = max_batches(config) == 1 and len(batches) == 1 and not left
    later = [entry.name for stage in ordered[stage_number - 1:] for entry in stage]
    work_key, items_key = f"{folder}/work-{index}.json", f"{folder}/work-{index}.items.json"
    work = {
        "run": run, "index": index, "stage": stage_number, "date": date, "per_minute": rate,
        "selection": {"endpoints": list(selection.endpoints),
                      "partitions": {key: list(values) for key, values in selection.partitions.items() if values}},
        "batches": [{"batch": number, "requests": batch.requests, "rest": rest,
                     "endpoints": later if rest else sorted({name for name, _ in batch.partitions}),
                     "partitions": [[name, partition] for name, partition in batch.partitions]}
                    for number, batch in enumerate(batches, start=1)],
        "left_for_next_loop": len(left),
    }
    _put_json(lake, items_key, [{"work": work_key, "batch": str(number)} for number in range(1, len(batches) + 1)])
    _put_json(lake, work_key, work)
    next_doc = {"run": run, "done": False, "rest": rest, "stage": stage_number, "batches": len(batches), "work": work_key,
                "items": items_key, "per_minute": rate, "requests": requests, "transform": False, "summary": None,
                "why": f"stage {stage_number} of {len(ordered)}: {len(tasks) - len(left)} partition(s) in {len(batches)} batch(es)"
                       + (", and every later stage" if rest else "")}
    _put_json(lake, f"{folder}/next.json", next_doc)
    return next_doc


def finish(lake: LakeBackend, run: str, state: RunState, plans: int, why: str) -> dict:
    """The end of a run: its summary (``runs/NAME/summary.json``) and the ``next.json`` that says
    so, with whether to transform (a batch wrote a partition); returns that ``next.json``."""
    folder = run_folder(run)
    written = sum(int(summary.get("partitions_written") or 0) for summary in state.summaries.values())
    transform = written > 0
    summary = {"run": run, **state.summary(plans, transform)}
    _put_json(lake, f"{folder}/summary.json", summary)
    # next.json is state data: its size must not grow with the run (the full lists are in summary.json)
    short = {**summary, "failures": [{key: str(value)[:300] for key, value in failure.items()}
                                     for failure in summary["failures"][:3]],
             "stops": summary["stops"][:3], "batches_without_summary": summary["batches_without_summary"][:3],
             "stages_planned": summary["stages_planned"][:20]}
    next_doc = {"run": run, "done": True, "rest": False, "stage": None, "batches": 0, "work": None, "items": None,
                "per_minute": None, "requests": 0, "transform": transform, "summary": short, "why": why}
    _put_json(lake, f"{folder}/next.json", next_doc)
    return next_doc


def batch_selection(work: Mapping[str, Any], number: int, endpoints: Mapping[str, Endpoint], config: Config) -> Selection:
    """The selection that admits exactly batch ``number`` of a work file's partitions (and, for a
    ``rest`` batch, whatever the later stages plan, within the run's selection)."""
    batch = _batch(work, number)
    keys = {entry.name: endpoints[entry.plugin].partition_keys for entry in config.endpoints}
    exact: dict[str, set[tuple[str, ...]]] = {}
    for name, partition in batch["partitions"]:
        exact.setdefault(name, set()).add(tuple(str(partition[key]) for key in keys[name]))
    chosen = work["selection"]["endpoints"]
    names = tuple(name for name in batch["endpoints"] if not chosen or name in chosen)
    if not chosen and set(names) == {entry.name for entry in config.endpoints}:
        names = ()  # every endpoint: not a narrowed run (the runner keeps no quota for others)
    partitions = {key: tuple(values) for key, values in work["selection"]["partitions"].items()}
    return Selection(names, partitions, {name: frozenset(values) for name, values in exact.items()})


def _batch(work: Mapping[str, Any], number: int) -> dict:
    for batch in work["batches"]:
        if batch["batch"] == number:
            return batch
    raise ValueError(f"{work.get('run')}: work {work.get('index')} has no batch {number} "
                     f"(it has {len(work['batches'])})")


def read_work(lake: LakeBackend, key: str) -> dict:
    try:
        return _read_json(lake, key)
    except (LakeError, ValueError) as exc:
        raise LakeError(f"{key}: cannot read the work file ({exc})") from exc


def summary_key(work_key: str, number: int) -> str:
    return f"{work_key.removesuffix('.json')}.batch-{number}.json"


def batch_config(config: Config, work: Mapping[str, Any]) -> Config:
    """The config with the work's per-task share of the per-minute limit."""
    limits = replace(config.api.limits, per_minute=int(work["per_minute"]))
    return replace(config, api=replace(config.api, limits=limits))


def run_batch(config: Config, endpoints: Mapping[str, Endpoint], lake: LakeBackend, work_key: str, number: int,
              **ingest_options: Any):
    """Fetch batch ``number`` of the work file at ``work_key`` and write its summary next to it;
    returns the :class:`~pitchlake.runner.Summary`."""
    from .runner import ingest

    work = read_work(lake, work_key)
    selection = batch_selection(work, number, endpoints, config)
    summary = ingest(batch_config(config, work), selection, lake=lake, endpoints=endpoints, **ingest_options)
    _put_json(lake, summary_key(work_key, number), {"work": work_key, "batch": number, **summary.to_json()})
    if _batch(work, number).get("rest"):
        # This task took every stage: nothing is left to plan, so it ends the run itself (no plan
        # task after it). Had it failed, no summary: the state machine plans again, which ends it.
        state = read_run(lake, work["run"])
        finish(lake, work["run"], state, len(state.works), "one task took every stage")
    return summary
