"""The Step Functions state machine rendered from the SSOT: its shape, its quotas, the official
validator's verdict, and a run of the real definition in moto's ASL interpreter."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

import pitchlake.cli
from pitchlake import plugins
from pitchlake.config import load_config
from pitchlake.plugins import build_registry, plugin_manager
from pitchlake.render import RenderContext, render
from pitchlake.testing.config import write_config
from pitchlake.testing.moto import moto_client

from . import tools

ROOT = Path(__file__).resolve().parents[1]
SSOT = ROOT / "config" / "endpoints.json"
ASL = "terraform/modules/workflow/state_machine.asl.json"
WORKFLOW = "terraform/modules/workflow/workflow.json"
PLACEHOLDERS = {
    "cluster_arn", "ingest_task_definition_arn", "transform_task_definition_arn", "subnet_ids",
    "security_group_ids", "assign_public_ip", "container_name",
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
}
SYNC = "arn:aws:states:::ecs:runTask.sync"


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


def test_shape_follows_the_stages_and_the_scope(registry, tmp_path):
    """Stages in order, one Parallel branch per endpoint, one Map item per (season, league) or
    league; derived endpoints keyed by team or country run as one task; then the transform."""
    config_path = scoped_config(tmp_path, seasons=(2023, 2024), leagues=(39, 140), per_minute=300,
                                endpoints=["leagues", "teams", "fixtures", "fixture_details", "venues", "players_squads"])
    definition = json.loads(render_files(registry, config_path)[ASL])
    context = RenderContext(load_config(config_path, registry.endpoints), registry.endpoints)
    stages = [[entry.name for entry, _ in stage] for stage in context.stages]
    assert stages == [["leagues", "teams", "fixtures"], ["fixture_details", "venues", "players_squads"]]

    season_league = [{"season": s, "league": league} for s in ("2023", "2024") for league in ("39", "140")]
    expected_items = {"leagues": [{"league": "39"}, {"league": "140"}], "teams": season_league, "fixtures": season_league,
                      "fixture_details": season_league, "venues": [{}], "players_squads": [{}]}

    name = definition["StartAt"]
    for number, stage in enumerate(stages, start=1):
        assert name == f"Stage {number} of 2"
        parallel = definition["States"][name]
        assert parallel["Type"] == "Parallel" and parallel["ResultPath"] is None
        assert [branch["StartAt"] for branch in parallel["Branches"]] == [f"{endpoint}: partitions" for endpoint in stage]
        for endpoint, branch in zip(stage, parallel["Branches"], strict=True):
            items = branch["States"][f"{endpoint}: partitions"]
            assert items["Type"] == "Pass" and items["Result"] == expected_items[endpoint]
            map_state = branch["States"][endpoint]
            assert map_state["Type"] == "Map" and map_state["ItemsPath"] == items["ResultPath"] == "$.partitions"
            # 300 requests a minute / (10 a minute per task x 3 Maps in the stage)
            assert map_state["MaxConcurrency"] == 10
            assert map_state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
            assert map_state["ResultPath"] is None and map_state["OutputPath"] is None
            task = map_state["ItemProcessor"]["States"][f"{endpoint}: ingest"]
            assert task["Resource"] == SYNC
            assert task["Parameters"]["TaskDefinition"] == "${ingest_task_definition_arn}"
            override = task["Parameters"]["Overrides"]["ContainerOverrides"][0]
            selectors = list(expected_items[endpoint][0])
            if selectors:
                arguments = "".join(f", '--{option}', $.{option}" for option in selectors)
                assert override["Command.$"] == f"States.Array('ingest', '--endpoint', '{endpoint}'{arguments})"
            else:
                assert override["Command"] == ["ingest", "--endpoint", endpoint]
            assert task["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": f"{endpoint}: record failure"}]
            assert all(rule["JitterStrategy"] == "FULL" and rule["BackoffRate"] > 1 for rule in task["Retry"])
            assert any(rule["ErrorEquals"] == ["States.TaskFailed"] for rule in task["Retry"])
        name = parallel["Next"]
    assert name == "Transform"
    transform = definition["States"]["Transform"]
    assert transform["Resource"] == SYNC and transform["End"] is True
    assert transform["Parameters"]["TaskDefinition"] == "${transform_task_definition_arn}"
    assert transform["Parameters"]["Overrides"]["ContainerOverrides"][0]["Command"] == ["transform", "--target", "snowflake"]
    assert set(re.findall(r"\$\{(\w+)\}", json.dumps(definition))) == PLACEHOLDERS


@pytest.mark.parametrize(("per_minute", "maps", "expected"), [(10, 3, 1), (10, 4, 1), (300, 3, 10), (300, 4, 7), (900, 4, 22)])
def test_max_concurrency_shares_the_per_minute_limit(per_minute, maps, expected):
    from pitchlake_stepfunctions.workflow import max_concurrency

    assert max_concurrency(per_minute, maps) == expected


def test_large_scopes_switch_the_largest_maps_to_distributed(registry, tmp_path):
    from pitchlake_stepfunctions import workflow

    # Every task retrying to the end writes 8 + 4 x 5 events: 24,000 / 28.
    assert workflow.INLINE_ITEMS_LIMIT == 857
    small = json.loads(render_files(registry, scoped_config(tmp_path))[ASL])
    assert {state["ItemProcessor"]["ProcessorConfig"]["Mode"] for _, state in states_of(small) if state["Type"] == "Map"} == {"INLINE"}

    files = render_files(registry, scoped_config(tmp_path, seasons=range(2008, 2026), leagues=range(1, 51), current_season=2025, per_minute=300))
    definition = json.loads(files[ASL])
    maps = {name: state for name, state in states_of(definition) if state["Type"] == "Map"}
    items = {name: len(definition_items(definition, name)) for name in maps}
    inline = {name for name, state in maps.items() if state["ItemProcessor"]["ProcessorConfig"]["Mode"] == "INLINE"}
    assert inline == {"leagues", "venues"}  # 50 leagues, one task: the 900-partition Maps went distributed
    assert sum(items[name] for name in inline) <= workflow.INLINE_ITEMS_LIMIT
    for name in set(maps) - inline:
        assert items[name] == 900
        assert maps[name]["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert json.loads(files[WORKFLOW])["distributed_map"] is True
    assert json.loads(render_files(registry, SSOT)[WORKFLOW])["distributed_map"] is False

    path = tmp_path / "distributed.asl.json"
    path.write_text(files[ASL])
    checked = asl_validator(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def definition_items(definition: dict, endpoint: str) -> list:
    return next(state["Result"] for name, state in states_of(definition) if name == f"{endpoint}: partitions")


def test_scopes_beyond_the_quotas_fail_the_render(registry, tmp_path):
    from pitchlake_stepfunctions.workflow import QuotaExceeded, check_definition_size

    with pytest.raises(QuotaExceeded, match="endpoint 'teams': 9300 partitions .* 256 KiB state data quota"):
        render_files(registry, scoped_config(tmp_path, seasons=range(2008, 2101), leagues=range(1, 101), current_season=2100,
                                             endpoints=["teams"]))
    # Placeholders count at their deployed size, not at the size of '${...}'.
    with pytest.raises(QuotaExceeded, match="over Step Functions' 1048576-byte quota"):
        check_definition_size(json.dumps({"States": {f"s{n}": "${cluster_arn}" for n in range(1100)}}))
    assert check_definition_size((ROOT / ASL).read_text()) < 1024 * 1024


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

FAILING = ("fixtures", {"season": "2024", "league": "39"})


@pytest.fixture
def stepfunctions(moto_server, monkeypatch):
    """moto's Step Functions with its ASL interpreter on, and off again afterwards. MOTO_PORT lets
    the interpreter's own AWS calls (the hanging SQS task below) reach this server."""
    monkeypatch.setenv("MOTO_PORT", moto_server.rsplit(":", 1)[1])
    requests.post(f"{moto_server}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10).raise_for_status()
    try:
        yield moto_client(moto_server, "stepfunctions")
    finally:
        requests.post(f"{moto_server}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=10)


def runnable(definition_text: str, runs: str, hangs: str) -> dict:
    """The rendered definition, as templatefile() fills it, with what moto cannot run swapped out.

    moto cannot run ``ecs:runTask.sync``, so each such Task sends an SQS message instead (moto runs
    that): its body is the Task's own ``Parameters``, evaluated by the interpreter (command
    intrinsics, subnet split), so the test reads every RunTask request back from the ``runs``
    queue, whether the Map ran inline or as child executions. Retry, Catch and the rest of each
    Task are kept. For one partition of :data:`FAILING` a Choice sends the item instead to a Task
    that hangs past its timeout (a task token nobody returns): a timeout is not retried, so the
    rendered Catch is what must save the other partitions.
    """
    definition = json.loads(re.sub(r"\$\{(\w+)\}", lambda match: VALUES[match[1]], definition_text))

    def swap(states: dict) -> None:
        for name, state in list(states.items()):
            for branch in state.get("Branches", []):
                swap(branch["States"])
            if "ItemProcessor" in state:
                swap(state["ItemProcessor"]["States"])
            if state.get("Resource") != SYNC:
                continue
            runs_task = {**state, "Resource": "arn:aws:states:::sqs:sendMessage",
                         "Parameters": {"QueueUrl": runs, "MessageBody": state["Parameters"]}}
            if name != f"{FAILING[0]}: ingest":
                states[name] = runs_task
                continue
            flow = {key: state[key] for key in ("Next", "End") if key in state}
            states[name] = {
                "Type": "Choice",
                "Choices": [{"And": [{"Variable": f"$.{key}", "StringEquals": value} for key, value in FAILING[1].items()],
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


def execute(client, definition: dict) -> str:
    arn = client.create_state_machine(name=f"pitchlake-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                      roleArn="arn:aws:iam::123456789012:role/pitchlake-state-machine")["stateMachineArn"]
    execution = client.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    deadline = time.monotonic() + 60
    while client.describe_execution(executionArn=execution)["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not finish in 60 s"
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


def exits(events: list[dict]) -> dict[str, list]:
    """State name -> the outputs it exited with, in order."""
    found: dict[str, list] = {}
    for event in events:
        details = event.get("stateExitedEventDetails")
        if details:
            found.setdefault(details["name"], []).append(json.loads(details["output"]))
    return found


def requests_sent(sqs, queue: str) -> list[dict]:
    """Every RunTask request the execution made, from the runs queue."""
    found = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def commands(requests_: list[dict], task_definition: str = VALUES["ingest_task_definition_arn"]) -> list[list[str]]:
    return sorted(request["Overrides"]["ContainerOverrides"][0]["Command"] for request in requests_
                  if request["TaskDefinition"] == task_definition)


def expected_commands(definition: dict, endpoint: str) -> list[list[str]]:
    result = []
    for item in definition_items(definition, endpoint):
        command = ["ingest", "--endpoint", endpoint]
        for option, value in item.items():
            command += [f"--{option}", value]
        if (endpoint, item) != FAILING:
            result.append(command)
    return result


@pytest.fixture
def queues(moto_server):
    """(sqs client, runs queue, hangs queue)."""
    sqs = moto_client(moto_server, "sqs")
    runs, hangs = (sqs.create_queue(QueueName=f"{kind}-{uuid.uuid4().hex[:8]}")["QueueUrl"] for kind in ("runs", "hangs"))
    return sqs, runs, hangs


@pytest.fixture
def two_season_definition(registry, tmp_path) -> str:
    return render_files(registry, scoped_config(tmp_path, seasons=(2023, 2024), leagues=(39, 140)))[ASL]


def test_moto_runs_every_branch_item_and_the_transform(stepfunctions, queues, two_season_definition):
    """Inline Maps: every endpoint's branch runs every partition's command; the partition whose
    task hangs is caught and recorded while the others and the transform still run."""
    sqs, runs, hangs = queues
    definition = json.loads(two_season_definition)
    execution = execute(stepfunctions, runnable(two_season_definition, runs, hangs))
    assert stepfunctions.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    events = history(stepfunctions, execution)

    maps = [name for name, state in states_of(definition) if state["Type"] == "Map"]
    assert sorted(maps) == sorted(entry["plugin"] for entry in json.loads(SSOT.read_text())["endpoints"] if entry.get("enabled", True))
    iterations = {(event["mapIterationSucceededEventDetails"]["name"], event["mapIterationSucceededEventDetails"]["index"])
                  for event in events if event["type"] == "MapIterationSucceeded"}
    assert iterations == {(name, index) for name in maps for index in range(len(definition_items(definition, name)))}

    sent = requests_sent(sqs, runs)
    assert commands(sent) == sorted(command for endpoint in maps for command in expected_commands(definition, endpoint))
    assert [event["type"] for event in events if event["type"] == "TaskTimedOut"] == ["TaskTimedOut"]
    assert exits(events)["fixtures: record failure"] == [{**FAILING[1], "error": "States.Timeout"}]

    assert commands(sent, VALUES["transform_task_definition_arn"]) == [["transform", "--target", "snowflake"]]
    network = {json.dumps(request["NetworkConfiguration"], sort_keys=True) for request in sent}
    assert [json.loads(text) for text in network] == [{"AwsvpcConfiguration": {
        "AssignPublicIp": "DISABLED", "SecurityGroups": ["sg-0c"], "Subnets": ["subnet-0a", "subnet-0b"]}}]
    assert {request["Cluster"] for request in sent} == {VALUES["cluster_arn"]}
    assert events[-1]["type"] == "ExecutionSucceeded"
    assert exits(events)["Transform"]  # the last state, after every stage


def test_moto_runs_distributed_maps_as_map_runs(stepfunctions, queues, registry, tmp_path, monkeypatch):
    """The distributed shape, forced on a small scope: each Map is a Map Run that runs every
    partition, the hanging one caught inside its iteration, and the transform runs after."""
    from pitchlake_stepfunctions import workflow

    sqs, runs, hangs = queues
    monkeypatch.setattr(workflow, "INLINE_ITEMS_LIMIT", 0)
    text = render_files(registry, scoped_config(tmp_path, seasons=(2023, 2024), leagues=(39, 140)))[ASL]
    definition = json.loads(text)
    maps = {name: state for name, state in states_of(definition) if state["Type"] == "Map"}
    assert {state["ItemProcessor"]["ProcessorConfig"]["Mode"] for state in maps.values()} == {"DISTRIBUTED"}

    execution = execute(stepfunctions, runnable(text, runs, hangs))
    assert stepfunctions.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    events = history(stepfunctions, execution)
    assert sum(event["type"] == "MapRunSucceeded" for event in events) == len(maps)
    assert not any(event["type"] == "MapIterationStarted" for event in events)  # iterations are not in the parent's history

    counts = sorted(stepfunctions.describe_map_run(mapRunArn=run["mapRunArn"])["itemCounts"]["succeeded"]
                    for run in stepfunctions.list_map_runs(executionArn=execution)["mapRuns"])
    assert counts == sorted(len(definition_items(definition, name)) for name in maps)

    sent = requests_sent(sqs, runs)
    assert commands(sent) == sorted(command for endpoint in maps for command in expected_commands(definition, endpoint))
    assert len(requests_sent(sqs, hangs)) == 1  # the failing partition's task did start, and its Map Run still succeeded
    assert commands(sent, VALUES["transform_task_definition_arn"]) == [["transform", "--target", "snowflake"]]
