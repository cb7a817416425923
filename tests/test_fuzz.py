"""Fuzz tests (issue 16, item 7): hypothesis over configs, and over API bodies served by the sandbox.

Whatever the input, a pitchlake command ends with an exit code of the documented table
(:mod:`pitchlake.exit_codes`), never with a traceback; it never echoes a config value that could be
a secret; and it leaves nothing half-written: every ``data.json`` in the lake is a complete
envelope, and a fetch that stopped part-way is one that the next plan resumes and the next run,
against a healthy API, finishes.

The commands run in-process through the CLI app (click's ``CliRunner``), against one sandbox
for the module whose answers to the fuzzed endpoint are swapped per example (:class:`Scripted`
wraps the sandbox gateway's ``api``, so keys, quotas, headers and counting stay the sandbox's).
A ``paging.total`` beyond :data:`MAX_TOTAL` would have an in-process run build (or send) that many
requests, so those are fuzzed by :func:`test_fuzz_huge_paging_total_ends_quickly` in a child
process with a time and memory limit instead.

Reproducible: derandomized, no example database, so CI runs the same cases every time.
``PITCHLAKE_FUZZ_SCALE=10`` runs ten times as many for a longer hunt. Each test prints (past
pytest's capture) and records (``record_property``, in the JUnit XML) how many cases it ran.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from pitchlake.cli import app
from pitchlake.client import ENVELOPE_KEYS
from pitchlake.endpoints import check_items
from pitchlake.exit_codes import ExitCode
from pitchlake.plugins import registry
from pitchlake.testing.config import SHIPPED, write_config
from pitchlake_sandbox import Sandbox
from pitchlake_sandbox.api import Answer

from .rig import DATA, KEY, ROOT, TODAY

SCALE = float(os.environ.get("PITCHLAKE_FUZZ_SCALE", "1"))
#: The documented exit codes, and nothing else.
EXIT_CODES = frozenset(int(code) for code in ExitCode)
#: Planted in config values: a stand-in for an API key pasted into the wrong field.
MARKER = "SECRETMARKER"
#: The largest page count the in-process body fuzz lets page 1 claim (see the module docstring).
MAX_TOTAL = 40
#: The one partition every body-fuzz run fetches.
SEASON, LEAGUE = "2024", "39"
#: Pages the healthy answers have for the paginated endpoint (the sandbox's own say 27).
HEALTHY_PAGES = 3


def fuzz_settings(examples: int, **kwargs) -> settings:
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, derandomize=True, database=None,
                    print_blob=False, suppress_health_check=list(HealthCheck), **kwargs)


# -- JSON with what json.dumps cannot write -------------------------------------------------------

class Raw:
    """A JSON token written as it is: 1e400, NaN, a 5,000-digit number, nesting 100,000 deep."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 40 else f"{self.text[:20]}...{self.text[-10:]} ({len(self.text)} chars)"
        return f"Raw({text!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Raw) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def dump(document, **kwargs) -> str:
    """``json.dumps`` with each :class:`Raw` spliced in as is."""
    raws: list[str] = []

    def swap(node):
        if isinstance(node, Raw):
            raws.append(node.text)
            return f"\x00raw{len(raws) - 1}\x00"
        if isinstance(node, dict):
            return {key: swap(value) for key, value in node.items()}
        if isinstance(node, list):
            return [swap(value) for value in node]
        return node

    text = json.dumps(swap(document), **kwargs)
    for index, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{index}\x00"), raw, 1)
    return text


def nested(depth: int, kind: str) -> Raw:
    if kind == "list":
        return Raw("[" * depth + "]" * depth)
    return Raw('{"a":' * depth + "1" + "}" * depth)


RAW_TOKENS = ["1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "-0", "39.0", "3.9e1", "1E2", "2.5",
              "1" + "0" * 5000, "-" + "9" * 4400]
DEPTHS = [40, 400, 900, 950, 980, 995, 3000, 100_000]
TRICKY = [
    "", " ", ".", "..", "../", "../../../../etc/passwd", "/etc/passwd", "a/../b", "C:\\x", "\\\\server\\share",
    "a\r\nb", "\r", "\n", "\t", "\x00", "\x1b[31m", "\u2028", "\ufeff", "é", "日本", "💥", "\ud83d", "%s", "$(id)",
    "{", "}", "{}", "{0}", "{endpoint}", "{partitions}", "{season}", "{x!r}", "{season:>99999}",
    "{endpoint:>99999999999}", "null", "true", "0", "-1", "2024", "39", "x" * 300,
    "file://./lake", "file:///", "file://", "file://../../x", "s3://b", "s3://bucket/x", "gs://b/x", "memory://x",
    "http://", "https://", "http://127.0.0.1:9", "https://v3.football.api-sports.io", "apisports", "rapidapi",
    "daily", "never", "weekly", "0 6 * * *", "* * * * * *", "leagues", "players", "teams", "fixtures", "venues",
]
KEYS = ["api_key", "key", "token", "secret", "password", "plugin", "name", "enabled", "params", "partitions", "season",
        "league_id", "country", "timezone", "$schema", "version", "api", "lake", "uri", "layout", "scope", "seasons",
        "leagues", "current_season", "endpoints", "defaults", "refresh", "schedule", "total", "current", "paging",
        "response", "errors", "results", "get", "parameters", "page", "id", ""]

