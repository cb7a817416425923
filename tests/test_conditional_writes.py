"""Two Fargate tasks for the same partition (a Step Functions retry racing a slow first attempt, or
two overlapping scheduled runs) must not both pay for it nor both write it: the first takes the
partition's lease (`_lease.json`, created with S3's `If-None-Match: *`), the second sees it held
and leaves the partition alone; data.json itself is also written with `If-None-Match: *`, the
last guard should a lease ever be lost.

Both processes run the real CLI, as the tasks do, against moto's S3 server and the sandbox; the
sandbox answers slowly so that both have planned before either writes.
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

    # Both planned the partition as new; only the lease holder paid for it.
    assert sandbox.stats()["by_endpoint"]["teams"] == 1
    assert sorted(summary["partitions_written"] for summary in summaries) == [0, 1]
    loser = next(summary for summary in summaries if summary["partitions_written"] == 0)
    assert loser["partitions_skipped"] == 1 and loser["failures"] == [] and loser["api_requests"] == 0

    versions = s3.list_object_versions(Bucket=bucket, Prefix="lake/raw/teams/")
    data = [version["Key"] for version in versions.get("Versions", []) if version["Key"].endswith("/data.json")]
    assert data == [f"lake/raw/teams/season=2024/league_id=39/ingestion_date={TODAY}/data.json"]
    assert all(marker["Key"].endswith("/_lease.json") for marker in versions.get("DeleteMarkers", []))
