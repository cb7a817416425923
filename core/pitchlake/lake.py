"""The lake protocol: what a storage backend does, and how partitions map to keys.

A partition is complete exactly when its ``data.json`` exists; it is written last and atomically,
so readers that only look at ``**/data.json`` never see anything half-written.
"""

from __future__ import annotations

import json
import logging
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from .names import NAME_RULE, is_valid_name

DATA_FILE = "data.json"
LAYOUT_SUFFIX = "/ingestion_date={ingestion_date}/data.json"
DEFAULT_LAYOUT = "raw/{endpoint}/{partitions}" + LAYOUT_SUFFIX
#: Placeholders the layout itself provides; every other placeholder must be a partition key.
LAYOUT_FIELDS = ("endpoint", "partitions", "ingestion_date")
#: Where corrupt objects are moved, under the lake root: ``_quarantine/<original key>``. Outside
#: every key the layout makes (one more leading segment), so neither the planner's LISTs nor dbt's
#: and Snowflake's globs of ``.../ingestion_date=*/data.json`` ever see one.
QUARANTINE_DIR = "_quarantine"

log = logging.getLogger(__name__)

# A partition value ends up as one path segment of a Hive-style key: nothing that could change
# the meaning of the path (separators, '=', '..') and nothing S3 or a file system treats oddly.
_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.=\-]{0,254}$")


class LakeError(Exception):
    """A lake operation failed; the message says which lake, which key and why."""


class UnsafeKeyError(LakeError, ValueError):
    """A key or partition value would escape the lake or break the Hive layout."""


class AlreadyExists(LakeError):
    """``put(..., if_absent=True)`` found the key already written (by another writer)."""


class CorruptObject(ValueError):
    """An object was read, but its bytes are not what its key says it holds (not JSON, or not the
    shape its writer gives it): a torn copy, a hand edit, a disk error. ``reason`` says which.
    Not a :class:`LakeError`: the lake works, one object in it is bad, and it is quarantined
    (:func:`quarantine`) rather than failing the run."""

    def __init__(self, key: str, reason: str):
        self.key, self.reason = key, reason
        super().__init__(f"{key}: {reason}")


@runtime_checkable
class LakeBackend(Protocol):
    """One lake root (``file://./lake``, ``s3://bucket/prefix``). Keys are ``/``-separated and
    relative to the root; backends call :func:`check_key` on every key they are given."""

    uri: str

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key under ``prefix``, recursively, in a few paginated LIST calls (never a HEAD per key)."""

    def exists(self, key: str) -> bool: ...

    def read(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, *, if_absent: bool = False) -> None:
        """Write ``data`` atomically: readers see the old object or the whole new one, never a part.
        With ``if_absent`` the write fails with :class:`AlreadyExists` when the key is there."""

    def delete(self, key: str) -> None: ...


def read_json(lake: LakeBackend, key: str) -> Any:
    """The JSON document at ``key``. :class:`CorruptObject` when its bytes are not JSON; a read
    that fails (missing key, permissions, the network) stays a :class:`LakeError`, since that says
    nothing about the object itself."""
    data = lake.read(key)
    if not data.strip():
        raise CorruptObject(key, "empty, not JSON")
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise CorruptObject(key, "not JSON (not UTF-8 text)") from None
    except RecursionError:
        raise CorruptObject(key, "not JSON that can be read (nested too deeply)") from None
    except ValueError as exc:
        raise CorruptObject(key, f"not JSON ({getattr(exc, 'msg', exc)} at byte {getattr(exc, 'pos', '?')} "
                                 f"of {len(data)})") from None


def quarantine_key(key: str) -> str:
    return f"{QUARANTINE_DIR}/{key}"


def quarantine(lake: LakeBackend, key: str, reason: str) -> dict[str, Any]:
    """Move a corrupt object to ``_quarantine/<key>`` (read, put, then delete the original), so
    the partition is fetched again as if it had never held it, while its bytes stay for a look.
    A later quarantine of the same key replaces the earlier copy. A move that fails (the object
    is gone already, the lake refuses the write or the delete) is logged and reported with
    ``moved_to`` None: planning went on as if the object were gone all the same.
    Returns ``{"key", "reason", "moved_to"}`` (and ``"error"`` when the move failed)."""
    target = quarantine_key(key)
    try:
        lake.put(target, lake.read(key))
        lake.delete(key)
    except LakeError as exc:
        log.warning("%s: %s; could not move it to %s (%s): it is left in place, and planned as if it were gone",
                    key, reason, target, exc)
        return {"key": key, "reason": reason, "moved_to": None, "error": str(exc)}
    log.warning("%s: %s; quarantined: moved to %s, and planned as if it had never been written", key, reason, target)
    return {"key": key, "reason": reason, "moved_to": target}


def check_key(key: str) -> str:
    """Refuse keys that could escape the lake root: absolute, ``..``, empty or odd segments."""
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise UnsafeKeyError(f"unsafe lake key {key!r}: keys are relative '/'-separated paths")
    for segment in key.split("/"):
        if segment in ("", ".", "..") or not _SEGMENT.match(segment):
            raise UnsafeKeyError(f"unsafe lake key {key!r}: bad path segment {segment!r}")
    return key


def check_partition_value(key: str, value: Any) -> str:
    """A partition value as a path segment; '/', '=', '..' and the like are refused, not escaped,
    because an escaped value would no longer round-trip through Hive partition discovery."""
    text = str(value)
    if not _VALUE.match(text) or ".." in text:
        raise UnsafeKeyError(
            f"unsafe value {text!r} for partition key {key!r}: "
            "use letters, digits, '_', '-' and '.' (at most 128 characters)"
        )
    return text


def layout_placeholders(layout: str) -> list[str]:
    """The ``{name}`` placeholders of a key template, in order. Only plain names: a format spec or
    a conversion (``{season:0>6}``, ``{endpoint!r}``) would write keys the planner cannot read
    back, or (``{endpoint:>99999999999}``) exhaust memory; a ValueError says so, without the text."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(layout):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError("placeholders are plain names in braces, such as {endpoint}: no format spec, "
                             "conversion, index or attribute")
        names.append(name)
    return names


