"""dbt-duckdb plugin: open the lake from DuckDB, offline.

* Creates the parent folder of the DuckDB file (``warehouse/`` on a fresh checkout).
* For an ``s3://`` lake, loads httpfs from the file the ``duckdb-extension-httpfs`` wheel ships
  (``INSTALL httpfs`` would download it, and there may be no internet), then creates a temporary
  S3 secret from ``MINIO_ENDPOINT`` (path-style addressing, as MinIO needs) and the AWS credential
  chain (env, profile, ...), resolved by boto3 exactly as the lake's S3 backend does.

Nothing here runs for a local lake, so a ``file://`` lake needs neither httpfs nor credentials.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from dbt.adapters.duckdb.plugins import BasePlugin


def httpfs_extension_path() -> Path | None:
    """The ``httpfs.duckdb_extension`` file inside the wheel matching the running DuckDB, if installed."""
    try:
        import duckdb
        import duckdb_extension_httpfs
    except ImportError:
        return None
    root = Path(duckdb_extension_httpfs.__file__).parent / "extensions"
    version = duckdb.__version__
    for candidate in (root / f"v{version}" / "httpfs.duckdb_extension", *sorted(root.glob("v*/**/httpfs.duckdb_extension"))):
        if candidate.is_file():
            return candidate
    return None


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def s3_secret_sql(name: str = "pitchlake_lake") -> str:
    """``CREATE OR REPLACE TEMPORARY SECRET`` for the lake's S3 endpoint and credentials."""
    import boto3

    session = boto3.session.Session()
    credentials = session.get_credentials()
    frozen = credentials.get_frozen_credentials() if credentials is not None else None
    key_id = frozen.access_key if frozen else os.environ.get("MINIO_ROOT_USER")
    secret = frozen.secret_key if frozen else os.environ.get("MINIO_ROOT_PASSWORD")
    options = {"TYPE": "s3", "REGION": session.region_name or os.environ.get("AWS_REGION") or "us-east-1"}
    if key_id and secret:
        options.update(KEY_ID=key_id, SECRET=secret)
        if frozen and frozen.token:
            options["SESSION_TOKEN"] = frozen.token
    endpoint = os.environ.get("MINIO_ENDPOINT")
    if endpoint:
        url = urlparse(endpoint if "://" in endpoint else f"http://{endpoint}")
        options.update(ENDPOINT=url.netloc, URL_STYLE="path", USE_SSL=str(url.scheme == "https").lower())
    body = ", ".join(f"{key} {value if key in ('TYPE', 'USE_SSL') else _quote(value)}" for key, value in options.items())
    return f"CREATE OR REPLACE TEMPORARY SECRET {name} ({body})"


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        self.lake = str(plugin_config.get("lake") or os.environ.get("PITCHLAKE_LAKE") or "file://./lake")

    def update_connection_config(self, creds, config):
        path = getattr(creds, "path", None)
        if path and path != ":memory:" and "://" not in path and not path.startswith("md:"):
            Path(path).absolute().parent.mkdir(parents=True, exist_ok=True)

    def configure_connection(self, conn):
        if not self.lake.startswith("s3://"):
            return
        extension = httpfs_extension_path()
        if extension is not None:
            conn.execute(f"LOAD {_quote(str(extension))}")
        else:  # fall back on an extension already installed in DuckDB's extension directory
            conn.execute("LOAD httpfs")
        conn.execute(s3_secret_sql())
