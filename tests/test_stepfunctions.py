"""The Step Functions state machine rendered from the SSOT: its shape, its size (the same whatever
the scope), the official validator's verdict, and runs of the real definition in moto's ASL
interpreter, with the real planning and ingest (pitchlake.work) against the sandbox and moto's S3."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

import pitchlake.cli
from pitchlake import plugins, work
from pitchlake.config import load_config
from pitchlake.planner import Selection
from pitchlake.plugins import build_registry, plugin_manager
from pitchlake.render import RenderContext, render
from pitchlake.testing.config import write_config
from pitchlake.testing.moto import moto_client

from . import tools
from .rig import MINIMUM, Rig

ROOT = Path(__file__).resolve().parents[1]
SSOT = ROOT / "config" / "endpoints.json"
ASL = "terraform/modules/workflow/state_machine.asl.json"
WORKFLOW = "terraform/modules/workflow/workflow.json"
PLACEHOLDERS = {
    "cluster_arn", "ingest_task_definition_arn", "transform_task_definition_arn", "subnet_ids",
    "security_group_ids", "assign_public_ip", "container_name", "bucket_name",
}
#: What Terraform's templatefile() would fill in: two subnets prove the comma-separated split.
VALUES = {
    "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/pitchlake",
    "ingest_task_definition_arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/pitchlake-ingest:3",
    "transform_task_definition_arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/pitchlake-transform:3",
    "subnet_ids": "subnet-0a,subnet-0b",
    "security_group_ids": "sg-0c",
    "assign_public_ip": "DISABLED",
    "container_name": "pitchlake",
    "bucket_name": "pitchlake-lake",
}
SYNC = "arn:aws:states:::ecs:runTask.sync"
GET_OBJECT = "arn:aws:states:::aws-sdk:s3:getObject"


@pytest.fixture(scope="module")
def registry():
    """The plugins with the stepfunctions adapter among the built-ins (a no-op once it is one)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(plugins.BUILTIN_PLUGINS, "stepfunctions", "pitchlake_stepfunctions")
        found = build_registry(plugin_manager())
    assert "stepfunctions" in found.adapters, found.problems
    return found


def render_files(registry, config_path: Path) -> dict[str, str]:
    context = RenderContext(load_config(config_path, registry.endpoints), registry.endpoints)
    return registry.adapters["stepfunctions"].render(context)


def scoped_config(tmp_path: Path, endpoints=None, **scope) -> Path:
    return write_config(tmp_path / "endpoints.json", base_url="http://127.0.0.1:9", lake_uri="file://./lake",
                        endpoints=endpoints, **scope)


def states_of(definition: dict):
    """Every state, nested ones included, as (name, state)."""
    for name, state in definition["States"].items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from states_of(branch)
        if "ItemProcessor" in state:
            yield from states_of(state["ItemProcessor"])


