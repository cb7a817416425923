"""What the rendered Dagster definitions run: resources, the raw asset factory, the dbt assets,
jobs, schedules and freshness checks.

Like Dagster's own asset factories, this keeps the rendered module declarative: it says which
endpoints exist and what they depend on, and the code here says how one partition is
materialised, which is always the same: ask the pitchlake engine for that season and league and
report what it did. The orchestrator holds no logic of its own; smart resume, credits, retries and
the lake protocol stay in the engine, so a partition the lake already has materialises at once
without an API call.

Annotations stay evaluated (no ``from __future__ import annotations``): Dagster reads the
parameters' types to tell the context and the resources apart.
"""

import json
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetKey,
    AssetRecordsFilter,
    AssetsDefinition,
    AutomationCondition,
    ConfigurableResource,
    Failure,
    MaterializeResult,
    MetadataValue,
    MultiPartitionsDefinition,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    StaticPartitionsDefinition,
    asset,
    asset_check,
    schedule,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pitchlake.config import Config, lake_uri, load_config
from pitchlake.dbt_sources import check_dbt_sources
from pitchlake.lake import Layout
from pitchlake.planner import REFRESH_DAYS, Selection
from pitchlake.plugins import registry
from pitchlake.runner import Summary, ingest

if TYPE_CHECKING:  # what define_asset_job returns; dagster does not export the class
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

SEASON, LEAGUE = "season", "league_id"
RAW = "raw"
#: Raw assets spend API credits. Each run's rate limiter only sees its own requests, so the
#: instance's limit on this pool (1 in compose/dagster.yaml) keeps runs from sharing the
#: per-minute quota.
API_POOL = "api_football"
REFRESH_METADATA = "pitchlake/refresh"
#: How late a current-season partition may be past its refresh period before its check warns:
#: a scheduled run may queue behind a backfill.
FRESHNESS_GRACE_HOURS = 6


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

    def engine_config(self) -> Config:
        """The SSOT with this resource's lake in place of ``lake.uri``."""
        config = load_config(self.config_path)
        # Like PITCHLAKE_LAKE, a relative file:// lake here is relative to the working directory.
        return replace(config, lake=replace(config.lake, uri=lake_uri(self.lake.uri, Path.cwd())))

    def ingest(self, endpoint: str, season: str, league: str) -> tuple[Summary, str]:
        """Fetch what the lake is missing of ``endpoint`` for one season and league.

        Returns the run's summary and where in the lake that selection lives; the key is the
        one this resource was configured with.
        """
        config = self.engine_config()
        selection = Selection(endpoints=(endpoint,), seasons=(season,), leagues=(league,))
        summary = ingest(config, selection, max_requests=self.api.max_requests, key=self.api.api_key)
        keys = registry().endpoints[config.endpoint(endpoint).plugin].partition_keys
        return summary, f"{config.lake.uri.rstrip('/')}/{_lake_folder(config, endpoint, keys, season, league)}"


def _lake_folder(config: Config, endpoint: str, keys: Sequence[str], season: str, league: str) -> str:
    """The folder of one season and league, or of the whole endpoint when its partitions are
    keyed otherwise (teams, countries) and so do not sit under one folder."""
    layout = Layout(config.lake.layout)
    if not set(keys) <= {SEASON, LEAGUE}:
        return layout.prefix(endpoint).rstrip("/")
    values = {SEASON: season, LEAGUE: league}
    return layout.partition_dir(endpoint, tuple(keys), {key: values[key] for key in keys})


def raw_asset_key(endpoint: str) -> AssetKey:
    """``raw/<endpoint>``, as the lake's ``raw/<endpoint>/`` prefix."""
    return AssetKey([RAW, endpoint])


def season_league_partitions(*, seasons: Sequence[str], leagues: Sequence[str]) -> MultiPartitionsDefinition:
    return MultiPartitionsDefinition(
        {SEASON: StaticPartitionsDefinition(list(seasons)), LEAGUE: StaticPartitionsDefinition(list(leagues))}
    )


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
    partitions_def: MultiPartitionsDefinition,
    api_path: str,
    refresh: str,
    description: str,
    deps: Sequence[AssetsDefinition] = (),
) -> AssetsDefinition:
    """The raw asset of one enabled endpoint: a partition is one season and league, materialised
    by the engine. Its metadata says what that cost; a run that failed or stopped early (daily
    quota, ``max_requests``) fails the materialisation, and the next one resumes where it stopped."""

    @asset(
        key=raw_asset_key(endpoint),
        deps=deps,
        partitions_def=partitions_def,
        group_name=RAW,
        description=description,
        kinds={"python", "json"},
        metadata={"pitchlake/api_path": f"/{api_path}", REFRESH_METADATA: refresh},
        pool=API_POOL,
    )
    def _asset(context: AssetExecutionContext, pitchlake: PitchlakeResource) -> MaterializeResult:
        keys = context.partition_key.keys_by_dimension
        summary, lake_path = pitchlake.ingest(endpoint, keys[SEASON], keys[LEAGUE])
        metadata = _summary_metadata(summary, lake_path)
        if summary.stopped_reason or summary.failures:
            problems = [f"{failure['partition']}: {failure['error']}" for failure in summary.failures]
            if summary.stopped_reason:
                problems.insert(0, f"stopped early ({summary.stopped_reason}); the next run resumes where it stopped")
            raise Failure(description="\n".join(problems), metadata=metadata)
        return MaterializeResult(metadata=metadata)

    return _asset


