"""Two Fargate tasks for the same partition (a Step Functions retry racing a slow first attempt, or
two overlapping scheduled runs) must not both write it: `pitchlake ingest` writes data.json with
S3's `If-None-Match: *`, so the second PUT is refused and that run keeps the first one's file.

Both processes run the real CLI, as the tasks do, against moto's S3 server and the sandbox; the
sandbox answers slowly so that both have planned and fetched before either writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pitchlake.testing.config import write_config
from pitchlake.testing.moto import moto_client

KEY = "sandbox-key"
TODAY = "2025-01-26"
PARTITION = ["--endpoint", "teams", "--season", "2024", "--league", "39"]


def test_two_ingests_of_one_partition_write_it_once(tmp_path: Path, sandbox_factory, s3_lake_uri, s3_env):
    sandbox = sandbox_factory(today=TODAY, keys=(KEY,), latency_ms=2500)
    config = write_config(tmp_path / "endpoints.json", base_url=sandbox.url, lake_uri=s3_lake_uri, endpoints=["teams"])
    bucket = s3_lake_uri.removeprefix("s3://").split("/")[0]
    s3 = moto_client(s3_env)
    # With versioning, every PUT that got through would leave a version behind.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    env = {**os.environ, "FOOTBALL_API_KEY": KEY, "PITCHLAKE_TODAY": TODAY}
    command = [sys.executable, "-m", "pitchlake", "ingest", *PARTITION, "--json", "--config", str(config)]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [process.communicate(timeout=60) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [stderr for _, stderr in results]
    summaries = [json.loads(stdout) for stdout, _ in results]

    # Both planned the partition as new and paid for it: the race happened, and S3 decided it.
    assert sandbox.stats()["by_endpoint"]["teams"] == 2
    assert sorted(summary["partitions_written"] for summary in summaries) == [0, 1]
    loser = next(summary for summary in summaries if summary["partitions_written"] == 0)
    assert loser["partitions_skipped"] == 1 and loser["failures"] == []

    versions = s3.list_object_versions(Bucket=bucket, Prefix="lake/raw/teams/")
    keys = [version["Key"] for version in versions.get("Versions", [])]
    assert keys == [f"lake/raw/teams/season=2024/league_id=39/ingestion_date={TODAY}/data.json"]
    assert "DeleteMarkers" not in versions
