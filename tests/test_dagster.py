"""The Dagster adapter: the definitions module rendered from the SSOT, loaded and run for real.

Raw partitions are materialised against the sandbox (which counts every request it serves) and
moto's S3 server, and the dbt models on top of them, in-process with ``dagster.materialize``;
``dagster definitions validate`` and ``dagster-dbt project prepare-and-package`` run as the CI and
the image run them. The webserver test is in ``test_dagster_webserver.py``.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef

from pitchlake import client
from pitchlake.config import load_config
from pitchlake.lake import open_lake
from pitchlake.planner import LakeView, Selection
from pitchlake.plugins import registry
from pitchlake.project import init
from pitchlake.render import RenderContext, render
from pitchlake.runner import ingest
from pitchlake.testing.config import new_project, write_config
from pitchlake.transform import league_table, read_state
from pitchlake_dagster import DagsterAdapter, register_adapters
from pitchlake_dagster.adapter import DEFINITIONS
from pitchlake_dagster.runtime import ApiFootballResource, LakeResource, PitchlakeResource

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "api-football"
COMMITTED = ROOT / DEFINITIONS
BIN = Path(sys.executable).parent
TODAY = "2025-01-26"
SECRET = "pl-dagster-SECRET-0123456789"
ENABLED = ["leagues", "teams", "venues", "fixtures", "fixture_details", "standings", "players"]
PARTITION = "39|2024"  # league_id|season: dagster orders the dimensions by name
#: Each endpoint is partitioned by its own keys: by league and season, by league alone
#: (``leagues``), or, when its keys are what it derives (``venues``: a country), at the grain of
#: what it derives from (``venues``: the league whose country it is).
BY_LEAGUE_SEASON = ["teams", "fixtures", "fixture_details", "standings", "players"]
#: The jobs, one per set of keys: the order a backfill of every partition of the scope runs them in.
JOBS = {"ingest_by_league_id": "39", "ingest_by_league_id_season": PARTITION}


def environment(**extra: str) -> dict[str, str]:
    """A subprocess environment with the venv's ``dbt`` on PATH, as dagster-dbt needs it."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra}


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"pitchlake_definitions_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def adapter_site(site: Path) -> Path:
    """A distribution registering the adapter under the ``pitchlake`` entry-point group, so the
    CLI finds it as an installed plugin (built-in registration is the project's to add)."""
    info = site / "pitchlake_dagster_adapter_test-0.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pitchlake-dagster-adapter-test\nVersion: 0.0.0\n")
    (info / "entry_points.txt").write_text("[pitchlake]\ndagster = pitchlake_dagster\n")
    return site


