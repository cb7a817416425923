"""The ``file://`` lake backend: the embedded default, a directory on local disk.

A put never exposes a partial file, because the bytes go to a hidden temp file next to the target,
are fsynced, and only then get their real name in one rename (``os.replace``), or one hard link for
``if_absent`` (``os.link`` fails when the target exists, which makes the check race-free between
processes without locks). A crash mid-put leaves at most a temp file; its name starts with '.', so
it is not a lake key and is never listed or read. Listing a folder removes the temp files in it
that are older than a lease (``pitchlake.lease.LEASE_SECONDS``): a put renames its temp file
within the call that made it, so one that old was left by a writer that died (a SIGKILL, a power
cut), while a concurrent writer's, seconds old, is never touched. Every plan lists the folders of
every enabled endpoint, so what a crash leaves there goes with the next run, wherever it lies (the
``_pages/`` of a fetch resumed, or the folder of a fetch never resumed).
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pitchlake import hookimpl
from pitchlake.lake import AlreadyExists, LakeError, UnsafeKeyError, check_key
from pitchlake.lease import LEASE_SECONDS

SCHEME = "file://"
#: The temp file of a put: ``.<name>.tmp-<16 hex digits>`` beside its target.
TEMP_FILE = re.compile(r"^\..+\.tmp-[0-9a-f]{16}$")
#: A temp file older than this belongs to no live writer (see the module's docstring).
STALE_TEMP_SECONDS = LEASE_SECONDS


class FileLake:
    """A lake rooted at a local directory: ``file://./lake`` (relative to the current directory when
    opened) or ``file:///abs/path``.

    The root and its sub-directories are created by the first put, so the embedded default works
    on a fresh checkout; ``create_bucket`` is accepted only because every lake factory takes it.
    """

    def __init__(self, uri: str, *, create_bucket: bool = False):
        path = uri[len(SCHEME):] if uri.startswith(SCHEME) else ""
        if not path:
            raise LakeError(f"{uri!r} is not a file lake URI: use file://./lake or file:///absolute/path")
        self.uri = uri
        self.root = Path(path).absolute()
        if self.root.exists() and not self.root.is_dir():
            raise LakeError(f"{uri}: {self.root} is not a directory")

    def __repr__(self) -> str:
        return f"FileLake({self.uri!r})"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    @contextmanager
    def _os_errors(self, doing: str, key: str):
        """Name the lake and the key in every file system error, so a failed run says what broke."""
        try:
            yield
        except OSError as exc:
            raise LakeError(f"{self.uri}: cannot {doing} {key!r}: {exc.strerror or exc}") from exc

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys in the byte order S3 lists them, so both backends behave the same for the planner."""
        if prefix:
            check_key(prefix.removesuffix("/"))
        directory, _, start = prefix.rpartition("/")
        base = self.root.joinpath(*directory.split("/")) if directory else self.root
        with self._os_errors("list", prefix):
            yield from self._walk(base, f"{directory}/" if directory else "", start)

    def _walk(self, directory: Path | str, key_prefix: str, start: str = "") -> Iterator[str]:
        try:
            with os.scandir(directory) as scan:
                entries = [entry for entry in scan if entry.name.startswith(start)]
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if TEMP_FILE.match(entry.name):
                _remove_if_stale(entry)
        entries = [entry for entry in entries if _is_key_segment(entry.name)]
        # A directory sorts as 'name/', which is where its keys fall among its siblings'.
        directories = {entry.name for entry in entries if entry.is_dir(follow_symlinks=False)}
        for entry in sorted(entries, key=lambda e: e.name + "/" if e.name in directories else e.name):
            if entry.name in directories:
                yield from self._walk(entry.path, f"{key_prefix}{entry.name}/")
            elif entry.is_file(follow_symlinks=False):
                yield key_prefix + entry.name

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def read(self, key: str) -> bytes:
        path = self._path(key)
        with self._os_errors("read", key):
            return path.read_bytes()

    def put(self, key: str, data: bytes, *, if_absent: bool = False) -> None:
        path = self._path(key)
        with self._os_errors("write", key):
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(8)}")
            try:
                with open(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                if if_absent:
                    try:
                        os.link(temp, path)
                    except FileExistsError:
                        raise AlreadyExists(f"{self.uri}: {key!r} already exists (written by another writer)") from None
                else:
                    os.replace(temp, path)
            finally:
                temp.unlink(missing_ok=True)
            _fsync_directory(path.parent)

    def delete(self, key: str) -> None:
        """Idempotent, as on S3. Emptied directories stay: removing them could race a concurrent put
        into the same directory."""
        path = self._path(key)
        with self._os_errors("delete", key):
            path.unlink(missing_ok=True)


def _remove_if_stale(entry: os.DirEntry) -> None:
    """Remove a put's temp file left by a writer that died; best-effort, as a listing must not
    fail over garbage (another run may have removed it first, the lake may be read-only)."""
    try:
        if entry.is_file(follow_symlinks=False) and time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS:
            os.unlink(entry.path)
    except OSError:
        pass


def _is_key_segment(name: str) -> bool:
    """Temp files and anything else that is not a lake key (``.DS_Store``) are not listed."""
    try:
        check_key(name)
    except UnsafeKeyError:
        return False
    return True


def _fsync_directory(directory: Path) -> None:
    """The rename is durable only once the directory entry is on disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@hookimpl
def register_lake_backends(register):
    register("file", FileLake)
