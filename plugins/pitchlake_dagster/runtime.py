"""What the rendered Dagster definitions run: resources, the raw asset factory, the dbt assets,
jobs, schedules and freshness checks.

Like Dagster's own asset factories, this keeps the rendered module declarative: it says which
endpoints exist, how each is partitioned (by its own keys) and what they depend on, and the code
here says how one partition is materialised, which is always the same: ask the pitchlake engine
for the lake partitions it selects and report what it did. The orchestrator holds no logic of its own; smart resume, credits, retries and
the lake protocol stay in the engine, so a partition the lake already has materialises at once
without an API call.

Annotations stay evaluated (no ``from __future__ import annotations``): Dagster reads the
parameters' types to tell the context and the resources apart.
"""

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetRecordsFilter,
    AssetsDefinition,
    AutomationCondition,
    BackfillPolicy,
    Config,
    ConfigurableResource,
    Definitions,
    EnvVar,
    Failure,
    MaterializeResult,
    MetadataValue,
    MultiPartitionsDefinition,
    Output,
    PartitionsDefinition,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    StaticPartitionsDefinition,
    asset,
    asset_check,
    define_asset_job,
    in_process_executor,
    schedule,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pitchlake.config import Config as EngineConfig
from pitchlake.config import lake_uri, load_config
from pitchlake.dbt_sources import check_dbt_sources
from pitchlake.endpoints import REFRESH_DAYS
from pitchlake.exit_codes import ExitCode
from pitchlake.lake import Layout, open_lake
from pitchlake.planner import LakeView, Selection
from pitchlake.plugins import registry
from pitchlake.runner import Summary, ingest
from pitchlake.transform import (
    TESTED_LEAGUE_SEASONS_ENV,
    TransformPlan,
    begin_transform,
    plan_transform,
    record_transform,
)

RAW = "raw"
#: Raw assets spend API credits. Each run's rate limiter only sees its own requests, so the
#: instance's limit on this pool (1 in compose/dagster.yaml) keeps runs from sharing the
#: per-minute quota.
API_POOL = "api_football"
REFRESH_METADATA = "pitchlake/refresh"
#: The lake partition keys an asset is partitioned by (a single dimension's name is not in Dagster's).
KEYS_METADATA = "pitchlake/partition_keys"
#: How late a current-season partition may be past its refresh period before its check warns:
#: a scheduled run may queue behind a backfill.
FRESHNESS_GRACE_HOURS = 6
#: When the daemon evaluates the freshness checks on its own (hourly): a schedule that stopped
#: launching runs turns them red without any materialisation.
FRESHNESS_CRON = "0 * * * *"


class LakeResource(ConfigurableResource):
    """The lake the raw assets write and the dbt models read (``file://...``, ``s3://...``).

    It replaces the config's ``lake.uri``, as ``PITCHLAKE_LAKE`` does for the CLI. The rendered
    definitions take it from that variable, which dbt's profile reads as well (to load httpfs for
    ``s3://``), so the raw assets and the dbt models always see the same lake.
    """

    uri: str


class ApiFootballResource(ConfigurableResource):
    """API-Football access. The key comes from an ``EnvVar``: Dagster stores and shows the name
    of the variable, never its value, and the key reaches the API client only."""

    api_key: str
    #: Requests one run may spend: beyond it the run stops cleanly and the next one resumes.
    max_requests: int | None = None


