"""The ``s3://bucket[/prefix]`` lake backend, for AWS S3 and for MinIO (``MINIO_ENDPOINT``): see
:mod:`pitchlake_lake_s3.backend`.

boto3 takes about a third of a second to import, more than the rest of a command's start-up: it is
imported when an ``s3://`` lake is opened, not by every command of a project on a local lake.
"""

from __future__ import annotations

from pitchlake import hookimpl


def open_s3_lake(uri: str, *, create_bucket: bool = False):
    from .backend import S3Lake

    return S3Lake(uri, create_bucket=create_bucket)


@hookimpl
def register_lake_backends(register):
    register("s3", open_s3_lake)
