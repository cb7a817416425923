"""The ingest's progress line on a terminal: requests done of the requests the plans estimate, and
the time left at the pace the run goes, never faster than the plan's per-minute limit allows."""

from __future__ import annotations

import math
import threading
from datetime import timedelta

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.progress import Task as ProgressTask
from rich.text import Text

from .planner import Plan


class RequestsColumn(ProgressColumn):
    """``done/total requests``: the total is what the plans estimate (:class:`IngestProgress`)."""

    def render(self, task: ProgressTask) -> Text:
        total = "?" if task.total is None else str(int(task.total))
        return Text(f"{int(task.completed)}/{total} requests,")


class RateLimitedTimeRemainingColumn(ProgressColumn):
    """The time the requests left take at the pace the run goes, never faster than the plan's
    per-minute limit lets them go: a run of 500 requests on a Free plan (10 a minute) says 50
    minutes from its first second, not the few seconds its first burst of 10 would suggest."""

    max_refresh = 0.5

    def __init__(self, per_minute: int):
        super().__init__()
        self.per_minute = per_minute

    def render(self, task: ProgressTask) -> Text:
        if task.total is None:
            return Text("ETA -:--:--;")
        rate = self.per_minute / 60
        if task.speed:
            rate = min(rate, task.speed)
        seconds = max(task.total - task.completed, 0) / rate
        return Text(f"ETA {timedelta(seconds=math.ceil(seconds))};")


def _ident(planned) -> tuple:
    """A task's or a skip's partition, as the same in every plan."""
    return planned.name, tuple(sorted(planned.partition.items()))


class IngestProgress:
    """The ingest's progress line: requests done of the requests planned, and the time left.

    ``first`` is the plan of the whole run as far as it can be planned before anything is fetched:
    its request estimate is the total at first, the figure ``pitchlake plan`` shows. Endpoints that
    derive from others are planned by the runner stage by stage (:meth:`on_plan`), once their
    sources are in the lake, so the total is the requests of the stages run so far, those of the
    stage under way and the first plan's estimate for the stages to come: it grows when a stage
    plans what could not be known before. It never promises more than ``max_requests`` or the
    day's quota left let the run spend, and never less than it spent (a paginated partition new to
    the lake is estimated at what the endpoint's other partitions took until its first page tells
    how many there are)."""

    def __init__(self, console: Console, first: Plan, per_minute: int, max_requests: int | None = None,
                 transient: bool = True):
        # ⠋ ━━━╸━━━━━━━ 12/50 requests, 0:00:04 elapsed, ETA 0:00:08; quota left 7488; 3 partitions written; teams ...
        self.progress = Progress(SpinnerColumn(), BarColumn(), RequestsColumn(), TimeElapsedColumn(), TextColumn("elapsed,"),
                                 RateLimitedTimeRemainingColumn(per_minute), TextColumn("{task.description}"),
                                 console=console, transient=transient)
        self.max_requests = max_requests
        #: (endpoint name, partition) -> the first plan's estimate, for the partitions no stage has
        #: planned yet (a run plans each stage once for each of its phases)
        self._later: dict[tuple, int] = {_ident(task): task.estimated_requests for task in first.tasks}
        self._stages = 0  # requests of the stages planned so far, those before the current one as spent
        self._done = 0
        self._day_remaining: int | None = None
        self._lock = threading.Lock()
        self.task = self.progress.add_task("starting", total=self._total(), completed=0)

    def _total(self) -> int:
        total = self._stages + sum(self._later.values())
        for limit in (self.max_requests, None if self._day_remaining is None else self._done + self._day_remaining):
            if limit is not None:
                total = min(total, limit)
        return max(total, self._done)

    def on_plan(self, stage_plan: Plan) -> None:
        """A stage was planned: its estimate replaces the first plan's for its partitions."""
        with self._lock:
            for planned in [*stage_plan.tasks, *stage_plan.skipped]:
                self._later.pop(_ident(planned), None)
            self._stages = self._done + stage_plan.estimated_requests
            self.progress.update(self.task, total=self._total())

    def on_progress(self, summary, label: str) -> None:
        """A request was answered (the runner's ``on_progress``)."""
        with self._lock:
            self._done = max(self._done, summary.api_requests)
            self._day_remaining = summary.day_remaining
            quota = "?" if summary.day_remaining is None else summary.day_remaining
            self.progress.update(self.task, completed=self._done, total=self._total(),
                                 description=f"quota left {quota}; {summary.partitions_written} partitions written; {label}")
