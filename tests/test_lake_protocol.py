"""The lake protocol, run against every built-in backend: what the planner and the runner rely on."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pitchlake.lake import AlreadyExists, LakeBackend, LakeError, UnsafeKeyError, check_key, open_lake

KEY = "raw/fixtures/season=2023/league_id=39/ingestion_date=2024-05-01/data.json"
UNSAFE_KEYS = ["", "/etc/passwd", "../outside", "raw/../../outside", "raw/./x", "raw//x", "raw/x/", "raw\\x", ".hidden", "raw/\x00"]


def test_roundtrip(lake_uri):
    lake = open_lake(lake_uri)
    assert isinstance(lake, LakeBackend)
    assert not lake.exists(KEY)
    assert list(lake.list()) == []

    lake.put(KEY, b'{"response": []}')
    assert lake.exists(KEY)
    assert lake.read(KEY) == b'{"response": []}'
    assert list(lake.list()) == [KEY]

    lake.put(KEY, b'{"response": [1]}')
    assert lake.read(KEY) == b'{"response": [1]}'

    lake.delete(KEY)
    assert not lake.exists(KEY)
    assert list(lake.list()) == []
    lake.delete(KEY)  # deleting what is gone is not an error, as on S3


def test_read_of_a_missing_key_names_the_lake_and_the_key(lake_uri):
    with pytest.raises(LakeError, match="raw/missing.json") as caught:
        open_lake(lake_uri).read("raw/missing.json")
    assert lake_uri in str(caught.value)


def test_list_is_recursive_sorted_and_filtered_by_prefix(lake_uri):
    lake = open_lake(lake_uri)
    keys = ["raw/a-b/data.json", "raw/a/x/data.json", "raw/a/data.json", "raw/ab.json", "raw/b/data.json", "top.json"]
    for key in keys:
        lake.put(key, b"{}")
    # Byte order of the whole key, as S3 lists: '-' sorts before '/', which sorts before letters.
    assert list(lake.list()) == sorted(keys)
    assert list(lake.list("raw/")) == sorted(k for k in keys if k.startswith("raw/"))
    assert list(lake.list("raw/a/")) == ["raw/a/data.json", "raw/a/x/data.json"]
    assert list(lake.list("raw/a")) == sorted(k for k in keys if k.startswith("raw/a"))
    assert list(lake.list("raw/c/")) == []
    assert list(lake.list("nothing/here/")) == []


def test_put_if_absent_refuses_to_overwrite(lake_uri):
    lake = open_lake(lake_uri)
    lake.put(KEY, b"first", if_absent=True)
    with pytest.raises(AlreadyExists, match="already exists"):
        lake.put(KEY, b"second", if_absent=True)
    assert lake.read(KEY) == b"first"
    assert list(lake.list()) == [KEY]


def test_concurrent_if_absent_writers_have_exactly_one_winner(lake_uri):
    lake = open_lake(lake_uri)

    def attempt(n: int) -> int | None:
        try:
            lake.put(KEY, f"writer {n}".encode(), if_absent=True)
        except AlreadyExists:
            return None
        return n

    with ThreadPoolExecutor(8) as pool:
        winners = [n for n in pool.map(attempt, range(16)) if n is not None]
    assert len(winners) == 1
    assert lake.read(KEY) == f"writer {winners[0]}".encode()
    assert list(lake.list()) == [KEY]


@pytest.mark.parametrize("key", UNSAFE_KEYS)
def test_keys_that_escape_the_lake_are_refused(lake_uri, key):
    lake = open_lake(lake_uri)
    for operation in (lake.exists, lake.read, lake.delete, lambda k: lake.put(k, b"x")):
        with pytest.raises(UnsafeKeyError):
            operation(key)


@pytest.mark.parametrize("prefix", ["/", "/etc/", "../", "raw/../../", "raw\\", "raw//"])
def test_list_prefixes_that_escape_the_lake_are_refused(lake_uri, prefix):
    with pytest.raises(UnsafeKeyError):
        list(open_lake(lake_uri).list(prefix))


def test_file_lake_never_writes_outside_its_root(file_lake_uri, tmp_path):
    lake = open_lake(file_lake_uri)
    for key in UNSAFE_KEYS:
        with pytest.raises(UnsafeKeyError):
            lake.put(key, b"escaped")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_file_lake_is_relative_to_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lake = open_lake("file://./lake")
    lake.put("raw/data.json", b"{}")
    monkeypatch.chdir("/")  # the root was fixed when the lake was opened
    assert lake.read("raw/data.json") == b"{}"
    assert (tmp_path / "lake" / "raw" / "data.json").read_bytes() == b"{}"


def test_file_lake_hides_files_that_are_not_lake_keys(file_lake_uri):
    lake = open_lake(file_lake_uri)
    lake.put("raw/data.json", b"{}")
    root = Path(lake.root)
    (root / "raw" / ".data.json.tmp-0123abcd").write_bytes(b"{")
    (root / ".DS_Store").write_bytes(b"")
    (root / "raw" / "empty").mkdir()
    assert list(lake.list()) == ["raw/data.json"]


def test_file_put_that_fails_midway_leaves_the_old_file_and_no_temp_file(file_lake_uri, monkeypatch):
    lake = open_lake(file_lake_uri)
    lake.put(KEY, b"old")
    partition = Path(lake.root, *KEY.split("/")).parent

    def disk_failure(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_failure)
    with pytest.raises(LakeError, match="Input/output error"):
        lake.put(KEY, b"new and longer")
    with pytest.raises(LakeError):
        lake.put("raw/other/data.json", b"never complete", if_absent=True)
    monkeypatch.undo()

    assert lake.read(KEY) == b"old"
    assert not lake.exists("raw/other/data.json")
    assert sorted(p.name for p in partition.iterdir()) == ["data.json"]


def test_file_put_killed_midway_leaves_no_data_json(file_lake_uri):
    """A real crash: the writing process dies after writing the bytes and before the rename."""
    lake = open_lake(file_lake_uri)
    script = textwrap.dedent(
        f"""
        import os, signal
        from pitchlake.lake import open_lake
        os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
        open_lake({file_lake_uri!r}).put({KEY!r}, b"x" * 1_000_000)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert result.returncode == -signal.SIGKILL
    leftovers = list(Path(lake.root, *KEY.split("/")).parent.iterdir())
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".data.json.tmp-")
    with pytest.raises(UnsafeKeyError):
        check_key(leftovers[0].name)
    assert not lake.exists(KEY)
    assert list(lake.list()) == []


