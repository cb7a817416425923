"""The S3 backend against moto's S3 HTTP server: MinIO-style endpoint, credentials and the errors a
data engineer meets first (missing bucket, wrong keys, endpoint down), each with a clear message."""

from __future__ import annotations

import socket
import threading
import uuid

import pytest

from pitchlake.lake import LakeError, open_lake
from pitchlake.testing.moto import moto_client


def _bucket() -> str:
    return f"pitchlake-test-{uuid.uuid4().hex[:16]}"


def test_minio_endpoint_is_addressed_path_style(s3_lake_uri, s3_env):
    lake = open_lake(s3_lake_uri)
    urls = []
    lake.client.meta.events.register("before-send.s3", lambda request, **_: urls.append(request.url))
    lake.put("raw/data.json", b"{}")
    bucket = s3_lake_uri.removeprefix("s3://").split("/")[0]
    assert urls == [f"{s3_env}/{bucket}/lake/raw/data.json"]
    assert lake.client.meta.config.s3 == {"addressing_style": "path"}


def test_keys_live_under_the_uri_prefix(s3_env):
    bucket = _bucket()
    client = moto_client(s3_env)
    client.create_bucket(Bucket=bucket)
    open_lake(f"s3://{bucket}/some/prefix/").put("raw/data.json", b"{}")
    open_lake(f"s3://{bucket}").put("top.json", b"{}")
    assert sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]) == ["some/prefix/raw/data.json", "top.json"]
    assert list(open_lake(f"s3://{bucket}/some/prefix").list()) == ["raw/data.json"]
    assert list(open_lake(f"s3://{bucket}").list()) == ["some/prefix/raw/data.json", "top.json"]


def test_objects_that_are_not_lake_keys_are_not_listed(s3_lake_uri):
    lake = open_lake(s3_lake_uri)
    lake.put("raw/data.json", b"{}")
    for odd in ("lake/raw/", "lake/raw//x", "lake/.hidden"):  # console folder markers and the like
        lake.client.put_object(Bucket=lake.bucket, Key=odd, Body=b"")
    assert list(lake.list()) == ["raw/data.json"]


def test_missing_bucket_is_a_clear_error(s3_env):
    bucket = _bucket()
    with pytest.raises(LakeError) as caught:
        open_lake(f"s3://{bucket}/raw")
    message = str(caught.value)
    assert f"s3://{bucket}/raw" in message
    assert f"bucket '{bucket}' does not exist (create it, or set lake.create_bucket: true)" in message


def test_create_bucket_creates_a_missing_bucket(s3_env):
    bucket = _bucket()
    lake = open_lake(f"s3://{bucket}/raw", create_bucket=True)
    lake.put("a/data.json", b"{}")
    assert moto_client(s3_env).head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert list(open_lake(f"s3://{bucket}/raw", create_bucket=True).list()) == ["a/data.json"]


def test_minio_root_user_is_used_when_no_aws_credentials_are_set(s3_lake_uri, moto_auth, monkeypatch):
    access_key_id, secret = moto_auth
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("MINIO_ROOT_USER", access_key_id)
    monkeypatch.setenv("MINIO_ROOT_PASSWORD", secret)
    lake = open_lake(s3_lake_uri)  # moto now checks signatures: only the MinIO keys can work
    lake.put("raw/data.json", b"{}")
    assert lake.read("raw/data.json") == b"{}"
    assert lake.credentials_source == "MINIO_ROOT_USER/MINIO_ROOT_PASSWORD in the environment"

    monkeypatch.setenv("MINIO_ROOT_PASSWORD", "not-the-minio-password")
    with pytest.raises(LakeError) as caught:
        open_lake(s3_lake_uri)
    assert "MINIO_ROOT_USER/MINIO_ROOT_PASSWORD" in str(caught.value)
    assert "not-the-minio-password" not in str(caught.value)


def test_aws_credentials_win_over_minio_root_user(s3_lake_uri, monkeypatch):
    monkeypatch.setenv("MINIO_ROOT_USER", "minio")
    monkeypatch.setenv("MINIO_ROOT_PASSWORD", "minio-password")
    assert open_lake(s3_lake_uri).credentials_source == "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment"


def test_no_credentials_at_all_is_a_clear_error(s3_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(LakeError, match="no S3 credentials found.*MINIO_ROOT_USER"):
        open_lake("s3://any-bucket/raw")


@pytest.mark.parametrize(
    "who, code",
    [("an unknown access key", "InvalidAccessKeyId"), ("a known access key with the wrong secret", "SignatureDoesNotMatch")],
)
def test_wrong_credentials_are_a_clear_error_without_the_secret(s3_lake_uri, moto_auth, monkeypatch, who, code):
    access_key_id, secret = moto_auth
    wrong_secret = "wrong-" + secret[6:]
    if code == "InvalidAccessKeyId":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000")
    else:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", wrong_secret)
    with pytest.raises(LakeError) as caught:
        open_lake(s3_lake_uri)
    message = str(caught.value)
    assert s3_lake_uri in message and code in message
    assert "S3 rejected the credentials" in message
    assert "they came from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment" in message
    assert wrong_secret not in message and secret not in message


def test_unreachable_endpoint_is_a_clear_error(s3_env, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MINIO_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(LakeError) as caught:
        open_lake("s3://any-bucket/raw")
    message = str(caught.value)
    assert f"endpoint http://127.0.0.1:{port}" in message
    assert "unreachable" in message and "MINIO_ENDPOINT" in message


def test_an_endpoint_that_drops_connections_is_retried_a_bounded_number_of_times(s3_env, monkeypatch):
    connections = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)
        stop = threading.Event()

        def drop_every_connection():
            while not stop.is_set():
                try:
                    connection, _ = server.accept()
                except TimeoutError:
                    continue
                connections.append(connection)
                connection.close()

        dropper = threading.Thread(target=drop_every_connection)
        dropper.start()
        monkeypatch.setenv("MINIO_ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        try:
            with pytest.raises(LakeError, match="unreachable or did not answer"):
                open_lake("s3://any-bucket/raw")
        finally:
            stop.set()
            dropper.join()
    assert len(connections) == 3  # botocore's standard retry mode: three attempts in all


def test_minio_endpoint_must_be_a_url(s3_env, monkeypatch):
    monkeypatch.setenv("MINIO_ENDPOINT", "localhost:9000")
    with pytest.raises(LakeError, match="MINIO_ENDPOINT='localhost:9000' must be a URL"):
        open_lake("s3://any-bucket/raw")


@pytest.mark.parametrize("uri", ["s3://", "s3:///raw", "s3://bucket/../raw", "s3://bucket/a//b"])
def test_malformed_uris_are_refused(s3_env, uri):
    with pytest.raises(LakeError):
        open_lake(uri)