marked = st.builds(lambda before, after: before + MARKER + after,
                   st.sampled_from(["", "sk-", "https://", "https://x/", "http://127.0.0.1:1/", "file://./", "s3://",
                                    "{", "raw/", "raw/{endpoint}/{partitions}/"]),
                   st.sampled_from(["", "@host", "}", "/data.json", "/ingestion_date={ingestion_date}/data.json",
                                    "\n", ".example.com"]))
strings = st.one_of(st.text(max_size=20), st.sampled_from(TRICKY), marked)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12))
raw_tokens = st.one_of(st.sampled_from(RAW_TOKENS).map(Raw),
                       st.builds(nested, st.sampled_from(DEPTHS), st.sampled_from(["list", "object"])))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, -1, 2, 39, 2008, 2024, 2100, 2**31 - 1, 2**31, 2**63, -(2**63), 10**30]),
    st.floats(allow_nan=False, allow_infinity=False), strings, raw_tokens,
)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                           max_leaves=8)


PARTITION_KEYS = {"leagues": ("league_id",), "venues": ("country",), "players_squads": ("team_id",),
                  "transfers": ("team_id",), "coachs": ("team_id",)}
ENDPOINT_NAMES = ["leagues", "teams", "venues", "fixtures", "fixture_details", "standings", "players", "players_squads",
                  "injuries", "transfers", "coachs"]
#: Values of about the right type and range for a config's fields, bounds and their neighbours:
#: mutations with these leave a config valid often enough for ``plan`` to get past loading it.
plausible = st.one_of(
    st.integers(-5, 3000),
    st.sampled_from([0, 1, 39, 140, 2007, 2008, 2024, 2026, 2100, 2101, 10, 11, 64, 65, 300, 301, 100_000, 100_001,
                     10_000_000, 10_000_001, 2**31 - 1, 2**31]),
    st.booleans(), st.floats(0, 400), st.sampled_from(TRICKY + ENDPOINT_NAMES), marked,
    st.lists(st.sampled_from([2008, 2023, 2024, 2025, 2026, 2100, 39, 61, 140]), min_size=1, max_size=3),
    st.fixed_dictionaries({"plugin": st.sampled_from(ENDPOINT_NAMES)},
                          optional={"name": st.sampled_from(ENDPOINT_NAMES + ["mine", "x" * 63]), "enabled": st.booleans(),
                                    "refresh": st.sampled_from(["never", "daily", "weekly"]),
                                    "partitions": st.dictionaries(st.sampled_from(["season", "league_id", "country"]),
                                                                  st.lists(st.one_of(st.integers(0, 3000), strings),
                                                                           min_size=1, max_size=2), max_size=2),
                                    "params": st.dictionaries(st.sampled_from(["timezone", "page"]), strings, max_size=1)}),
)


def like(node):
    """Values of the type of ``node``, often in range: a config mutated with these often stays
    valid, so that ``plan`` gets past loading it."""
    if isinstance(node, bool):
        return st.booleans()
    if isinstance(node, int):
        return st.one_of(st.integers(node - 3, node + 3), plausible.filter(lambda value: isinstance(value, int)))
    if isinstance(node, float):
        return st.floats(0, 400)
    if isinstance(node, str):
        return st.one_of(st.sampled_from(TRICKY + ENDPOINT_NAMES), marked)
    if isinstance(node, list) and node:
        return st.lists(like(node[0]), min_size=1, max_size=3)
    return plausible


def pointers(node, path=()):
    """Every path into ``node`` (the root's is ``()``)."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from pointers(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from pointers(value, (*path, index))


def at(node, path):
    for part in path:
        node = node[part]
    return node


OPERATIONS = ["replace", "replace", "delete", "add", "splice", "duplicate"]


@st.composite
def mutated(draw, base, max_edits: int = 4, values=json_values):
    """``base`` with 1 to ``max_edits`` edits at random paths: a value replaced by random JSON, a
    key or an item deleted, a key or an item added, a snippet spliced into a string, an item
    repeated."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_edits))):
        path = draw(st.sampled_from(list(pointers(document))))
        node = at(document, path)
        operation = draw(st.sampled_from(OPERATIONS))
        if operation == "delete" and path:
            del at(document, path[:-1])[path[-1]]
        elif operation == "add" and isinstance(node, dict):
            node[draw(keys)] = draw(values(None) if callable(values) else values)
        elif operation == "add" and isinstance(node, list):
            node.insert(draw(st.integers(0, len(node))), draw(values(node[0] if node else None) if callable(values) else values))
        elif operation == "splice" and isinstance(node, str):
            position = draw(st.integers(0, len(node)))
            new = node[:position] + draw(st.one_of(st.sampled_from(TRICKY), marked)) + node[position:]
            document = set_at(document, path, new)
        elif operation == "duplicate" and isinstance(node, list) and node:
            node.extend(copy.deepcopy(node[: draw(st.integers(1, len(node)))]))
        else:
            document = set_at(document, path, draw(values(node) if callable(values) else values))
    return document


def set_at(document, path, value):
    if not path:
        return value
    at(document, path[:-1])[path[-1]] = value
    return document


# -- the sandbox, the CLI and the lake --------------------------------------------------------------

