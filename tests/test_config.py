"""The SSOT: the shipped config loads into a typed model; every invalid config is reported with
its file, the exact JSON pointer and what was expected, all problems at once."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pitchlake.config import INTEGER_MAX, Config, ConfigError, Defaults, load_config, schema
from pitchlake.names import NAME_PATTERN, NAME_RULE, InvalidName, check_name, is_valid_name

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "config" / "endpoints.json"


def shipped() -> dict:
    return json.loads(SHIPPED.read_text())


def write(tmp_path, document) -> Path:
    path = tmp_path / "endpoints.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2))
    return path


def test_shipped_config_loads_into_a_typed_model():
    config = load_config(SHIPPED)
    assert isinstance(config, Config)
    names = [endpoint.name for endpoint in config.endpoints]
    assert {"leagues", "teams", "fixtures", "standings", "players"} <= set(names)
    assert config.scope.values("leagues") == (39,) and config.scope["current_season"] == 2026
    assert config.api.limits.per_minute == 10
    assert config.lake.uri == f"file://{ROOT}/lake"  # file://./lake, in the project folder
    assert all(endpoint.refresh == "auto" for endpoint in config.endpoints)


def test_the_config_keeps_its_defaults_for_the_adapters(tmp_path):
    """The Step Functions adapter's one schedule is ``defaults.schedule``, read from the model."""
    assert load_config(SHIPPED).defaults == Defaults(refresh="auto", schedule="0 6 * * *")
    document = shipped()
    document["defaults"] = {"schedule": "30 4 * * 1"}
    document["endpoints"] = [{"plugin": "leagues"}, {"plugin": "teams", "schedule": "0 1 * * *"}]
    config = load_config(write(tmp_path, document))
    assert config.defaults == Defaults(refresh="auto", schedule="30 4 * * 1")
    assert [endpoint.schedule for endpoint in config.endpoints] == ["30 4 * * 1", "0 1 * * *"]
    del document["defaults"]
    assert load_config(write(tmp_path, document)).defaults == Defaults()


def test_the_schema_names_endpoints_with_the_one_name_rule():
    """config/endpoints.json's pattern is pitchlake.names' (a JSON Schema cannot import it), and
    the shipped copy is the project's."""
    name = schema()["properties"]["endpoints"]["items"]["properties"]["name"]
    assert name["pattern"] == NAME_PATTERN and name["patternErrorMessage"] == f"expected {NAME_RULE}"
    assert json.loads((ROOT / "schemas" / "endpoints.schema.json").read_text()) == schema()
    for name in ("fixtures", "players_squads", "x", "a" * 63):
        assert is_valid_name(name) and check_name(name) == name
    for name in ("Fixtures", "1x", "_x", "fix-tures", "a" * 64, "fixtures\n", "", None):
        assert not is_valid_name(name)
        with pytest.raises(InvalidName):
            check_name(name)


def patterns(node):
    """Every subschema of ``node`` whose pattern a value can fail (an ``if`` is a condition)."""
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node
        for key, value in node.items():
            if key != "if":
                yield from patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from patterns(value)


def test_the_schema_says_what_it_expects_in_words():
    """A failed pattern is reported with its patternErrorMessage (VS Code shows the same), never
    as a regex; league ids are bounded by the warehouse's integer column, as partition values are."""
    assert all(node.get("patternErrorMessage", "").startswith("expected ") for node in patterns(schema()))
    assert schema()["properties"]["scope"]["properties"]["leagues"]["items"]["maximum"] == INTEGER_MAX


def test_environment_overrides_locations_only(monkeypatch):
    monkeypatch.setenv("PITCHLAKE_LAKE", "s3://elsewhere/raw")
    monkeypatch.setenv("API_FOOTBALL_BASE_URL", "http://127.0.0.1:9/")
    config = load_config(SHIPPED)
    assert config.lake.uri == "s3://elsewhere/raw"
    assert config.api.base_url == "http://127.0.0.1:9/"