RACER = """
import os, sys, time
from pitchlake.lake import AlreadyExists, open_lake
uri, key, n, start = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
lake = open_lake(uri)
while not os.path.exists(start):  # all processes are up: go together
    time.sleep(0.001)
try:
    lake.put(key, f"process {n}".encode(), if_absent=True)
    print("won")
except AlreadyExists:
    print("lost")
"""


def test_file_if_absent_is_race_free_between_processes(file_lake_uri, tmp_path):
    start = tmp_path / "start"
    racers = [subprocess.Popen([sys.executable, "-c", RACER, file_lake_uri, KEY, str(n), str(start)],
                               stdout=subprocess.PIPE, text=True) for n in range(6)]
    time.sleep(1.0)  # let every interpreter start and open the lake
    start.touch()
    results = [racer.communicate(timeout=60)[0].strip() for racer in racers]
    assert sorted(results) == ["lost"] * 5 + ["won"]
    lake = open_lake(file_lake_uri)
    assert lake.read(KEY) == f"process {results.index('won')}".encode()
    assert [p.name for p in Path(lake.root, *KEY.split("/")).parent.iterdir()] == ["data.json"]


def test_s3_list_pages_through_1000_keys_a_request(s3_lake_uri):
    lake = open_lake(s3_lake_uri)
    keys = [f"raw/players/season=2023/page={n:05d}/data.json" for n in range(1_234)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: lake.put(key, b"{}"), keys))
    lake.put("raw/teams/data.json", b"{}")

    before = lake.request_count
    listed = list(lake.list("raw/players/"))
    assert listed == keys
    assert lake.request_count - before == math.ceil(len(keys) / 1000) == 2