class PitchlakeResource(ConfigurableResource):
    """The pitchlake engine as the assets see it: the SSOT, the lake and the API."""

    config_path: str
    lake: LakeResource
    api: ApiFootballResource

    def engine_config(self) -> EngineConfig:
        """The SSOT with this resource's lake in place of ``lake.uri``."""
        config = load_config(self.config_path)
        # Like PITCHLAKE_LAKE, a relative file:// lake here is relative to the working directory.
        return replace(config, lake=replace(config.lake, uri=lake_uri(self.lake.uri, Path.cwd())))

    def ingest(self, endpoint: str, partition: Mapping[str, str]) -> tuple[Summary, str]:
        """Fetch what the lake is missing of ``endpoint`` for one Dagster partition: ``partition``
        gives a value for some of its partition keys (none for an unpartitioned asset).

        Returns the run's summary and where in the lake that selection lives; the key is the
        one this resource was configured with.
        """
        return self.ingest_partitions(endpoint, [partition])

    def ingest_partitions(self, endpoint: str, partitions: Sequence[Mapping[str, str]]) -> tuple[Summary, str]:
        """As :meth:`ingest`, for several Dagster partitions at once (a backfill's single run):
        one engine run per product of values among them (one for a range of seasons and
        leagues), so the engine fetches them with its own concurrency under one rate limiter
        and one ``max_requests`` budget. The lake path is the partition's folder for one
        partition, else the endpoint's."""
        config = self.engine_config()
        remaining = self.api.max_requests
        total = Summary()
        for selected in _products(partitions):
            summary = ingest(config, Selection(endpoints=(endpoint,), partitions=selected),
                             max_requests=remaining, key=self.api.api_key)
            total = _merge(total, summary)
            if remaining is not None:
                remaining -= summary.api_requests
            if summary.stopped_reason:
                break
        keys = registry().endpoints[config.endpoint(endpoint).plugin].partition_keys
        partition = partitions[0] if len(partitions) == 1 else {}
        return total, f"{config.lake.uri.rstrip('/')}/{_lake_folder(config, endpoint, keys, partition)}"

    def row_count(self, endpoint: str, partitions: Sequence[Mapping[str, str]]) -> int:
        """The items the lake holds for these Dagster partitions: those of the newest
        ``data.json`` of each lake partition they select (what dbt reads), whether this run
        fetched it or an earlier one did. One LIST of the endpoint and one GET per lake partition."""
        config = self.engine_config()
        lake = open_lake(config.lake.uri)
        return sum(1 for selected in _products(partitions)
                   for _ in LakeView(config, registry().endpoints, lake,
                                     Selection(endpoints=(endpoint,), partitions=selected)).items(endpoint))


def _products(partitions: Sequence[Mapping[str, str]]) -> list[dict[str, tuple[str, ...]]]:
    """Dagster partitions (each a value per key) as engine selections (values per key, taken
    as their product) that select exactly them: one when they are a product (a whole grid, a
    range of seasons of one league), else one per group sharing the same values of the last key."""
    if not partitions:
        return []
    if not partitions[0]:
        return [{}]
    keys = list(partitions[0])
    *first, last = keys
    by_prefix: dict[tuple[str, ...], set[str]] = {}
    for partition in partitions:
        by_prefix.setdefault(tuple(partition[key] for key in first), set()).add(partition[last])
    by_values: dict[frozenset[str], list[tuple[str, ...]]] = {}
    for prefix, values in by_prefix.items():
        by_values.setdefault(frozenset(values), []).append(prefix)
    selections = []
    for values, prefixes in by_values.items():
        axes = [sorted({prefix[i] for prefix in prefixes}) for i in range(len(first))]
        product = 1
        for axis in axes:
            product *= len(axis)
        groups = [prefixes] if product == len(prefixes) else [[prefix] for prefix in prefixes]
        for group in groups:
            selection = {key: tuple(sorted({prefix[i] for prefix in group})) for i, key in enumerate(first)}
            selections.append({**selection, last: tuple(sorted(values))})
    return selections


def _merge(total: Summary, summary: Summary) -> Summary:
    return Summary(
        api_requests=total.api_requests + summary.api_requests,
        partitions_written=total.partitions_written + summary.partitions_written,
        partitions_skipped=total.partitions_skipped + summary.partitions_skipped,
        pages_written=total.pages_written + summary.pages_written,
        out_of_plan=total.out_of_plan + summary.out_of_plan,
        stopped_reason=total.stopped_reason or summary.stopped_reason,
        fix=total.fix or summary.fix,
        failures=[*total.failures, *summary.failures],
        day_remaining=summary.day_remaining if summary.day_remaining is not None else total.day_remaining,
    )