ENVIRONMENT = [
    ("API_FOOTBALL_BASE_URL", "ftp://sandbox", "/api/base_url", "expected an http:// or https:// URL"),
    ("API_FOOTBALL_BASE_URL", "https://v3.football.api-sports.io/?key=sk-5ecret", "/api/base_url", "without credentials, query or fragment"),
    ("API_FOOTBALL_BASE_URL", "https://user:sk-5ecret@host", "/api/base_url", "without credentials"),
    ("API_FOOTBALL_BASE_URL", "sk-5ecret", "/api/base_url", "expected an http:// or https:// URL"),
    ("PITCHLAKE_LAKE", "sk-5ecret", "/lake/uri", "expected scheme://location, such as file://./lake or s3://bucket/prefix"),
    ("PITCHLAKE_LAKE", "gs://sk-5ecret/lake", "/lake/uri", "no installed lake backend handles this scheme; installed: file://, s3://"),
    ("PITCHLAKE_LAKE", "s3://SK_5ECRET/lake", "/lake/uri", "expected s3://bucket or s3://bucket/prefix, the bucket 3 to 63"),
    ("PITCHLAKE_LAKE", "s3:///sk-5ecret", "/lake/uri", "expected s3://bucket or s3://bucket/prefix"),
]


@pytest.mark.parametrize("variable, value, pointer, message", ENVIRONMENT,
                         ids=[f"{case[0]}-{index}" for index, case in enumerate(ENVIRONMENT)])
def test_an_environment_override_is_checked_as_the_value_it_replaces(monkeypatch, variable, value, pointer, message):
    """PITCHLAKE_LAKE and API_FOOTBALL_BASE_URL get the checks of lake.uri and api.base_url, the
    message naming the variable and what was expected, never the value (it could hold a secret)."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_config(SHIPPED)
    [line] = [str(problem) for problem in raised.value.problems]
    assert line.startswith(f"{variable} (environment variable, overrides {pointer}): "), line
    assert message in line and "5ecret" not in line.lower(), line


def test_an_environment_problem_comes_with_the_configs_own(tmp_path, monkeypatch):
    monkeypatch.setenv("PITCHLAKE_LAKE", "lake")
    document = shipped()
    document["version"] = 2
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, document))
    assert [str(problem).split(": ", 1)[0] for problem in raised.value.problems] == [
        str(tmp_path / "endpoints.json"), "PITCHLAKE_LAKE (environment variable, overrides /lake/uri)"]


def test_an_empty_environment_override_leaves_the_configs_value(monkeypatch):
    """compose sets API_FOOTBALL_BASE_URL= (empty) to mean the real API: the config's base_url."""
    monkeypatch.setenv("API_FOOTBALL_BASE_URL", "")
    monkeypatch.setenv("PITCHLAKE_LAKE", "")
    config = load_config(SHIPPED)
    assert config.api.base_url == shipped()["api"]["base_url"] and config.lake.uri == f"file://{ROOT}/lake"


def mutate(change):
    def build():
        document = shipped()
        change(document)
        return document

    return build


def set_at(path, value):
    def change(document):
        node = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate(change)


def delete_at(path):
    def change(document):
        node = document
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return mutate(change)


def endpoint_index(name):
    return [entry["plugin"] for entry in shipped()["endpoints"]].index(name)


FIXTURES = endpoint_index("fixtures")
VENUES = endpoint_index("venues")
LAST = len(shipped()["endpoints"]) - 1


def raw_text(change):
    """The shipped config as text, changed by ``change(text)``: for what json.dumps never writes."""
    return lambda: change(json.dumps(shipped()))


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def layout(template):
    return set_at(["lake", "layout"], template + "/ingestion_date={ingestion_date}/data.json")

