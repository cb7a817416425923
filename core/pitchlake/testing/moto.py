"""pytest fixtures for lakes on a real S3 HTTP endpoint: moto's server on 127.0.0.1.

The S3 backend is tested over HTTP, as it talks to MinIO (``MINIO_ENDPOINT``, path style), because
an in-process mock of boto3 would skip exactly what breaks in practice: signing, addressing,
pagination, retries and error bodies. Load with ``pytest_plugins = ["pitchlake.testing.moto"]``
or ``-p pitchlake.testing.moto``.
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

ACCESS_KEY_ID = "pitchlake-test-key"
SECRET_ACCESS_KEY = "pitchlake-test-secret"
REGION = "us-east-1"
#: Allows every lake operation; attached to the IAM user of :func:`moto_auth`.
S3_FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


@pytest.fixture(scope="session")
def moto_server():
    """The endpoint URL ``http://127.0.0.1:PORT`` of a moto server (every AWS service) for the
    session. Port 0 lets the OS pick a free port, with no window for another process to take it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(moto_server, monkeypatch):
    """An environment pointing the S3 backend at the moto server with test credentials, cleared of
    anything from the developer's own AWS or MinIO setup."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_MAX_ATTEMPTS", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MINIO_ENDPOINT", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return moto_server


def moto_client(endpoint: str, service: str = "s3"):
    """A client for the moto server with the test credentials, for setting up what a test needs."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


@pytest.fixture
def s3_lake_uri(s3_env):
    """``s3://<fresh bucket>/lake``: a new bucket per test, so tests never see each other's keys,
    with a prefix, so every test also proves keys are placed under it."""
    bucket = f"pitchlake-test-{uuid.uuid4().hex[:16]}"
    moto_client(s3_env).create_bucket(Bucket=bucket)
    return f"s3://{bucket}/lake"


@pytest.fixture
def file_lake_uri(tmp_path):
    """``file:///<tmp>/lake``; the directory does not exist yet, as on a fresh checkout."""
    return f"file://{tmp_path / 'lake'}"


@pytest.fixture(params=["file", "s3"])
def lake_uri(request):
    """Each lake backend in turn, so one protocol test covers both."""
    return request.getfixturevalue(f"{request.param}_lake_uri")


@pytest.fixture
def moto_auth(s3_env):
    """Turns on moto's IAM authentication (off by default: moto accepts any key) and yields
    ``(access_key_id, secret_access_key)`` of an IAM user allowed ``s3:*``; the test's own
    credentials from :func:`s3_env` are then rejected as unknown. Request this after any fixture
    that creates buckets with those credentials. Authentication is switched back off afterwards
    through moto's ``/moto-api/reset-auth``, the server's equivalent of
    ``moto.core.set_initial_no_auth_action_count``."""
    iam = moto_client(s3_env, "iam")
    user = f"pitchlake-{uuid.uuid4().hex[:12]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="s3-full-access", PolicyDocument=json.dumps(S3_FULL_ACCESS))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    previous = _set_no_auth_action_count(s3_env, "0")
    try:
        yield key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        _set_no_auth_action_count(s3_env, previous)


def _set_no_auth_action_count(endpoint: str, count: str) -> str:
    """How many requests moto serves before it starts checking credentials; returns the old count."""
    response = requests.post(f"{endpoint}/moto-api/reset-auth", data=count.encode(), timeout=10)
    response.raise_for_status()
    return response.json()["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]
