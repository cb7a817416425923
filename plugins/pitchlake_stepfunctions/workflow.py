"""The Step Functions workflow as data, decided from the SSOT before any template runs.

The state machine is a loop that does what ``pitchlake ingest`` does in one process, spread over
Fargate tasks (:mod:`pitchlake.work`): a **plan** task (``pitchlake plan --endpoint E ...`` with
``PITCHLAKE_RUN=<execution name>``, i.e. ``--run``) plans the next dependency stage of the
definition's endpoints and writes its partitions to the lake as batches; a distributed
**Map** reads the batches from the lake (ItemReader) and runs one ingest task per batch
(``pitchlake ingest --work runs/<name>/work-I.json --batch K``); then back to the plan task, which
plans the next stage from what the earlier ones wrote. When nothing is left, the plan task writes
the run's summary, and the transform runs if any batch wrote a partition. A run with nothing to
fetch starts one task: the plan task.

Nothing of the scope is in the definition or in the state data: partitions only ever live in the
lake, so the definition is the same whatever the scope. From the config it takes the enabled
endpoints (the plan task plans exactly those: the ones Terraform made Snowflake tables for), the
Map's concurrency (from the per-minute limit) and the schedule.

The numbers that keep the workflow inside the plan's rate limit and Step Functions' quotas live
here and in :mod:`pitchlake.work`, next to the reasons for them; the template only lays them out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from pitchlake.config import Config, EndpointConfig
from pitchlake.endpoints import Endpoint
from pitchlake.work import RUNS_FOLDER, map_concurrency, max_batches, task_capacity


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

#: Step Functions quota: a definition is at most 1 MiB ...
DEFINITION_QUOTA_BYTES = 1024 * 1024
#: ... after Terraform fills in the placeholders: this much room is kept for each (an ARN, or a
#: comma-separated list of subnet or security group ids).
PLACEHOLDER_ROOM_BYTES = 1024
#: An ingest task is given at most pitchlake.work.MAX_TASK_MINUTES (3 h) of work at its rate; past
#: this something hangs: the state times out (a timeout is not retried) and the Catch records the
#: batch, whose partitions the next run plans again.
INGEST_TIMEOUT_SECONDS = 4 * 3600
#: Planning LISTs the lake and reads what derives need: minutes at most.
PLAN_TIMEOUT_SECONDS = 3600
#: dbt over the external tables of the scope.
TRANSFORM_TIMEOUT_SECONDS = 2 * 3600


class QuotaExceeded(ValueError):
    """The definition would not fit Step Functions' quota."""


@dataclass
class Workflow:
    #: The enabled endpoints, in dependency stages: the plan task plans exactly these (the ones
    #: Terraform made Snowflake tables for), so a deployed definition keeps to them.
    stages: list[list[str]]
    per_minute: int
    #: Ingest tasks at once (the Map's MaxConcurrency, pitchlake.work.map_concurrency): a bound
    #: that holds whatever the plan task decides; it makes at most ``batches`` batches a stage.
    max_concurrency: int
    batches: int
    #: Requests a minute one task can send (pitchlake.work.task_capacity), for the comments.
    task_capacity: int
    #: EventBridge Scheduler expression of the SSOT's ``defaults.schedule``, and that cron itself.
    schedule_expression: str
    schedule_cron: str
    #: Where the plan task writes a run's work (``runs``): the state machine reads it there.
    runs_folder: str = RUNS_FOLDER
    #: The Map reads its items from S3, which only a distributed Map can: always.
    distributed: bool = True

    @property
    def plan_command(self) -> list[str]:
        """The plan task's command: every endpoint of the definition, by name; the run's name
        comes in the environment (``PITCHLAKE_RUN``: the execution's name)."""
        return ["plan", *(part for stage in self.stages for name in stage for part in ("--endpoint", name))]


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
    """The workflow of a config: nothing in it depends on the scope."""
    return Workflow([[entry.name for entry, _ in stage] for stage in stages], config.api.limits.per_minute,
                    map_concurrency(config), max_batches(config), task_capacity(config), aws_cron(schedule), schedule)


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
            f"{DEFINITION_QUOTA_BYTES}-byte quota"
        )
    return size


#: Reading what the plan task wrote (``s3:getObject``, the Map's ItemReader): S3 throttled or
#: failed for a moment; a few quick tries.
READ_RETRIES = (Retry(("States.TaskFailed",), 2, 3, 2.0, 30),)