def _lake_folder(config: EngineConfig, endpoint: str, keys: Sequence[str], partition: Mapping[str, str]) -> str:
    """The folder of one lake partition, or of the whole endpoint when the Dagster partition does
    not give every key (teams, countries) and so does not sit under one folder."""
    layout = Layout(config.lake.layout)
    if not set(keys) <= set(partition):
        return layout.prefix(endpoint).rstrip("/")
    return layout.partition_dir(endpoint, tuple(keys), {key: partition[key] for key in keys})


def _closed(config_path: str, endpoint: str) -> Callable[[Mapping[str, str]], bool]:
    """Whether a partition of ``endpoint`` no longer changes, as its plugin says from the
    config's scope (API-Football: a season before the current one)."""
    config = load_config(config_path)
    declared = registry().endpoints[config.endpoint(endpoint).plugin]
    return lambda partition: bool(declared.closed(partition, config.scope))


def raw_asset_key(endpoint: str) -> AssetKey:
    """``raw/<endpoint>``, as the lake's ``raw/<endpoint>/`` prefix."""
    return AssetKey([RAW, endpoint])


@dataclass(frozen=True)
class Partitions:
    """The Dagster partitions of the raw assets keyed by some lake partition keys: none (one
    unpartitioned asset), one (a static partition per value) or several (their product)."""

    values: Mapping[str, Sequence[str]]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.values)

    @cached_property
    def definition(self) -> PartitionsDefinition | None:
        if not self.values:
            return None
        if len(self.values) == 1:
            return StaticPartitionsDefinition(list(*self.values.values()))
        return MultiPartitionsDefinition({key: StaticPartitionsDefinition(list(values)) for key, values in self.values.items()})


def partitions(**values: Sequence[str]) -> Partitions:
    """``partitions(league_id=["39"], season=["2024", "2026"])``: the values of each key."""
    return Partitions(values)


def partition_values(keys: Sequence[str], partitions_def: PartitionsDefinition | None, partition_key: str | None) -> dict[str, str]:
    """A Dagster partition key as the lake partition values it selects (``{}`` unpartitioned)."""
    if partitions_def is None or partition_key is None:
        return {}
    if isinstance(partitions_def, MultiPartitionsDefinition):
        return dict(partitions_def.get_partition_key_from_str(str(partition_key)).keys_by_dimension)
    (key,) = keys
    return {key: str(partition_key)}


def _keys(raw: AssetsDefinition) -> tuple[str, ...]:
    keys = raw.metadata_by_key[raw.key][KEYS_METADATA]
    return tuple(getattr(keys, "value", keys))


def _summary_metadata(summary: Summary, lake_path: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "api_requests": summary.api_requests,
        "pages_written": summary.pages_written,
        "partitions_written": summary.partitions_written,
        "partitions_skipped": summary.partitions_skipped,
        "out_of_plan": summary.out_of_plan,
        "lake_path": MetadataValue.path(lake_path),
    }
    if summary.day_remaining is not None:
        metadata["daily_quota_remaining"] = summary.day_remaining
    return metadata


