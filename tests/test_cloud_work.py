"""A run split into tasks (pitchlake.work, what the Step Functions state machine runs): the plan
task's output and its batches, against the sandbox and moto's S3; a batch fetches exactly its
partitions at its share of the rate limit; the loop of plan and batches ends with the lake one
`pitchlake ingest` writes, at the same cost; and the CLI options the state machine calls."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pitchlake import work
from pitchlake.config import load_config
from pitchlake.planner import Selection, plan
from pitchlake.plugins import registry
from pitchlake.testing.config import write_config

from .rig import MINIMUM, ROOT, Rig


def run_loop(rig: Rig, run: str, *, skip: set[tuple[int, int]] = frozenset()) -> tuple[list[dict], dict]:
    """What the state machine does: plan, run every batch, plan again, until nothing is left.
    ``skip``: (work index, batch) of batches whose task never ran (a task that failed to start)."""
    endpoints = registry().endpoints
    steps = []
    step, index = None, 0
    while True:
        if step and step["rest"] and (index, 1) not in skip:  # the batch ended the run: read what it wrote
            step = json.loads(rig.lake.read(f"runs/{run}/next.json"))
        else:
            step = work.plan_next(rig.config, endpoints, rig.lake, run)
        steps.append(step)
        if step["done"]:
            return steps, step
        index = int(step["work"].rsplit("-", 1)[1].split(".")[0])
        items = json.loads(rig.lake.read(step["items"]))
        assert items == [{"work": step["work"], "batch": str(number)} for number in range(1, step["batches"] + 1)]
        for item in items:
            if (index, int(item["batch"])) not in skip:
                work.run_batch(rig.config, endpoints, rig.lake, item["work"], int(item["batch"]))
        assert len(steps) < 20, "the loop does not end"


@pytest.fixture
def many_batches(monkeypatch):
    """The sandbox's few requests still make several batches (each task is otherwise given at
    least MIN_TASK_MINUTES of work)."""
    monkeypatch.setattr(work, "MIN_TASK_MINUTES", 0.001)


def test_the_loop_writes_the_lake_ingest_writes_at_the_same_cost(tmp_path, sandbox_factory, api_key, s3_lake_uri,
                                                                 clean_lake, many_batches):
    """Per stage, batches at their share of the limit; the lake ends as one `pitchlake ingest`
    leaves it, at the minimum of requests; the summary (in the lake, and in next.json) adds up
    the batches'; a second run is one plan that finds nothing and asks for no transform."""
    rig = Rig(tmp_path, sandbox_factory, s3_lake_uri, config={"per_minute": 1000, "concurrency": 2})
    steps, last = run_loop(rig, "first")
    assert rig.served() == MINIMUM
    assert rig.files() == clean_lake
    assert [step["stage"] for step in steps] == [1, 2, None]
    for step in steps[:-1]:
        document = json.loads(rig.lake.read(step["work"]))
        assert step["batches"] == len(document["batches"]) > 1
        # the batches running at once never pass the per-minute limit together
        assert document["per_minute"] * step["batches"] <= 1000 and step["per_minute"] == document["per_minute"]
        assert not any(batch["rest"] for batch in document["batches"])
        partitions = [tuple(partition) for batch in document["batches"] for partition in map(json.dumps, batch["partitions"])]
        assert len(partitions) == len(set(partitions))  # each partition in one batch
    summary = json.loads(rig.lake.read("runs/first/summary.json"))
    assert last["summary"] == summary and last["transform"] is True
    assert summary["api_requests"] == MINIMUM and summary["partitions_written"] == 6
    assert summary["tasks_started"] == {"plan": 3, "ingest": sum(step["batches"] for step in steps), "transform": 1}
    assert summary["batches_without_summary"] == [] and summary["failures"] == []

    steps, last = run_loop(rig, "second")
    assert len(steps) == 1 and last["done"] and last["transform"] is False
    assert last["summary"]["tasks_started"] == {"plan": 1, "ingest": 0, "transform": 0}
    assert rig.served() == MINIMUM


