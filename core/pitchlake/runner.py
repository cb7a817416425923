"""Ingestion: run a plan with a bounded worker pool, writing each partition by the lake protocol.

Every response is checked (by the client, then the endpoint's item schema:
:func:`pitchlake.endpoints.check_items`) before it is written. How a partition is fetched depends
on its endpoint's kind (:class:`Single`, :class:`Paginated`, :class:`Batched`): a single
response is the partition's ``data.json``; pages and batches are checkpointed under ``_pages/`` as
they arrive and merged (:meth:`pitchlake.endpoints.Endpoint.merge`) into ``data.json`` last, with a
conditional write, so a crash at any point loses at most the requests in flight and two runners
never both write one partition. A partition's lease is taken on its first request and renewed as
its pages arrive, so a concurrent run leaves it alone.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from . import lease
from .client import (
    KEY_ENV,
    ApiClient,
    BadResponse,
    BudgetExhausted,
    FatalApiError,
    OutOfPlan,
    OverLimit,
    QuotaExhausted,
    Response,
)
from .config import Config
from .endpoints import Endpoint, check_items
from .exit_codes import ExitCode
from .lake import AlreadyExists, CorruptObject, LakeBackend, LakeError, Layout, quarantine
from .lease import LEASE_SECONDS, Lease
from .planner import OUT_OF_PLAN, Phase, Plan, Selection, Task, page_name, phases, plan, read_document, stages, today
from .quota import forecast

log = logging.getLogger(__name__)

#: Stops that the next run resumes where they left off. Any other stop is an error that a rerun
#: meets again: the summary's ``fix`` says what to change first.
RESUMABLE = ("daily_quota", "daily_quota_kept", "max_requests", "interrupted")
#: The most pages one paginated partition may have: what its first page says is believed up to
#: this, and beyond it the partition fails (:class:`pitchlake.client.OverLimit`) with nothing
#: written. The largest real page count recorded is 51 (API-Football's players of a Premier League
#: season, 20 a page); 1,000 pages is twenty times that (20,000 players a league season), and with
#: bodies of at most MAX_BODY_BYTES still bounds what one partition can cost.
MAX_PAGES = 1000
#: The most bytes of pages one fetch may checkpoint: its merge parses them all at once (about six
#: times their size in Python objects), so this bounds its memory, as MAX_BODY_BYTES bounds one
#: answer's. The largest real partition is a closed season's match details fetched at once: 380
#: matches of 38 KB, 14.5 MB. Beyond the limit the fetch fails (:class:`pitchlake.client.OverLimit`)
#: before the page is written. Pages an earlier run checkpointed are not counted.
MAX_FETCH_BYTES = 24 * 1024 * 1024


@dataclass
class Summary:
    #: requests sent (an attempt that never left, such as a connection refused, is not one)
    api_requests: int = 0
    partitions_written: int = 0
    partitions_skipped: int = 0
    pages_written: int = 0
    out_of_plan: int = 0
    #: why the run stopped early: one of RESUMABLE, or an error a rerun meets again,
    #: ``fatal: <the API's error>`` or ``lake: <the first lake failure>``
    stopped_reason: str | None = None
    failures: list[dict] = field(default_factory=list)
    day_remaining: int | None = None
    #: what to change before running again, when the run stopped on an error no rerun gets past
    fix: str | None = None
    #: corrupt lake objects moved aside (:func:`pitchlake.lake.quarantine`), ``{"key", "reason",
    #: "moved_to"}`` each; their partitions were planned as if they had never been written
    quarantined: list[dict] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        if self.stopped_reason in RESUMABLE:
            return ExitCode.STOPPED
        return ExitCode.FAILED if self.stopped_reason or self.failures else ExitCode.OK

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
            "fix": self.fix,
            "quarantined": self.quarantined,
        }


@dataclass(eq=False)
class PartitionFetch:
    """One partition being fetched: its pages and how far it got, shared by the workers that
    fetch its requests (``lock`` guards it)."""

    task: Task
    #: the fetch's folder: ``data.json``, ``_pages/`` and the lease live in it
    dir: str
    kind: FetchKind
    #: page numbers checkpointed in the lake (those of an earlier, interrupted run included)
    pages: set[int] = field(default_factory=set)
    #: a paginated fetch's page count, once its first page said it
    total: int | None = None
    #: bytes of the pages this run checkpointed (:data:`MAX_FETCH_BYTES`)
    size: int = 0
    merged: bool = False
    #: a request failed: nothing more is sent (requests in flight are still written, for a resume)
    failed: bool = False
    #: the API said the partition is out of plan: its checkpoints are gone, nothing more is written
    dropped: bool = False
    lease: Lease | None = None
    lease_taken: bool = False  # tried already (held by us, or by another run)
    lease_renewed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> Endpoint:
        return self.task.endpoint


@dataclass(frozen=True, eq=False)
class Request:
    """One request of a fetch, checkpointed as page ``page`` (a single fetch's is written as the
    partition's ``data.json`` instead)."""

    fetch: PartitionFetch
    page: int
    params: dict[str, str]


@dataclass(frozen=True, eq=False)
class Resume:
    """No request: carry on a fetch from what the lake holds (a paginated fetch learns its page
    count from its first page; a batched fetch whose every batch was fetched before a crash merges)."""

    fetch: PartitionFetch


#: What the worker pool is handed, one at a time.
Work = Request | Resume


class FetchKind:
    """How partitions of one kind of endpoint (:data:`pitchlake.endpoints.KINDS`) are fetched:
    the work a fetch starts with, what a checkpointed page tells it, the work that follows, and
    when it is complete. All but :meth:`start` and :meth:`check` are called with the fetch's lock held."""

    #: False: the one response is the partition's ``data.json``, no page is checkpointed.
    checkpointed = True

    def start(self, fetch: PartitionFetch) -> list[Work]:
        raise NotImplementedError

    def check(self, fetch: PartitionFetch, document: Any) -> None:
        """A response of the fetch, before anything of it is written: raise to refuse it. Called
        without the lock."""

    def on_page(self, fetch: PartitionFetch, page: int, document: Any) -> None:
        """Page ``page`` of the fetch was checkpointed."""

    def follow_up(self, fetch: PartitionFetch, work: Work, first_page: Callable[[], Any]) -> Iterable[Work]:
        """The requests that follow ``work`` (done), false when there are none; ``first_page()``
        reads page 1 from the lake. They are taken one at a time, as the pool has room."""
        return []

    def complete(self, fetch: PartitionFetch) -> bool:
        """Every page is in the lake: merge."""
        raise NotImplementedError


class Single(FetchKind):
    """One request, whose body is written as the partition's ``data.json``."""

    checkpointed = False

    def start(self, fetch: PartitionFetch) -> list[Work]:
        return [Request(fetch, 0, fetch.task.params)]

    def complete(self, fetch: PartitionFetch) -> bool:
        return False


class Paginated(FetchKind):
    """Page 1 says how many pages there are; the others are then fetched before any new
    partition's first page. A resumed fetch reads page 1 from the lake instead."""

    def start(self, fetch: PartitionFetch) -> list[Work]:
        if 1 in fetch.task.done_pages:
            return [Resume(fetch)]
        return [Request(fetch, 1, fetch.task.params)]

    def check(self, fetch: PartitionFetch, document: Any) -> None:
        """Every page says how many there are: a count over MAX_PAGES fails the fetch before
        the page is written."""
        self.page_count(fetch, document)

    def on_page(self, fetch: PartitionFetch, page: int, document: Any) -> None:
        if page == 1:
            fetch.total = self.page_count(fetch, document)

    def follow_up(self, fetch: PartitionFetch, work: Work, first_page: Callable[[], Any]) -> Iterable[Work]:
        if fetch.total is None:
            fetch.total = self.page_count(fetch, first_page())
        if isinstance(work, Request) and work.page != 1:
            return []
        return Pages(fetch, 2, fetch.total)

    def complete(self, fetch: PartitionFetch) -> bool:
        return all(number in fetch.pages for number in range(1, fetch.total + 1))

    @staticmethod
    def page_count(fetch: PartitionFetch, document: Any) -> int:
        """The endpoint's page count of ``document``, refused when it is no whole number or over
        :data:`MAX_PAGES`: a body cannot make the run queue more pages than that."""
        try:
            total = fetch.endpoint.page_count(document)
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise BadResponse(f"the page count of the answer cannot be read: {type(exc).__name__}: {exc}") from None
        if not isinstance(total, int) or isinstance(total, bool):
            raise BadResponse(f"the page count of the answer is {type(total).__name__}, not a whole number")
        if total > MAX_PAGES:
            raise OverLimit(f"the answer says the partition has {total} pages, over the limit of {MAX_PAGES} pages "
                            "(MAX_PAGES); none of them was written")
        return total


@dataclass(frozen=True, eq=False)
class Pages:
    """The requests of pages ``first`` to ``last`` of a paginated fetch that are not in the lake,
    made one at a time as the pool takes them (a page count never becomes that many requests at
    once); none once the fetch has failed. False when every one of those pages is in."""

    fetch: PartitionFetch
    first: int
    last: int

    def __iter__(self) -> Iterator[Work]:
        fetch = self.fetch
        for number in range(self.first, self.last + 1):
            if fetch.failed or fetch.dropped:
                return
            if number not in fetch.pages:
                yield Request(fetch, number, fetch.endpoint.page_request(fetch.task.params, number))

    def __bool__(self) -> bool:
        return any(number not in self.fetch.pages for number in range(self.first, self.last + 1))


class Batched(FetchKind):
    """One request per batch of ids the planner found missing; complete when every batch has
    its page (a fetch whose batches were all fetched before a crash only merges)."""

    def start(self, fetch: PartitionFetch) -> list[Work]:
        return [Request(fetch, batch.page, batch.params) for batch in fetch.task.batches] or [Resume(fetch)]

    def complete(self, fetch: PartitionFetch) -> bool:
        return len(fetch.pages) >= len(fetch.task.done_pages) + len(fetch.task.batches)


#: The fetch strategy of each endpoint kind.
KINDS: dict[str, FetchKind] = {"single": Single(), "paginated": Paginated(), "batched": Batched()}


class Runner:
    def __init__(self, config: Config, endpoints: Mapping[str, Endpoint], lake: LakeBackend, client: ApiClient,
                 on_progress: Callable[[Summary, str], None] | None = None,
                 on_plan: Callable[[Plan], None] | None = None):
        self.config = config
        self.endpoints = endpoints
        self.lake = lake
        self.client = client
        self.layout = Layout(config.lake.layout)
        self.summary = Summary()
        self.on_progress = on_progress or (lambda summary, label: None)
        #: called with each stage's plan before it runs (a progress line grows its total with it)
        self.on_plan = on_plan or (lambda stage_plan: None)
        self._lock = threading.Lock()
        #: partitions planned as tasks and then left to another run (its lease, or its data.json
        #: written first): skipped, though the plan had them as tasks
        self._left_to_others: set[tuple] = set()
        #: what derives made of the lake's objects, for every plan of the run (LakeView.facts)
        self._facts: dict[tuple[str, str], Any] = {}

    def run(self, selection: Selection = Selection(), date: str | None = None) -> Summary:
        """Phase by phase (:func:`pitchlake.planner.phases`: the partitions still changing, then
        the closed ones a group at a time), each stage by stage, planning each stage against the
        lake as the stages before left it."""
        date = date or today()
        skipped: set[tuple] = set()
        fetched: set[tuple] = set()
        # a run narrowed to a part of the scope leaves the rest's changing partitions their share
        keep_for_others = bool(selection.endpoints) or any(selection.partitions.values())
        ordered, whole = self._phases(selection, date)
        skipped |= {_partition_of(skip.name, skip.partition) for skip in whole.skipped}
        for number, phase in enumerate(ordered):
            for stage in stages(self.config, self.endpoints):
                stage_plan = plan(self.config, self.endpoints, self.lake, selection, date, stage_entries=stage, phase=phase,
                                 facts=self._facts)
                # A partition an earlier phase fetched is planned again only if it failed: once a run
                # (it is reported; the next run retries it), not again in each phase.
                stage_plan.tasks = [task for task in stage_plan.tasks
                                    if _partition_of(task.name, task.partition) not in fetched]
                self.on_plan(stage_plan)
                if number and keep_for_others and stage_plan.tasks:
                    self.client.budget.keep, keep_for_others = self._kept_for_changing(date), False
                # A partition skipped by an earlier stage is planned again when a later one found its
                # data.json corrupt (quarantined): it is fetched, no longer skipped; and a later
                # phase plans again what earlier ones fetched or skipped: it counts once.
                skipped |= {_partition_of(skip.name, skip.partition) for skip in stage_plan.skipped}
                fetched |= {_partition_of(task.name, task.partition) for task in stage_plan.tasks}
                self._execute(stage_plan)
                self.summary.partitions_skipped = len((skipped - fetched) | self._left_to_others)
                if self.summary.stopped_reason:
                    break
            if self.summary.stopped_reason:
                break
        self.summary.api_requests = self.client.budget.used
        self.summary.day_remaining = self.client.budget.day_remaining
        return self.summary

    def _phases(self, selection: Selection, date: str) -> tuple[list[Phase], Plan]:
        """The phases with something to fetch, as one plan of the whole selection sees it: each
        phase plans stage by stage, and each plan LISTs the lake, so a closed phase with nothing
        to fetch would cost a LIST of every endpoint for nothing (a lake of 20 closed seasons has
        21 phases). The first phase always runs (it also sweeps what earlier runs left), and
        every phase when an endpoint waits for sources with work (its partitions are not known
        before they are fetched). Also returns that plan: what it skips is skipped by the run."""
        ordered = phases(self.config, self.endpoints)
        whole = plan(self.config, self.endpoints, self.lake, selection, date, facts=self._facts)
        if whole.deferred:
            return ordered, whole
        return [ordered[0], *(phase for phase in ordered[1:]
                              if any(phase.admits(task.endpoint, task.partition) for task in whole.tasks))], whole

    def _kept_for_changing(self, date: str) -> int:
        """What the partitions still changing need of today's quota, for a run narrowed to a part
        of the scope to leave them before it backfills closed ones: the quota planner's first day
        (what the lake says they need today, those this run selected being fetched by now, and what
        follows from it: the table and the details of yesterday's matches)."""
        full = plan(self.config, self.endpoints, self.lake, Selection(), date, facts=self._facts)
        needs = forecast(self.config, self.endpoints, self.lake, full, date)
        keep = needs.first_day
        if keep:
            log.info("keeping %d requests of today's quota for the partitions still changing outside this run", keep)
        return keep

    def _execute(self, stage_plan: Plan) -> None:
        """Requests are handed to the pool a few at a time, not all at once: a stop (quota,
        budget, Ctrl-C, a lake failure) then leaves nothing queued to spend credits after it, and
        the next page of a partition already under way goes before the first page of a new one."""
        for key in stage_plan.cleanup:
            self.lake.delete(key)
        for key, reason in stage_plan.quarantine:  # corrupt objects the stage was planned without
            if all(moved["key"] != key for moved in self.summary.quarantined):  # one a move failed for, found again
                self.summary.quarantined.append(quarantine(self.lake, key, reason))
        fetches = [self._fetch(task) for task in stage_plan.tasks]
        # Each fetch's work, and what follows done work, as iterators: the next unit is made only
        # when the pool has room for it (a paginated fetch's pages one at a time).
        queue: deque[Iterator[Work]] = deque(iter(fetch.kind.start(fetch)) for fetch in fetches)
        # Set by the worker whose work failed on the lake, before that worker takes other work:
        # from then on no unit starts, so nothing more is sent than what was in flight.
        halt = threading.Event()

        def unit(work: Work) -> Iterable[Work]:
            if halt.is_set() or self.summary.stopped_reason:
                return []  # never started: the fetch resumes in the next run
            return self._work(work)

        def on_done(future: Future) -> None:
            if not future.cancelled() and self._from_lake(future.exception()):
                halt.set()

        in_flight = 2 * self.config.api.concurrency
        running: dict[Future, PartitionFetch] = {}
        with ThreadPoolExecutor(max_workers=self.config.api.concurrency, thread_name_prefix="pitchlake") as pool:
            try:
                while True:
                    while queue and len(running) < in_flight and not (self.summary.stopped_reason or halt.is_set()):
                        work = next(queue[0], None)
                        if work is None:
                            queue.popleft()
                            continue
                        future = pool.submit(unit, work)
                        running[future] = work.fetch
                        future.add_done_callback(on_done)
                    if self.summary.stopped_reason or halt.is_set():
                        for future in running:  # queued, not started: cancelled, never sent
                            future.cancel()
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        fetch = running.pop(future)
                        if future.cancelled():
                            continue
                        try:
                            follow_up = future.result()
                        except Exception as exc:
                            self._failed(fetch, exc)
                            continue
                        if follow_up:
                            queue.appendleft(iter(follow_up))
            except KeyboardInterrupt:
                # Ctrl-C or SIGTERM (an ECS task being stopped): the requests in flight finish and
                # are written, nothing new is sent, and the summary says how far the run got.
                self.summary.stopped_reason = self.summary.stopped_reason or "interrupted"
                for future in running:
                    future.cancel()
        for fetch in fetches:  # a stopped run lets the next one resume at once
            self._release_quietly(fetch)

    def _fetch(self, task: Task) -> PartitionFetch:
        folder = self.layout.fetch_dir(task.name, task.endpoint.partition_keys, task.partition, task.ingestion_date)
        return PartitionFetch(task, folder, KINDS[task.endpoint.kind], pages=set(task.done_pages))

    def _work(self, work: Work) -> list[Work]:
        """One unit of work: send its request, check the response and write it (the partition's
        ``data.json``, or a checkpointed page); then what the fetch's kind says follows, more
        pages or, once every page is in, the merge. Returns the work that follows."""
        fetch = work.fetch
        if fetch.failed or not self._hold(fetch):  # failed already, or another run fetches it
            return []
        if isinstance(work, Request):
            response = self._request(fetch, work.params)
            try:
                if not fetch.kind.checkpointed:
                    self._write_data(fetch, response.body)
                    return []
                if not self._checkpoint(fetch, work.page, response):
                    return []
            finally:
                response.release()  # written: a large answer lets the next one be read
        with fetch.lock:
            follow_up = fetch.kind.follow_up(fetch, work, lambda: self._read_page(fetch, 1))
            if follow_up:
                return follow_up
            if fetch.merged or not fetch.kind.complete(fetch):
                return []
            fetch.merged = True
        self._merge(fetch)
        return []

    def _request(self, fetch: PartitionFetch, params: Mapping[str, str]) -> Response:
        """Send one request and check its items; the summary and the progress see it at once."""
        task = fetch.task
        response = self.client.get(task.endpoint.path, params)
        try:
            check_items(task.endpoint, response.envelope)
            fetch.kind.check(fetch, response.envelope)
            with self._lock:
                self.summary.api_requests = self.client.budget.used
                self.summary.day_remaining = self.client.budget.day_remaining
            self.on_progress(self.summary, task.label)
        except BaseException:
            response.release()
            raise
        return response

    def _checkpoint(self, fetch: PartitionFetch, page: int, response: Response) -> bool:
        """Write a page under ``_pages/``, renewing the lease now and then; False when the fetch
        was dropped meanwhile (out of plan), and nothing is written."""
        with fetch.lock:
            if fetch.dropped:
                return False
            if fetch.size + len(response.body) > MAX_FETCH_BYTES:
                raise OverLimit(f"the pages of the partition pass the limit of {MAX_FETCH_BYTES // 2**20} MiB "
                                f"(MAX_FETCH_BYTES) at page {page}; that page was not written")
            fetch.size += len(response.body)
            self._put(f"{fetch.dir}/{page_name(page)}", response.body)
            fetch.pages.add(page)
            if time.monotonic() - fetch.lease_renewed > LEASE_SECONDS / 3 and fetch.lease:
                lease.renew(self.lake, fetch.lease)
                fetch.lease_renewed = time.monotonic()
            fetch.kind.on_page(fetch, page, response.envelope)
        with self._lock:
            self.summary.pages_written += 1
        return True

    def _read_page(self, fetch: PartitionFetch, number: int) -> Any:
        """A checkpointed page. The plan read the pages of a fetch it resumes, so one corrupt now
        went bad since: it is quarantined and the fetch fails (the run goes on); the next run
        fetches that page again."""
        key = f"{fetch.dir}/{page_name(number)}"
        try:
            return read_document(self.lake, key, fetch.endpoint)
        except CorruptObject as exc:
            self.summary.quarantined.append(quarantine(self.lake, key, exc.reason))  # list.append: thread-safe
            raise

    def _merge(self, fetch: PartitionFetch) -> None:
        """The pages, in order, merged by the endpoint into the partition's ``data.json``."""
        numbers = sorted(fetch.pages)
        if not numbers:
            return
        merged = fetch.endpoint.merge([self._read_page(fetch, number) for number in numbers])
        self._write_data(fetch, json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode())
        # The pages are in data.json now; left in place they would multiply what every later
        # plan has to LIST (27 keys a players partition instead of 1).
        for number in numbers:
            self.lake.delete(f"{fetch.dir}/{page_name(number)}")

    def _hold(self, fetch: PartitionFetch) -> bool:
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
                    self._leave_to_others(fetch)
            return fetch.lease is not None

    def _release(self, fetch: PartitionFetch) -> None:
        with fetch.lock:
            if fetch.lease is not None:
                lease.release(self.lake, fetch.lease)
                fetch.lease = None

    def _write_data(self, fetch: PartitionFetch, body: bytes) -> None:
        written = self._put(f"{fetch.dir}/data.json", body)
        self._release(fetch)
        with self._lock:
            if written:
                self.summary.partitions_written += 1
        if not written:
            self._leave_to_others(fetch)

    def _leave_to_others(self, fetch: PartitionFetch) -> None:
        with self._lock:
            self._left_to_others.add(_partition_of(fetch.task.name, fetch.task.partition))
            self.summary.partitions_skipped += 1  # live; run() counts each partition once after the stage

    def _put(self, key: str, body: bytes) -> bool:
        """Conditional write: another runner that got there first wins, and nothing is lost."""
        try:
            self.lake.put(key, body, if_absent=True)
            return True
        except AlreadyExists:
            log.info("%s was written by another run meanwhile; keeping theirs", key)
            return False

    def _failed(self, fetch: PartitionFetch, exc: Exception) -> None:
        """What a unit's error means for the run (in the thread that hands the pool its work, one
        unit at a time). Never raises: a lake operation failing here (releasing the lease, recording an out-of-plan
        partition) is reported as a lake failure of its own if it is the first, and otherwise
        logged, so it never masks the error being handled."""
        task = fetch.task
        if not isinstance(exc, (BudgetExhausted, QuotaExhausted)):
            fetch.failed = True  # the run goes on; in-flight pages are still written for a resume
        if self._from_lake(exc):
            self._lake_failed(fetch, exc)
            self._release_quietly(fetch)
            return
        try:
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
                    if not self.summary.stopped_reason:
                        self.summary.stopped_reason, self.summary.fix = f"fatal: {exc}", _fix(exc)
                    self.summary.failures.append({"partition": task.label, "error": str(exc)})
                else:
                    self.summary.failures.append({"partition": task.label, "error": f"{type(exc).__name__}: {exc}"})
                    log.error("%s failed: %s", task.label, exc)
        except Exception as lake_exc:  # the out-of-plan record or the drop of its checkpoints
            self._lake_failed(fetch, lake_exc)
        self._release_quietly(fetch)

    def _from_lake(self, exc: BaseException | None) -> bool:
        """Whether ``exc`` is a lake failure: a :class:`LakeError`, or any exception raised inside
        a method of this run's lake backend (a plugin's backend may raise its own)."""
        if exc is None or isinstance(exc, AlreadyExists):
            return False
        if isinstance(exc, LakeError):
            return True
        trace = exc.__traceback__
        while trace is not None:
            if trace.tb_frame.f_locals.get("self") is self.lake:
                return True
            trace = trace.tb_next
        return False

    def _lake_failed(self, fetch: PartitionFetch, exc: BaseException) -> None:
        """The first lake failure stops the run (no new unit starts; what is in flight finishes)
        and is the one the summary reports; later ones, often the same cause, are logged."""
        with self._lock:
            first = self.summary.stopped_reason is None or self.summary.stopped_reason in RESUMABLE
            if first:
                error = str(exc) if isinstance(exc, LakeError) else f"{type(exc).__name__}: {exc}"
                self.summary.stopped_reason, self.summary.fix = f"lake: {error}", _fix(exc)
                self.summary.failures.append({"partition": fetch.task.label, "error": f"{type(exc).__name__}: {exc}"})
        if first:
            log.error("%s failed on the lake: %s; stopping the run", fetch.task.label, exc)
        else:
            log.warning("%s: also failed on the lake: %s", fetch.task.label, exc)

    def _release_quietly(self, fetch: PartitionFetch) -> None:
        """Release the fetch's lease, best-effort: when the lake refuses, the lease is left behind
        (the next run on this host breaks it at once, another host once it expires) and the
        failure is reported or logged (:meth:`_lake_failed`), never raised."""
        try:
            self._release(fetch)
        except Exception as exc:
            with fetch.lock:
                fetch.lease = None  # not tried again
            self._lake_failed(fetch, exc)


def _partition_of(endpoint: str, partition: Mapping[str, Any]) -> tuple:
    return endpoint, tuple(sorted(partition.items()))


def _fix(exc: BaseException) -> str:
    """What to change after an error the next run would meet again."""
    if isinstance(exc, FatalApiError):
        if KEY_ENV in str(exc):
            return f"set {KEY_ENV} to a key the API accepts, then run again"
        return "check the config's api.base_url and the endpoint's params (or its plugin), then run again"
    return ("check that the lake is reachable and writable (its folder or bucket, permissions, free space, "
            "the S3 endpoint and credentials), then run again; what was written is kept and resumed")


def ingest(config: Config, selection: Selection = Selection(), *, max_requests: int | None = None,
           on_progress: Callable[[Summary, str], None] | None = None, lake: LakeBackend | None = None,
           endpoints: Mapping[str, Endpoint] | None = None, key: str | None = None,
           on_plan: Callable[[Plan], None] | None = None) -> Summary:
    """Fetch what the lake is missing for the selection; the one entry point every orchestrator
    calls. ``key`` defaults to ``FOOTBALL_API_KEY`` (an orchestrator may hold it in a resource)."""
    from .client import Budget
    from .lake import open_lake
    from .plugins import registry

    client = ApiClient(config.api, key=key, budget=Budget(max_requests))
    lake = lake or open_lake(config.lake.uri, create_bucket=config.lake.create_bucket)
    return Runner(config, endpoints or registry().endpoints, lake, client, on_progress, on_plan=on_plan).run(selection)
