"""Property tests of the key functions: whatever a partition value or a key looks like, it either
maps to a key inside the lake that Hive discovery reads back unchanged, or it is refused."""

from __future__ import annotations

import posixpath
import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pitchlake.lake import (
    DEFAULT_LAYOUT,
    Layout,
    UnsafeKeyError,
    check_key,
    check_partition_value,
    partition_key,
    partition_prefix,
)

# More examples than hypothesis's default: the interesting inputs are a small corner of all text.
thorough = settings(max_examples=300, deadline=None)

# Characters that matter to paths and Hive segments, mixed with ordinary ones, so the generator
# hits separators, dots and '=' far more often than uniform text would.
TRICKY = st.sampled_from(["/", "\\", ".", "..", "=", "\x00", " ", "-", "_", "%2F", "~", "é", "\n", ":", "*"])
TEXT = st.lists(st.one_of(TRICKY, st.text(string.ascii_letters + string.digits, min_size=1, max_size=4)), max_size=8).map("".join)
VALUES = st.one_of(TEXT, st.integers(), st.booleans(), st.floats(allow_nan=False))
NAMES = st.one_of(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True), TEXT)
ENDPOINTS = st.one_of(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True), TEXT)
DATES = st.one_of(st.dates().map(str), TEXT)


def read_back(layout: str, endpoint: str, keys: tuple[str, ...], key: str) -> dict[str, str]:
    """The partition (and ingestion date) the planner reads back from a listed key."""
    match = Layout(layout).parser(endpoint, keys).match(key)
    assert match is not None and match["rest"] == "data.json", key
    return {name: match[name] for name in (*keys, "ingestion_date")}


def _inside_the_lake(key: str) -> bool:
    return posixpath.normpath(posixpath.join("/lake", key)).startswith("/lake/")


@thorough
@given(TEXT)
@example("../etc/passwd")
@example("raw/../../x")
@example("/abs")
@example("a/./b")
def test_check_key_accepts_only_keys_inside_the_lake(key):
    try:
        assert check_key(key) == key
    except UnsafeKeyError:
        return
    assert not key.startswith("/") and "\\" not in key and "\x00" not in key
    assert all(segment not in ("", ".", "..") and not segment.startswith(".") for segment in key.split("/"))
    assert _inside_the_lake(key)
    assert posixpath.normpath(key) == key  # nothing a file system or S3 would rewrite


@thorough
@given(NAMES, VALUES)
@example("season", "..")
@example("season", "2023/../x")
@example("season", "a=b")
def test_check_partition_value_is_one_plain_path_segment(name, value):
    try:
        text = check_partition_value(name, value)
    except UnsafeKeyError:
        return
    assert text == str(value)
    assert "/" not in text and "=" not in text and ".." not in text and not text.startswith(".")
    check_key(text)


@thorough
@given(
    endpoint=ENDPOINTS,
    partition=st.dictionaries(NAMES, VALUES, max_size=3),
    ingestion_date=DATES,
)
@example(endpoint="fixtures", partition={}, ingestion_date="2024-05-01")
@example(endpoint="fixtures", partition={"season": 2023, "league_id": 39}, ingestion_date="2024-05-01")
@example(endpoint="fixtures", partition={"a=b": "x"}, ingestion_date="2024-05-01")
@example(endpoint="fixtures", partition={"a/b": "x"}, ingestion_date="2024-05-01")
@example(endpoint="a=b", partition={"season": 2023}, ingestion_date="2024-05-01")
@example(endpoint="..", partition={}, ingestion_date="2024-05-01")
@example(endpoint="raw/other", partition={}, ingestion_date="2024-05-01")
def test_partition_keys_round_trip_through_hive_discovery_or_are_refused(endpoint, partition, ingestion_date):
    keys = tuple(partition)
    try:
        key = partition_key(DEFAULT_LAYOUT, endpoint, keys, partition, ingestion_date)
    except UnsafeKeyError:
        return
    assert ".." not in key.split("/") and not key.startswith("/") and _inside_the_lake(key)
    assert check_key(key) == key
    assert key.endswith("/data.json")
    assert read_back(DEFAULT_LAYOUT, endpoint, keys, key) == {**{k: str(v) for k, v in partition.items()}, "ingestion_date": ingestion_date}
    prefix = partition_prefix(DEFAULT_LAYOUT, endpoint)
    assert prefix == f"raw/{endpoint}/" and key.startswith(prefix)
    check_key(prefix.removesuffix("/"))


@thorough
@given(endpoint=ENDPOINTS)
def test_partition_prefix_is_inside_the_lake_or_refused(endpoint):
    try:
        prefix = partition_prefix(DEFAULT_LAYOUT, endpoint)
    except UnsafeKeyError:
        return
    assert prefix.endswith("/") and _inside_the_lake(prefix)
    check_key(prefix.removesuffix("/"))


@pytest.mark.parametrize(
    "layout, prefix",
    [
        (DEFAULT_LAYOUT, "raw/fixtures/"),
        ("{endpoint}/{partitions}/ingestion_date={ingestion_date}/data.json", "fixtures/"),
        ("lake/v1/{endpoint}/season={season}/ingestion_date={ingestion_date}/data.json", "lake/v1/fixtures/"),
        ("lake/{season}/{endpoint}/ingestion_date={ingestion_date}/data.json", "lake/"),
    ],
)
def test_partition_prefix_is_the_fixed_folder_before_the_first_placeholder(layout, prefix):
    assert partition_prefix(layout, "fixtures") == prefix


def test_a_custom_layout_round_trips():
    layout = "lake/{endpoint}/season={season}/league_id={league_id}/ingestion_date={ingestion_date}/data.json"
    key = partition_key(layout, "standings", ("season", "league_id"), {"season": 2023, "league_id": 39}, "2024-05-01")
    assert key == "lake/standings/season=2023/league_id=39/ingestion_date=2024-05-01/data.json"
    assert read_back(layout, "standings", ("season", "league_id"), key) == {"season": "2023", "league_id": "39", "ingestion_date": "2024-05-01"}


@thorough
@given(ENDPOINTS)
@example("Fixtures")
@example("fixtures\n")
@example("a" * 64)
def test_lake_keys_take_the_endpoint_names_the_one_name_rule_takes(endpoint):
    """Lake keys, the config schema, the contract kit and the scaffold share pitchlake.names."""
    from pitchlake.names import is_valid_name

    try:
        partition_key(DEFAULT_LAYOUT, endpoint, ("season",), {"season": 2024}, "2025-01-26")
        partition_prefix(DEFAULT_LAYOUT, endpoint)
    except UnsafeKeyError:
        assert not is_valid_name(endpoint)
    else:
        assert is_valid_name(endpoint)


@pytest.mark.parametrize("layout", [
    "raw/{endpoint}/{partitions}/{partitions}/ingestion_date={ingestion_date}/data.json",
    "raw/{endpoint}/season={season}/{partitions}/ingestion_date={ingestion_date}/data.json",
    "raw/{endpoint}/{partitions}/s={season}/{endpoint}/ingestion_date={ingestion_date}/data.json",
])
def test_a_key_placed_twice_by_the_layout_reads_back(layout):
    """A partition key the layout names more than once (by name and in {partitions}, or through a
    repeated {partitions}) is one value, written twice and read back once."""
    partition = {"season": "2024", "league_id": "39"}
    key = partition_key(layout, "fixtures", ("season", "league_id"), partition, "2025-01-26")
    assert read_back(layout, "fixtures", ("season", "league_id"), key) == {**partition, "ingestion_date": "2025-01-26"}