class Scripted:
    """The sandbox's ``api`` with the answers to one endpoint scripted: ``script(page) -> bytes``
    answers its requests (``page`` from the query, 1 without one); everything else goes to the
    sandbox's own. Swapping the script is one assignment."""

    def __init__(self, api):
        self.api = api
        self.endpoint: str | None = None
        self.script = None

    def answer(self, endpoint: str, params: dict[str, str]) -> Answer:
        if endpoint != self.endpoint or self.script is None:
            return self.api.answer(endpoint, params)
        page = params.get("page", "1")
        return Answer(self.script(int(page) if page.isdigit() else 1))

    def __getattr__(self, name):
        return getattr(self.api, name)


class Captured:
    """The log records of a command (the runner and the planner log warnings and errors)."""

    def __init__(self):
        self.records: list = []
        self.handler = logging.Handler(logging.DEBUG)
        self.handler.emit = self.records.append

    @contextmanager
    def capturing(self):
        self.records.clear()
        root = logging.getLogger()
        root.addHandler(self.handler)  # and logging.basicConfig in the CLI adds no stream of its own
        try:
            yield self
        finally:
            root.removeHandler(self.handler)

    def text(self) -> str:
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        return "\n".join(formatter.format(record) for record in self.records)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One sandbox for the module (limits no fuzz run reaches), its gateway's api scripted, the
    CLI's environment, and the process state the in-process CLI changes, put back at the end."""
    import signal

    sigterm = signal.getsignal(signal.SIGTERM)
    cleanup: list[Path] = []
    sandbox = Sandbox(data=[DATA], today=TODAY, keys=(KEY,), per_minute=10**9, per_day=10**9).start()
    try:
        scripted = Scripted(sandbox.gateway.api)
        sandbox.gateway.api = scripted
        # Lakes in memory where there is /dev/shm: every put of the file lake fsyncs, and on a disk
        # that is half of each case's time.
        shm = Path("/dev/shm")
        if shm.is_dir() and os.access(shm, os.W_OK):
            root = Path(tempfile.mkdtemp(prefix="pitchlake-fuzz-", dir=shm))
            cleanup.append(root)
        else:
            root = tmp_path_factory.mktemp("fuzz")
        yield {"sandbox": sandbox, "scripted": scripted, "root": root, "runner": CliRunner(),
               # built once: typer builds the click command anew on every invoke, 30 ms a time
               "command": typer.main.get_command(app), "logs": Captured()}
    finally:
        sandbox.stop()
        signal.signal(signal.SIGTERM, sigterm)
        for folder in cleanup:
            shutil.rmtree(folder, ignore_errors=True)


#: The environment of every command (None: unset). Each run names its lake in PITCHLAKE_LAKE; the
#: AWS variables only make sure that no s3:// lake of a fuzzed config could ever leave the machine.
ENV = {"FOOTBALL_API_KEY": KEY, "PITCHLAKE_TODAY": TODAY, "API_FOOTBALL_BASE_URL": None, "PITCHLAKE_CONFIG": None,
       "PITCHLAKE_LAKE": None, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x",
       "AWS_SECRET_ACCESS_KEY": "x"}


def invoke(world, *args, **env):
    """Run one pitchlake command in-process; (exit code, stdout + stderr + logs, stdout)."""
    with world["logs"].capturing() as logs:
        result = world["runner"].invoke(world["command"], list(args), env={**ENV, **env}, prog_name="pitchlake")
    said = "\n".join((result.stdout, result.stderr, logs.text()))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"pitchlake {' '.join(args)} raised {result.exception!r}\n{said}\n" + _traceback(result))
    assert "Traceback" not in said, f"pitchlake {' '.join(args)} printed a traceback:\n{said}"
    assert not any(record.exc_info for record in logs.records), f"a log record with a traceback:\n{said}"
    assert result.exit_code in EXIT_CODES, f"pitchlake {' '.join(args)}: exit {result.exit_code}, not in the table\n{said}"
    return result.exit_code, said, result.stdout


def _traceback(result) -> str:
    import traceback

    if result.exc_info is None:
        return ""
    return "".join(traceback.format_exception(*result.exc_info)[-6:])


def report(name: str, record_property, capsys, cases: Counter) -> None:
    """How many cases the test ran, past pytest's capture and in the JUnit XML."""
    detail = ", ".join(f"{key}: {value}" for key, value in sorted(cases.items()) if key != "cases")
    line = f"\n{name}: {cases['cases']} cases ({detail})"
    record_property("fuzz_cases", cases["cases"])
    with capsys.disabled():
        print(line)


# -- (a) configs ------------------------------------------------------------------------------------

def shipped_document(base_url: str) -> dict:
    document = json.loads(SHIPPED.read_text())
    document["api"]["base_url"] = base_url
    return document


def unmarked(node):
    if isinstance(node, str):
        return node.replace(MARKER, "marker")
    if isinstance(node, dict):
        return {key: unmarked(value) for key, value in node.items()}
    if isinstance(node, list):
        return [unmarked(value) for value in node]
    return node


def unplant_where_quoted(document):
    """Partition values are printed by plan (they are the lake's keys): no marker there. Endpoint
    names and plugins keep it: a message names them only when they keep the name rule, which the
    upper-case marker does not ("no installed plugin provides endpoint <not a name>")."""
    entries = document.get("endpoints") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and "partitions" in entry:
            entry["partitions"] = unmarked(entry["partitions"])
    return document


