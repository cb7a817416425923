"""The Step Functions workflow as data, decided from the SSOT before any template runs.

The state machine mirrors what ``pitchlake ingest`` does in one process, spread over Fargate tasks:
the endpoints' dependency stages run one after the other; in a stage every endpoint runs at once
(a Parallel state, one branch each); in a branch a Map state runs one task per partition the CLI
can select (``--season``, ``--league``). Keys the CLI cannot select (``team_id``, ``country``) are
enumerated inside the task, by the endpoint's ``derive`` over the lake: per-(season, league) tasks
of ``players_squads`` or ``venues`` would overlap (a team plays in several leagues and seasons, a
country has several leagues), and two tasks fetching the same partition at once both pay for it
before the conditional write tells one of them to drop its copy. So those endpoints run as one
task each, which also keeps their requests under one rate limiter.

The numbers that keep the workflow inside the plan's rate limit and Step Functions' quotas live
here, next to the reasons for them; the template only lays them out.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass

from pitchlake.config import Config, EndpointConfig
from pitchlake.endpoints import Endpoint
from pitchlake.planner import scope_values

#: ``pitchlake ingest`` option -> the partition key it selects (pitchlake.planner.Selection).
SELECTORS = {"season": "season", "league": "league_id"}

#: Requests one ingest task makes in a minute, on average. A task spends its first 30-60 s being
#: placed and pulling the image, then makes one request for most partitions, a few dozen for a
#: paginated or batched one (players, fixture_details) and stops; 10 a minute is a generous mean.
#: Bursts above it are absorbed by each task's own limiter and, at worst, by the API's
#: ``rateLimit`` answer, which the client waits out (a refused request costs no credit).
TASK_REQUESTS_PER_MINUTE = 10


@dataclass(frozen=True)
class Retry:
    """One ``Retry`` rule of the ingest and transform tasks (exponential backoff, full jitter)."""

    errors: tuple[str, ...]
    interval_seconds: int
    max_attempts: int
    backoff_rate: float
    max_delay_seconds: int


#: ECS could not start the task (throttling, no Fargate capacity: ``runTask`` answered with
#: ``Failures``, which Step Functions raises as ``AmazonECS.Unknown``): try again soon, a few times.
#: The container exited non-zero (``States.TaskFailed``: the API failed past the client's own
#: retries, the task was stopped): try again later, twice; smart resume makes a retry cheap, since
#: it skips whatever the failed attempt already wrote.
RETRIES = (
    Retry(("ECS.AmazonECSException", "ECS.ServerException", "AmazonECS.Unknown"), 10, 3, 2.0, 120),
    Retry(("States.TaskFailed",), 60, 2, 2.0, 600),
)

#: Step Functions quota: history events per (standard) execution.
HISTORY_EVENTS_QUOTA = 25_000
#: History events of one inline Map iteration whose ``runTask.sync`` succeeds at once:
#: MapIterationStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted,
#: TaskSucceeded, TaskStateExited, MapIterationSucceeded.
EVENTS_PER_ITEM = 8
#: Each retry adds TaskFailed, TaskScheduled, TaskStarted, TaskSubmitted.
EVENTS_PER_RETRY = 4
#: Events outside the iterations (execution, stages, branches, Maps, transform), with room to spare.
EVENTS_RESERVED = 1_000
#: Inline Map iterations one execution can hold even if every task used all its retries; above
#: it, the largest Maps become distributed (each iteration a child execution with its own history).
INLINE_ITEMS_LIMIT = (HISTORY_EVENTS_QUOTA - EVENTS_RESERVED) // (
    EVENTS_PER_ITEM + EVENTS_PER_RETRY * sum(retry.max_attempts for retry in RETRIES)
)

#: Step Functions quota: a definition is at most 1 MiB ...
DEFINITION_QUOTA_BYTES = 1024 * 1024
#: ... after Terraform fills in the placeholders: this much room is kept for each (an ARN, or a
#: comma-separated list of subnet or security group ids).
PLACEHOLDER_ROOM_BYTES = 1024
#: Step Functions quota: state input and output are at most 256 KiB. A Map's items are state data,
#: and so is the array of its iterations' results, which is a little larger: items get half.
ITEMS_QUOTA_BYTES = 128 * 1024

#: An ingest task covers one partition, or a whole derived endpoint (hundreds of teams at the Free
#: plan's 10 requests a minute); past this something hangs: the state times out (a timeout is
#: not retried) and the Catch records the partition for the next run.
INGEST_TIMEOUT_SECONDS = 4 * 3600
#: dbt over the external tables of the scope.
TRANSFORM_TIMEOUT_SECONDS = 2 * 3600


class QuotaExceeded(ValueError):
    """The scope is too large for one state machine definition or one Map's state data."""


@dataclass
class Branch:
    """One endpoint: a Map over the partitions the CLI selects, one ingest task each."""

    name: str
    #: The ingest options each item fills in (``season``, ``league``), in command-line order.
    selectors: tuple[str, ...]
    items: list[dict[str, str]]
    max_concurrency: int
    distributed: bool = False

    @property
    def items_json(self) -> str:
        return json.dumps(self.items, separators=(",", ":"))

    @property
    def command(self) -> list[str]:
        """The container command without the item's selectors (the image's entry point is ``pitchlake``)."""
        return ["ingest", "--endpoint", self.name]

    @property
    def command_intrinsic(self) -> str:
        """The command with the item's selectors, built by Step Functions for each item."""
        arguments = [f"'{part}'" for part in self.command]
        for selector in self.selectors:
            arguments += [f"'--{selector}'", f"$.{selector}"]
        return f"States.Array({', '.join(arguments)})"