# (id, document builder, expected pointer, a fragment of the expected message)
INVALID = [
    ("unknown-top-level-key", set_at(["colour"], "red"), "/colour", "unknown key"),
    ("api-key-in-file", set_at(["api", "key"], "abc"), "/api/key", "FOOTBALL_API_KEY"),
    ("missing-api", delete_at(["api"]), "/", "'api' is a required property"),
    ("wrong-version", set_at(["version"], 2), "/version", "expected 1"),
    ("bad-auth-style", set_at(["api", "auth"], "bearer"), "/api/auth", 'expected one of "apisports", "rapidapi"'),
    ("rapidapi-host-with-a-line-break", set_at(["api", "rapidapi_host"], "api-football-v1.p.rapidapi.com\r\nX-Evil: 1"),
     "/api/rapidapi_host", "expected a host name"),
    ("base-url-not-http", set_at(["api", "base_url"], "ftp://x"), "/api/base_url", "expected an http:// or https:// URL"),
    ("base-url-with-query", set_at(["api", "base_url"], "https://v3.football.api-sports.io/?key=abc"), "/api/base_url", "without credentials, query"),
    ("per-minute-zero", set_at(["api", "limits", "per_minute"], 0), "/api/limits/per_minute", "expected at least 1"),
    ("per-day-string", set_at(["api", "limits", "per_day"], "100"), "/api/limits/per_day", "expected an integer"),
    ("per-day-absurd", set_at(["api", "limits", "per_day"], 10**40), "/api/limits/per_day", "expected at most 10000000"),
    ("per-day-overflows-a-float", raw_text(lambda text: text.replace('"per_day": 100', '"per_day": 1e400')), "/api/limits/per_day", "expected an integer"),
    ("per-day-too-long-to-read", raw_text(lambda text: text.replace('"per_day": 100', '"per_day": ' + "1" * 5000)), "/", "a number is too long"),
    ("timeout-nan", set_at(["api", "timeout_seconds"], float("nan")), "/api/timeout_seconds", "expected a finite number"),
    ("timeout-infinity", set_at(["api", "timeout_seconds"], float("inf")), "/api/timeout_seconds", "expected a finite number"),
    ("retries-minus-infinity", set_at(["api", "max_retries"], float("-inf")), "/api/max_retries", "expected an integer"),
    ("lake-uri-without-scheme", set_at(["lake", "uri"], "lake"), "/lake/uri", "expected scheme://location"),
    ("lake-uri-no-backend", set_at(["lake", "uri"], "gs://b/x"), "/lake/uri", "no installed lake backend handles this scheme; installed: file://, s3://"),
    ("lake-uri-ftp", set_at(["lake", "uri"], "ftp://x"), "/lake/uri", "no installed lake backend handles this scheme"),
    ("lake-uri-s3-without-bucket", set_at(["lake", "uri"], "s3:///prefix"), "/lake/uri", "expected s3://bucket or s3://bucket/prefix"),
    ("layout-not-data-json", set_at(["lake", "layout"], "raw/{endpoint}/{partitions}/ingestion_date={ingestion_date}/x.json"), "/lake/layout", "expected a key template ending in /data.json"),
    ("layout-absolute", layout("/etc/{endpoint}/{partitions}"), "/lake/layout", "expected keys inside the lake"),
    ("layout-parent", layout("../{endpoint}/{partitions}"), "/lake/layout", "expected keys inside the lake"),
    ("layout-parent-inside", layout("raw/{endpoint}/../../{partitions}"), "/lake/layout", "expected keys inside the lake"),
    ("layout-backslash", layout("raw\\{endpoint}/{partitions}"), "/lake/layout", "expected keys inside the lake"),
    ("layout-key-an-endpoint-lacks", mutate(lambda d: d.update(endpoints=[{"plugin": "leagues"}, {"plugin": "teams"}], lake={
        "uri": "file://./lake", "layout": "raw/{endpoint}/season={season}/league_id={league_id}/ingestion_date={ingestion_date}/data.json"})),
        "/lake/layout", "endpoint leagues has no partition key {season}; use {partitions}"),
    ("layout-without-ingestion-date", set_at(["lake", "layout"], "raw/{endpoint}/{partitions}/data.json"), "/lake/layout", "must end with '/ingestion_date={ingestion_date}/data.json'"),
    ("layout-missing-partition-key", set_at(["lake", "layout"], "raw/{endpoint}/season={season}/ingestion_date={ingestion_date}/data.json"), "/lake/layout", "missing partition key {league_id}"),
    # a format spec writes keys the planner cannot read back (or, this wide, exhausts memory)
    ("layout-format-width", layout("raw/{endpoint}/{partitions}/{endpoint:>99999999999}"), "/lake/layout", "no format spec"),
    ("layout-format-pad", layout("raw/{endpoint:_<12}/{partitions}"), "/lake/layout", "no format spec"),
    ("layout-conversion", layout("raw/{endpoint!r}/{partitions}"), "/lake/layout", "no format spec, conversion"),
    ("layout-ingestion-date-twice", layout("raw/{endpoint}/{partitions}/ingestion_date={ingestion_date}"), "/lake/layout", "{ingestion_date} belongs only in the layout's end"),
    ("layout-positional", layout("raw/{endpoint}/{0}/{partitions}"), "/lake/layout", "plain names in braces"),
    ("layout-unknown-placeholder", set_at(["lake", "layout"], "raw/{endpoint}/{partitions}/c={colour}/ingestion_date={ingestion_date}/data.json"), "/lake/layout", "unknown placeholder {colour}"),
    ("season-too-old", set_at(["scope", "seasons"], [1999]), "/scope/seasons/0", "expected at least 2008"),
    ("season-absurd", set_at(["scope", "seasons"], [2024, 10**40]), "/scope/seasons/1", "expected at most 2100"),
    ("season-with-fraction", set_at(["scope", "seasons"], [2024.0]), "/scope/seasons/0", "expected an integer"),
    ("current-season-with-fraction", set_at(["scope", "current_season"], 2026.0), "/scope/current_season", "expected an integer"),
    ("season-after-current", set_at(["scope", "seasons"], [2024, 2030]), "/scope/seasons/1", "after current_season"),
    ("duplicate-seasons", set_at(["scope", "seasons"], [2024, 2024]), "/scope/seasons", "expected no duplicates"),
    ("no-leagues", set_at(["scope", "leagues"], []), "/scope/leagues", "expected at least 1 item"),
    ("league-not-integer", set_at(["scope", "leagues"], ["39"]), "/scope/leagues/0", "expected an integer"),
    ("league-with-fraction", set_at(["scope", "leagues"], [39.0]), "/scope/leagues/0", "expected an integer"),
    ("league-in-exponent", set_at(["scope", "leagues"], [39, 1e40]), "/scope/leagues/1", "expected an integer"),
    ("league-absurd", set_at(["scope", "leagues"], [10**40]), "/scope/leagues/0", f"expected at most {INTEGER_MAX}"),
    ("unknown-plugin", set_at(["endpoints", FIXTURES, "plugin"], "fixturez"), f"/endpoints/{FIXTURES}/plugin", "no installed plugin provides endpoint fixturez; installed: "),
    ("unknown-plugin-not-a-name", set_at(["endpoints", FIXTURES, "plugin"], "sk-live 5ecret"), f"/endpoints/{FIXTURES}/plugin",
     "no installed plugin provides endpoint <not a name>; installed: "),
    ("duplicate-name", mutate(lambda d: d["endpoints"].append({"plugin": "teams"})), "/endpoints/11/plugin", "duplicate endpoint name teams (also /endpoints/1)"),
    ("duplicate-explicit-name", mutate(lambda d: d["endpoints"].append({"plugin": "teams", "name": "fixtures"})), "/endpoints/11/name", "duplicate endpoint name fixtures"),
    ("undeclared-param", set_at(["endpoints", FIXTURES, "params"], {"colour": "red"}), f"/endpoints/{FIXTURES}/params/colour", "does not declare param colour"),
    ("undeclared-partition-key", set_at(["endpoints", FIXTURES, "partitions"], {"team_id": [1]}), f"/endpoints/{FIXTURES}/partitions/team_id", "has no partition key team_id"),
    ("path-traversal-partition-value", set_at(["endpoints", VENUES, "partitions"], {"country": ["../../etc"]}), f"/endpoints/{VENUES}/partitions/country/0",
     "unsafe value for partition key 'country': use letters, digits"),
    ("partition-value-not-of-the-column-type", set_at(["endpoints", FIXTURES, "partitions"], {"season": ["abc"]}), f"/endpoints/{FIXTURES}/partitions/season/0",
     f"expected an integer from 0 to {INTEGER_MAX}: 'season' is an integer column"),
    ("partition-value-absurd", set_at(["endpoints", FIXTURES, "partitions"], {"league_id": [39, 10**40]}), f"/endpoints/{FIXTURES}/partitions/league_id/1",
     "'league_id' is an integer column"),
    ("partition-value-with-fraction", set_at(["endpoints", FIXTURES, "partitions"], {"season": [2024.5]}), f"/endpoints/{FIXTURES}/partitions/season/0",
     "expected a string or an integer"),
    ("bad-refresh", set_at(["endpoints", 0, "refresh"], "hourly"), "/endpoints/0/refresh", 'expected one of "auto", "never", "daily", "weekly", "monthly"'),
    ("bad-schedule", set_at(["endpoints", 0, "schedule"], "every day"), "/endpoints/0/schedule", "expected a five-field cron expression"),
    ("bad-endpoint-name", set_at(["endpoints", 0, "name"], "Bad Name"), "/endpoints/0/name", "expected lower-case letters, digits and '_'"),
    ("endpoint-name-not-a-string", set_at(["endpoints", 0, "name"], ["leagues"]), "/endpoints/0/name", "expected a string"),
    ("unknown-endpoint-key", set_at(["endpoints", 0, "colour"], "red"), "/endpoints/0/colour", "unknown key; expected one of enabled, name, params, partitions, plugin, refresh, schedule"),
    ("endpoint-without-plugin", set_at(["endpoints", 0], {"name": "x"}), "/endpoints/0", "'plugin' is a required property"),
    ("top-level-array", lambda: [], "/", "expected an object"),
    ("nested-too-deeply-to-read", lambda: nested(3000), "/", "nested too deeply to be a config"),
    ("nested-too-deeply-to-validate", raw_text(lambda text: text.replace("[2024, 2026]", f"[{nested(500)}, {nested(500)}]")), "/",
     "nested too deeply to be a config"),
]