SUFFIX = "/ingestion_date={ingestion_date}/data.json"
#: Layouts, most of them valid for some set of endpoints, some at the edges of the rules.
LAYOUTS = ["raw/{endpoint}/{partitions}" + SUFFIX] + [head + SUFFIX for head in (
    "{endpoint}/{partitions}", "lake/raw/{endpoint}/v1/{partitions}", "raw/{endpoint}/{season}/{league_id}",
    "raw/{endpoint}/season={season}/league={league_id}", "raw/{endpoint}/{partitions}/{partitions}",
    "raw/{endpoint}/{endpoint}/{partitions}", "raw/{endpoint}{partitions}", "raw/{endpoint}/{partitions}/{season}",
    "raw/{endpoint}/{season}/{season}/{league_id}", "raw/{endpoint}/{partitions}/ingestion_date={ingestion_date}",
    "raw/{endpoint}/{partitions}/x={ingestion_date}", "raw/{endpoint}/{partitions}/a.b-c_d", "raw/{endpoint}/{partitions}/{{x}}",
    "raw/{endpoint}/{partitions}/{endpoint!s}", "raw/{endpoint}/{partitions}/{season:04d}", "raw/{endpoint}/{partitions}/{0}",
    "raw/{endpoint}/{partitions}/[a-z]+(", "raw/{endpoint}/{partitions}/x\\y", "raw/{endpoint:_<12}/{partitions}",
    "raw/{endpoint}/{season:0>6}/{league_id}", "raw/{endpoint!s}/{partitions}",
)]


@st.composite
def valid_leaning_configs(draw, base: dict):
    """Configs built to pass the schema (most of them valid): a random scope, a random set of
    endpoints with names, refresh, schedules and partition overrides, limits and a layout."""
    document = copy.deepcopy(base)
    api = document["api"]
    api["auth"] = draw(st.sampled_from(["apisports", "rapidapi"]))
    api["limits"] = {"per_day": draw(st.integers(1, 10_000_000)), "per_minute": draw(st.integers(1, 100_000))}
    api["timeout_seconds"] = draw(st.one_of(st.integers(1, 300), st.floats(0.001, 300)))
    api["max_retries"], api["concurrency"] = draw(st.integers(0, 10)), draw(st.integers(1, 64))
    document["lake"] = {"uri": draw(st.sampled_from(["file://./lake", "file://lake", "file:///tmp/nowhere/lake",
                                                     "s3://bucket/prefix", "s3://a.b-c"])),
                        "layout": draw(st.one_of(st.just(LAYOUTS[0]), st.sampled_from(LAYOUTS)))}
    seasons = draw(st.lists(st.integers(2008, 2100), min_size=1, max_size=3, unique=True))
    leagues = draw(st.lists(st.one_of(st.integers(1, 1000), st.just(2**31 - 1)), min_size=1, max_size=3, unique=True))
    document["scope"] = {"seasons": seasons, "leagues": leagues, "current_season": draw(st.integers(max(seasons), 2100))}
    entries = []
    for index, plugin in enumerate(draw(st.lists(st.sampled_from(ENDPOINT_NAMES), min_size=1, max_size=6, unique=True))):
        entry = {"plugin": plugin}
        if draw(st.integers(0, 3)) == 0:
            entry["name"] = draw(st.sampled_from([plugin, f"{plugin}_2", f"mine_{index}", "x" * 62 + str(index)]))
        if draw(st.integers(0, 3)) == 0:
            entry["enabled"] = draw(st.booleans())
        if draw(st.integers(0, 3)) == 0:
            entry["refresh"] = draw(st.sampled_from(["never", "daily", "weekly"]))
        if draw(st.integers(0, 3)) == 0:
            keys = PARTITION_KEYS.get(plugin, ("season", "league_id"))
            entry["partitions"] = draw(st.dictionaries(
                st.sampled_from(keys),
                st.lists(st.one_of(st.sampled_from(seasons + leagues), st.integers(0, 2**31 - 1),
                                   st.sampled_from(["England", "2024", "a.b", "-1"])), min_size=1, max_size=2),
                min_size=1, max_size=2))
        if plugin in ("fixtures", "fixture_details", "injuries") and draw(st.booleans()):
            entry["params"] = {"timezone": draw(st.sampled_from(["Europe/London", "UTC", "", "a\nb"]))}
        entries.append(entry)
    document["endpoints"] = entries
    if draw(st.booleans()):
        document["defaults"] = {"refresh": draw(st.sampled_from(["never", "daily", "weekly"])),
                                "schedule": draw(st.sampled_from(["0 6 * * *", "*/5 1-3 * * MON", "@daily x y z w"]))}
    return document