def asl_validator(path: Path) -> subprocess.CompletedProcess:
    npx = tools.command("npx")
    tools.path(ROOT / "node_modules" / ".bin" / "asl-validator", "asl-validator", tools.NPM)
    return subprocess.run([npx, "--no-install", "asl-validator", "--json-path", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


# --- Rendering -----------------------------------------------------------------------------------


def test_committed_files_match_the_ssot(registry, monkeypatch):
    """`pitchlake render stepfunctions --check` passes on the repository: what Terraform deploys is
    what the SSOT says."""
    monkeypatch.setattr(pitchlake.cli, "registry", lambda: registry)
    result = CliRunner().invoke(pitchlake.cli.app, ["render", "stepfunctions", "--check", "--config", str(SSOT)])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_rendering_is_deterministic(registry, tmp_path):
    context = RenderContext(load_config(SSOT, registry.endpoints), registry.endpoints)
    adapter = registry.adapters["stepfunctions"]
    assert len(render(adapter, context, tmp_path).written) == 3
    assert render(adapter, context, tmp_path).written == []
    assert render(adapter, context, tmp_path, check=True).stale == {}



def test_shape_is_a_loop_of_plan_and_map(registry, tmp_path):
    """Plan (a Fargate task) -> read next.json -> a distributed Map over the batches, read from
    the lake -> plan again; once nothing is left, the transform if anything was written, then the
    summary as the execution's output."""
    config_path = scoped_config(tmp_path, seasons=(2023, 2024), leagues=(39, 140), per_minute=900, concurrency=4)
    definition = json.loads(render_files(registry, config_path)[ASL])
    states = definition["States"]
    assert definition["StartAt"] == "Plan"
    assert set(states) == {"Plan", "Read the plan", "Anything to fetch?", "Ingest", "After the batches", "Transform", "Done"}

    plan = states["Plan"]
    assert plan["Resource"] == SYNC and plan["Next"] == "Read the plan" and "Catch" not in plan
    assert plan["Parameters"]["TaskDefinition"] == "${ingest_task_definition_arn}"
    # the definition's endpoints, in their stages; the run's name is the execution's (plan --run)
    override = plan["Parameters"]["Overrides"]["ContainerOverrides"][0]
    context = RenderContext(load_config(config_path, registry.endpoints), registry.endpoints)
    names = [entry.name for stage in context.stages for entry, _ in stage]
    assert sorted(names) == sorted(entry["plugin"] for entry in json.loads(SSOT.read_text())["endpoints"] if entry.get("enabled", True))
    assert override["Command"] == ["plan", *(part for name in names for part in ("--endpoint", name))]
    assert override["Environment"] == [{"Name": "PITCHLAKE_RUN", "Value.$": "$$.Execution.Name"}]

    read = states["Read the plan"]
    assert read["Resource"] == GET_OBJECT and read["ResultPath"] == "$.plan"
    assert read["Parameters"] == {"Bucket": "${bucket_name}", "Key.$": "States.Format('runs/{}/next.json', $$.Execution.Name)"}
    assert read["ResultSelector"] == {"next.$": "States.StringToJson($.Body)"}

    choice = states["Anything to fetch?"]
    assert [(rule["Variable"], rule["Next"]) for rule in choice["Choices"]] == [
        ("$.plan.next.done", "Ingest"), ("$.plan.next.transform", "Transform")]
    assert choice["Default"] == "Done"

    ingest = states["Ingest"]
    assert ingest["Type"] == "Map" and ingest["Next"] == "After the batches" and ingest["ResultPath"] == "$.ingested"
    # a batch that took every later stage ended the run itself, unless it failed; otherwise plan again
    after = states["After the batches"]
    assert after["Choices"] == [{"And": [{"Variable": "$.plan.next.rest", "BooleanEquals": True},
                                         {"Variable": "$.ingested[0].error", "IsPresent": False}], "Next": "Read the plan"}]
    assert after["Default"] == "Plan"
    assert "ItemsPath" not in ingest and ingest["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "${bucket_name}", "Key.$": "$.plan.next.items"}}
    # 900 requests a minute, 30 at least a task (the plan task makes at most 900 / 240 = 4 batches)
    assert ingest["MaxConcurrency"] == 30
    assert ingest["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    task = ingest["ItemProcessor"]["States"]["Ingest a batch"]
    assert task["Resource"] == SYNC
    assert task["Parameters"]["Overrides"]["ContainerOverrides"][0]["Command.$"] == \
        "States.Array('ingest', '--work', $.work, '--batch', $.batch)"
    assert task["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Record failure"}]
    assert all(rule["JitterStrategy"] == "FULL" and rule["BackoffRate"] > 1 for rule in task["Retry"])
    assert any(rule["ErrorEquals"] == ["States.TaskFailed"] for rule in task["Retry"])

    transform = states["Transform"]
    assert transform["Resource"] == SYNC and transform["Next"] == "Done"
    assert transform["Parameters"]["TaskDefinition"] == "${transform_task_definition_arn}"
    assert transform["Parameters"]["Overrides"]["ContainerOverrides"][0]["Command"] == ["transform", "--target", "snowflake"]
    assert states["Done"] == {**states["Done"], "Type": "Pass", "OutputPath": "$.plan.next.summary", "End": True}
    assert set(re.findall(r"\$\{(\w+)\}", json.dumps(definition))) == PLACEHOLDERS
    assert json.loads(render_files(registry, config_path)[WORKFLOW])["distributed_map"] is True


def test_the_definition_is_the_same_whatever_the_scope(registry, tmp_path):
    """No partition, nor any endpoint, is in the definition: the shipped scope and 200 leagues x 20
    seasons render the same bytes (once the old design's 1 MiB and 256 KiB limits were passed at
    about 4,000 partitions an endpoint), and so does a config with other endpoints."""
    shipped = render_files(registry, SSOT)[ASL]
    config = json.loads(SSOT.read_text())
    big = {**config, "scope": {**config["scope"], "seasons": list(range(2008, 2028)), "leagues": list(range(1, 201)), "current_season": 2027}}
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "endpoints.json").write_text(json.dumps(big))  # the file's name is in the Comment
    large = render_files(registry, tmp_path / "big" / "endpoints.json")[ASL]
    assert len(large.encode()) == len(shipped.encode()) and large == shipped
    assert len(shipped.encode()) < 16 * 1024
    # Other endpoints change only what the plan task is told to plan.
    others = {**config, "endpoints": [{"plugin": "leagues"}, {"plugin": "teams"}, {"plugin": "players_squads"}]}
    (tmp_path / "others").mkdir()
    (tmp_path / "others" / "endpoints.json").write_text(json.dumps(others))
    other = json.loads(render_files(registry, tmp_path / "others" / "endpoints.json")[ASL])
    command = other["States"]["Plan"]["Parameters"]["Overrides"]["ContainerOverrides"][0].pop("Command")
    assert command == ["plan", "--endpoint", "leagues", "--endpoint", "teams", "--endpoint", "players_squads"]
    mine = json.loads(shipped)
    mine["States"]["Plan"]["Parameters"]["Overrides"]["ContainerOverrides"][0].pop("Command")
    for definition in (mine, other):
        definition.pop("Comment"), definition["States"]["Plan"].pop("Comment")
    assert other == mine


@pytest.mark.parametrize(("per_minute", "concurrency", "expected", "batches"),
                         [(10, 4, 1, 1), (300, 4, 10, 2), (300, 8, 10, 1), (900, 4, 30, 4), (6000, 2, 40, 40)])
def test_map_concurrency_bounds_the_batches_the_per_minute_limit_needs(registry, tmp_path, per_minute, concurrency,
                                                                        expected, batches):
    """The Map runs at most per_minute // 30 tasks (40 at most); the plan task makes at most as many
    batches as the limit needs at 60 requests a minute per worker of a task, never more than that."""
    config_path = scoped_config(tmp_path, per_minute=per_minute, concurrency=concurrency)
    definition = json.loads(render_files(registry, config_path)[ASL])
    assert definition["States"]["Ingest"]["MaxConcurrency"] == expected
    config = load_config(config_path, registry.endpoints)
    assert work.map_concurrency(config) == expected and work.max_batches(config) == batches <= expected


def test_definitions_past_the_size_quota_are_refused():
    from pitchlake_stepfunctions.workflow import QuotaExceeded, check_definition_size

    # Placeholders count at their deployed size, not at the size of '${...}'.
    with pytest.raises(QuotaExceeded, match="over Step Functions' 1048576-byte quota"):
        check_definition_size(json.dumps({"States": {f"s{n}": "${cluster_arn}" for n in range(1100)}}))
    assert check_definition_size((ROOT / ASL).read_text()) < 64 * 1024


@pytest.mark.parametrize(("cron", "expected"), [
    ("0 6 * * *", "cron(0 6 * * ? *)"),
    ("30 2 1 * *", "cron(30 2 1 * ? *)"),
    ("0 6 * * 1-5", "cron(0 6 ? * 2-6 *)"),
    ("0 6 * * 0,6", "cron(0 6 ? * 1,7 *)"),
    ("0 */4 * * SUN", "cron(0 */4 ? * SUN *)"),
])
def test_the_ssot_cron_becomes_an_eventbridge_expression(cron, expected):
    from pitchlake_stepfunctions.workflow import aws_cron

    assert aws_cron(cron) == expected


def test_crons_eventbridge_cannot_express_are_refused():
    from pitchlake_stepfunctions.workflow import aws_cron

    with pytest.raises(ValueError, match="cannot combine"):
        aws_cron("0 6 1 * 1")
    with pytest.raises(ValueError, match="wraps past Sunday"):
        aws_cron("0 6 * * 5-0")


def test_the_committed_definition_passes_asl_validator():
    checked = asl_validator(ROOT / ASL)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_asl_validator_rejects_a_broken_definition(tmp_path):
    """The validator really checks the intrinsic functions the commands are built with."""
    broken = tmp_path / "broken.asl.json"
    broken.write_text((ROOT / ASL).read_text().replace("States.Array(", "States.Arrays(", 1))
    checked = asl_validator(broken)
    assert checked.returncode != 0 and "Command.$" in checked.stdout + checked.stderr


# --- Running it in moto --------------------------------------------------------------------------


@pytest.fixture
def stepfunctions(moto_server, monkeypatch):
    """moto's Step Functions with its ASL interpreter on, and off again afterwards. MOTO_PORT lets
    the interpreter's own AWS calls (SQS, the Map's ItemReader on S3) reach this server."""
    monkeypatch.setenv("MOTO_PORT", moto_server.rsplit(":", 1)[1])
    requests.post(f"{moto_server}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10).raise_for_status()
    try:
        yield moto_client(moto_server, "stepfunctions")
    finally:
        requests.post(f"{moto_server}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=10)


def runnable(definition_text: str, runs: str, hangs: str, bucket: str, failing: tuple[str, str] | None = None) -> dict:
    """The rendered definition, as templatefile() fills it, with what moto cannot run swapped out.

    moto cannot run ``ecs:runTask.sync``, so each such Task (plan, ingest, transform) becomes
    ``sqs:sendMessage.waitForTaskToken``: its message is the RunTask request the interpreter
    evaluated (command intrinsics, subnet split) and the task token; the test's worker
    (:class:`Fargate`) runs that command for real and returns. moto's ``aws-sdk:s3:getObject``
    returns the object's body as a stream object, not the string AWS returns, so "Read the plan"
    goes through the worker too, which reads the same key from the same S3 and answers with
    ``{"Body": <text>}``: the ResultSelector (``States.StringToJson``) is the rendered one. The
    Map's ItemReader is moto's own, reading the plan task's items from moto's S3. Retry, Catch,
    the Choice and the loop are kept. For the batch ``failing`` (work key, batch), a Choice sends
    the item to a Task that hangs past its timeout (a token nobody returns): a timeout is not
    retried, so the rendered Catch is what must save the other batches.
    """
    values = {**VALUES, "bucket_name": bucket}
    definition = json.loads(re.sub(r"\$\{(\w+)\}", lambda match: values[match[1]], definition_text))

    def swap(states: dict) -> None:
        for name, state in list(states.items()):
            if "ItemProcessor" in state:
                swap(state["ItemProcessor"]["States"])
            if state.get("Resource") == GET_OBJECT:
                states[name] = {**state, "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                "Parameters": {"QueueUrl": runs, "MessageBody": {"read": state["Parameters"], "token.$": "$$.Task.Token"}}}
            if state.get("Resource") != SYNC:
                continue
            runs_task = {**state, "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "TimeoutSeconds": 60,
                         "Parameters": {"QueueUrl": runs, "MessageBody": {"request": state["Parameters"], "token.$": "$$.Task.Token"}}}
            if name != "Ingest a batch" or failing is None:
                states[name] = runs_task
                continue
            flow = {key: state[key] for key in ("Next", "End") if key in state}
            states[name] = {
                "Type": "Choice",
                "Choices": [{"And": [{"Variable": "$.work", "StringEquals": failing[0]}, {"Variable": "$.batch", "StringEquals": failing[1]}],
                             "Next": f"{name} (hangs)"}],
                "Default": f"{name} (runs)",
            }
            states[f"{name} (runs)"] = runs_task
            states[f"{name} (hangs)"] = {
                **copy.deepcopy(state), "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "TimeoutSeconds": 1,
                "Parameters": {"QueueUrl": hangs, "MessageBody": {"token.$": "$$.Task.Token"}}, **flow,
            }

    swap(definition["States"])
    return definition


class Fargate:
    """Stands in for ECS: takes each RunTask request from the runs queue and runs its command
    in-process, as the container would (``pitchlake plan --run``, ``pitchlake ingest --work
    --batch``: :mod:`pitchlake.work`, against the lake and the sandbox); the transform is only
    recorded. Then it returns the task token, as runTask.sync returns once the task stopped."""

    def __init__(self, sqs, sfn, s3, queue: str, rig: Rig, endpoints):
        self.sqs, self.sfn, self.s3, self.queue, self.rig, self.endpoints = sqs, sfn, s3, queue, rig, endpoints
        self.commands: list[list[str]] = []
        self.runs: list[str] = []
        self.requests: list[dict] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=30)

    def _serve(self) -> None:
        while not self._stop.is_set():
            messages = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                time.sleep(0.05)
            for message in messages:
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
                body = json.loads(message["Body"])
                try:
                    output = self._run(body)
                except BaseException as exc:  # the test fails on it, and the execution too
                    self.errors.append(exc)
                    self.sfn.send_task_failure(taskToken=body["token"], error="Worker", cause=repr(exc)[:200])
                    continue
                self.sfn.send_task_success(taskToken=body["token"], output=json.dumps(output))

    def _run(self, body: dict) -> dict:
        if "read" in body:
            read = body["read"]
            return {"Body": self.s3.get_object(Bucket=read["Bucket"], Key=read["Key"])["Body"].read().decode()}
        request = body["request"]
        self.requests.append(request)
        override = request["Overrides"]["ContainerOverrides"][0]
        command = override["Command"]
        self.commands.append(command)
        if command[0] == "plan":  # pitchlake plan --endpoint E ..., its run in PITCHLAKE_RUN: the execution's name
            assert command[1::2] == ["--endpoint"] * (len(command) // 2), command
            run = {variable["Name"]: variable["Value"] for variable in override["Environment"]}["PITCHLAKE_RUN"]
            self.runs.append(run)
            work.plan_next(self.rig.config, self.endpoints, self.rig.lake, run, Selection(tuple(command[2::2])))
        elif command[:2] == ["ingest", "--work"] and command[3] == "--batch":
            work.run_batch(self.rig.config, self.endpoints, self.rig.lake, command[2], int(command[4]))
        else:
            assert command == ["transform", "--target", "snowflake"], command
        return {}


def execute(client, definition: dict, name: str) -> str:
    arn = client.create_state_machine(name=f"pitchlake-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                      roleArn="arn:aws:iam::123456789012:role/pitchlake-state-machine")["stateMachineArn"]
    execution = client.start_execution(stateMachineArn=arn, name=name, input="{}")["executionArn"]
    deadline = time.monotonic() + 120
    while client.describe_execution(executionArn=execution)["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not finish in 120 s"
        time.sleep(0.2)
    return execution


def history(client, execution: str) -> list[dict]:
    events, token = [], {}
    while True:
        page = client.get_execution_history(executionArn=execution, maxResults=1000, **token)
        events += page["events"]
        if "nextToken" not in page:
            return events
        token = {"nextToken": page["nextToken"]}


@pytest.fixture
def cloud(request, moto_server, s3_env, stepfunctions, sandbox_factory, api_key, registry, tmp_path, monkeypatch):
    """A lake bucket in moto's S3, the sandbox, a config whose plan needs 9 tasks for its
    per-minute limit (or, parametrized, the given limits), and queues: what an execution of the
    rendered definition needs."""
    monkeypatch.setattr(work, "MIN_TASK_MINUTES", 0.001)  # the sandbox's few requests still make several batches
    bucket = f"pitchlake-{uuid.uuid4().hex[:12]}"
    moto_client(moto_server).create_bucket(Bucket=bucket)
    limits = getattr(request, "param", {"per_minute": 1000, "concurrency": 2})
    rig = Rig(tmp_path, sandbox_factory, f"s3://{bucket}", config=limits)
    sqs = moto_client(moto_server, "sqs")
    runs, hangs = (sqs.create_queue(QueueName=f"{kind}-{uuid.uuid4().hex[:8]}")["QueueUrl"] for kind in ("runs", "hangs"))
    text = render_files(registry, rig.config_path)[ASL]

    class Cloud:
        def run(self, name: str, failing=None) -> tuple[dict, dict, Fargate]:
            definition = runnable(text, runs, hangs, bucket, failing)
            with Fargate(sqs, stepfunctions, moto_client(moto_server), runs, rig, registry.endpoints) as fargate:
                execution = execute(stepfunctions, definition, name)
            assert not fargate.errors, fargate.errors
            return stepfunctions.describe_execution(executionArn=execution), history(stepfunctions, execution), fargate

    found = Cloud()
    found.rig, found.bucket, found.sqs, found.hangs = rig, bucket, sqs, hangs
    return found


def raw_files(rig: Rig) -> dict[str, bytes]:
    return {key: rig.lake.read(key) for key in rig.lake.list("raw/")}


def test_moto_runs_the_loop_end_to_end_and_a_second_run_starts_one_task(cloud, clean_lake):
    """A first run plans each stage, runs its batches as a distributed Map (the items read from
    the lake), plans again, transforms and puts the summary in its output: the lake is the one
    `pitchlake ingest` writes, at the minimum of requests. A second run starts one task, the
    plan task, and neither ingests nor transforms."""
    described, events, fargate = cloud.run("first")
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    plans = [command for command in fargate.commands if command[0] == "plan"]
    batches = [command for command in fargate.commands if command[0] == "ingest"]
    assert len(plans) == 3 and fargate.runs == ["first"] * 3  # stage 1, stage 2, then nothing left
    assert sorted(plans[0][2::2]) == sorted(entry.name for entry in cloud.rig.config.endpoints)
    assert len(batches) >= 4 and all(command[2].startswith("runs/first/work-") for command in batches)
    assert fargate.commands[-1] == ["transform", "--target", "snowflake"]
    assert output["tasks_started"] == {"plan": 3, "ingest": len(batches), "transform": 1}
    assert output["api_requests"] == MINIMUM == cloud.rig.served()
    assert output["partitions_written"] == len([key for key in clean_lake if key.endswith("/data.json")])
    assert json.loads(cloud.rig.lake.read("runs/first/summary.json"))["api_requests"] == MINIMUM
    assert raw_files(cloud.rig) == clean_lake
    assert sum(event["type"] == "MapRunSucceeded" for event in events) == 2
    assert not any(event["type"] == "MapIterationStarted" for event in events)  # batches run as child executions
    network = {json.dumps(request["NetworkConfiguration"], sort_keys=True) for request in fargate.requests}
    assert [json.loads(text) for text in network] == [{"AwsvpcConfiguration": {
        "AssignPublicIp": "DISABLED", "SecurityGroups": ["sg-0c"], "Subnets": ["subnet-0a", "subnet-0b"]}}]

    described, events, fargate = cloud.run("second")
    assert described["status"] == "SUCCEEDED"
    assert [command[0] for command in fargate.commands] == ["plan"] and fargate.runs == ["second"]
    output = json.loads(described["output"])
    assert output["tasks_started"] == {"plan": 1, "ingest": 0, "transform": 0} and output["api_requests"] == 0
    assert not any(event["type"].startswith("MapRun") for event in events)
    assert cloud.rig.served() == MINIMUM


def test_moto_a_batch_that_hangs_is_caught_and_the_next_run_fetches_it(cloud, clean_lake):
    """Batch 1 of the first stage hangs past its timeout: the Catch records it, the other
    batches and the later stages go on, the summary counts it, and the run ends; the next run
    plans its partitions again and the lake ends as `pitchlake ingest` writes it."""
    described, events, fargate = cloud.run("hanging", failing=("runs/hanging/work-1.json", "1"))
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["batches_without_summary"] == [{"work": 1, "batch": 1}]
    assert len(cloud.sqs.receive_message(QueueUrl=cloud.hangs).get("Messages", [])) == 1
    assert ["ingest", "--work", "runs/hanging/work-1.json", "--batch", "1"] not in fargate.commands
    assert output["tasks_started"]["transform"] == 1 and fargate.commands[-1][0] == "transform"
    assert raw_files(cloud.rig) != clean_lake

    described, _, fargate = cloud.run("after")
    assert described["status"] == "SUCCEEDED"
    assert raw_files(cloud.rig) == clean_lake
    assert json.loads(described["output"])["api_requests"] + output["api_requests"] == MINIMUM


@pytest.mark.parametrize("cloud", [{"per_minute": 200, "concurrency": 4}], indirect=True)
def test_moto_one_task_takes_every_stage_when_it_can_use_the_whole_limit(cloud, clean_lake):
    """One task can send the whole per-minute limit (Map concurrency 1): the first stage's batch
    takes every later stage and ends the run itself, so the execution starts three tasks: the
    plan, one ingest, the transform."""
    described, _, fargate = cloud.run("single")
    assert described["status"] == "SUCCEEDED", described
    assert [command[0] for command in fargate.commands] == ["plan", "ingest", "transform"]
    output = json.loads(described["output"])
    assert output["tasks_started"] == {"plan": 1, "ingest": 1, "transform": 1}
    assert output["api_requests"] == MINIMUM and raw_files(cloud.rig) == clean_lake