@pytest.mark.parametrize("build, pointer, message", [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_config_names_file_pointer_and_expectation(tmp_path, build, pointer, message):
    path = write(tmp_path, build())
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    lines = [str(problem) for problem in raised.value.problems]
    prefix = f"{path}: {pointer}: "
    assert any(line.startswith(prefix) and message in line for line in lines), lines


def test_at_least_twenty_distinct_invalid_configs_are_tested():
    assert len({case[2] for case in INVALID}) >= 20


def test_malformed_json_gives_line_and_column(tmp_path):
    path = write(tmp_path, '{\n  "version": 1,\n  "api": {,}\n}\n')
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}: /: not valid JSON: Expecting property name enclosed in double quotes at line 3, column 11"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.json")


def test_all_problems_are_reported_at_once(tmp_path):
    document = shipped()
    document["api"]["auth"] = "bearer"
    document["scope"]["seasons"] = [2030]
    document["endpoints"][FIXTURES]["plugin"] = "fixturez"
    path = write(tmp_path, document)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    pointers = {problem.pointer for problem in raised.value.problems}
    assert {"/api/auth", "/scope/seasons/0", f"/endpoints/{FIXTURES}/plugin"} <= pointers


def problems_of(tmp_path, document) -> list:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, document))
    return raised.value.problems


