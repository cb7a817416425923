"""The ``s3://bucket[/prefix]`` lake backend, for AWS S3 and for MinIO (``MINIO_ENDPOINT``).

S3 makes each PUT atomic, and ``If-None-Match: *`` makes ``if_absent`` a server-side check, so this
backend needs no locking. Planning cost is measured in requests, so every request is counted
(``request_count``) and listing is one LIST per 1,000 keys, never a HEAD per key. Every failure is
a :class:`LakeError` naming the lake, the bucket and what to do, because a botocore traceback
tells a data engineer neither.
"""

from __future__ import annotations

import mimetypes
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from pitchlake.lake import AlreadyExists, LakeError, check_key

SCHEME = "s3://"
DEFAULT_REGION = "us-east-1"

_CREDENTIAL_ERRORS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "InvalidClientTokenId",
    "AuthorizationHeaderMalformed",
}
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
#: 412: the key exists; 409: a concurrent conditional write to the same key won.
_CONDITIONAL_FAILURES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


class S3Lake:
    """A lake under ``s3://bucket/prefix``; keys are relative to the prefix.

    Opening checks the bucket with one LIST, so a missing bucket, wrong credentials or an
    unreachable endpoint fail at once with a clear message instead of in the middle of a run.
    ``request_count`` counts every HTTP request sent, that LIST and retries included, so a
    benchmark can diff it around the work it measures.
    """

    def __init__(self, uri: str, *, create_bucket: bool = False):
        self.uri = uri
        self.bucket, self.prefix = _parse(uri)
        self.endpoint = _minio_endpoint(uri)
        self.request_count = 0
        self._count_lock = threading.Lock()
        session, self.credentials_source = _session(uri, self.endpoint)
        self.region = session.region_name or DEFAULT_REGION
        config = Config(
            # Three attempts per request, with backoff, unless AWS_MAX_ATTEMPTS (or max_attempts in
            # the AWS config file) says otherwise: bounded, and tunable the standard way.
            retries={"mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            s3={"addressing_style": "path"} if self.endpoint else None,
        )
        self.client = session.client("s3", region_name=self.region, endpoint_url=self.endpoint, config=config)
        self.client.meta.events.register("before-send.s3", self._count_request)
        self._check_bucket(create_bucket)

    def __repr__(self) -> str:
        return f"S3Lake({self.uri!r})"

    def _count_request(self, **_) -> None:
        with self._count_lock:
            self.request_count += 1

    def _where(self) -> str:
        endpoint = f", endpoint {self.endpoint}" if self.endpoint else ""
        return f"{self.uri} (bucket {self.bucket!r}{endpoint})"

    @contextmanager
    def _errors(self, doing: str):
        try:
            yield
        except ClientError as exc:
            raise self._client_error(exc, doing) from exc
        except (BotoConnectionError, HTTPClientError) as exc:
            hint = "is MINIO_ENDPOINT right and the server running?" if self.endpoint else "check the network and the region"
            raise LakeError(f"{self._where()}: cannot {doing}: the S3 endpoint is unreachable or did not answer ({exc}); {hint}") from exc
        except BotoCoreError as exc:
            raise LakeError(f"{self._where()}: cannot {doing}: {exc}") from exc

    def _client_error(self, exc: ClientError, doing: str) -> LakeError:
        code = _code(exc)
        message = exc.response.get("Error", {}).get("Message") or code
        if code == "NoSuchBucket":
            return LakeError(
                f"{self._where()}: bucket {self.bucket!r} does not exist "
                "(create it, or set lake.create_bucket: true)"
            )
        if code in _CREDENTIAL_ERRORS:
            return LakeError(
                f"{self._where()}: cannot {doing}: S3 rejected the credentials ({code}: {message}); "
                f"they came from {self.credentials_source}: check them"
            )
        if code in ("AccessDenied", "403"):
            return LakeError(
                f"{self._where()}: cannot {doing}: access denied; the credentials from "
                f"{self.credentials_source} need s3:ListBucket, s3:GetObject, s3:PutObject and "
                f"s3:DeleteObject on bucket {self.bucket!r}"
            )
        return LakeError(f"{self._where()}: cannot {doing}: {code}: {message}")

    def _check_bucket(self, create_bucket: bool) -> None:
        try:
            with self._errors("open the lake"):
                self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)
        except LakeError as exc:
            if not (create_bucket and _code(exc.__cause__) == "NoSuchBucket"):
                raise
            self._create_bucket()

    def _create_bucket(self) -> None:
        where = {} if self.region == DEFAULT_REGION else {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
        try:
            with self._errors(f"create bucket {self.bucket!r}"):
                self.client.create_bucket(Bucket=self.bucket, **where)
        except LakeError as exc:
            # Another writer creating the same bucket at the same time is not a failure.
            if _code(exc.__cause__) != "BucketAlreadyOwnedByYou":
                raise

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def list(self, prefix: str = "") -> Iterator[str]:
        """One LIST request per 1,000 keys. Objects whose names are not lake keys (folder markers
        such as ``raw/`` made by consoles) are skipped, as the file backend skips temp files."""
        if prefix:
            check_key(prefix.removesuffix("/"))
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix, PaginationConfig={"PageSize": 1000}
        )
        with self._errors(f"list {prefix or 'the lake'!r}"):
            for page in pages:
                for item in page.get("Contents", ()):
                    key = item["Key"][len(self.prefix):]
                    if _is_key(key):
                        yield key

    def exists(self, key: str) -> bool:
        full_key = self._key(key)
        try:
            with self._errors(f"check {key!r}"):
                self.client.head_object(Bucket=self.bucket, Key=full_key)
        except LakeError as exc:
            if _code(exc.__cause__) in _NOT_FOUND:
                return False
            raise
        return True

    def read(self, key: str) -> bytes:
        full_key = self._key(key)
        with self._errors(f"read {key!r}"):
            return self.client.get_object(Bucket=self.bucket, Key=full_key)["Body"].read()

    def put(self, key: str, data: bytes, *, if_absent: bool = False) -> None:
        full_key = self._key(key)
        extra = {"IfNoneMatch": "*"} if if_absent else {}
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        try:
            with self._errors(f"write {key!r}"):
                self.client.put_object(Bucket=self.bucket, Key=full_key, Body=data, ContentType=content_type, **extra)
        except LakeError as exc:
            if if_absent and _code(exc.__cause__) in _CONDITIONAL_FAILURES:
                raise AlreadyExists(f"{self.uri}: {key!r} already exists (written by another writer)") from exc
            raise

    def delete(self, key: str) -> None:
        full_key = self._key(key)
        with self._errors(f"delete {key!r}"):
            self.client.delete_object(Bucket=self.bucket, Key=full_key)


