"""The API key and the AWS secret never appear in what pitchlake prints, raises, writes to the lake
or the warehouse, or renders: every command runs with distinctive secrets, then everything is
grepped for them (Dagster's event log is checked in test_dagster.py)."""

from __future__ import annotations

import subprocess
import sys

from pitchlake.config import load_config
from pitchlake.lake import open_lake
from pitchlake.testing.config import new_project, write_config

from .rig import DATA, ROOT, TODAY

API_KEY = "apikey-7f3c9a1e5b2d4c6a8e0f"
AWS_SECRET = "awssecret-Zx9Qw8Er7Ty6Ui5Op4As3Df"


def test_no_command_leaks_a_secret(tmp_path, sandbox_factory, s3_lake_uri, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    monkeypatch.setenv("FOOTBALL_API_KEY", API_KEY)
    monkeypatch.setenv("PITCHLAKE_TODAY", TODAY)
    monkeypatch.setenv("PITCHLAKE_DUCKDB", str(tmp_path / "warehouse.duckdb"))
    api = sandbox_factory(data=[DATA], today=TODAY, keys=(API_KEY,), per_minute=100000, per_day=100000,
                          faults="500#2;standings:plan@1")
    # the shipped endpoints in a project of their own, whose dbt sources match this config
    project = tmp_path / "project"
    config = new_project(project, base_url=api.url, lake_uri=s3_lake_uri)
    bad_config = tmp_path / "bad.json"
    bad_config.write_text(config.read_text().replace('"auth": "apisports"', f'"auth": "{API_KEY}"'))

    def run(*args) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pitchlake", *args], capture_output=True, text=True, cwd=ROOT)

    results = [
        run("validate", "--config", str(config)),
        run("validate", "--config", str(bad_config)),
        run("plugins", "--json"),
        run("plan", "--config", str(config), "--json"),
        run("ingest", "--config", str(config), "--verbose", "--json"),
        run("render", "dagster", "--config", str(config)),
        run("render", "stepfunctions", "--config", str(config)),
        run("render", "dbt", "--config", str(config)),
        run("transform", "--config", str(config), "--select", "stg_api_football__fixtures"),
    ]
    monkeypatch.setenv("FOOTBALL_API_KEY", API_KEY[::-1])  # a wrong key: the error must not echo it
    api.reset()
    lake2 = write_config(tmp_path / "config2.json", base_url=api.url, lake_uri=f"file://{tmp_path}/lake2",
                         endpoints=["fixtures"])
    results.append(run("ingest", "--config", str(lake2), "--verbose"))

    assert results[0].returncode == 0 and results[1].returncode == 2
    assert results[4].returncode == 0, results[4].stderr
    assert all(result.returncode == 0 for result in results[5:9]), [r.stderr[-500:] for r in results[5:9]]
    assert "rejected the key" in results[-1].stderr
    printed = "".join(result.stdout + result.stderr for result in results)
    lake = open_lake(load_config(config).lake.uri)
    written = b"".join(lake.read(key) for key in lake.list(""))
    assert written, "the ingest wrote the lake"
    rendered = b"".join(path.read_bytes() for folder in ("dagster", "terraform", "dbt/models", "dbt/macros")
                        for path in (project / folder).rglob("*") if path.is_file())
    assert rendered.count(b"\n") > 100, "the three adapters rendered their files"
    warehouse = (tmp_path / "warehouse.duckdb").read_bytes()
    second_lake = b"".join(path.read_bytes() for path in (tmp_path / "lake2").rglob("*") if path.is_file())
    for secret in (API_KEY, API_KEY[::-1], AWS_SECRET):
        assert secret not in printed
        for blob in (written, rendered, warehouse, second_lake):
            assert secret.encode() not in blob