RAW_CONFIGS = [b"", b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00", b"[" * 100_000, b"{" * 3000, b"1" * 5000, b"null", b"{}",
               b"[]", b'"' + MARKER.encode() + b'"', b"{\"version\": 1,}", b"\x00"]


def config_files(base: dict):
    """A config file's bytes: the shipped config mutated (with random JSON, or with values of the
    right type), a config built to be valid (and maybe mutated once), or bytes that are no config."""
    shipped_bytes = dump(base, indent=2).encode()

    def encoded(documents):
        return documents.map(unplant_where_quoted).map(lambda document: dump(document, indent=2).encode())

    valid_leaning = valid_leaning_configs(base)
    documents = st.one_of(encoded(mutated(base, max_edits=5)), encoded(mutated(base, max_edits=2, values=like)),
                          encoded(valid_leaning), encoded(valid_leaning.flatmap(lambda d: mutated(d, max_edits=1, values=like))))
    raw = st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda text: (text + MARKER).encode("utf-8", "surrogatepass")),
        st.integers(0, len(shipped_bytes)).map(lambda n: shipped_bytes[:n]),
        st.sampled_from(RAW_CONFIGS),
    )
    return st.one_of(documents, documents, raw)


def assert_keys_found_again(path: Path) -> None:
    """Where a valid config's layout writes a partition is where the planner looks for it: else
    plan says the partition is new on every run, and the endpoints derived from it never see it."""
    from pitchlake.config import load_config
    from pitchlake.lake import Layout

    config = load_config(path)
    layout = Layout(config.lake.layout)
    for entry in config.endpoints:
        keys = registry().endpoints[entry.plugin].partition_keys
        partition = {key: str(2024 + index) for index, key in enumerate(keys)}
        key = layout.data_key(entry.name, keys, partition, TODAY)
        found = layout.parser(entry.name, keys).match(key)
        prefix = layout.prefix(entry.name)
        assert key.startswith(prefix), f"{config.lake.layout!r}: {key} is not under {prefix}, the prefix the planner lists"
        assert found and {k: found[k] for k in keys} == partition and found["ingestion_date"] == TODAY \
            and found["rest"] == "data.json", f"{config.lake.layout!r}: the planner reads {key} back as " \
                                               f"{found.groupdict() if found else None}, not {partition}"


def test_fuzz_configs_validate_and_plan(world, record_property, capsys):
    """Mutated shipped configs (random JSON at random pointers, keys deleted and added, snippets
    spliced into strings: CR/LF, '../', templates, URLs, huge and non-finite numbers, deep
    nesting) and raw bytes as the file. ``validate`` and ``plan`` exit with a code of the table and
    no traceback, echo no planted secret, ``plan`` sends no request and writes nothing, and a
    config ``validate`` accepts is one ``plan`` plans."""
    sandbox, root = world["sandbox"], world["root"]
    base = shipped_document(sandbox.url)
    project = root / "config-project"
    (project / "config").mkdir(parents=True)
    config = project / "config" / "endpoints.json"
    plan_lake = root / "plan-lake"
    cases: Counter = Counter()

    def with_layout(layout: str) -> bytes:
        return dump({**base, "lake": {"uri": "file://./lake", "layout": layout}}).encode()

    @fuzz_settings(300)
    @given(body=config_files(base))
    @example(body=dump(base).encode())
    @example(body=b"[" * 100_000)
    @example(body=with_layout("raw/{endpoint}/{partitions}/{endpoint:>99999999999}" + SUFFIX))
    @example(body=with_layout("raw/{endpoint}/{partitions}/{partitions}" + SUFFIX))
    @example(body=with_layout("raw/{endpoint:_<12}/{partitions}" + SUFFIX))
    def check(body: bytes) -> None:
        cases["cases"] += 1
        config.write_bytes(body)
        sandbox.reset()
        validated, said, _ = invoke(world, "validate", "--config", str(config))
        assert validated in (ExitCode.OK, ExitCode.INVALID), said
        assert MARKER not in said, f"validate echoed a config value:\n{said}"
        planned, said, _ = invoke(world, "plan", "--config", str(config), PITCHLAKE_LAKE=f"file://{plan_lake}")
        assert MARKER not in said, f"plan echoed a config value:\n{said}"
        assert sandbox.stats()["total"] == 0, "plan sent requests"
        assert not plan_lake.exists() or not any(plan_lake.rglob("*")), "plan wrote to the lake"
        if validated == ExitCode.OK:
            assert planned == ExitCode.OK, f"validate accepted the config, plan exited {planned}:\n{said}"
            assert_keys_found_again(config)
        cases[f"validate exit {validated}"] += 1

    try:
        check()
    finally:
        report("test_fuzz_configs_validate_and_plan", record_property, capsys, cases)


# -- (b) API bodies ---------------------------------------------------------------------------------

def endpoint(name: str):
    return registry().endpoints[name]