def _parse(uri: str) -> tuple[str, str]:
    """``s3://bucket/raw`` -> ``("bucket", "raw/")``: the prefix is a folder, never a partial name."""
    bucket, _, prefix = uri[len(SCHEME):].partition("/") if uri.startswith(SCHEME) else ("", "", "")
    if not bucket:
        raise LakeError(f"{uri!r} is not an S3 lake URI: use s3://bucket or s3://bucket/prefix")
    prefix = prefix.strip("/")
    return bucket, f"{check_key(prefix)}/" if prefix else ""


def _minio_endpoint(uri: str) -> str | None:
    endpoint = os.environ.get("MINIO_ENDPOINT") or None
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise LakeError(f"{uri}: MINIO_ENDPOINT={endpoint!r} must be a URL such as http://localhost:9000")
    return endpoint


def _session(uri: str, endpoint: str | None) -> tuple[boto3.session.Session, str]:
    """The standard AWS credential chain first; MinIO's root user only when that chain finds
    nothing and a MinIO endpoint is set. Returns a description of the source for error messages,
    never the secret."""
    session = boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is not None:
        return session, _describe(credentials.method, session.profile_name)
    user, password = os.environ.get("MINIO_ROOT_USER"), os.environ.get("MINIO_ROOT_PASSWORD")
    if endpoint and user and password:
        minio = boto3.session.Session(aws_access_key_id=user, aws_secret_access_key=password, region_name=session.region_name)
        return minio, "MINIO_ROOT_USER/MINIO_ROOT_PASSWORD in the environment"
    raise LakeError(
        f"{uri}: no S3 credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)"
        + (", or MINIO_ROOT_USER and MINIO_ROOT_PASSWORD" if endpoint else "")
    )


def _describe(method: str, profile: str) -> str:
    if method == "env":
        return "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment"
    if method in ("shared-credentials-file", "config-file"):
        return f"profile {profile!r} of the AWS {'credentials' if method == 'shared-credentials-file' else 'config'} file"
    return f"the AWS credential chain ({method})"


def _code(exc: BaseException | None) -> str | None:
    return exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None


def _is_key(key: str) -> bool:
    try:
        check_key(key)
    except LakeError:
        return False
    return True