def endpoint_asset(
    endpoint: str,
    *,
    partitions: Partitions,
    api_path: str,
    refresh: str,
    description: str,
    deps: Sequence[AssetsDefinition] = (),
) -> AssetsDefinition:
    """The raw asset of one enabled endpoint, partitioned by its own keys (a partition is, say,
    one season and league, or one league), materialised by the engine; a backfill of several
    partitions is one run and one engine run (``BackfillPolicy.single_run()``). Its metadata says what
    that cost; a run that failed or stopped early (daily quota, ``max_requests``) fails the
    materialisation, and the next one resumes where it stopped."""

    @asset(
        key=raw_asset_key(endpoint),
        deps=deps,
        partitions_def=partitions.definition,
        group_name=RAW,
        description=description,
        kinds={"python", "json"},
        metadata={"pitchlake/api_path": f"/{api_path}", REFRESH_METADATA: refresh, KEYS_METADATA: list(partitions.keys)},
        pool=API_POOL,
        # A backfill of N partitions is one run, which the engine fetches with its own concurrency.
        backfill_policy=BackfillPolicy.single_run() if partitions.definition is not None else None,
    )
    def _asset(context: AssetExecutionContext, pitchlake: PitchlakeResource) -> MaterializeResult:
        partition_keys = context.partition_keys if partitions.definition is not None else [None]
        if not partition_keys:
            raise Failure(description=(
                f"the run's partition range selects no partition of raw/{endpoint}: a range goes from the first "
                "key to the last in the order Dagster lists them (see the asset's Partitions tab)"))
        selected = [partition_values(partitions.keys, partitions.definition, key) for key in partition_keys]
        summary, lake_path = pitchlake.ingest_partitions(endpoint, selected)
        metadata = _summary_metadata(summary, lake_path)
        if summary.stopped_reason or summary.failures:
            problems = [f"{failure['partition']}: {failure['error']}" for failure in summary.failures]
            if summary.exit_code == ExitCode.STOPPED:
                problems.insert(0, f"stopped early ({summary.stopped_reason}); the next run resumes where it stopped")
            elif summary.stopped_reason:  # a rerun would meet it again
                problems.insert(0, f"stopped: {summary.stopped_reason}" + (f"; {summary.fix}" if summary.fix else ""))
            raise Failure(description="\n".join(problems), metadata=metadata)
        return MaterializeResult(metadata={**metadata, "dagster/row_count": pitchlake.row_count(endpoint, selected)})

    return _asset


#: What a check's ``missing`` says of an unpartitioned asset never materialised.
UNPARTITIONED = "(unpartitioned)"


def _partition_keys(raw: AssetsDefinition) -> list[str | None]:
    return list(raw.partitions_def.get_partition_keys()) if raw.partitions_def is not None else [None]


def ingest_schedule(
    name: str,
    assets: Sequence[AssetsDefinition],
    *,
    cron_schedule: str,
    config_path: str,
) -> ScheduleDefinition:
    """A job ``name`` over ``assets`` (which share their partitions) and its schedule: at each
    tick, a run per partition that is not closed for one of the assets' endpoints (API-Football:
    of the current season; one run for unpartitioned assets). Closed partitions are fetched once,
    ever (backfill them from the UI), so only the others are worth a scheduled run."""
    job = define_asset_job(name, selection=list(assets))
    first = assets[0]
    endpoints = [raw.key.path[-1] for raw in assets]

    @schedule(
        name=f"{name}_schedule",
        cron_schedule=cron_schedule,
        job=job,
        execution_timezone="UTC",
        description=f"Refreshes the partitions of {', '.join(endpoints)} that may still change.",
    )
    def _schedule(context: ScheduleEvaluationContext):
        closed = [_closed(config_path, endpoint) for endpoint in endpoints]
        keys = [key for key in _partition_keys(first)
                if not all(is_closed(partition_values(_keys(first), first.partitions_def, key)) for is_closed in closed)]
        if not keys:
            return SkipReason("every partition is closed: closed partitions are never refreshed")
        return [RunRequest(run_key=key, partition_key=key) if key is not None else RunRequest() for key in keys]

    return _schedule


def _freshness_check(raw: AssetsDefinition, config_path: str) -> AssetChecksDefinition:
    key = raw.key
    refresh = raw.metadata_by_key[key][REFRESH_METADATA]
    period = timedelta(days=REFRESH_DAYS[refresh], hours=FRESHNESS_GRACE_HOURS) if refresh in REFRESH_DAYS else None

    @asset_check(
        asset=raw,
        name="freshness",
        description=(
            "Every partition was materialised; those that are not closed (the current season's) "
            f"within their refresh period ({refresh}) plus {FRESHNESS_GRACE_HOURS} hours."
        ),
        # Evaluated after each materialisation and, by the automation sensor, every hour on its own.
        automation_condition=AutomationCondition.cron_tick_passed(FRESHNESS_CRON) & ~AutomationCondition.in_progress(),
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        missing, stale = [], []
        now = time.time()
        closed = _closed(config_path, key.path[-1])
        partition_keys = _partition_keys(raw)
        for partition in partition_keys:
            records = context.instance.fetch_materializations(
                AssetRecordsFilter(asset_key=key, asset_partitions=[partition] if partition is not None else None), limit=1
            ).records
            if not records:
                missing.append(partition if partition is not None else UNPARTITIONED)
            elif (period is not None and not closed(partition_values(_keys(raw), raw.partitions_def, partition))
                  and now - records[0].timestamp > period.total_seconds()):
                stale.append(partition if partition is not None else UNPARTITIONED)
        return AssetCheckResult(
            passed=not missing and not stale,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "partitions": len(partition_keys),
                "missing": MetadataValue.json(missing),
                "stale": MetadataValue.json(stale),
            },
        )

    return _check