def test_one_task_takes_every_stage_when_it_can_use_the_whole_limit(tmp_path, sandbox_factory, api_key, clean_lake,
                                                                  file_lake_uri):
    """The per-minute limit fits one task: the first stage's one batch also takes the later stages
    (as `pitchlake ingest` would) and ends the run itself: a plan task, one ingest task, the transform."""
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, config={"per_minute": 200, "concurrency": 4})
    assert work.max_batches(rig.config) == 1
    steps, last = run_loop(rig, "run")
    assert [step["batches"] for step in steps] == [1, 0]
    document = json.loads(rig.lake.read(steps[0]["work"]))
    assert document["batches"][0]["rest"] is True and document["per_minute"] == 200
    assert last["why"] == "one task took every stage"
    assert last["summary"]["tasks_started"] == {"plan": 1, "ingest": 1, "transform": 1}
    assert rig.files() == clean_lake and rig.served() == MINIMUM


def test_a_batch_fetches_exactly_its_partitions(tmp_path, sandbox_factory, api_key, file_lake_uri, many_batches):
    """A batch's ingest plans and fetches only the partitions its work file lists, nothing of the
    other batches; the batch's summary lands next to the work file."""
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, config={"per_minute": 1000, "concurrency": 2},
              endpoints=["leagues", "teams", "fixtures", "standings"])
    endpoints = registry().endpoints
    step = work.plan_next(rig.config, endpoints, rig.lake, "exact")
    document = json.loads(rig.lake.read(step["work"]))
    assert step["stage"] == 1 and step["batches"] == len(document["batches"]) == 3
    batch = document["batches"][0]

    def data_files():
        return {key for key in rig.lake.list("raw/") if key.endswith("/data.json")}

    before, served = data_files(), rig.served()
    summary = work.run_batch(rig.config, endpoints, rig.lake, step["work"], 1)
    assert summary.exit_code == 0 and summary.partitions_written == len(batch["partitions"]) == rig.served() - served
    layout = rig.config.lake.layout
    assert data_files() - before == {
        layout.format(endpoint=name, partitions="/".join(f"{key}={partition[key]}" for key in endpoints[name].partition_keys),
                      ingestion_date="2025-01-26") for name, partition in batch["partitions"]}
    recorded = json.loads(rig.lake.read(work.summary_key(step["work"], 1)))
    assert recorded["api_requests"] == summary.api_requests and recorded["batch"] == 1


def test_the_exact_selection_admits_only_its_partitions(tmp_path):
    config_path = write_config(tmp_path / "config.json", base_url="http://127.0.0.1:9", lake_uri=f"file://{tmp_path}/lake",
                               seasons=(2023, 2024), leagues=(39, 140), endpoints=["leagues", "teams"])
    config = load_config(config_path)
    from pitchlake.lake import open_lake

    lake = open_lake(config.lake.uri)
    selection = Selection(("teams",), {}, {"teams": frozenset({("2024", "140")})})
    result = plan(config, registry().endpoints, lake, selection, "2025-01-26")
    assert [(task.name, task.partition) for task in result.tasks] == [("teams", {"season": "2024", "league_id": "140"})]
    assert selection.admits_exactly("leagues", ("39",)) and not selection.admits_exactly("teams", ("2023", "140"))


def test_a_batch_whose_task_never_ran_is_left_to_the_next_run(tmp_path, sandbox_factory, api_key, file_lake_uri,
                                                              clean_lake, many_batches):
    """Its partitions are not planned again in the same run (the loop ends), the summary names the
    batch, and the next run fetches them: the lake ends as it should, at the minimum cost."""
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, config={"per_minute": 1000, "concurrency": 2})
    steps, last = run_loop(rig, "broken", skip={(1, 1)})
    assert last["summary"]["batches_without_summary"] == [{"work": 1, "batch": 1}]
    assert rig.files() != clean_lake
    steps, last = run_loop(rig, "next")
    assert rig.files() == clean_lake and rig.served() == MINIMUM


def test_a_quota_stop_ends_the_run(tmp_path, sandbox_factory, api_key, file_lake_uri, many_batches):
    """A batch stopped by the daily quota: the run plans nothing more (every later batch would
    stop too), transforms what was written, and says why."""
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, config={"per_minute": 1000, "concurrency": 2}, per_day=3)
    steps, last = run_loop(rig, "quota")
    assert last["done"] and last["why"].startswith("a batch stopped: daily_quota")
    assert last["summary"]["stops"] and last["transform"] is True