def test_problems_are_sorted_by_pointer_with_indexes_as_numbers(tmp_path):
    """/endpoints/2 before /endpoints/10, as in the file."""
    document = shipped()
    for index in (10, 2, 1, 0):
        document["endpoints"][index]["colour"] = "red"
    document["scope"]["leagues"] = [0] * 3
    pointers = [problem.pointer for problem in problems_of(tmp_path, document)]
    assert pointers == [f"/endpoints/{index}/colour" for index in (0, 1, 2, 10)] + ["/scope/leagues", *(f"/scope/leagues/{i}" for i in range(3))]


def test_a_wrong_value_gets_one_line(tmp_path):
    """Not also the bounds a value of the wrong type was not checked against, nor the plugins'
    rules once the schema has refused it."""
    document = shipped()
    document["scope"]["leagues"] = [1e40]
    document["scope"]["seasons"] = [2024, 10**40]
    lines = [(problem.pointer, problem.message) for problem in problems_of(tmp_path, document)]
    assert lines == [("/scope/leagues/0", "expected an integer"), ("/scope/seasons/1", "expected at most 2100")]


SECRET = "sk-live-abcdef123456"
#: Every field of ``api``, and the other fields that take a location.
SECRET_FIELDS = [("api", "base_url"), ("api", "auth"), ("api", "rapidapi_host"), ("api", "limits", "per_day"),
                 ("api", "limits", "per_minute"), ("api", "timeout_seconds"), ("api", "max_retries"), ("api", "concurrency"),
                 ("api", "limits"), ("api",), ("lake", "uri"), ("lake", "layout")]