def current_season_schedule(
    job: "UnresolvedAssetJobDefinition",
    *,
    cron_schedule: str,
    season: str,
    partitions_def: MultiPartitionsDefinition,
) -> ScheduleDefinition:
    """A run of ``job`` per league of the current season at each tick. Closed seasons are fetched
    once, ever (backfill them from the UI), so only the current season is worth a daily run."""

    @schedule(
        name=f"{job.name}_schedule",
        cron_schedule=cron_schedule,
        job=job,
        execution_timezone="UTC",
        description=f"Refreshes the current season ({season}) of {job.name}.",
    )
    def _schedule(context: ScheduleEvaluationContext):
        keys = [key for key in partitions_def.get_partition_keys() if key.keys_by_dimension[SEASON] == season]
        if not keys:
            return SkipReason(f"season {season} is not in the scope: closed seasons are never refreshed")
        return [RunRequest(run_key=key, partition_key=key) for key in keys]

    return _schedule


def _freshness_check(raw: AssetsDefinition, current_season: str) -> AssetChecksDefinition:
    key = raw.key
    partitions_def = raw.partitions_def
    refresh = raw.metadata_by_key[key][REFRESH_METADATA]
    period = timedelta(days=REFRESH_DAYS[refresh], hours=FRESHNESS_GRACE_HOURS) if refresh in REFRESH_DAYS else None

    @asset_check(
        asset=raw,
        name="freshness",
        description=(
            "Every partition was materialised; those of the current season within their refresh "
            f"period ({refresh}) plus {FRESHNESS_GRACE_HOURS} hours."
        ),
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        missing, stale = [], []
        now = time.time()
        for partition in partitions_def.get_partition_keys():
            records = context.instance.fetch_materializations(
                AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1
            ).records
            if not records:
                missing.append(partition)
            elif (period is not None and partition.keys_by_dimension[SEASON] == current_season
                  and now - records[0].timestamp > period.total_seconds()):
                stale.append(partition)
        return AssetCheckResult(
            passed=not missing and not stale,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "partitions": len(partitions_def.get_partition_keys()),
                "missing": MetadataValue.json(missing),
                "stale": MetadataValue.json(stale),
            },
        )

    return _check


def freshness_checks(assets: Sequence[AssetsDefinition], *, current_season: str) -> list[AssetChecksDefinition]:
    """A ``freshness`` check per raw asset. The refresh policy decides, not a fixed delta: a
    closed season is fresh once fetched, the current one for one refresh period."""
    return [_freshness_check(raw, current_season) for raw in assets]


def _pitchlake_meta(props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ``meta.pitchlake`` that ``pitchlake.dbt_sources`` writes on every generated source."""
    return (props.get("config", {}).get("meta") or {}).get("pitchlake") or (props.get("meta") or {}).get("pitchlake")


class PitchlakeDbtTranslator(DagsterDbtTranslator):
    """A dbt source generated from the SSOT is the raw asset of its endpoint, so each staging
    model hangs under the raw asset it reads. Models are grouped by layer (``staging``, ``marts``)
    and rebuilt once what they read was updated."""

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


def dbt_models(project: DbtProject) -> AssetsDefinition:
    """The dbt project's models (and its tests, as asset checks) as one ``@dbt_assets``.

    ``prepare_if_dev`` parses the project under ``dagster dev``; an image parses it at build time
    (``dagster-dbt project prepare-and-package``). Anywhere else a missing manifest is prepared
    here, once, so that loading the definitions from a fresh checkout works too.
    """
    if not project.manifest_path.exists():
        project.preparer.prepare(project)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=PitchlakeDbtTranslator(),
        name="pitchlake_dbt",
    )
    def _models(context: AssetExecutionContext, dbt: DbtCliResource, pitchlake: PitchlakeResource):
        config = pitchlake.engine_config()
        stale = check_dbt_sources(config, project.project_dir)
        if stale:
            raise Failure(description="\n".join(
                ["dbt sources are out of date with the config; regenerate them with `pitchlake render dbt`:", *stale]))
        variables = {"lake": config.lake.uri}
        yield from dbt.cli(["build", "--vars", json.dumps(variables)], context=context).stream()

    return _models