@dataclass
class Workflow:
    stages: list[list[Branch]]
    per_minute: int
    #: EventBridge Scheduler expression of the SSOT's ``defaults.schedule``, and that cron itself.
    schedule_expression: str
    schedule_cron: str
    #: The threshold the Maps were laid out with (:data:`INLINE_ITEMS_LIMIT` unless a test lowers it).
    inline_items_limit: int

    @property
    def branches(self) -> list[Branch]:
        return [branch for stage in self.stages for branch in stage]

    @property
    def distributed(self) -> bool:
        return any(branch.distributed for branch in self.branches)


def _items(entry: EndpointConfig, endpoint: Endpoint, config: Config) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    """The ingest selectors of an endpoint and one item per selected partition, from the values
    the config gives its keys (the scope's lists the endpoint names, or the entry's
    ``partitions``); one item with no selector when the endpoint has a key the CLI cannot select,
    or whose values only its ``derive`` knows (see the module docstring)."""
    values = scope_values(entry, endpoint, config)
    if any(key not in SELECTORS.values() or values[key] is None for key in endpoint.partition_keys):
        return (), [{}]
    selectors = tuple(option for option, key in SELECTORS.items() if key in endpoint.partition_keys)
    axes = [list(values[SELECTORS[option]]) for option in selectors]
    return selectors, [dict(zip(selectors, combination, strict=True)) for combination in itertools.product(*axes)]


def max_concurrency(per_minute: int, branches_in_stage: int) -> int:
    """Tasks one Map runs at once: the plan's per-minute limit shared by every Map of the stage,
    each task making about :data:`TASK_REQUESTS_PER_MINUTE` requests a minute; at least 1 (0 would
    mean unbounded to Step Functions)."""
    return max(1, per_minute // (TASK_REQUESTS_PER_MINUTE * branches_in_stage))


def _distribute(branches: list[Branch], limit: int) -> None:
    """Make the largest Maps distributed until the inline iterations fit the history quota."""
    inline = sum(len(branch.items) for branch in branches)
    for branch in sorted(branches, key=lambda b: (-len(b.items), b.name)):
        if inline <= limit:
            break
        branch.distributed = True
        inline -= len(branch.items)


def aws_cron(cron: str) -> str:
    """A five-field cron (``0 6 * * *``) as an EventBridge Scheduler expression
    (``cron(0 6 * * ? *)``): one of day-of-month and day-of-week must be ``?`` there, and its
    days of the week count from 1 (Sunday) where cron counts from 0."""
    minute, hour, day, month, weekday = cron.split()
    if day != "*" and weekday != "*":
        raise ValueError(f"schedule {cron!r}: EventBridge cannot combine a day of the month with a day of the week")
    if weekday == "*":
        return f"cron({minute} {hour} {day} {month} ? *)"

    parts = []
    for part in weekday.split(","):
        base, slash, step = part.partition("/")  # a step (*/2) is a count, not a day
        base = re.sub(r"\d+", lambda match: str(int(match[0]) % 7 + 1), base)
        low, dash, high = base.partition("-")
        if dash and low.isdigit() and high.isdigit() and int(low) > int(high):
            raise ValueError(f"schedule {cron!r}: the range {part!r} wraps past Sunday; write it with day names (MON-FRI)")
        parts.append(base + slash + step)
    return f"cron({minute} {hour} ? {month} {','.join(parts)} *)"


def build(config: Config, stages: list[list[tuple[EndpointConfig, Endpoint]]], schedule: str) -> Workflow:
    """The workflow of a config; raises :class:`QuotaExceeded` when one Map's items would not fit
    its state data (narrow the scope, or split the config)."""
    workflow_stages = []
    for stage in stages:
        branches = []
        for entry, endpoint in stage:
            selectors, items = _items(entry, endpoint, config)
            branch = Branch(entry.name, selectors, items, max_concurrency(config.api.limits.per_minute, len(stage)))
            if len(branch.items_json) > ITEMS_QUOTA_BYTES:
                raise QuotaExceeded(
                    f"endpoint {entry.name!r}: {len(items)} partitions are {len(branch.items_json)} bytes of Map items, "
                    f"over the {ITEMS_QUOTA_BYTES} kept for them under Step Functions' 256 KiB state data quota; "
                    "narrow scope.seasons/scope.leagues or the endpoint's partitions"
                )
            branches.append(branch)
        workflow_stages.append(branches)
    workflow = Workflow(workflow_stages, config.api.limits.per_minute, aws_cron(schedule), schedule, INLINE_ITEMS_LIMIT)
    _distribute(workflow.branches, workflow.inline_items_limit)
    return workflow


def check_definition_size(definition: str) -> int:
    """The definition's size once Terraform has filled in its placeholders (at most
    :data:`PLACEHOLDER_ROOM_BYTES` each), minified as Terraform sends it; raises
    :class:`QuotaExceeded` over Step Functions' 1 MiB."""
    minified = json.dumps(json.loads(definition), separators=(",", ":"))
    placeholders = re.findall(r"\$\{[a-z_]+\}", minified)
    size = len(minified.encode()) + len(placeholders) * PLACEHOLDER_ROOM_BYTES
    if size > DEFINITION_QUOTA_BYTES:
        raise QuotaExceeded(
            f"the state machine definition would be about {size} bytes once deployed, over Step Functions' "
            f"{DEFINITION_QUOTA_BYTES}-byte quota; narrow scope.seasons/scope.leagues or enable fewer endpoints"
        )
    return size