def partition_key(
    layout: str, endpoint: str, partition_keys: tuple[str, ...], partition: Mapping[str, Any], ingestion_date: str
) -> str:
    """The key of a partition's ``data.json``; names and partition values are checked, never escaped.
    The endpoint and its partition keys become a folder and the left side of ``name=value``: they
    keep the name rule of :mod:`pitchlake.names`."""
    for name in (endpoint, *partition_keys):
        if not is_valid_name(name) or (name != endpoint and name in LAYOUT_FIELDS):
            raise UnsafeKeyError(
                f"unsafe name {name!r} for endpoint {endpoint!r} or one of its partition keys: use {NAME_RULE}; "
                f"partition keys cannot be {', '.join(LAYOUT_FIELDS)}"
            )
    values = {key: check_partition_value(key, partition[key]) for key in partition_keys}
    hive = "/".join(f"{key}={values[key]}" for key in partition_keys)
    text = layout.format(
        endpoint=endpoint,
        partitions=hive,
        ingestion_date=check_partition_value("ingestion_date", ingestion_date),
        **values,
    )
    # An endpoint without partition keys leaves an empty '{partitions}' segment behind.
    return check_key(re.sub(r"/{2,}", "/", text))


def partition_prefix(layout: str, endpoint: str) -> str:
    """The longest fixed prefix of an endpoint's keys: what the planner LISTs, once."""
    if not is_valid_name(endpoint):
        raise UnsafeKeyError(f"unsafe endpoint name {endpoint!r}: use {NAME_RULE}")
    fixed = layout.replace("{endpoint}", endpoint).split("{", 1)[0]
    return fixed[: fixed.rfind("/") + 1]


@dataclass(frozen=True)
class Layout:
    """Where an endpoint's partitions live, and the way back from a listed key to a partition.

    A partition's folder holds one ``ingestion_date=D/`` folder per fetch (its ``data.json``, and
    while a paginated fetch is under way its ``_pages/``), plus ``_out_of_plan.json`` when the API
    said the partition is not in the subscription.
    """

    template: str = DEFAULT_LAYOUT

    def data_key(self, endpoint: str, keys: tuple[str, ...], partition: Mapping[str, Any], ingestion_date: str) -> str:
        return partition_key(self.template, endpoint, keys, partition, ingestion_date)

    def fetch_dir(self, endpoint: str, keys: tuple[str, ...], partition: Mapping[str, Any], ingestion_date: str) -> str:
        """The folder of one fetch: ``data.json`` and ``_pages/`` live in it."""
        return self.data_key(endpoint, keys, partition, ingestion_date).rsplit("/", 1)[0]

    def partition_dir(self, endpoint: str, keys: tuple[str, ...], partition: Mapping[str, Any]) -> str:
        return self.fetch_dir(endpoint, keys, partition, "0").rsplit("/", 1)[0]

    def prefix(self, endpoint: str) -> str:
        return partition_prefix(self.template, endpoint)

    def parser(self, endpoint: str, keys: tuple[str, ...]) -> re.Pattern[str]:
        """A regex with a group per partition key, ``ingestion_date`` (optional) and ``rest``."""
        head = self.template[: -len(LAYOUT_SUFFIX)]
        pattern, seen = "", set()
        for literal, name, _, _ in string.Formatter().parse(head):
            pattern += re.escape(literal)
            if name == "endpoint":
                pattern += re.escape(endpoint)
            elif name == "partitions":
                pattern += "/".join(f"{re.escape(key)}=" + (f"(?P={key})" if key in seen else f"(?P<{key}>[^/]+)")
                                    for key in keys)
                seen.update(keys)
            elif name is not None:
                pattern += f"(?P={name})" if name in seen else f"(?P<{name}>[^/]+)"
                seen.add(name)
        # Collapsed after the suffix is added: an endpoint without partition keys leaves an empty
        # '{partitions}' segment right before it, as in partition_key.
        pattern = re.sub(r"/{2,}", "/", pattern + r"/(?:ingestion_date=(?P<ingestion_date>[^/]+)/)?(?P<rest>[^/].*)$")
        return re.compile(pattern)


def open_lake(uri: str, *, create_bucket: bool = False, backends: Mapping[str, Any] | None = None) -> LakeBackend:
    """The backend for a lake URI, from whichever plugin registered its scheme."""
    if backends is None:
        from .plugins import registry

        backends = registry().lake_backends
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    factory = backends.get(scheme)
    if factory is None:
        known = ", ".join(f"{name}://" for name in sorted(backends)) or "none"
        raise LakeError(f"no lake backend for {uri!r}: installed backends handle {known}")
    return factory(uri, create_bucket=create_bucket)
