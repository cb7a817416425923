"""Ingestion: run a plan with a bounded worker pool, writing each partition by the lake protocol.

Every response is checked (envelope, ``errors``, item schema) before it is written; pages of a
paginated or batched fetch are checkpointed under ``_pages/`` as they arrive and merged into the
partition's ``data.json`` last, with a conditional write, so a crash at any point loses at most the
requests in flight and two runners never both write one partition.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import fastjsonschema

from .client import ApiClient, ApiError, BudgetExhausted, FatalApiError, OutOfPlan, QuotaExhausted
from .config import Config
from .endpoints import Endpoint
from . import lease
from .lake import AlreadyExists, LakeBackend, Layout
from .lease import LEASE_SECONDS, Lease
from .planner import OUT_OF_PLAN, Plan, Selection, Task, page_name, plan, stages, today

log = logging.getLogger(__name__)


class SchemaMismatch(ApiError):
    """A response item does not match the endpoint's item schema: not written, not retried
    (the same request would return the same body)."""


@dataclass
class Summary:
    api_requests: int = 0
    partitions_written: int = 0
    partitions_skipped: int = 0
    pages_written: int = 0
    out_of_plan: int = 0
    stopped_reason: str | None = None
    failures: list[dict] = field(default_factory=list)
    day_remaining: int | None = None

    @property
    def exit_code(self) -> int:
        if self.stopped_reason in ("daily_quota", "max_requests", "interrupted"):
            return 3
        return 1 if self.stopped_reason or self.failures else 0

    def to_json(self) -> dict:
        return {
            "api_requests": self.api_requests,
            "partitions_written": self.partitions_written,
            "partitions_skipped": self.partitions_skipped,
            "pages_written": self.pages_written,
            "out_of_plan": self.out_of_plan,
            "stopped_reason": self.stopped_reason,
            "failures": self.failures,
            "day_remaining": self.day_remaining,
        }


@functools.cache
def _validator(endpoint: Endpoint) -> Callable[[Any], Any]:
    """The item schema compiled to Python by fastjsonschema: about 30 times faster than
    interpreting it, which matters for fixture details (thousands of nested nodes per item).
    The schemas use no keyword newer than draft 7, so the compiler's draft-7 semantics apply."""
    schema = {key: value for key, value in endpoint.item_schema.items() if key != "$schema"}
    return fastjsonschema.compile(schema)


def check_items(endpoint: Endpoint, envelope: Mapping[str, Any]) -> None:
    response = envelope.get("response")
    if not isinstance(response, list):
        raise SchemaMismatch(f"{endpoint.name}: 'response' is {type(response).__name__}, expected a list")
    validate = _validator(endpoint)
    for index, item in enumerate(response):
        try:
            validate(item)
        except fastjsonschema.JsonSchemaValueException as exc:
            where = exc.name.replace("data", f"/response/{index}", 1).replace(".", "/")
            raise SchemaMismatch(f"{endpoint.name}: {where}: {exc.message[:200]}") from None


def _total_pages(envelope: Mapping[str, Any]) -> int:
    paging = envelope.get("paging") or {}
    return max(int(paging.get("total") or 1), 1)


class _Fetch:
    """One partition being fetched: which pages it has, and whether it is finished."""

    def __init__(self, task: Task, layout: Layout):
        self.task = task
        self.dir = layout.fetch_dir(task.name, task.endpoint.partition_keys, task.partition, task.ingestion_date)
        self.pages = set(task.done_pages)
        self.total: int | None = None
        self.merged = False
        self.failed = False
        self.dropped = False
        self.lease: Lease | None = None
        self.lease_taken = False  # tried already (held by us, or by another run)
        self.lease_renewed = 0.0
        self.lock = threading.Lock()

    @property
    def single(self) -> bool:
        return not self.task.endpoint.paginated and not self.task.endpoint.batch_param