def envelope_problem(name: str, body: bytes) -> str | None:
    """Why ``body`` is not a complete envelope of endpoint ``name`` that a lake reader can take:
    UTF-8 JSON text (RFC 8259; DuckDB reads no UTF-16, say) without NaN, the six keys, no errors,
    items the endpoint's schema accepts. None when it is one."""
    try:  # a UTF-8 BOM is let through: DuckDB and Snowflake skip it
        document = json.loads(body.decode("utf-8-sig"), parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return f"not UTF-8 JSON: {type(exc).__name__}: {str(exc)[:200]}"
    if not isinstance(document, dict) or any(key not in document for key in ENVELOPE_KEYS):
        return f"not an envelope: keys {sorted(document) if isinstance(document, dict) else type(document).__name__}"
    if document["errors"]:
        return f"errors: {document['errors']!r}"[:300]
    try:
        check_items(endpoint(name), document)
    except ValueError as exc:
        return f"items: {exc}"
    return None


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def lake_state(lake: Path, name: str) -> dict:
    """The lake after a run, checked: every file a lake key (no temp file left), every data.json
    and checkpointed page a complete envelope, no lease left. Returns fetch folder -> its files."""
    fetches: dict[str, dict[str, bytes]] = {}
    if not lake.exists():
        return fetches
    for path in sorted(p for p in lake.rglob("*") if p.is_file()):
        key = path.relative_to(lake).as_posix()
        assert not any(part.startswith(".") for part in key.split("/")), f"a temp file left in the lake: {key}"
        body = path.read_bytes()
        folder, _, file = key.rpartition("/")
        if folder.endswith("/_pages"):
            folder = folder.rsplit("/", 1)[0]
            file = "_pages/" + file
        if file == "data.json" or file.startswith("_pages/"):
            problem = envelope_problem(name, body)
            assert problem is None, f"{key} is not a complete envelope: {problem}"
        elif file == "_out_of_plan.json":
            json.loads(body)
        else:
            pytest.fail(f"unexpected file in the lake: {key}" + (" (a lease left behind)" if file == "_lease.json" else ""))
        fetches.setdefault(folder, {})[file] = body
    return fetches


def run_and_resume(world, name: str, script, lake: Path, healthy, max_requests: int, cases: Counter) -> None:
    """One fuzz case: ingest ``name`` with ``script`` answering, check the lake; then plan, and
    ingest again with healthy answers: whatever the first run left, the second finishes it."""
    sandbox, scripted = world["sandbox"], world["scripted"]
    config = world["config"]
    cases["cases"] += 1
    lake_env = f"file://{lake}"
    sandbox.reset()
    scripted.endpoint, scripted.script = endpoint(name).path, script
    status, said, out = invoke(world, "ingest", "--config", str(config), "-e", name, "--json", "--max-requests",
                               str(max_requests), PITCHLAKE_LAKE=lake_env)
    cases[f"exit {status}"] += 1
    served = sandbox.stats()["total"]
    summary = json.loads(out)
    if "api_requests" in summary:
        assert summary["api_requests"] == served, f"summary says {summary['api_requests']} requests, the sandbox served {served}"
    fetches = lake_state(lake, name)
    complete = {folder for folder, files in fetches.items() if "data.json" in files or "_out_of_plan.json" in files}
    if status == ExitCode.OK:
        assert complete, f"exit 0 but the partition is not complete: {sorted(fetches)}\n{said}"
    unfinished = {folder: files for folder, files in fetches.items() if folder not in complete
                  and any(file.startswith("_pages/") for file in files)}
    if unfinished:
        cases["left pages to resume"] += 1
        _, _, planned = invoke(world, "plan", "--config", str(config), "-e", name, "--json", PITCHLAKE_LAKE=lake_env)
        tasks = json.loads(planned)["tasks"]
        for folder, files in unfinished.items():
            date = folder.rsplit("ingestion_date=", 1)[1]
            pages = sum(file.startswith("_pages/") for file in files)
            assert any(task["reason"] == f"resume: {pages} page(s) already in the lake" and task["ingestion_date"] == date
                       for task in tasks), f"the next plan does not resume {folder} ({sorted(files)}): {tasks}"
    written = {folder: files["data.json"] for folder, files in fetches.items() if "data.json" in files}

    sandbox.reset()
    scripted.script = healthy
    status, said, _ = invoke(world, "ingest", "--config", str(config), "-e", name, "--json", PITCHLAKE_LAKE=lake_env)
    assert status == ExitCode.OK, f"the run after it, against a healthy API, exited {status}:\n{said}"
    after = lake_state(lake, name)
    assert after and all("data.json" in files or "_out_of_plan.json" in files for files in after.values()), sorted(after)
    assert not any(file.startswith("_pages/") for files in after.values() for file in files), "pages left after a complete run"
    for folder, body in written.items():
        assert after[folder]["data.json"] == body, f"{folder}/data.json changed"


@pytest.fixture(scope="module")
def body_world(world):
    sandbox = world["sandbox"]
    world["config"] = write_config(world["root"] / "ingest.json", base_url=sandbox.url, lake_uri="file://./unused",
                                   seasons=(int(SEASON),), leagues=(int(LEAGUE),), endpoints=["leagues", "players"],
                                   per_minute=100000, per_day=10000000, max_retries=0, timeout_seconds=5, concurrency=4)
    world["lakes"] = iter(range(10**9))
    return world


def new_lake(world) -> Path:
    return world["root"] / "lakes" / f"lake-{next(world['lakes'])}"


def healthy_pages(api) -> list[dict]:
    """The sandbox's first pages of players of the partition, as an API of HEALTHY_PAGES pages."""
    pages = []
    for number in range(1, HEALTHY_PAGES + 1):
        params = {"league": LEAGUE, "season": SEASON, **({"page": str(number)} if number > 1 else {})}
        document = json.loads(api.answer("players", params).body)
        document["paging"] = {"current": number, "total": HEALTHY_PAGES}
        document["response"] = document["response"][:4]  # fewer paths for the mutations to choose from
        document["results"] = len(document["response"])
        pages.append(document)
    return pages


def healthy_players(pages: list[dict]):
    encoded = [json.dumps(page).encode() for page in pages]
    empty = json.dumps({**pages[0], "results": 0, "response": []}).encode()
    return lambda number: encoded[number - 1] if number <= len(encoded) else empty


#: ``errors`` of a body: mostly empty, else what the API says (never ``rateLimit``: after one, the
#: client waits out the minute on purpose, which no fuzz run should spend).
ERRORS = [[], {}, [], {}, {"token": "Error/Missing application key."}, {"plan": "Free plans do not have access to this season."},
          {"requests": "You have reached the request limit for the day."}, {"season": "The Season field is required."},
          ["an error"], "an error", [{"bug": "x"}], {"": ""}]


MISSING = Raw("")  # a key left out (a Raw, so that hypothesis can print it)


def envelopes(base: dict, item_pool: list):
    """Bodies shaped like an envelope: each key, independently, as in the healthy answer (two
    times in three), left out, or of any type; items from the real ones (as they are, or
    mutated), random JSON, or the real ones many times over."""

    def part(healthy, *others):
        return st.one_of(st.just(healthy), st.just(healthy), st.one_of(st.just(MISSING), json_values, *others))

    items = st.one_of(
        st.lists(st.sampled_from(item_pool), max_size=5),
        st.lists(mutated(item_pool[0], max_edits=2, values=like), max_size=3),
        st.lists(mutated(item_pool[0], max_edits=2), max_size=3),
        st.lists(json_values, max_size=3),
        st.sampled_from([200, 2000]).map(lambda n: [item_pool[i % len(item_pool)] for i in range(n)]),
    )
    paging = st.fixed_dictionaries({}, optional={"current": st.one_of(st.integers(-2, MAX_TOTAL), json_values),
                                                 "total": st.one_of(st.integers(-2, MAX_TOTAL), json_values)})
    return st.fixed_dictionaries({
        "get": part(base["get"], st.sampled_from(["", "players", "leagues", "fixtures"])),
        "parameters": part(base["parameters"], st.just([]), st.just({}),
                           st.dictionaries(st.sampled_from(["league", "season", "page", "id", "ids"]), strings, max_size=3)),
        "errors": part(base["errors"], st.sampled_from(ERRORS)),
        "results": part(base["results"], st.integers(-1, 50)),
        "paging": part(base["paging"], paging),
        "response": part(base["response"], items),
    }, optional={"extra": json_values}).map(lambda document: {k: v for k, v in document.items() if v is not MISSING})


def claimed_total(document) -> int | None:
    """The page count a paginated endpoint would read from ``document``'s paging, if any."""
    paging = document.get("paging") if isinstance(document, dict) else None
    total = paging.get("total") if isinstance(paging, dict) else None
    if isinstance(total, Raw):
        try:
            total = json.loads(total.text)
        except (ValueError, RecursionError):
            return None
    try:
        return int(total or 1)
    except (TypeError, ValueError, OverflowError):
        return None


@st.composite
def bodies(draw, base: dict, item_pool: list, first_page: bool = True):
    """One answer's bytes: a mutated healthy envelope, an envelope of random parts, or bytes that
    are not an envelope at all (truncated, not JSON, not UTF-8, another encoding, duplicate keys)."""
    kind = draw(st.sampled_from(["mutated", "typed", "parts", "parts", "bytes"]))
    if kind == "bytes":
        healthy = json.dumps(base).encode()
        return draw(st.one_of(
            st.binary(max_size=64),
            st.integers(0, len(healthy) - 1).map(lambda n: healthy[:n]),
            st.sampled_from([b"", b"null", b"[]", b"{}", b"1", b'"x"', b"<html>Maintenance</html>",
                             healthy.replace(b'"errors":[]', b'"errors":[],"errors":[]'),
                             healthy.replace(b'"results":', b'"results":NaN,"x":'),
                             b"\xef\xbb\xbf" + healthy, healthy.decode().encode("utf-16"), healthy.decode().encode("utf-32"),
                             healthy.replace(b'"get":"', b'"get":"\xff\xfe'), healthy + b"garbage", healthy * 2]),
        ))
    document = draw(mutated(base, max_edits=3) if kind == "mutated" else mutated(base, max_edits=3, values=like)
                    if kind == "typed" else envelopes(base, item_pool))
    if first_page:
        total = claimed_total(document)
        if total is not None and total > MAX_TOTAL:  # the huge ones: test_fuzz_huge_paging_total_ends_quickly
            document = copy.deepcopy(document)
            document["paging"]["total"] = draw(st.integers(-2, MAX_TOTAL))
    return dump(document).encode()


@st.composite
def scripts(draw, base_pages: list[dict], paginated: bool):
    """The answers to one run's requests: page n gets the n-th body (the last for any later page)."""
    pool = [item for page in base_pages for item in page["response"]]
    first = draw(bodies(base_pages[0], pool, first_page=True))
    later = draw(st.lists(bodies(base_pages[-1], pool, first_page=False), max_size=3)) if paginated else []
    return [first, *later]


def answering(script: list[bytes]):
    return lambda number: script[min(number, len(script)) - 1]


def test_fuzz_single_endpoint_bodies(body_world, record_property, capsys):
    """``leagues`` (one request, written as the partition's data.json) answered with fuzzed bodies."""
    world = body_world
    base = json.loads(world["scripted"].api.answer("leagues", {"id": LEAGUE}).body)
    base["response"][0]["seasons"] = base["response"][0]["seasons"][-3:]  # fewer paths to choose from
    healthy = json.dumps(base).encode()
    cases: Counter = Counter()

    @fuzz_settings(100)
    @given(script=scripts([base], paginated=False))
    @example(script=[healthy])
    @example(script=[healthy.decode().encode("utf-16")])
    @example(script=[dump({**base, "response": [{**base["response"][0], "deep": nested(950, "list")}]}).encode()])
    def check(script: list[bytes]) -> None:
        run_and_resume(world, "leagues", answering(script), new_lake(world), lambda number: healthy, 3, cases)

    try:
        check()
    finally:
        report("test_fuzz_single_endpoint_bodies", record_property, capsys, cases)


def test_fuzz_paginated_endpoint_bodies(body_world, record_property, capsys):
    """``players`` (page 1 says how many pages; pages are checkpointed, then merged) answered with
    fuzzed pages, at most 8 requests a run, so that runs also stop part-way."""
    world = body_world
    pages = healthy_pages(world["scripted"].api)
    healthy = healthy_players(pages)
    cases: Counter = Counter()

    @fuzz_settings(100)
    @given(script=scripts(pages, paginated=True))
    @example(script=[healthy(1), healthy(2), healthy(3)])
    @example(script=[dump({**pages[0], "paging": "x"}).encode(), healthy(2)])
    @example(script=[dump({**pages[0], "parameters": 1.5}).encode(), healthy(2)])
    @example(script=[dump({**pages[0], "paging": {"current": 1, "total": Raw("1e400")}}).encode(), healthy(2)])
    @example(script=[dump({**pages[0], "paging": {"current": 1, "total": 2}}).encode(),
                     dump({**pages[1], "response": [{**pages[1]["response"][0], "deep": nested(960, "list")}]}).encode()])
    def check(script: list[bytes]) -> None:
        run_and_resume(world, "players", answering(script), new_lake(world), healthy, 8, cases)

    try:
        check()
    finally:
        report("test_fuzz_paginated_endpoint_bodies", record_property, capsys, cases)


# -- huge paging.total, in a child process ----------------------------------------------------------

#: Seconds a run may take (a healthy one takes about one, mostly imports).
CHILD_SECONDS = 10
#: Address space a child may use: a run that builds a list of every page of a huge total hits it.
CHILD_BYTES = 2 * 2**30


def child_ingest(config: Path, lake: Path, name: str, max_requests: int) -> tuple[int | None, str, float]:
    """``pitchlake ingest`` in a child process limited in time and memory; (exit code or None if
    it was killed on time, stdout + stderr, seconds)."""
    environment = dict(os.environ)
    for variable, value in {**ENV, "PITCHLAKE_LAKE": f"file://{lake}"}.items():
        if value is None:
            environment.pop(variable, None)
        else:
            environment[variable] = value
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "pitchlake", "ingest", "--config", str(config), "-e", name, "--json",
                                "--max-requests", str(max_requests)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment, cwd=ROOT)
    if hasattr(resource, "prlimit"):
        resource.prlimit(process.pid, resource.RLIMIT_AS, (CHILD_BYTES, CHILD_BYTES))
    try:
        out, err = process.communicate(timeout=CHILD_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        return None, out + err, time.monotonic() - started
    return process.returncode, out + err, time.monotonic() - started


def test_fuzz_huge_paging_total_ends_quickly(body_world, record_property, capsys):
    """Page 1 of ``players`` claims a huge page count (an int, a float, a string of digits):
    a run limited to 5 requests, and the run that resumes it if it left pages, each end within
    CHILD_SECONDS with an exit code of the table, no traceback and no memory or overflow error,
    and leave a lake of complete envelopes."""
    world = body_world
    pages = healthy_pages(world["scripted"].api)
    healthy = healthy_players(pages)
    cases: Counter = Counter()

    @fuzz_settings(3, phases=[Phase.explicit, Phase.generate])  # no shrinking: each case is a process
    @given(total=st.one_of(st.integers(10**6, 10**40), st.integers(10**6, 10**18).map(str),
                           st.sampled_from([Raw("1e300"), Raw("1e18")])))
    def check(total) -> None:
        cases["cases"] += 1
        lake = new_lake(world)
        first = dump({**pages[0], "paging": {"current": 1, "total": total}}).encode()
        world["sandbox"].reset()
        world["scripted"].endpoint = "players"
        for run, script in enumerate([lambda number: first if number == 1 else healthy(number), healthy]):
            world["scripted"].script = script
            status, said, _ = child_ingest(world["config"], lake, "players", 5)
            assert status is not None, f"run {run + 1} did not end within {CHILD_SECONDS} s (total {total!r}):\n{said[-2000:]}"
            assert status in EXIT_CODES and "Traceback" not in said, f"run {run + 1}: exit {status}:\n{said[-2000:]}"
            assert "MemoryError" not in said and "OverflowError" not in said, f"run {run + 1}:\n{said[-2000:]}"
            cases[f"run {run + 1} exit {status}"] += 1
            fetches = lake_state(lake, "players")
            if not any(file.startswith("_pages/") for files in fetches.values() for file in files):
                break  # nothing for a second run to resume

    try:
        check()
    finally:
        report("test_fuzz_huge_paging_total_ends_quickly", record_property, capsys, cases)
