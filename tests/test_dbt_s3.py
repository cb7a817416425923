"""dbt on DuckDB over an S3 lake: moto's S3 server on 127.0.0.1 stands in for MinIO/S3.

DuckDB reads the lake through httpfs, loaded from the duckdb-extension-httpfs wheel (never
downloaded), addressed path-style at MINIO_ENDPOINT with the credentials of the AWS chain.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "dbt" / "duckdb_plugins"))

from pitchlake_duckdb import httpfs_extension_path, s3_secret_sql  # noqa: E402

from pitchlake.config import load_config  # noqa: E402
from pitchlake.testing.config import new_project  # noqa: E402
from pitchlake.testing.moto import moto_client  # noqa: E402
from pitchlake.transform import run_dbt  # noqa: E402

from .recorded_lake import write_recorded_lake  # noqa: E402

pytestmark = pytest.mark.timeout(600)


def test_httpfs_comes_from_the_wheel_and_loads_offline():
    path = httpfs_extension_path()
    assert path is not None and path.name == "httpfs.duckdb_extension" and "duckdb_extension_httpfs" in str(path)
    with duckdb.connect() as connection:
        connection.execute("SET autoinstall_known_extensions = false")
        connection.execute(f"LOAD '{path}'")
        loaded = connection.execute("select loaded from duckdb_extensions() where extension_name = 'httpfs'").fetchone()
    assert loaded == (True,)


def test_s3_secret_is_path_style_at_the_minio_endpoint(monkeypatch):
    monkeypatch.setenv("MINIO_ENDPOINT", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "it's-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    sql = s3_secret_sql()
    assert "ENDPOINT '127.0.0.1:9000'" in sql and "URL_STYLE 'path'" in sql and "USE_SSL false" in sql
    assert "KEY_ID 'AKIDEXAMPLE'" in sql and "SECRET 'it''s-secret'" in sql and "REGION 'eu-west-1'" in sql


def upload(root: Path, s3, uri: str) -> int:
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    count = 0
    for path in sorted(root.rglob("*")):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(root).as_posix()}")
            count += 1
    return count


def test_dbt_build_reads_an_s3_lake(s3_env, s3_lake_uri, tmp_path, monkeypatch):
    assert upload(write_recorded_lake(tmp_path / "lake"), moto_client(s3_env), s3_lake_uri) > 10
    monkeypatch.setenv("PITCHLAKE_DUCKDB", str(tmp_path / "warehouse" / "s3.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "dbt_logs"))
    config = load_config(new_project(tmp_path / "project", base_url="http://127.0.0.1:9", lake_uri=s3_lake_uri))
    assert run_dbt(config, args=["--quiet"]) == 0

    with duckdb.connect(str(tmp_path / "warehouse" / "s3.duckdb"), read_only=True) as connection:
        files = [row[0] for row in connection.execute("select filename from staging.stg_api_football__fixtures group by 1").fetchall()]
        matches = connection.execute("select league_id, count(*) from marts.fct_matches group by 1 order by 1").fetchall()
        champion = connection.execute("select team_id, points from marts.league_table where league_id = 39 order by rank limit 1").fetchall()
        decoys = connection.execute("select count(*) from staging.stg_api_football__players where player_id = -1").fetchone()
    assert all(name.startswith(s3_lake_uri + "/raw/fixtures/") for name in files)
    assert matches == [(4, 298), (39, 380)]
    assert champion == [(40, 84)]
    assert decoys == (0,)
