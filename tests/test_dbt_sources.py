"""dbt sources generated from the SSOT: one source table per enabled endpoint, drift reported."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from pitchlake.config import load_config
from pitchlake.dbt_sources import (
    DATE_GLOB,
    ENDPOINTS_MACRO_FILE,
    SOURCES_FILE,
    DbtSources,
    check_dbt_sources,
    lake_glob,
    render_dbt_files,
    render_dbt_sources,
    source_tables,
)
from pitchlake.endpoints import Endpoint
from pitchlake.lake import DEFAULT_LAYOUT
from pitchlake.plugins import Provider, registry
from pitchlake.project import CONFIG, init
from pitchlake.render import RenderContext, Renderer, render
from pitchlake.testing.config import SHIPPED


def config_with(tmp_path: Path, endpoints: list[str] | None = None, **changes):
    """A project in ``tmp_path`` as ``pitchlake init`` writes it, then its config changed."""
    init(tmp_path, force=True)
    document = json.loads(SHIPPED.read_text())
    document.pop("$schema", None)
    if endpoints is not None:
        document["endpoints"] = [{"plugin": name} for name in endpoints]
    for key, value in changes.items():
        document[key].update(value)
    path = tmp_path / CONFIG
    path.write_text(json.dumps(document))
    return load_config(path)


def write_dbt_sources(config) -> list[Path]:
    """``pitchlake render dbt``: the files written or deleted."""
    result = render(DbtSources(), RenderContext(config, registry().endpoints), config.root)
    return result.written + result.deleted


def tables_of(text: str) -> dict[str, dict]:
    document = yaml.safe_load(text)
    return {table["name"]: table for source in document["sources"] for table in source["tables"]}


def test_committed_sources_match_the_shipped_config():
    config = load_config(SHIPPED)
    assert check_dbt_sources(config) == []


def test_one_source_table_per_enabled_endpoint_with_the_plugins_partition_keys():
    config = load_config(SHIPPED)
    tables = tables_of(render_dbt_sources(config))
    assert list(tables) == [endpoint.name for endpoint in config.endpoints]
    endpoints = registry().endpoints
    for name, table in tables.items():
        meta = table["config"]["meta"]["pitchlake"]
        keys = list(endpoints[name].partition_keys)
        assert meta["partition_keys"] == keys
        assert [column["name"] for column in table["columns"]] == ["value", *keys, "ingestion_date", "filename"]
        assert meta["path"] == f"raw/{name}/" + "".join(f"{key}=*/" for key in keys) + f"ingestion_date={DATE_GLOB}/data.json"
    # the lake root is never written into the project: it is resolved at run time
    assert "file://" not in render_dbt_sources(config) and "s3://" not in render_dbt_sources(config)


def test_enabling_an_endpoint_is_reported_as_drift_and_written_without_hand_edits(tmp_path):
    shipped = load_config(SHIPPED)
    enabled = [endpoint.plugin for endpoint in shipped.endpoints] + ["injuries"]
    config = config_with(tmp_path, enabled)
    problems = check_dbt_sources(config)
    assert len(problems) == 2  # the sources file and the enabled-endpoints macro
    assert any("+      - name: injuries" in problem for problem in problems)
    assert any('"injuries": "injuries"' in problem for problem in problems)

    project = tmp_path / "dbt"
    changed = write_dbt_sources(config)
    assert sorted(changed) == sorted([project / SOURCES_FILE, project / ENDPOINTS_MACRO_FILE])
    assert check_dbt_sources(config, project) == []
    assert "injuries" in tables_of((project / SOURCES_FILE).read_text())
    assert write_dbt_sources(config) == []  # idempotent
    # the committed project is untouched
    assert check_dbt_sources(shipped) == []


def test_disabling_an_endpoint_removes_its_source(tmp_path):
    config = config_with(tmp_path, ["leagues", "teams", "fixtures", "standings"])
    files = render_dbt_files(config)
    assert list(tables_of(files[SOURCES_FILE])) == ["leagues", "teams", "fixtures", "standings"]
    assert '{"leagues": "leagues", "teams": "teams", "fixtures": "fixtures", "standings": "standings"}' in files[ENDPOINTS_MACRO_FILE]


def test_the_dbt_renderer_is_a_renderer_registered_as_such():
    """The dbt project's sources are rendered and checked like any generated file, by a renderer
    (not an orchestrator adapter) that `pitchlake render dbt` finds."""
    found = registry()
    assert isinstance(found.renderers["dbt"], DbtSources) and isinstance(found.renderers["dbt"], Renderer)
    assert "dbt" not in found.adapters and found.render_targets["dbt"] is found.renderers["dbt"]
    assert found.provider("renderer", "dbt").plugin == "dbt"


def test_lake_glob_follows_the_layout():
    assert lake_glob(DEFAULT_LAYOUT, "fixtures", ("season", "league_id")) == f"raw/fixtures/season=*/league_id=*/ingestion_date={DATE_GLOB}/data.json"
    assert lake_glob(DEFAULT_LAYOUT, "leagues", ("league_id",)) == f"raw/leagues/league_id=*/ingestion_date={DATE_GLOB}/data.json"
    assert lake_glob(DEFAULT_LAYOUT, "status", ()) == f"raw/status/ingestion_date={DATE_GLOB}/data.json"
    custom = "bronze/{endpoint}/season={season}/{partitions}/ingestion_date={ingestion_date}/data.json"
    assert lake_glob(custom, "fixtures", ("season", "league_id")) == f"bronze/fixtures/season=*/season=*/league_id=*/ingestion_date={DATE_GLOB}/data.json"


def test_an_endpoint_from_an_external_plugin_gets_its_own_source(tmp_path):
    """Endpoints are grouped into one dbt source per providing plugin (entry point)."""
    odds = Endpoint(name="odds", path="odds", partition_keys=("season", "league_id"),
                    params={"league": "{league_id}", "season": "{season}"}, item_schema={"type": "object"})
    endpoints = dict(registry().endpoints, odds=odds)
    document = json.loads(SHIPPED.read_text())
    document.pop("$schema", None)
    document["endpoints"] = [{"plugin": "fixtures"}, {"plugin": "odds"}]
    path = tmp_path / "endpoints.json"
    path.write_text(json.dumps(document))
    config = load_config(path, endpoints=endpoints)

    def provider(plugin):
        return Provider("example_odds", "pitchlake-example-odds", "0.1") if plugin == "odds" else registry().provider("endpoint", plugin)

    sources = source_tables(config, endpoints=endpoints, providers=provider)
    assert {name: [t.name for t in tables] for name, tables in sources.items()} == {"api_football": ["fixtures"], "example_odds": ["odds"]}
    assert sources["example_odds"][0].path == f"raw/odds/season=*/league_id=*/ingestion_date={DATE_GLOB}/data.json"


def test_models_of_a_plugin_no_longer_installed_are_reported_and_deleted(tmp_path):
    """A plugin's models are copied into the project; once the plugin is gone, regenerating
    deletes the copies (marked as generated), never a model written by hand."""
    project = tmp_path / "dbt"
    config = config_with(tmp_path)
    gone = project / "models" / "staging" / "example_odds"
    gone.mkdir()
    copied = gone / "stg_example_odds__odds.sql"
    copied.write_text("{# Generated by pitchlake from plugin example_odds (pitchlake-example-odds): do not edit; edit the plugin's. #}\nselect 1\n")
    by_hand = gone / "stg_example_odds__notes.sql"
    by_hand.write_text("-- written here by hand\nselect 1\n")

    problems = check_dbt_sources(config, project)
    assert problems == ["dbt/models/staging/example_odds/stg_example_odds__odds.sql: no longer rendered; `pitchlake render` deletes it\n"]
    assert write_dbt_sources(config) == [copied]
    assert not copied.exists() and by_hand.exists()
    assert check_dbt_sources(config, project) == []


def test_dbt_parses_the_generated_project_with_an_endpoint_enabled(tmp_path):
    """The rendered files are valid dbt: parse a copy of the project with a different endpoint set."""
    import subprocess

    from pitchlake.transform import dbt_executable

    config = config_with(tmp_path, ["leagues", "teams", "fixtures", "standings", "injuries"])
    project = tmp_path / "dbt"
    write_dbt_sources(config)
    result = subprocess.run(
        [dbt_executable(), "parse", "--project-dir", str(project), "--profiles-dir", str(project), "--no-partial-parse"],
        capture_output=True, text=True, cwd=tmp_path, env={**__import__("os").environ, "PITCHLAKE_DUCKDB": str(tmp_path / "w.duckdb")},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    sources = {node["name"] for node in manifest["sources"].values()}
    assert sources == {"leagues", "teams", "fixtures", "standings", "injuries"}
    enabled = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    disabled = {node[0]["name"] for node in manifest["disabled"].values() if node[0]["resource_type"] == "model"}
    # models of the disabled endpoints switch themselves off; the core star schema stays
    assert {"stg_api_football__players", "stg_api_football__venues", "int_api_football__fixture_events",
            "fct_match_events", "fct_player_season_stats"} <= disabled
    assert {"fct_matches", "league_table", "dim_teams", "dim_venues", "dim_players", "fct_standings"} <= enabled


# --------------------------------------------------------------------------------------------
# source freshness


def test_source_freshness_thresholds_follow_each_endpoints_refresh_and_schedule(tmp_path):
    """Refreshed endpoints warn after one missed fetch and error after two (in days of the newest
    ingestion_date); `refresh: never` and batched endpoints (fixture details: each match fetched
    once, when it is over) are not checked."""
    init(tmp_path, force=True)
    document = json.loads(SHIPPED.read_text())
    document.pop("$schema", None)
    document["endpoints"] = [
        {"plugin": "leagues", "refresh": "daily"},  # every day at 06:00 (the default schedule)
        {"plugin": "teams"},  # auto: the endpoint's own period, weekly
        {"plugin": "venues", "refresh": "never"},
        {"plugin": "fixtures", "schedule": "0 6 * * 1"},  # auto, daily, but the schedule runs on Mondays
        {"plugin": "fixture_details"},
        {"plugin": "standings", "schedule": "30 5 1 * *"},  # monthly
        {"plugin": "players", "refresh": "weekly"},  # instead of its own monthly
    ]
    (tmp_path / CONFIG).write_text(json.dumps(document))
    tables = tables_of(render_dbt_sources(load_config(tmp_path / CONFIG)))
    freshness = {name: table["config"].get("freshness", "absent") for name, table in tables.items()}
    day = "day"
    assert freshness == {
        "leagues": {"warn_after": {"count": 2, "period": day}, "error_after": {"count": 3, "period": day}},
        "teams": {"warn_after": {"count": 8, "period": day}, "error_after": {"count": 15, "period": day}},
        "venues": None,
        "fixtures": {"warn_after": {"count": 8, "period": day}, "error_after": {"count": 15, "period": day}},
        "fixture_details": None,
        "standings": {"warn_after": {"count": 32, "period": day}, "error_after": {"count": 63, "period": day}},
        "players": {"warn_after": {"count": 8, "period": day}, "error_after": {"count": 15, "period": day}},
    }
    # a day is a timestamp for dbt's freshness (its midnight)
    assert {table["config"]["loaded_at_field"] for table in tables.values()} == {"cast(ingestion_date as timestamp)"}


def test_the_shipped_sources_check_freshness_of_every_refreshed_endpoint():
    tables = tables_of(render_dbt_sources(load_config(SHIPPED)))
    checked = {name for name, table in tables.items() if table["config"].get("freshness")}
    assert checked == set(tables) - {"fixture_details"}


# --------------------------------------------------------------------------------------------
# unit tests rendered while their endpoints are enabled


def test_league_table_unit_tests_are_rendered_only_while_standings_are_enabled(tmp_path):
    """A dbt unit test whose input is a disabled model fails dbt's parse, so league_table's unit
    tests (their inputs: fct_matches and fct_standings) are written while fixtures and standings
    are enabled, and deleted (reported by --check first) when standings are disabled."""
    unit_tests = Path("models/marts/_league_table__unit_tests.yml")
    assert unit_tests in render_dbt_files(load_config(SHIPPED))
    shipped = load_config(SHIPPED)
    config = config_with(tmp_path, [endpoint.plugin for endpoint in shipped.endpoints if endpoint.name != "standings"])
    path = config.root / "dbt" / unit_tests
    assert path.is_file()  # as `pitchlake init` copied it
    assert unit_tests not in render_dbt_files(config)
    assert any("_league_table__unit_tests.yml: no longer rendered" in problem for problem in check_dbt_sources(config))
    assert path in write_dbt_sources(config) and not path.exists()
    assert check_dbt_sources(config) == []
    # a hand-written file of the same name (no generated mark) is never deleted
    path.write_text("version: 2\n")
    assert write_dbt_sources(config) == [] and path.exists()
