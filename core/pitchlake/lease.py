"""Leases: one run fetches a partition at a time, so two runs of the same scope (two processes,
two Fargate tasks, a retried task whose first attempt still runs) never pay twice for it.

A lease is ``_lease.json`` in the fetch's folder, created with the lake's conditional write, so
exactly one run gets it. A run that died leaves its lease behind: it is broken when it has
expired (runs renew theirs as pages arrive), or at once when the holder was a process of this
host that no longer exists (a crash, a ``kill -9``).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass

from .lake import AlreadyExists, LakeBackend, LakeError

LEASE_FILE = "_lease.json"
#: A lease not renewed for this long belongs to a run that died on another host.
LEASE_SECONDS = 15 * 60


@dataclass
class Lease:
    key: str
    owner: str


def _record(owner: str) -> bytes:
    return json.dumps({"owner": owner, "host": socket.gethostname(), "pid": os.getpid(),
                       "expires": time.time() + LEASE_SECONDS}).encode()


def _dead(record: dict) -> bool:
    if record.get("expires", 0) < time.time():
        return True
    if record.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(record["pid"]), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, KeyError, ValueError, TypeError):
        return False
    return False


def acquire(lake: LakeBackend, folder: str) -> Lease | None:
    """The lease of ``folder``, or None while another live run holds it."""
    lease = Lease(f"{folder}/{LEASE_FILE}", uuid.uuid4().hex)
    for _ in range(2):
        try:
            lake.put(lease.key, _record(lease.owner), if_absent=True)
            return lease
        except AlreadyExists:
            try:
                holder = json.loads(lake.read(lease.key))
            except (LakeError, ValueError):
                holder = {}  # released meanwhile, or torn: try again
            if holder and not _dead(holder):
                return None
            lake.delete(lease.key)
    return None


def renew(lake: LakeBackend, lease: Lease) -> None:
    lake.put(lease.key, _record(lease.owner))


def release(lake: LakeBackend, lease: Lease) -> None:
    lake.delete(lease.key)