@pytest.mark.parametrize("value", [SECRET, f"https://v3.football.api-sports.io/?key={SECRET}", f"https://{SECRET}@host",
                                   f"gs://{SECRET}/x", f"ftp://{SECRET}", [SECRET]])
@pytest.mark.parametrize("path", SECRET_FIELDS, ids="/".join)
def test_a_secret_pasted_into_a_field_is_never_echoed(tmp_path, monkeypatch, path, value):
    """FOOTBALL_API_KEY unset, so nothing can redact it: messages say what was expected instead."""
    monkeypatch.delenv("FOOTBALL_API_KEY", raising=False)
    path = write(tmp_path, set_at(list(path), value)())
    try:
        load_config(path)
    except ConfigError as error:
        assert SECRET not in str(error)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "pitchlake", *args], capture_output=True, text=True, cwd=ROOT)


def test_validate_command_exit_codes(tmp_path):
    ok = run_cli("validate", "--config", str(SHIPPED))
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout

    document = shipped()
    document["scope"]["leagues"] = []
    document["endpoints"][0]["colour"] = 1
    bad = run_cli("validate", "--config", str(write(tmp_path, document)))
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert lines == [
        f"{tmp_path / 'endpoints.json'}: /endpoints/0/colour: unknown key; expected one of enabled, name, params, partitions, plugin, refresh, schedule",
        f"{tmp_path / 'endpoints.json'}: /scope/leagues: expected at least 1 item",
    ]


def test_validate_warns_when_no_scheduled_run_would_refresh_anything(tmp_path):
    """The shipped scope lists the season being played; without it the config is valid (a
    backfill of history) but the schedules would never launch a run, which validate says."""
    shipped_run = run_cli("validate", "--config", str(SHIPPED))
    assert shipped_run.returncode == 0 and "warning" not in shipped_run.stderr
    document = shipped()
    document["scope"]["seasons"] = [season for season in document["scope"]["seasons"]
                                    if season != document["scope"]["current_season"]]
    history = run_cli("validate", "--config", str(write(tmp_path, document)))
    assert history.returncode == 0 and "valid" in history.stdout
    assert "/scope: every partition of teams, fixtures, standings, players is closed" in history.stderr
