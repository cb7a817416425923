"""pitchlake.transform: where dbt reads the lake and writes the warehouse, and how it is called."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pitchlake.config import load_config
from pitchlake.exit_codes import ExitCode
from pitchlake.testing.config import SHIPPED, write_config
from pitchlake.transform import (
    build_summary,
    dbt_command,
    dbt_env,
    dbt_executable,
    duckdb_path,
    format_league_table,
    run_dbt,
)


def config_for(tmp_path: Path, lake_uri: str, endpoints=None):
    return load_config(write_config(tmp_path / "endpoints.json", base_url="http://127.0.0.1:9", lake_uri=lake_uri, endpoints=endpoints))


def test_a_relative_file_lake_is_in_the_project_folder_whatever_the_working_directory(tmp_path, monkeypatch):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (project / "config").mkdir(parents=True)
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("PITCHLAKE_LAKE", raising=False)
    config = load_config(write_config(project / "config" / "endpoints.json", base_url="http://127.0.0.1:9", lake_uri="file://./lake"))
    assert config.root == project and config.lake.uri == f"file://{project}/lake"
    assert config_for(tmp_path, "file:///data/lake").lake.uri == "file:///data/lake"
    assert config_for(tmp_path, "s3://bucket/prefix").lake.uri == "s3://bucket/prefix"
    # PITCHLAKE_LAKE wins, as for ingestion; a relative one is relative to the working directory, as a shell's paths are
    monkeypatch.setenv("PITCHLAKE_LAKE", "s3://other/lake")
    assert config_for(tmp_path, "file://./lake").lake.uri == "s3://other/lake"
    monkeypatch.setenv("PITCHLAKE_LAKE", "file://./here")
    assert config_for(tmp_path, "file://./lake").lake.uri == f"file://{elsewhere}/here"


def test_duckdb_path_defaults_to_the_projects_warehouse_folder(tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    monkeypatch.delenv("PITCHLAKE_DUCKDB", raising=False)
    config = config_for(tmp_path, "file://./lake")
    assert duckdb_path(config) == tmp_path / "warehouse" / "pitchlake.duckdb"
    monkeypatch.setenv("PITCHLAKE_DUCKDB", str(tmp_path / "x.duckdb"))
    assert duckdb_path(config) == tmp_path / "x.duckdb"


def test_dbt_command_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("PITCHLAKE_LAKE", raising=False)
    monkeypatch.setenv("PITCHLAKE_DUCKDB", str(tmp_path / "w.duckdb"))
    project = tmp_path / "dbt"
    argv = dbt_command(target="snowflake", select=["stg_api_football__fixtures+", "league_table"], full_refresh=True, args=["--quiet"],
                       project_dir=project)
    assert argv[0] == dbt_executable() and Path(argv[0]).name == "dbt"
    assert argv[1:] == ["build", "--project-dir", str(project), "--profiles-dir", str(project), "--target", "snowflake",
                        "--select", "stg_api_football__fixtures+", "league_table", "--full-refresh", "--quiet"]
    env = dbt_env(config_for(tmp_path, "s3://bucket/lake"), base={"PATH": "/bin"})
    assert env["PITCHLAKE_LAKE"] == "s3://bucket/lake"
    assert env["PITCHLAKE_DUCKDB"] == str(tmp_path / "w.duckdb")
    assert env["PATH"] == "/bin"


def test_run_dbt_refuses_sources_out_of_date_with_the_config(tmp_path, capsys):
    shipped = [endpoint["plugin"] for endpoint in json.loads(SHIPPED.read_text())["endpoints"] if endpoint.get("enabled", True)]
    config = config_for(tmp_path, f"file://{tmp_path}/lake", endpoints=[*shipped, "coachs"])
    assert run_dbt(config) == ExitCode.INVALID == 2
    assert "out of date" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown dbt target"):
        run_dbt(config, target="bigquery", check_sources=False)


def test_format_league_table():
    rows = [
        {"league_id": 1, "league_name": "L", "season": 2020, "group_name": "L", "rank": 1, "team_id": 7, "team_name": "Reds",
         "played": 2, "won": 2, "drawn": 0, "lost": 0, "goals_for": 5, "goals_against": 1, "goal_difference": 4, "points": 6,
         "api_points": 3, "points_adjustment": -3},
        {"league_id": 1, "league_name": "L", "season": 2020, "group_name": "L", "rank": 2, "team_id": 8, "team_name": "Blues",
         "played": 2, "won": 0, "drawn": 0, "lost": 2, "goals_for": 1, "goals_against": 5, "goal_difference": -4, "points": 0,
         "api_points": None, "points_adjustment": None},
    ]
    text = format_league_table(rows).splitlines()
    assert text[0] == "L 2020"
    assert text[2].split() == ["1", "Reds", "2", "2", "0", "0", "5", "1", "4", "6", "3", "-3"]
    assert text[3].split() == ["2", "Blues", "2", "0", "0", "2", "1", "5", "-4", "0"]


def test_build_summary_counts_by_kind_and_names_what_did_not_pass(tmp_path):
    results = [
        {"unique_id": "model.pitchlake.dim_teams", "status": "success", "message": "OK"},
        {"unique_id": "model.pitchlake.fct_matches", "status": "error", "message": "Binder Error: no column x"},
        {"unique_id": "test.pitchlake.not_null_dim_teams_team_id.1", "status": "pass", "message": None},
        {"unique_id": "test.pitchlake.unique_dim_teams_team_id.2", "status": "fail", "message": "Got 2 results"},
        {"unique_id": "test.pitchlake.not_null_fct_matches_id.3", "status": "skipped", "message": None},
    ]
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "run_results.json").write_text(json.dumps({"results": results, "elapsed_time": 3.21}))
    assert build_summary(tmp_path, since=0).splitlines() == [
        "dbt build: 2 models (1 error, 1 success); 3 data tests (1 fail, 1 pass, 1 skipped) in 3.2 s",
        "  error: model.pitchlake.fct_matches: Binder Error: no column x",
        "  fail: test.pitchlake.unique_dim_teams_team_id.2: Got 2 results",
        "  skipped: test.pitchlake.not_null_fct_matches_id.3",
        f"dbt's full log: {tmp_path / 'logs' / 'dbt.log'}",
    ]
    # Results older than the run are an earlier run's: dbt stopped before running anything.
    assert build_summary(tmp_path, since=time.time() + 10) is None