def freshness_checks(assets: Sequence[AssetsDefinition], *, config_path: str) -> list[AssetChecksDefinition]:
    """A ``freshness`` check per raw asset. The refresh policy decides, not a fixed delta: a
    closed partition is fresh once fetched, the others for one refresh period. Dagster's own
    freshness policies judge an asset by its last materialisation, not per partition by a refresh
    rule that exempts closed seasons, hence a check of our own that the daemon runs hourly."""
    return [_freshness_check(raw, config_path) for raw in assets]


def _pitchlake_meta(props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ``meta.pitchlake`` that ``pitchlake.dbt_sources`` writes on every generated source."""
    return (props.get("config", {}).get("meta") or {}).get("pitchlake") or (props.get("meta") or {}).get("pitchlake")


class PitchlakeDbtTranslator(DagsterDbtTranslator):
    """A dbt source generated from the SSOT is the raw asset of its endpoint, so each staging
    model hangs under the raw asset it reads. Models are grouped by layer (``staging``,
    ``intermediate``, ``marts``) and rebuilt once what they read was updated."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source" and _pitchlake_meta(dbt_resource_props):
            return raw_asset_key(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> AutomationCondition | None:
        return AutomationCondition.eager()


#: What dbt parses: a manifest older than any file in these is stale.
DBT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "seeds", "snapshots", "analyses")


def prepare_if_stale(project: DbtProject) -> bool:
    """Parse the dbt project only when its manifest is missing or older than one of its files;
    returns whether it parsed.

    dagster-dbt's ``prepare_if_dev`` parses whenever ``dagster dev`` started the process, and
    ``dagster dev`` starts one per run and per step: each paid a ``dbt parse`` of about 12 s
    for a manifest that had not changed. Comparing modification times costs a few milliseconds,
    so the definitions load at once in every process, and an edited model is still picked up by
    the next load. An image prepares the manifest when it is built (``dagster-dbt project
    prepare-and-package``), and nothing is newer there."""
    manifest = project.manifest_path
    if manifest.exists():
        root = Path(project.project_dir)
        newest = 0.0
        for name in DBT_SOURCES:
            path = root / name
            files = path.rglob("*") if path.is_dir() else [path] if path.exists() else []
            newest = max([newest, *(file.stat().st_mtime for file in files if file.is_file())])
        if manifest.stat().st_mtime >= newest:
            return False
    project.preparer.prepare(project)
    return True


@contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """This process's environment with ``values`` set (None: unset), restored on exit.
    dagster-dbt's ``cli()`` takes no environment: it copies this one when it starts dbt."""
    def put(settings: Mapping[str, str | None]) -> None:
        for name, value in settings.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    saved = {name: os.environ.get(name) for name in values}
    try:
        put(values)
        yield
    finally:
        put(saved)


def _keep_partial_parse(invocation, project: DbtProject) -> None:
    """Leave this run's parse where the next run starts from. dagster-dbt starts every dbt from
    the project's ``partial_parse.msgpack``, which the preparation wrote, and dbt parses the whole
    project again (about 6 s) when its profile differs from that parse's: the warehouse's path and
    the lake are part of it, and an image is prepared where neither is set. This run's file,
    written over the project's in one rename, lets the next run in the same environment parse only
    what changed. A project folder that cannot be written (a read-only image) keeps its file."""
    parsed = Path(invocation.target_path) / "partial_parse.msgpack"
    if not parsed.exists():
        return
    # where dagster-dbt reads it from (dagster_dbt.core.dbt_cli_invocation)
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    target = target if target.is_absolute() else Path(project.project_dir) / target
    written = target / f".partial_parse.{os.getpid()}.msgpack"
    try:
        shutil.copyfile(parsed, written)
        os.replace(written, target / "partial_parse.msgpack")
    except OSError:
        written.unlink(missing_ok=True)


def _with_duckdb_row_counts(invocation, warehouse: str) -> Iterator[Any]:
    """dbt's events with ``dagster/row_count`` on each table built, counted once dbt has exited
    (it holds the DuckDB file locked while it runs) in one read-only connection, closed before
    any downstream step opens the file. dagster-dbt's ``fetch_row_counts`` counts through a dbt
    adapter that keeps its DuckDB instance open in this process, with a configuration that a
    later ``duckdb.connect`` of the same file (a user's asset in the same run) is refused."""
    events, failure = [], None
    try:
        events.extend(invocation.stream())
    except Exception as exc:  # the models built before the failure still report their materialisations
        failure = exc
    nodes = invocation.manifest["nodes"]
    relations = {index: nodes[event.metadata["unique_id"].text]["relation_name"] for index, event in enumerate(events)
                 if isinstance(event, (Output, AssetMaterialization)) and "unique_id" in event.metadata
                 and nodes.get(event.metadata["unique_id"].text, {}).get("config", {}).get("materialized") != "view"}
    counts: dict[int, int] = {}
    if relations and Path(warehouse).exists():
        import duckdb  # with dbt-duckdb, whose warehouse this is

        with duckdb.connect(warehouse, read_only=True) as connection:
            counts = {index: connection.execute(f"select count(*) from {relation}").fetchone()[0]
                      for index, relation in relations.items()}
    for index, event in enumerate(events):
        yield event.with_metadata({**event.metadata, "dagster/row_count": counts[index]}) if index in counts else event
    if failure is not None:
        raise failure


class TransformConfig(Config):
    """Run config of the dbt assets (the launchpad's ``ops: pitchlake_dbt: config:``)."""

    #: Build the selected models from scratch (``dbt build --full-refresh``), as ``pitchlake
    #: transform --full-refresh`` does, and run every test on everything.
    full_refresh: bool = False


def dbt_warehouse(project: DbtProject) -> Path:
    """The DuckDB file a ``dev`` build writes here: dbt runs in the dbt project's folder, against
    which profiles.yml's ``PITCHLAKE_DUCKDB`` (and its default) are relative."""
    return Path(project.project_dir) / os.environ.get("PITCHLAKE_DUCKDB", "warehouse/pitchlake.duckdb")


def downstream_of(manifest: Mapping[str, Any], tables: Sequence[str]) -> set[AssetKey]:
    """The asset keys of the dbt models downstream of the source tables (``api_football.fixtures``)."""
    translator = PitchlakeDbtTranslator()
    pending = [uid for uid, source in manifest["sources"].items()
               if f"{source['source_name']}.{source['name']}" in tables]
    seen: set[str] = set()
    while pending:
        for child in manifest["child_map"].get(pending.pop(), []):
            if child not in seen:
                seen.add(child)
                pending.append(child)
    return {translator.get_asset_key(manifest["nodes"][uid]) for uid in seen
            if manifest["nodes"].get(uid, {}).get("resource_type") in ("model", "seed", "snapshot")}


def covers_plan(context: AssetExecutionContext, manifest: Mapping[str, Any], plan: TransformPlan) -> bool:
    """Whether this run builds all the plan would: then its success may become the transform state
    that ``pitchlake transform`` reads too. A run that selects less (one model from the UI, the
    models of one raw asset while another's new data waits) leaves the state alone, so what it
    did not build stays new."""
    selected = set(context.selected_asset_keys)
    if plan.select is None:
        return selected >= set(context.assets_def.keys)
    return downstream_of(manifest, plan.tables) <= selected


def dbt_models(project: DbtProject) -> AssetsDefinition:
    """The dbt project's models (and its tests, as asset checks) as one ``@dbt_assets``, from a
    manifest parsed only when the project changed (:func:`prepare_if_stale`).

    Dagster selects the models: eager automation asks for those downstream of the raw assets a
    run materialised. What is new in the lake decides the rest, as for ``pitchlake transform``
    (:func:`pitchlake.transform.plan_transform`, one state in the lake for both): nothing new
    since the last transform, and dbt is not started; otherwise the generic tests of the models
    keyed by league season read only the league seasons whose files changed."""
    prepare_if_stale(project)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=PitchlakeDbtTranslator(),
        name="pitchlake_dbt",
    )
    def _models(context: AssetExecutionContext, dbt: DbtCliResource, pitchlake: PitchlakeResource, config: TransformConfig):
        engine = pitchlake.engine_config()
        stale = check_dbt_sources(engine, project.project_dir)
        if stale:
            raise Failure(description="\n".join(
                ["dbt sources are out of date with the config; regenerate them with `pitchlake render dbt`:", *stale]))
        target = dbt.target or "dev"
        lake = open_lake(engine.lake.uri)
        plan = plan_transform(engine, target, full_refresh=config.full_refresh, lake=lake,
                              warehouse=dbt_warehouse(project) if target == "dev" else None)
        context.log.info(plan.reason)
        if plan.nothing:
            return
        complete = covers_plan(context, json.loads(Path(project.manifest_path).read_text()), plan)
        if complete:
            begin_transform(engine, target, plan, lake=lake)
        else:
            context.log.info("this run selects only part of that: what it leaves out stays new for the next transform")
        # The lake and the tested league seasons reach dbt in its environment, as `pitchlake
        # transform` passes them: --vars that differ from the last parse's (the league seasons
        # differ from run to run) make dbt parse the whole project again, about 6 s.
        with _environment({"PITCHLAKE_LAKE": engine.lake.uri, TESTED_LEAGUE_SEASONS_ENV: None, **plan.dbt_env()}):
            invocation = dbt.cli(["build", *(["--full-refresh"] if config.full_refresh else [])], context=context)
        credentials = invocation.adapter.config.credentials if invocation.adapter is not None else None
        if getattr(credentials, "type", None) == "duckdb":
            yield from _with_duckdb_row_counts(invocation, credentials.path)
        else:
            yield from invocation.stream().fetch_row_counts()
        _keep_partial_parse(invocation, project)
        if complete:  # dbt succeeded: a failure raised above
            record_transform(engine, target, plan, lake=lake)

    return _models


def code_location(
    raw_assets: Sequence[AssetsDefinition],
    schedules: Sequence[ScheduleDefinition],
    *,
    config_path: str,
    dbt_project: DbtProject,
) -> Definitions:
    """The raw assets and their schedules, with what every pitchlake code location adds: the
    dbt models, the freshness checks, one process per run, and the resources (the lake from
    ``PITCHLAKE_LAKE`` and the key from ``FOOTBALL_API_KEY``, read when a run starts). The
    rendered module and :func:`pitchlake_dagster.definitions` both end here."""
    return Definitions(
        assets=[*raw_assets, dbt_models(dbt_project)],
        # A run's steps share its process: each step process would load the definitions again
        # (dagster and dagster-dbt, about 4 s), and the engine runs its requests concurrently itself.
        executor=in_process_executor,
        asset_checks=freshness_checks(raw_assets, config_path=config_path),
        schedules=list(schedules),
        resources={
            "pitchlake": PitchlakeResource(
                config_path=config_path,
                lake=LakeResource(uri=EnvVar("PITCHLAKE_LAKE")),
                api=ApiFootballResource(api_key=EnvVar("FOOTBALL_API_KEY")),
            ),
            "dbt": DbtCliResource(project_dir=dbt_project),
        },
    )