def pitchlake_cli(*args: str, site: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pitchlake", *args], capture_output=True, text=True,
                          env=environment(PYTHONPATH=str(site)), cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def dbt_manifest():
    """The image's build step: dbt's manifest for the rendered module's DbtProject."""
    result = subprocess.run([str(BIN / "dagster-dbt"), "project", "prepare-and-package", "--file", str(COMMITTED)],
                            capture_output=True, text=True, env=environment(), cwd=ROOT, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (ROOT / "dbt" / "target" / "manifest.json").exists()


@pytest.fixture(scope="module")
def definitions(dbt_manifest):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", environment()["PATH"])
        yield load_module(COMMITTED)


def shipped_context() -> RenderContext:
    return RenderContext(load_config(ROOT / "config" / "endpoints.json"), registry().endpoints)


# Rendering ------------------------------------------------------------------------------------


def test_the_committed_module_is_what_the_config_renders_and_rendering_is_deterministic(monkeypatch):
    monkeypatch.chdir(ROOT)  # where `pitchlake render dagster` runs
    first = DagsterAdapter().render(shipped_context())
    assert first == DagsterAdapter().render(shipped_context())
    assert set(first) == {DEFINITIONS}
    assert render(DagsterAdapter(), shipped_context(), ROOT, check=True).stale == {}


def test_render_check_fails_with_a_diff_when_the_committed_file_is_stale(tmp_path):
    """In a project of its own (the shipped config, so the same module), from another folder."""
    site = adapter_site(tmp_path / "site")
    project = tmp_path / "project"
    init(project)
    (project / DEFINITIONS).write_text(COMMITTED.read_text().replace('refresh="daily"', 'refresh="weekly"', 1))
    config = str(project / "config" / "endpoints.json")
    stale = pitchlake_cli("render", "dagster", "--check", "--config", config, site=site, cwd=tmp_path)
    assert stale.returncode == 1, stale.stderr
    assert '-    refresh="weekly",' in stale.stdout and '+    refresh="daily",' in stale.stdout
    assert "stale" in stale.stderr

    written = pitchlake_cli("render", "dagster", "--config", config, site=site, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert (project / DEFINITIONS).read_text() == COMMITTED.read_text()
    assert pitchlake_cli("render", "dagster", "--check", site=site).returncode == 0


def test_the_plugin_registers_the_adapter_without_importing_dagster(tmp_path):
    found = []
    register_adapters(register=found.append)
    assert [adapter.name for adapter in found] == ["dagster"]
    code = "import sys, pitchlake_dagster; sys.exit(any(m == 'dagster' or m.startswith('dagster.') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
    listing = pitchlake_cli("plugins", "--json", site=adapter_site(tmp_path / "site"))
    assert listing.returncode == 0, listing.stderr
    adapters = [row["name"] for row in json.loads(listing.stdout)["plugins"] if row["kind"] == "adapter"]
    assert "dagster" in adapters


def test_the_rendered_module_holds_no_secret_and_reads_the_key_from_the_environment(definitions):
    text = COMMITTED.read_text()
    assert "sandbox-key" not in text and "FOOTBALL_API_KEY" not in text and "api_key" not in text
    pitchlake = definitions.defs.resources["pitchlake"]
    assert pitchlake.api.api_key == dg.EnvVar("FOOTBALL_API_KEY") and pitchlake.lake.uri == dg.EnvVar("PITCHLAKE_LAKE")


# The definitions ------------------------------------------------------------------------------


def test_the_dbt_manifest_is_parsed_once_and_again_only_after_the_project_changed(tmp_path):
    """dagster dev loads the definitions in every run and step process: each must not parse dbt."""
    import shutil

    from dagster_dbt import DbtProject

    from pitchlake_dagster.runtime import prepare_if_stale

    shutil.copytree(ROOT / "dbt", tmp_path / "dbt", ignore=shutil.ignore_patterns("target", "logs"))
    project = DbtProject(project_dir=tmp_path / "dbt", profiles_dir=tmp_path / "dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", environment()["PATH"])
        assert prepare_if_stale(project) and project.manifest_path.exists()
        parsed = project.manifest_path.stat().st_mtime_ns
        assert not prepare_if_stale(project)  # a second process: nothing changed, nothing parsed
        assert project.manifest_path.stat().st_mtime_ns == parsed
        model = next((tmp_path / "dbt" / "models" / "marts").glob("*.sql"))
        later = project.manifest_path.stat().st_mtime + 5
        os.utime(model, (later, later))  # a model edited after the parse
        assert prepare_if_stale(project) and project.manifest_path.stat().st_mtime_ns > parsed


def test_dagster_definitions_validate_passes(dbt_manifest, tmp_path):
    result = subprocess.run([str(BIN / "dagster"), "definitions", "validate", "-f", str(COMMITTED)], capture_output=True,
                            text=True, env=environment(DAGSTER_HOME=str(tmp_path)), cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_one_asset_per_enabled_endpoint_partitioned_by_its_own_keys_with_the_endpoints_dependencies(definitions):
    graph = definitions.defs.resolve_asset_graph()
    raw = {key.path[1]: graph.get(key) for key in graph.get_all_asset_keys() if key.path[0] == "raw"}
    assert sorted(raw) == sorted(ENABLED)
    for name in BY_LEAGUE_SEASON:
        partitions_def = raw[name].partitions_def
        assert partitions_def.get_partition_keys() == [PARTITION, "39|2026"]  # a closed season and the current one
        assert {dimension.name for dimension in partitions_def.partitions_defs} == {"season", "league_id"}
    assert raw["leagues"].partitions_def.get_partition_keys() == ["39"], "leagues has no season"
    # keyed by a country its derive finds: partitioned by the league whose country it is
    assert raw["venues"].partitions_def == raw["leagues"].partitions_def
    parents = {name: sorted(key.path[1] for key in node.parent_keys) for name, node in raw.items()}
    # depends_on from the endpoints, plus leagues wherever the planner reads its coverage flags
    assert parents == {"leagues": [], "teams": [], "fixtures": [], "venues": ["leagues"],
                       "fixture_details": ["fixtures", "leagues"], "standings": ["fixtures", "leagues"], "players": ["leagues"]}
    checks = {(key.asset_key.path[1], key.name) for key in graph.asset_check_keys if key.asset_key.path[0] == "raw"}
    assert checks == {(name, "freshness") for name in ENABLED}
    # partition mappings: a partition depends on the same partition upstream, or on its league's
    mappings = {(child, parent): type(graph.get_partition_mapping(dg.AssetKey(["raw", child]), dg.AssetKey(["raw", parent])))
                for child, parents in parents.items() for parent in parents}
    assert mappings == {("venues", "leagues"): dg.IdentityPartitionMapping,
                        ("fixture_details", "fixtures"): dg.IdentityPartitionMapping,
                        ("standings", "fixtures"): dg.IdentityPartitionMapping,
                        **{(child, "leagues"): dg.MultiToSingleDimensionPartitionMapping
                           for child in ("fixture_details", "standings", "players")}}


def test_each_dbt_source_is_its_raw_asset(definitions):
    graph = definitions.defs.resolve_asset_graph()
    staging = {key.path[-1]: graph.get(key) for key in graph.get_all_asset_keys() if key.path[0] == "staging"}
    reads = {name: sorted(key.path[1] for key in node.parent_keys if key.path[0] == "raw") for name, node in staging.items()}
    for endpoint in ENABLED:
        assert reads[f"stg_api_football__{endpoint}"] == [endpoint]
    assert reads["stg_api_football__league_seasons"] == ["leagues"]
    every_key = graph.get_all_asset_keys()
    assert all(key.path[0] in ("raw", "staging", "intermediate", "marts") for key in every_key), "no stray source assets"
    marts = [key for key in every_key if key.path[0] == "marts"]
    assert dg.AssetKey(["marts", "league_table"]) in marts
    dbt_checks = [key for key in graph.asset_check_keys if key.asset_key.path[0] in ("staging", "marts")]
    assert {key.asset_key for key in dbt_checks} >= {dg.AssetKey(["staging", "stg_api_football__fixtures"]),
                                                      dg.AssetKey(["marts", "league_table"])}, "dbt tests are asset checks"


def tick(defs: dg.Definitions, job: str) -> list[str | None]:
    """The partitions a tick of the schedule of ``job`` requests runs of."""
    schedule = defs.resolve_schedule_def(f"{job}_schedule")
    with dg.instance_for_test() as instance:
        result = schedule.evaluate_tick(dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def()))
    return sorted((request.partition_key for request in result.run_requests), key=str)


def test_the_schedules_run_the_partitions_that_are_not_closed_at_the_configs_cron(definitions, tmp_path):
    for job in JOBS:
        schedule = definitions.defs.resolve_schedule_def(f"{job}_schedule")
        assert schedule.cron_schedule == "0 6 * * *" and schedule.execution_timezone == "UTC"
        assert schedule.job_name == job
    # the shipped schedules: the current season (2024 is closed), the league, the countries
    assert {job: tick(definitions.defs, job) for job in JOBS} == {
        "ingest_by_league_id_season": ["39|2026"], "ingest_by_league_id": ["39"]}

    root = tmp_path / "root"
    config = new_project(root, base_url="http://127.0.0.1:9", lake_uri="file://./lake",
                         seasons=(2023, 2024), leagues=(39, 140), current_season=2024)
    context = RenderContext(load_config(config), registry().endpoints)
    render(DagsterAdapter(), context, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", environment()["PATH"])
        module = load_module(root / DEFINITIONS)
    job = module.defs.resolve_job_def("ingest_by_league_id_season")
    assert sorted(job.partitions_def.get_partition_keys()) == ["140|2023", "140|2024", "39|2023", "39|2024"]
    assert sorted(module.defs.resolve_job_def("ingest_by_league_id").partitions_def.get_partition_keys()) == ["140", "39"]
    assert tick(module.defs, "ingest_by_league_id_season") == ["140|2024", "39|2024"]
    assert tick(module.defs, "ingest_by_league_id") == ["140", "39"], "a league has no closed season of its own"


# Materialising --------------------------------------------------------------------------------


def with_test_config(definitions, config: Path) -> dg.Definitions:
    """The rendered definitions, their ``pitchlake`` resource pointed at a test's config."""
    defs = definitions.defs
    pitchlake = PitchlakeResource(config_path=str(config), lake=LakeResource(uri=dg.EnvVar("PITCHLAKE_LAKE")),
                                  api=ApiFootballResource(api_key=dg.EnvVar("FOOTBALL_API_KEY")))
    return dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=defs.jobs, schedules=defs.schedules,
                          resources={**defs.resources, "pitchlake": pitchlake})


def materialisations(result) -> dict[str, dict]:
    return {event.asset_key.path[-1]: {key: value.value for key, value in event.materialization.metadata.items()}
            for event in result.get_asset_materialization_events()}


@pytest.fixture
def engine_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", environment()["PATH"])
    monkeypatch.setenv("FOOTBALL_API_KEY", SECRET)
    monkeypatch.setenv("PITCHLAKE_TODAY", TODAY)
    monkeypatch.setenv("PITCHLAKE_DUCKDB", str(tmp_path / "warehouse" / "pitchlake.duckdb"))


def test_a_raw_partition_then_the_dbt_models_on_moto_s3(definitions, engine_env, sandbox_factory, s3_lake_uri,
                                                       monkeypatch, tmp_path):
    monkeypatch.setenv("PITCHLAKE_LAKE", s3_lake_uri)
    sandbox = sandbox_factory(data=[DATA], today=TODAY, keys=(SECRET,), per_minute=6000, per_day=100000)
    config = write_config(tmp_path / "config.json", base_url=sandbox.url, lake_uri="file:///not/this/lake")
    defs = with_test_config(definitions, config)

    def run_every_job():
        return [defs.resolve_job_def(job).execute_in_process(partition_key=key, instance=instance) for job, key in JOBS.items()]

    with dg.instance_for_test() as instance:
        first = run_every_job()
        assert all(run.success for run in first)
        spent = {name: m for run in first for name, m in materialisations(run).items()}
        assert sorted(spent) == sorted(ENABLED)
        assert sum(m["api_requests"] for m in spent.values()) == sandbox.stats()["total"] == 53  # players: 29 pages
        assert spent["players"]["pages_written"] == 29 and spent["fixture_details"]["api_requests"] == 19
        assert spent["teams"]["dagster/row_count"] == 20 and spent["fixtures"]["dagster/row_count"] == 380
        assert spent["fixtures"]["lake_path"] == f"{s3_lake_uri}/raw/fixtures/season=2024/league_id=39"
        assert spent["leagues"]["lake_path"] == f"{s3_lake_uri}/raw/leagues/league_id=39"
        assert spent["venues"]["lake_path"] == f"{s3_lake_uri}/raw/venues"
        # The current season's partitions (39|2026) were never materialised: the freshness checks
        # of the assets partitioned by season say so; leagues and venues have every partition.
        checks = {c.asset_key.path[1]: c for run in first for c in run.get_asset_check_evaluations()}
        assert sorted(checks) == sorted(ENABLED) and {c.check_name for c in checks.values()} == {"freshness"}
        assert {name for name, c in checks.items() if not c.passed} == set(BY_LEAGUE_SEASON)
        assert {name: c.metadata["missing"].value for name, c in checks.items()} == {
            name: ["39|2026"] if name in BY_LEAGUE_SEASON else [] for name in ENABLED}
        assert {c.metadata["stale"].value == [] for c in checks.values()} == {True}

        sandbox.reset()
        second = run_every_job()
        assert all(run.success for run in second) and sandbox.stats()["total"] == 0, "smart resume: the lake has it all"
        assert {name: m["api_requests"] for run in second for name, m in materialisations(run).items()} == {name: 0 for name in ENABLED}
        assert {name: m["dagster/row_count"] for run in second for name, m in materialisations(run).items()} == {
            name: m["dagster/row_count"] for name, m in spent.items()}, "the rows the lake holds, fetched now or before"

        dbt = next(assets for assets in definitions.defs.assets if assets.op.name == "pitchlake_dbt")
        built = dg.materialize([*definitions.RAW_ASSETS, dbt], selection=[dbt], instance=instance, resources=defs.resources)
        assert built.success
        models = {event.asset_key for event in built.get_asset_materialization_events()}
        assert models == set(dbt.keys) and dg.AssetKey(["marts", "league_table"]) in models
        tests = built.get_asset_check_evaluations()
        assert tests and all(check.passed for check in tests), [check.check_name for check in tests if not check.passed]
        runs = [*first, *second, built]

        # What is new in the lake decides what dbt does, as for `pitchlake transform` (issue 18):
        # nothing new, and dbt is not started; new data that a run builds only part of stays new;
        # a run that builds all of it narrows its tests to the league seasons that changed.
        def materialize_dbt(selection):
            runs.append(dg.materialize([*definitions.RAW_ASSETS, dbt], selection=selection, instance=instance,
                                       resources=defs.resources))
            said = [entry.user_message for entry in instance.all_logs(runs[-1].run_id)]
            return runs[-1], said

        lake = open_lake(s3_lake_uri)
        nothing, said = materialize_dbt([dbt])
        assert nothing.success and not nothing.get_asset_materialization_events()
        assert "nothing new in the lake since the last transform (dev); nothing to build" in said
        fetched = next(key for key in lake.list("raw/standings/") if key.endswith("/data.json"))
        new = fetched.replace(f"ingestion_date={TODAY}", "ingestion_date=2025-01-27")
        lake.put(new, lake.read(fetched))
        fixtures_model = dg.AssetKey(["staging", "stg_api_football__fixtures"])
        part, said = materialize_dbt(dg.AssetSelection.assets(fixtures_model))
        assert part.success and {event.asset_key for event in part.get_asset_materialization_events()} == {fixtures_model}
        assert "this run selects only part of that: what it leaves out stays new for the next transform" in said
        assert new not in read_state(lake, "dev").fetches
        whole, said = materialize_dbt([dbt])
        assert whole.success and all(check.passed for check in whole.get_asset_check_evaluations())
        assert ("new data in standings (1 partition): building source:api_football.standings+; tests narrowed to "
                "league/season 39/2024") in said
        assert new in read_state(lake, "dev").fetches
        # ... and dbt kept its partial parse: the lake and the league seasons reach it in its
        # environment, where --vars that change from run to run made it parse the whole project again
        log = next((ROOT / "dbt" / "target").glob(f"pitchlake_dbt-{whole.run_id[:7]}-*/dbt.log")).read_text()
        assert "Unable to do partial parsing" not in log and "Partial parsing enabled" in log

        logs = "".join(str(entry) for run in runs for entry in instance.all_logs(run.run_id))
        assert SECRET not in logs, "the key never reaches Dagster's event log"

    table = league_table(load_config(config), season=2024, league=39)
    assert len(table) == 20 and table[0]["rank"] == 1


def test_a_run_stopped_by_its_budget_fails_and_the_next_resumes(definitions, engine_env, sandbox_factory, tmp_path):
    sandbox = sandbox_factory(data=[DATA], today=TODAY, keys=(SECRET,), per_minute=6000, per_day=100000)
    lake = f"file://{tmp_path}/lake"
    config = write_config(tmp_path / "config.json", base_url=sandbox.url, lake_uri=lake)
    players = next(assets for assets in definitions.RAW_ASSETS if assets.key.path[-1] == "players")

    def pitchlake(max_requests=None):
        return PitchlakeResource(config_path=str(config), lake=LakeResource(uri=lake),
                                 api=ApiFootballResource(api_key=SECRET, max_requests=max_requests))

    with dg.instance_for_test() as instance:
        stopped = dg.materialize([players], partition_key=PARTITION, instance=instance, raise_on_error=False,
                                 resources={"pitchlake": pitchlake(max_requests=5)})
        assert not stopped.success
        failure = next(event for event in stopped.all_events if event.event_type == dg.DagsterEventType.STEP_FAILURE)
        assert "stopped early (max_requests)" in failure.event_specific_data.error.message
        assert sandbox.stats()["total"] == 5

        resumed = dg.materialize([players], partition_key=PARTITION, instance=instance, resources={"pitchlake": pitchlake()})
        assert resumed.success
        assert materialisations(resumed)["players"]["api_requests"] == 29 - 5
        assert sandbox.stats()["by_endpoint"]["players"] == 29, "no page fetched twice"


def test_a_backfill_of_several_partitions_is_one_run_with_one_materialisation_each(definitions, engine_env,
                                                                                  sandbox_factory, tmp_path):
    sandbox = sandbox_factory(data=[DATA], today=TODAY, keys=(SECRET,), per_minute=6000, per_day=100000)
    lake = f"file://{tmp_path}/lake"
    config = write_config(tmp_path / "config.json", base_url=sandbox.url, lake_uri=lake, seasons=(2024, 2026))
    raw = {assets.key.path[-1]: assets for assets in definitions.RAW_ASSETS}
    assert all(assets.backfill_policy == dg.BackfillPolicy.single_run()
               for name, assets in raw.items()), "a backfill is one run per asset"
    teams = raw["teams"]
    keys = teams.partitions_def.get_partition_keys()
    assert keys == [PARTITION, "39|2026"]
    pitchlake = PitchlakeResource(config_path=str(config), lake=LakeResource(uri=lake), api=ApiFootballResource(api_key=SECRET))
    with dg.instance_for_test() as instance:
        result = dg.materialize([teams], instance=instance, resources={"pitchlake": pitchlake}, tags={
            "dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]})
        assert result.success
        events = result.get_asset_materialization_events()
        assert sorted(event.partition for event in events) == keys, "one materialisation per partition, one run"
        assert len(instance.get_runs()) == 1
        metadata = events[0].materialization.metadata
        assert metadata["api_requests"].value == sandbox.stats()["total"] == 2, "one engine run fetched both"
        assert metadata["lake_path"].value == f"{lake}/raw/teams"
        for key in keys:
            season = key.split("|")[1]
            assert list((tmp_path / "lake" / "raw" / "teams" / f"season={season}" / "league_id=39").iterdir())


def test_a_backfill_of_every_partition_stays_under_the_apis_rate_limit(definitions, engine_env, sandbox_factory,
                                                                        tmp_path, monkeypatch):
    """A backfill is one run, so one rate limiter paces every request of it: on a plan of 10
    requests a (one-second) minute, dozens of requests fetched 4 at a time, and the sandbox, which
    enforces the plan, answers none of them with rateLimit."""
    monkeypatch.setattr(client, "MINUTE_SECONDS", 1.0)
    sandbox = sandbox_factory(data=[DATA], today=TODAY, keys=(SECRET,), per_minute=10, per_day=100000, minute_seconds=1)
    lake = f"file://{tmp_path}/lake"
    config = write_config(tmp_path / "config.json", base_url=sandbox.url, lake_uri=lake, seasons=(2024, 2026), per_minute=10)
    raw = {assets.key.path[-1]: assets for assets in definitions.RAW_ASSETS}
    selected = [raw[name] for name in ("teams", "fixtures", "standings", "players")]
    keys = raw["teams"].partitions_def.get_partition_keys()
    pitchlake = PitchlakeResource(config_path=str(config), lake=LakeResource(uri=lake), api=ApiFootballResource(api_key=SECRET))
    with dg.instance_for_test() as instance:
        result = dg.materialize(selected, instance=instance, resources={"pitchlake": pitchlake}, tags={
            "dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]})
    assert result.success
    stats = sandbox.stats()
    assert stats["total"] > 3 * 10, "more requests than three minutes of the plan allow"
    assert stats["by_error"].get("rateLimit", 0) == 0, stats["by_error"]
    assert len(result.get_asset_materialization_events()) == len(selected) * len(keys)


def test_a_reversed_partition_range_fails_and_fetches_nothing(definitions, engine_env, sandbox_factory, tmp_path):
    """``--partition-range 39|2026...39|2024`` selects no partition: the run fails saying so, rather
    than fetching the whole endpoint and recording a materialisation without a partition."""
    sandbox = sandbox_factory(data=[DATA], today=TODAY, keys=(SECRET,), per_minute=6000, per_day=100000)
    lake = f"file://{tmp_path}/lake"
    config = write_config(tmp_path / "config.json", base_url=sandbox.url, lake_uri=lake, seasons=(2024, 2026))
    teams = next(assets for assets in definitions.RAW_ASSETS if assets.key.path[-1] == "teams")
    keys = teams.partitions_def.get_partition_keys()
    pitchlake = PitchlakeResource(config_path=str(config), lake=LakeResource(uri=lake), api=ApiFootballResource(api_key=SECRET))
    with dg.instance_for_test() as instance:
        result = dg.materialize([teams], instance=instance, resources={"pitchlake": pitchlake}, raise_on_error=False, tags={
            "dagster/asset_partition_range_start": keys[-1], "dagster/asset_partition_range_end": keys[0]})
        assert not result.success
        assert not instance.fetch_materializations(dg.AssetKey(["raw", "teams"]), limit=10).records
    failure = next(event for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "selects no partition" in failure.event_specific_data.error.message
    assert sandbox.stats()["total"] == 0


def test_team_keyed_endpoints_are_partitioned_by_the_league_season_whose_teams_they_fetch(engine_env, sandbox_factory,
                                                                                           tmp_path):
    """``coachs`` is keyed by team; its Dagster partition ``39|2024`` fetches the coaches of that
    league season's teams, and ``39|2026`` then only those of the teams 2024 did not have."""
    from pitchlake_dagster.adapter import raw_assets
    from pitchlake_dagster.runtime import endpoint_asset, partitions

    sandbox = sandbox_factory(data=[DATA], today=TODAY, keys=(SECRET,), per_minute=6000, per_day=100000)
    lake = f"file://{tmp_path}/lake"
    config = write_config(tmp_path / "config.json", base_url=sandbox.url, lake_uri=lake, seasons=(2024, 2026),
                          endpoints=["leagues", "teams", "coachs", "venues"])
    grains = {asset.name: asset.keys for asset in raw_assets(RenderContext(load_config(config), registry().endpoints))}
    assert grains == {"leagues": ("league_id",), "teams": ("league_id", "season"), "coachs": ("league_id", "season"),
                      "venues": ("league_id",)}
    loaded = load_config(config)
    assert ingest(loaded, Selection(endpoints=("leagues", "teams")), key=SECRET).exit_code == 0
    teams = {season: {item["team"]["id"] for _, item in LakeView(loaded, registry().endpoints, open_lake(lake), Selection(
        partitions={"season": (season,)})).items("teams")} for season in ("2024", "2026")}
    assert len(teams["2024"]) == 20 and teams["2026"] - teams["2024"], "promoted teams in 2026"
    coachs = endpoint_asset("coachs", partitions=partitions(league_id=["39"], season=["2024", "2026"]), api_path="coachs",
                            refresh="weekly", description="coaches")
    pitchlake = PitchlakeResource(config_path=str(config), lake=LakeResource(uri=lake), api=ApiFootballResource(api_key=SECRET))
    with dg.instance_for_test() as instance:
        for key, expected in ((PARTITION, len(teams["2024"])), ("39|2026", len(teams["2026"] - teams["2024"]))):
            sandbox.reset()
            result = dg.materialize([coachs], partition_key=key, instance=instance, resources={"pitchlake": pitchlake})
            assert result.success
            assert sandbox.stats()["by_endpoint"] == {"coachs": expected}, key
            assert materialisations(result)["coachs"]["api_requests"] == expected


def test_a_backfill_selects_exactly_its_partitions():
    from pitchlake_dagster.runtime import _products

    grid = [{"league_id": league, "season": season} for league in ("39", "140") for season in ("2024", "2026")]
    assert _products(grid) == [{"league_id": ("140", "39"), "season": ("2024", "2026")}]
    ragged = [*grid[:3], {"league_id": "61", "season": "2026"}]
    selected = _products(ragged)
    admitted = {(league, season) for selection in selected for league in selection["league_id"] for season in selection["season"]}
    assert admitted == {(p["league_id"], p["season"]) for p in ragged}
    assert _products([{"league_id": "39"}, {"league_id": "140"}]) == [{"league_id": ("140", "39")}]
    assert _products([{}]) == [{}] and _products([]) == [], "no partition selects nothing, not the whole endpoint"


# The docs and the instance -----------------------------------------------------------------------


def test_every_partition_key_in_the_docs_is_a_key_of_the_rendered_definitions(definitions):
    """Keys pasted from docs/dagster.md work: Dagster orders a multi-partition key's dimensions
    by name (``league_id|season``), and the UI shows them as ``league_id 39 / season 2024``."""
    docs = (ROOT / "docs" / "dagster.md").read_text()
    graph = definitions.defs.resolve_asset_graph()
    by_league_season = graph.get(dg.AssetKey(["raw", "fixtures"])).partitions_def
    by_league = graph.get(dg.AssetKey(["raw", "leagues"])).partitions_def
    multi = re.findall(r"`(\d+(?:\|\d+)+)`", docs)
    shown = re.findall(r"`league_id (\d+) / season (\d+)`", docs)
    single = re.findall(r"`raw/leagues` for `(\d+)`", docs)
    assert multi and shown and single, "the docs give keys of both partitionings"
    for key in [*multi, *(f"{league}|{season}" for league, season in shown)]:
        assert by_league_season.has_partition_key(key), key
        dims = by_league_season.get_partition_key_from_str(key).keys_by_dimension
        assert dg.MultiPartitionKey(dims) == key
    for key in single:
        assert by_league.has_partition_key(key), key
    with dg.instance_for_test() as instance:  # pasted as the docs give it, a key selects its partition
        result = dg.materialize([_echo(by_league_season)],
                                partition_key=multi[0], instance=instance)
        assert result.success and result.output_for_node("echo") == {"league_id": "39", "season": "2024"}


def _echo(partitions_def):
    @dg.asset(name="echo", partitions_def=partitions_def)
    def echo(context: dg.AssetExecutionContext):
        return dict(context.partition_key.keys_by_dimension)

    return echo


def test_the_projects_instance_config_limits_the_api_pool_to_one_step_across_runs(tmp_path):
    """``dagster/dagster.yaml`` (which ``pitchlake init`` writes) limits the ``api_football``
    pool of any local instance built from it, as ``dagster dev`` builds one from the folder it
    runs in: the second run's raw step waits for the first's slot."""
    from pitchlake_dagster.runtime import API_POOL

    (tmp_path / "bare").mkdir()
    (tmp_path / "home").mkdir()
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / "bare"))) as bare:
        assert bare.get_concurrency_config().pool_config.default_pool_limit is None, "without it: unlimited"
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / "home"), config_dir=str(ROOT / "dagster"))) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default(API_POOL)  # what a step in the pool does first
        assert storage.get_concurrency_info(API_POOL).slot_count == 1
        first = storage.claim_concurrency_slot(API_POOL, "run-1", "raw__fixtures")
        second = storage.claim_concurrency_slot(API_POOL, "run-2", "raw__teams")
        assert first.is_claimed and not second.is_claimed
        storage.free_concurrency_slots_for_run("run-1")
        assert storage.claim_concurrency_slot(API_POOL, "run-2", "raw__teams").is_claimed


# Plugins --------------------------------------------------------------------------------------

EXTRA_ENDPOINT = '''
from pitchlake import hookimpl
from pitchlake_api_football import ApiFootballEndpoint

@hookimpl
def register_endpoints(register):
    register(ApiFootballEndpoint(name="topscorers", path="players/topscorers", partition_keys=("season", "league_id"),
                      params={"league": "{league_id}", "season": "{season}"}, item_schema={"type": "object"},
                      depends_on=("fixtures",), description="The top scorers of a league season."))
'''

LIST_ASSETS = '''
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("definitions", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
graph = module.defs.resolve_asset_graph()
print(json.dumps({key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
                  for key in graph.get_all_asset_keys()}))
'''


def test_an_installed_endpoint_plugin_adds_its_asset_after_rendering_again(dbt_manifest, tmp_path):
    site = adapter_site(tmp_path / "site")
    (site / "plt_topscorers.py").write_text(textwrap.dedent(EXTRA_ENDPOINT))
    info = site / "pitchlake_topscorers-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pitchlake-topscorers\nVersion: 1.0.0\n")
    (info / "entry_points.txt").write_text("[pitchlake]\nplt_topscorers = plt_topscorers\n")
    root = tmp_path / "root"
    config = new_project(root, base_url="http://127.0.0.1:9", lake_uri="file://./lake", endpoints=[*ENABLED, "topscorers"])

    rendered = pitchlake_cli("render", "dagster", "--config", str(config), site=site)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    listed = subprocess.run([sys.executable, "-c", LIST_ASSETS, str(root / DEFINITIONS)], capture_output=True,
                            text=True, env=environment(PYTHONPATH=str(site)), timeout=120)
    assert listed.returncode == 0, listed.stderr
    graph = json.loads(listed.stdout)
    assert graph["raw/topscorers"] == ["raw/fixtures"]
    assert {key for key in graph if key.startswith("raw/")} == {f"raw/{name}" for name in [*ENABLED, "topscorers"]}
    text = (root / DEFINITIONS).read_text()
    assert 'raw_topscorers = endpoint_asset(\n    "topscorers",' in text and "    raw_topscorers,\n" in text