class Runner:
    def __init__(self, config: Config, endpoints: Mapping[str, Endpoint], lake: LakeBackend, client: ApiClient,
                 on_progress: Callable[[Summary, str], None] | None = None):
        self.config = config
        self.endpoints = endpoints
        self.lake = lake
        self.client = client
        self.layout = Layout(config.lake.layout)
        self.summary = Summary()
        self.on_progress = on_progress or (lambda summary, label: None)
        self._lock = threading.Lock()

    def run(self, selection: Selection = Selection(), date: str | None = None) -> Summary:
        """Stage by stage, planning each stage against the lake as the stages before left it."""
        date = date or today()
        for stage in stages(self.config, self.endpoints):
            stage_plan = plan(self.config, self.endpoints, self.lake, selection, date, stage_entries=stage)
            self.summary.partitions_skipped += len(stage_plan.skipped)
            self._execute(stage_plan)
            if self.summary.stopped_reason:
                break
        self.summary.api_requests = self.client.budget.used
        self.summary.day_remaining = self.client.budget.day_remaining
        return self.summary

    def _execute(self, stage_plan: Plan) -> None:
        """Requests are handed to the pool a few at a time, not all at once: a stop (quota,
        budget, Ctrl-C) then leaves nothing queued to spend credits after it, and the next page
        of a partition already under way goes before the first page of a new one."""
        for key in stage_plan.cleanup:
            self.lake.delete(key)
        units: deque[tuple[_Fetch, int | None, dict | None]] = deque()
        fetches = [_Fetch(task, self.layout) for task in stage_plan.tasks]
        for fetch in fetches:
            task = fetch.task
            if task.endpoint.batch_param:
                units.extend((fetch, number, params) for number, params in task.batches)
                if not task.batches:
                    units.append((fetch, None, None))  # every batch was fetched before a crash: merge
            elif task.endpoint.paginated and 1 in task.done_pages:
                units.append((fetch, None, None))  # learn the page count from the lake, then fetch what is missing
            else:
                units.append((fetch, 1 if task.endpoint.paginated else 0, task.params))

        in_flight = 2 * self.config.api.concurrency
        running: dict[Future, _Fetch] = {}
        with ThreadPoolExecutor(max_workers=self.config.api.concurrency, thread_name_prefix="pitchlake") as pool:
            try:
                while True:
                    while units and len(running) < in_flight and not self.summary.stopped_reason:
                        fetch, page, params = units.popleft()
                        running[pool.submit(self._unit, fetch, page, params)] = fetch
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        fetch = running.pop(future)
                        try:
                            follow_up = future.result()
                        except Exception as exc:
                            self._failed(fetch, exc)
                            continue
                        units.extendleft((fetch, n, {**fetch.task.params, "page": str(n)}) for n in reversed(follow_up))
            except KeyboardInterrupt:
                # Ctrl-C or SIGTERM (an ECS task being stopped): the requests in flight finish and
                # are written, nothing new is sent, and the summary says how far the run got.
                self.summary.stopped_reason = "interrupted"
                for future in running:
                    future.cancel()
        for fetch in fetches:  # a stopped run lets the next one resume at once
            self._release(fetch)

    def _unit(self, fetch: _Fetch, page: int | None, params: dict | None) -> list[int]:
        """Fetch one request (or none, for a resumed partition) and write it; return the page
        numbers still to fetch once a paginated partition's page count is known."""
        task = fetch.task
        if fetch.failed or not self._hold(fetch):  # failed already, or another run fetches it
            return []
        if page is not None and params is not None:
            response = self.client.get(task.endpoint.path, params)
            check_items(task.endpoint, response.envelope)
            with self._lock:
                self.summary.api_requests = self.client.budget.used
                self.summary.day_remaining = self.client.budget.day_remaining
            self.on_progress(self.summary, task.label)
            if fetch.single:
                self._write_data(fetch, response.body)
                return []
            with fetch.lock:
                if fetch.dropped:
                    return []
                self._put(f"{fetch.dir}/{page_name(page)}", response.body)
                fetch.pages.add(page)
                if time.monotonic() - fetch.lease_renewed > LEASE_SECONDS / 3 and fetch.lease:
                    lease.renew(self.lake, fetch.lease)
                    fetch.lease_renewed = time.monotonic()
                if task.endpoint.paginated and page == 1:
                    fetch.total = _total_pages(response.envelope)
            with self._lock:
                self.summary.pages_written += 1
        if task.endpoint.paginated:
            with fetch.lock:
                if fetch.total is None:
                    fetch.total = _total_pages(json.loads(self.lake.read(f"{fetch.dir}/{page_name(1)}")))
                if page in (None, 1):
                    missing = [n for n in range(2, fetch.total + 1) if n not in fetch.pages]
                    if missing:
                        return missing
                if fetch.merged or not fetch.pages >= set(range(1, fetch.total + 1)):
                    return []
                fetch.merged = True
        else:  # batched: finished when every request of the task has its page
            with fetch.lock:
                if fetch.merged or len(fetch.pages) < len(task.done_pages) + len(task.batches):
                    return []
                fetch.merged = True
        self._merge(fetch)
        return []

    def _merge(self, fetch: _Fetch) -> None:
        numbers = sorted(fetch.pages)
        if not numbers:
            return
        envelope: dict = {}
        items: list = []
        asked: list[str] = []  # the ids of every batch, answered or not
        batch_param = fetch.task.endpoint.batch_param
        for number in numbers:
            page = json.loads(self.lake.read(f"{fetch.dir}/{page_name(number)}"))
            envelope = envelope or page
            items.extend(page.get("response") or [])
            if batch_param:
                asked.extend(str((page.get("parameters") or {}).get(batch_param) or "").split("-"))
        merged = {
            "get": envelope.get("get"),
            "parameters": {k: v for k, v in (envelope.get("parameters") or {}).items() if k != "page"},
            "errors": [],
            "results": len(items),
            "paging": {"current": len(numbers), "total": len(numbers)},
            "response": items,
        }
        if batch_param:
            # What was asked, as the API's own envelope says: ids it left out are in here too, so
            # they are not asked for again (see derive.finished_fixtures_without_details).
            merged["parameters"][batch_param] = "-".join(fixture_id for fixture_id in asked if fixture_id)
        self._write_data(fetch, json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode())
        # The pages are in data.json now; left in place they would multiply what every later
        # plan has to LIST (27 keys a players partition instead of 1).
        for number in numbers:
            self.lake.delete(f"{fetch.dir}/{page_name(number)}")

    def _hold(self, fetch: _Fetch) -> bool:
        """Take the partition's lease on its first request; a partition another live run is
        fetching is left to it (and counted as skipped), so concurrent runs never pay twice."""
        with fetch.lock:
            if not fetch.lease_taken:
                fetch.lease_taken = True
                fetch.lease = lease.acquire(self.lake, fetch.dir)
                fetch.lease_renewed = time.monotonic()
                if fetch.lease is not None and self.lake.exists(f"{fetch.dir}/data.json"):
                    # another run held the lease and finished the partition since we planned it
                    lease.release(self.lake, fetch.lease)
                    fetch.lease = None
                if fetch.lease is None:
                    log.info("%s is (being) fetched by another run; leaving it to that run", fetch.task.label)
                    with self._lock:
                        self.summary.partitions_skipped += 1
            return fetch.lease is not None

    def _release(self, fetch: _Fetch) -> None:
        with fetch.lock:
            if fetch.lease is not None:
                lease.release(self.lake, fetch.lease)
                fetch.lease = None

    def _write_data(self, fetch: _Fetch, body: bytes) -> None:
        written = self._put(f"{fetch.dir}/data.json", body)
        self._release(fetch)
        with self._lock:
            if written:
                self.summary.partitions_written += 1
            else:
                self.summary.partitions_skipped += 1

    def _put(self, key: str, body: bytes) -> bool:
        """Conditional write: another runner that got there first wins, and nothing is lost."""
        try:
            self.lake.put(key, body, if_absent=True)
            return True
        except AlreadyExists:
            log.info("%s was written by another run meanwhile; keeping theirs", key)
            return False

    def _failed(self, fetch: _Fetch, exc: Exception) -> None:
        task = fetch.task
        if not isinstance(exc, (BudgetExhausted, QuotaExhausted)):
            fetch.failed = True  # the run goes on; in-flight pages are still written for a resume
        self._release(fetch)
        with self._lock:
            if isinstance(exc, BudgetExhausted):
                self.summary.stopped_reason = self.summary.stopped_reason or exc.reason
            elif isinstance(exc, QuotaExhausted):
                self.summary.stopped_reason = self.summary.stopped_reason or "daily_quota"
            elif isinstance(exc, OutOfPlan):
                self.summary.out_of_plan += 1
                key = self.layout.partition_dir(task.name, task.endpoint.partition_keys, task.partition) + "/" + OUT_OF_PLAN
                record = {"endpoint": task.name, "partition": task.partition, "error": str(exc), "recorded": task.ingestion_date}
                self._put(key, json.dumps(record, indent=2).encode())
                with fetch.lock:  # checkpoints nobody will resume from
                    fetch.dropped = True
                    for number in sorted(fetch.pages):
                        self.lake.delete(f"{fetch.dir}/{page_name(number)}")
                log.warning("%s: %s; recorded, later plans skip it", task.label, exc)
            elif isinstance(exc, FatalApiError):
                self.summary.stopped_reason = self.summary.stopped_reason or f"fatal: {exc}"
                self.summary.failures.append({"partition": task.label, "error": str(exc)})
            else:
                self.summary.failures.append({"partition": task.label, "error": f"{type(exc).__name__}: {exc}"})
                log.error("%s failed: %s", task.label, exc)


def ingest(config: Config, selection: Selection = Selection(), *, max_requests: int | None = None,
           on_progress: Callable[[Summary, str], None] | None = None, lake: LakeBackend | None = None,
           endpoints: Mapping[str, Endpoint] | None = None, key: str | None = None) -> Summary:
    """Fetch what the lake is missing for the selection; the one entry point every orchestrator
    calls. ``key`` defaults to ``FOOTBALL_API_KEY`` (an orchestrator may hold it in a resource)."""
    from .client import Budget
    from .lake import open_lake
    from .plugins import registry

    client = ApiClient(config.api, key=key, budget=Budget(max_requests))
    lake = lake or open_lake(config.lake.uri, create_bucket=config.lake.create_bucket)
    return Runner(config, endpoints or registry().endpoints, lake, client, on_progress).run(selection)