def test_a_batch_over_the_task_time_is_cut_and_the_rest_planned_next(tmp_path, sandbox_factory, api_key,
                                                                     file_lake_uri, clean_lake, monkeypatch):
    """No task is given more than MAX_TASK_MINUTES of work at its rate: the rest of the stage
    goes to the next loop, and the lake still ends complete."""
    monkeypatch.setattr(work, "MAX_TASK_MINUTES", 0.001)  # 1,000 requests a minute x 0.001: one partition a batch
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, config={"per_minute": 1000, "concurrency": 2})
    steps, _ = run_loop(rig, "cut")
    assert [step["batches"] for step in steps] == [1] * 6 + [0]  # one batch (a small stage), one partition each
    assert [step["stage"] for step in steps] == [1, 1, 1, 2, 2, 2, None]
    assert rig.files() == clean_lake and rig.served() == MINIMUM


@pytest.mark.parametrize(("per_minute", "concurrency", "requests", "partitions", "expected"), [
    (10, 4, 5000, 100, 1),        # Free: one task can send the whole limit
    (900, 4, 5000, 100, 4),       # Mega: 900 / 240 a task
    (900, 4, 500, 100, 1),        # a small stage: one task, 3 minutes of work at least
    (900, 4, 5000, 2, 2),         # never more batches than partitions
    (100000, 1, 10**7, 10**5, work.MAX_BATCHES),
])
def test_batch_count(tmp_path, per_minute, concurrency, requests, partitions, expected):
    config_path = write_config(tmp_path / "config.json", base_url="http://127.0.0.1:9", lake_uri="file://./lake",
                               per_minute=per_minute, concurrency=concurrency)
    assert work.batch_count(load_config(config_path), requests, partitions) == expected


def test_batches_are_balanced_by_requests():
    from pitchlake.planner import Task

    tasks = [Task("e", None, {"k": str(n)}, "2025-01-26", "new", {}, estimated_requests=size)  # type: ignore[arg-type]
             for n, size in enumerate([29, 19, 1, 1, 1, 1, 5, 5])]
    batches, left = work.make_batches(tasks, 3, 300)
    assert not left and sorted(batch.requests for batch in batches) == [14, 19, 29]
    assert sorted(p["k"] for batch in batches for _, p in batch.partitions) == sorted(str(n) for n in range(8))


def test_the_cli_plans_a_run_and_ingests_a_batch(tmp_path, sandbox_factory, api_key, file_lake_uri):
    """`pitchlake plan --run NAME` prints next.json; `pitchlake ingest --work KEY --batch N` fetches
    the batch; --work without --batch, or with a selection, is refused (exit 2)."""
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, endpoints=["leagues"], config={"per_minute": 100})

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "pitchlake", *args, "--config", str(rig.config_path)],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)

    planned = cli("plan", "--run", "cli")
    assert planned.returncode == 0, planned.stderr
    step = json.loads(planned.stdout)
    assert step["work"] == "runs/cli/work-1.json" and step["batches"] == 1
    ingested = cli("ingest", "--work", step["work"], "--batch", "1", "--json")
    assert ingested.returncode == 0, ingested.stderr
    assert json.loads(ingested.stdout)["partitions_written"] == 1
    assert json.loads(cli("plan", "--run", "cli").stdout)["summary"]["partitions_written"] == 1
    assert cli("ingest", "--work", step["work"]).returncode == 2
    assert cli("ingest", "--work", step["work"], "--batch", "1", "--league", "39").returncode == 2
    assert cli("plan", "--run", "a/b").returncode == 2
    missing = cli("ingest", "--work", "runs/none/work-1.json", "--batch", "1")
    assert missing.returncode == 1 and "work file" in missing.stderr


def test_a_plan_task_retried_after_a_partial_write_plans_the_same_work(tmp_path, file_lake_uri, sandbox_factory, api_key):
    """A work file that next.json never announced (the plan task stopped between the two writes,
    and Step Functions retried it) is not counted as tried: the retry plans the same partitions."""
    rig = Rig(tmp_path, sandbox_factory, file_lake_uri, config={"per_minute": 1000, "concurrency": 2})
    first = work.plan_next(rig.config, registry().endpoints, rig.lake, "retried")
    written = json.loads(rig.lake.read(first["work"]))
    rig.lake.delete("runs/retried/next.json")
    again = work.plan_next(rig.config, registry().endpoints, rig.lake, "retried")
    assert again["work"] == first["work"] and json.loads(rig.lake.read(again["work"]))["batches"] == written["batches"]
    assert rig.served() == 0
