"""The built-in API-Football endpoints: schemas against real recorded responses, request params,
and the derive functions against an in-memory lake built from those responses."""

from __future__ import annotations

import copy
import json
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from pitchlake.config import Scope
from pitchlake.plugins import build_registry, plugin_manager
from pitchlake_api_football import ENDPOINTS
from pitchlake_api_football.derive import FINISHED_STATUSES

DATA = Path(__file__).parent / "data" / "api-football"
BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}
PL_2024_FIXTURES = "fixtures/pl_39_2024_footballay.json"
DETAILED_FIXTURE = "fixtures/fixture_id_1208397_with_events_lineups_stats_players_footballay.json"
EURO_2020_FIXTURES = "fixtures/euro_4_2020_tapball.json"


def envelope(relative: str) -> dict:
    return json.loads((DATA / relative).read_text())


def items(relative: str) -> list[dict]:
    return envelope(relative)["response"]


def validator(endpoint: str, sub_schema: str | None = None) -> Draft202012Validator:
    schema = BY_NAME[endpoint].item_schema
    if sub_schema is not None:
        schema = {"$defs": schema["$defs"], "$ref": f"#/$defs/{sub_schema}"}
    return Draft202012Validator(schema)


# Documented example items (API-Football v3 docs) for the endpoints with no recorded sample.
DOCUMENTED_ITEMS = {
    "venues": {
        "id": 556, "name": "Old Trafford", "address": "Sir Matt Busby Way", "city": "Manchester",
        "country": "England", "capacity": 76212, "surface": "grass",
        "image": "https://media.api-sports.io/football/venues/556.png",
    },
    "injuries": {
        "player": {"id": 865, "name": "D. Costa", "photo": "https://media.api-sports.io/football/players/865.png",
                   "type": "Missing Fixture", "reason": "Broken ankle"},
        "team": {"id": 157, "name": "Bayern Munich", "logo": "https://media.api-sports.io/football/teams/157.png"},
        "fixture": {"id": 686314, "timezone": "UTC", "date": "2021-04-07T19:00:00+00:00", "timestamp": 1617822000},
        "league": {"id": 2, "season": 2020, "name": "UEFA Champions League", "country": "World",
                   "logo": "https://media.api-sports.io/football/leagues/2.png", "flag": None},
    },
    "transfers": {
        "player": {"id": 35845, "name": "Hernán Darío Burbano"},
        "update": "2020-02-06T00:08:15+00:00",
        "transfers": [
            {"date": "2019-07-15", "type": "Loan",
             "teams": {"in": {"id": 2283, "name": "Atlas", "logo": "https://media.api-sports.io/football/teams/2283.png"},
                       "out": {"id": 1937, "name": "Atletico Atlas", "logo": "https://media.api-sports.io/football/teams/1937.png"}}},
            {"date": "2018-01-01", "type": "N/A",
             "teams": {"in": {"id": None, "name": "Unknown club", "logo": None},
                       "out": {"id": 1937, "name": "Atletico Atlas", "logo": None}}},
        ],
    },
}


# --- schemas -----------------------------------------------------------------------------------


def test_the_catalogue_of_endpoints_with_unique_names():
    assert sorted(BY_NAME) == sorted([
        "leagues", "teams", "venues", "fixtures", "fixture_details", "standings", "players",
        "players_squads", "injuries", "transfers", "coachs",
        # issue 19: the rest of the v3 catalogue (the odds family is the pitchlake-odds distribution)
        "timezone", "countries", "leagues_seasons", "teams_countries", "players_seasons", "fixtures_rounds",
        "players_topscorers", "players_topassists", "players_topyellowcards", "players_topredcards",
        "teams_seasons", "teams_statistics", "predictions", "fixtures_events", "fixtures_lineups",
        "fixtures_statistics", "fixtures_players", "fixtures_headtohead", "players_profiles", "players_teams",
        "sidelined",
    ])
    assert len(BY_NAME) == len(ENDPOINTS)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_item_schema_is_a_valid_draft_2020_12_schema(endpoint):
    Draft202012Validator.check_schema(endpoint.item_schema)
    assert endpoint.item_schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # an object, or a scalar for the lists of names and years (timezone, rounds, seasons)
    assert endpoint.item_schema["type"] in ("object", "string", "integer")
    # New fields from the API must never make a response unwritable.
    assert "additionalProperties" not in json.dumps(endpoint.item_schema)


SAMPLES = [
    ("leagues", "leagues/current_true_footballay.json"),
    ("leagues", "leagues/id39_current_footballay.json"),
    ("teams", "teams/pl_39_2023_obissing.json"),
    ("teams", "teams/pl_39_2024_footballay.json"),
    ("fixtures", PL_2024_FIXTURES),
    ("fixtures", EURO_2020_FIXTURES),
    ("fixtures", DETAILED_FIXTURE),
    ("fixture_details", DETAILED_FIXTURE),
    ("standings", "standings/pl_39_2023_obissing.json"),
    ("players", "players/pl_39_2023_page1_xelathan.json"),
    ("players_squads", "players_squads/team50_footballay.json"),
    ("coachs", "coachs/coachDummy_stefan-dudu.json"),
]


def test_every_sample_file_is_covered():
    covered = {path for _, path in SAMPLES} | {path for _, path in EMBEDDED_SAMPLES}
    assert covered == {str(path.relative_to(DATA)) for path in DATA.glob("*/*.json")}


@pytest.mark.parametrize("endpoint, sample", SAMPLES, ids=[f"{e}:{Path(p).stem}" for e, p in SAMPLES])
def test_real_sample_items_validate(endpoint, sample):
    response = items(sample)
    assert response
    for index, item in enumerate(response):
        errors = list(validator(endpoint).iter_errors(item))
        assert not errors, f"{sample} item {index}: {[(list(e.absolute_path), e.message) for e in errors[:3]]}"


EMBEDDED_SAMPLES = [
    ("event", "fixtures_events/fixture_1049765_stefan-dudu.json"),
    ("lineup", "fixtures_lineups/fixture_1049765_stefan-dudu.json"),
    ("team_statistics", "fixtures_statistics/fixture_657688_tapball.json"),
]


@pytest.mark.parametrize("sub_schema, sample", EMBEDDED_SAMPLES, ids=[s for s, _ in EMBEDDED_SAMPLES])
def test_separate_detail_endpoints_match_the_embedded_sub_schemas(sub_schema, sample):
    """/fixtures/events, /lineups and /statistics return the shapes that ?ids= embeds."""
    check = validator("fixture_details", sub_schema)
    for item in items(sample):
        check.validate(item)


def test_embedded_arrays_use_the_sub_schemas():
    (detailed,) = items(DETAILED_FIXTURE)
    assert len(detailed["events"]) == 17
    for key, sub_schema in [("events", "event"), ("lineups", "lineup"), ("statistics", "team_statistics"),
                            ("players", "team_players")]:
        assert detailed[key]
        check = validator("fixture_details", sub_schema)
        for entry in detailed[key]:
            check.validate(entry)


def test_fixture_details_is_a_fixture_plus_details():
    """The two schemas are separate files; this keeps their common part from drifting apart."""
    fixtures = BY_NAME["fixtures"].item_schema
    details = BY_NAME["fixture_details"].item_schema
    for key, schema in fixtures["properties"].items():
        assert details["properties"][key] == schema, key
    for key, schema in fixtures["$defs"].items():
        assert details["$defs"][key] == schema, key
    assert set(details["required"]) == set(fixtures["required"]) | {"events", "lineups", "statistics", "players"}


@pytest.mark.parametrize("endpoint", sorted(DOCUMENTED_ITEMS))
def test_documented_items_validate(endpoint):
    validator(endpoint).validate(DOCUMENTED_ITEMS[endpoint])


def test_new_fields_from_the_api_are_accepted():
    item = copy.deepcopy(items(PL_2024_FIXTURES)[0])
    item["odds"] = {"anything": [1, 2]}
    item["fixture"]["status"]["reason"] = "new in 2026"
    item["teams"]["home"]["colour"] = "red"
    validator("fixtures").validate(item)


def test_nulls_the_api_really_returns_before_kickoff_are_accepted():
    not_started = [item for item in items(EURO_2020_FIXTURES) if item["fixture"]["status"]["short"] == "NS"]
    assert not_started
    item = not_started[0]
    assert item["goals"] == {"home": None, "away": None}
    item = copy.deepcopy(item)
    item["fixture"]["referee"] = None
    item["fixture"]["venue"]["id"] = None
    validator("fixtures").validate(item)


DELETE = object()


def _mutate(item: dict, path: tuple, value) -> dict:
    item = copy.deepcopy(item)
    parent = item
    for step in path[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return item


def _sample_item(endpoint: str) -> dict:
    if endpoint in DOCUMENTED_ITEMS:
        return DOCUMENTED_ITEMS[endpoint]
    sample = {
        "leagues": "leagues/id39_current_footballay.json",
        "teams": "teams/pl_39_2024_footballay.json",
        "fixtures": PL_2024_FIXTURES,
        "fixture_details": DETAILED_FIXTURE,
        "standings": "standings/pl_39_2023_obissing.json",
        "players": "players/pl_39_2023_page1_xelathan.json",
        "players_squads": "players_squads/team50_footballay.json",
        "coachs": "coachs/coachDummy_stefan-dudu.json",
    }[endpoint]
    return items(sample)[0]


BROKEN = [
    ("fixtures", ("fixture", "id"), DELETE, "missing fixture id"),
    ("fixtures", ("fixture", "id"), "1208021", "fixture id as a string"),
    ("fixtures", ("fixture", "status"), DELETE, "missing status"),
    ("fixtures", ("teams", "home", "id"), None, "null home team id"),
    ("fixtures", ("teams", "away"), DELETE, "missing away team"),
    ("fixtures", ("league", "id"), 39.5, "fractional league id"),
    ("fixtures", ("goals", "home"), "2", "string score"),
    ("fixtures", ("score", "fulltime", "away"), "1", "string full-time score"),
    ("fixtures", ("fixture", "timestamp"), "1723834800", "timestamp as a string"),
    ("fixture_details", ("events",), DELETE, "details without events"),
    ("fixture_details", ("lineups",), None, "null lineups"),
    ("fixture_details", ("goals", "away"), "0", "string score"),
    ("fixture_details", ("events", 0, "team", "id"), "50", "event team id as a string"),
    ("fixture_details", ("players", 0, "players", 0, "player", "id"), None, "player stats without player id"),
    ("fixture_details", ("statistics", 0, "statistics"), {"Shots on Goal": 3}, "statistics not a list"),
    ("leagues", ("league", "id"), DELETE, "missing league id"),
    ("leagues", ("country", "name"), DELETE, "missing country name"),
    ("leagues", ("seasons", 0, "year"), "2024", "season year as a string"),
    ("leagues", ("seasons", 0, "coverage", "fixtures", "events"), "true", "coverage flag as a string"),
    ("teams", ("team", "id"), "33", "team id as a string"),
    ("teams", ("team",), DELETE, "missing team"),
    ("standings", ("league", "standings", 0, 0, "points"), "91", "points as a string"),
    ("standings", ("league", "standings", 0, 0, "team", "id"), DELETE, "row without team id"),
    ("standings", ("league", "season"), DELETE, "missing season"),
    ("players", ("player", "id"), DELETE, "missing player id"),
    ("players", ("statistics",), {"team": 1}, "statistics not a list"),
    ("players", ("statistics", 0, "goals", "total"), "3", "goals as a string"),
    ("players_squads", ("players", 0, "id"), "882", "squad player id as a string"),
    ("players_squads", ("team", "id"), DELETE, "missing team id"),
    ("coachs", ("id",), DELETE, "missing coach id"),
    ("coachs", ("career",), "Manchester City", "career not a list"),
    ("venues", ("id",), DELETE, "missing venue id"),
    ("venues", ("capacity",), "76,212", "capacity as a string"),
    ("injuries", ("fixture", "id"), DELETE, "missing fixture id"),
    ("injuries", ("player", "id"), "865", "player id as a string"),
    ("injuries", ("league", "season"), None, "null season"),
    ("transfers", ("player", "id"), DELETE, "missing player id"),
    ("transfers", ("transfers",), None, "null transfers"),
]


@pytest.mark.parametrize("endpoint, path, value, why", BROKEN, ids=[f"{e}:{w}" for e, _, _, w in BROKEN])
def test_broken_items_are_rejected(endpoint, path, value, why):
    item = _sample_item(endpoint)
    assert validator(endpoint).is_valid(item), "the unbroken item must be valid for this test to mean anything"
    assert not validator(endpoint).is_valid(_mutate(item, path, value)), why


@pytest.mark.parametrize("endpoint", ["fixtures", "leagues", "teams", "players"])
def test_non_objects_are_rejected(endpoint):
    for garbage in ([], "fixture", 42, None, {}):
        assert not validator(endpoint).is_valid(garbage)


# --- declarations and request params -----------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_declarations_are_consistent(endpoint):
    for template in endpoint.params.values():
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert used <= set(endpoint.partition_keys), f"{endpoint.name}: {template} uses an undeclared key"
    assert not set(endpoint.params) & endpoint.extra_params, "a templated param cannot be overridden"
    for dependency in endpoint.depends_on:
        assert ENDPOINTS.index(BY_NAME[dependency]) < ENDPOINTS.index(endpoint), "dependencies come first"
    if endpoint.partition_source == "derived":
        assert endpoint.depends_on and endpoint.derive is not None
    if endpoint.batch_param:
        assert endpoint.partition_source == "derived" and 1 <= endpoint.batch_size <= 20


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.coverage_flag], ids=lambda e: e.name)
def test_coverage_flags_exist_in_the_leagues_coverage(endpoint):
    (league,) = items("leagues/id39_current_footballay.json")
    for season in league["seasons"]:
        for key in endpoint.coverage_flags:
            flag = season["coverage"]
            for part in key.split("."):
                flag = flag[part]
            assert isinstance(flag, bool), key


@pytest.mark.parametrize(
    "endpoint, partition, overrides, expected",
    [
        ("fixtures", {"season": 2024, "league_id": 39}, {}, {"league": "39", "season": "2024"}),
        ("fixtures", {"season": "2024", "league_id": "39"}, {"timezone": "Europe/London"},
         {"league": "39", "season": "2024", "timezone": "Europe/London"}),
        ("leagues", {"league_id": 39}, {}, {"id": "39"}),
        ("teams", {"season": 2023, "league_id": 39}, {}, {"league": "39", "season": "2023"}),
        ("standings", {"season": 2023, "league_id": 39}, {}, {"league": "39", "season": "2023"}),
        ("players", {"season": 2023, "league_id": 39}, {}, {"league": "39", "season": "2023"}),
        ("injuries", {"season": 2024, "league_id": 39}, {}, {"league": "39", "season": "2024"}),
        ("venues", {"country": "Saudi-Arabia"}, {}, {"country": "Saudi-Arabia"}),
        ("players_squads", {"team_id": 50}, {}, {"team": "50"}),
        ("transfers", {"team_id": "50"}, {}, {"team": "50"}),
        ("coachs", {"team_id": 2598}, {}, {"team": "2598"}),
        # The ids of a batch are added by the runner (batch_param), nothing else goes with them.
        ("fixture_details", {"season": "2024", "league_id": "39", "ids": [1, 2]}, {}, {}),
    ],
)
def test_request_params(endpoint, partition, overrides, expected):
    assert BY_NAME[endpoint].request_params(partition, overrides) == expected


def test_recorded_requests_are_what_the_endpoints_would_send():
    """The recorded envelopes say which query produced them; ours must be the same query."""
    for endpoint, sample, partition in [
        ("fixtures", PL_2024_FIXTURES, {"season": 2024, "league_id": 39}),
        ("teams", "teams/pl_39_2023_obissing.json", {"season": 2023, "league_id": 39}),
        ("standings", "standings/pl_39_2023_obissing.json", {"season": 2023, "league_id": 39}),
        ("players", "players/pl_39_2023_page1_xelathan.json", {"season": 2023, "league_id": 39}),
        ("players_squads", "players_squads/team50_footballay.json", {"team_id": 50}),
        ("coachs", "coachs/coachDummy_stefan-dudu.json", {"team_id": 2598}),
    ]:
        recorded = envelope(sample)
        assert recorded["get"] == BY_NAME[endpoint].path
        assert recorded["parameters"] == BY_NAME[endpoint].request_params(partition)


# --- derive functions --------------------------------------------------------------------------


class InMemoryLake:
    """A DeriveContext over lists of (partition, items or a whole envelope): ``latest`` is what the
    newest data.json of each partition holds, ``older`` what earlier ingestion dates hold on top of it."""

    def __init__(self, scope: Scope, latest: dict | None = None, older: dict | None = None, date: str = "2025-01-26"):
        self.scope = scope
        self.date = date
        self.latest = latest or {}
        self.older = older or {}
        self.asked: list[tuple[str, bool]] = []

    def fetches(self, endpoint, *, every_date=False):
        self.asked.append((endpoint, every_date))
        stored = list(self.latest.get(endpoint, []))
        if every_date:
            stored += self.older.get(endpoint, [])
        for partition, data in stored:
            yield dict(partition), data if isinstance(data, dict) else {"parameters": {}, "response": data}

    def items(self, endpoint, *, every_date=False):
        for partition, envelope in self.fetches(endpoint, every_date=every_date):
            for item in envelope["response"]:
                yield partition, item

    def facts(self, endpoint, fact, *, every_date=False):
        for partition, envelope in self.fetches(endpoint, every_date=every_date):
            yield partition, fact(envelope)




def scope(seasons, leagues, current_season) -> Scope:
    """The config's scope as ``load_config`` types it."""
    return Scope({"seasons": tuple(seasons), "leagues": tuple(leagues), "current_season": current_season})


PL_2024 = scope(seasons=(2024,), leagues=(39,), current_season=2024)


def _derive(endpoint: str, lake: InMemoryLake) -> list[dict]:
    return list(BY_NAME[endpoint].derive(lake))


def test_fixture_details_of_a_finished_season():
    lake = InMemoryLake(PL_2024, {"fixtures": [({"season": "2024", "league_id": "39"}, items(PL_2024_FIXTURES))]})
    (partition,) = _derive("fixture_details", lake)
    assert (partition["season"], partition["league_id"]) == ("2024", "39")
    expected = sorted(item["fixture"]["id"] for item in items(PL_2024_FIXTURES))
    assert partition["ids"] == expected and len(expected) == 380
    assert ("fixture_details", True) in lake.asked, "details of every ingestion date count as fetched"


def test_fixture_details_skips_fixtures_already_detailed_on_any_date():
    fixtures = items(PL_2024_FIXTURES)
    partition = {"season": "2024", "league_id": "39"}
    first_batch = fixtures[:20]
    lake = InMemoryLake(PL_2024, {"fixtures": [(partition, fixtures)]}, older={"fixture_details": [(partition, first_batch)]})
    (derived,) = _derive("fixture_details", lake)
    assert len(derived["ids"]) == 360
    assert not {item["fixture"]["id"] for item in first_batch} & set(derived["ids"])

    everything = InMemoryLake(PL_2024, {"fixtures": [(partition, fixtures)], "fixture_details": [(partition, fixtures)]})
    assert _derive("fixture_details", everything) == []


def test_fixture_details_never_asks_twice_for_an_id_the_api_left_out():
    """The API answers ``ids=`` without the ids it has no fixture for: those count as asked, not
    as missing, or they would cost a credit every day for ever."""
    fixtures = items(PL_2024_FIXTURES)
    partition = {"season": "2024", "league_id": "39"}
    asked = [item["fixture"]["id"] for item in fixtures[:20]]
    answered = fixtures[1:20]  # the first one left out
    earlier = {"parameters": {"ids": "-".join(map(str, asked))}, "response": answered}
    lake = InMemoryLake(PL_2024, {"fixtures": [(partition, fixtures)]}, older={"fixture_details": [(partition, earlier)]})
    (derived,) = _derive("fixture_details", lake)
    assert len(derived["ids"]) == 360 and asked[0] not in derived["ids"]


def test_fixture_details_waits_for_the_final_whistle():
    euro = items(EURO_2020_FIXTURES)
    lake = InMemoryLake(scope((2020,), (4,), 2020), {"fixtures": [({"season": "2020", "league_id": "4"}, euro)]})
    (derived,) = _derive("fixture_details", lake)
    finished = {item["fixture"]["id"] for item in euro if item["fixture"]["status"]["short"] in FINISHED_STATUSES}
    assert len(finished) == 266 + 4 + 2
    assert derived["ids"] == sorted(finished)


def test_fixture_details_only_for_the_scope():
    lake = InMemoryLake(PL_2024, {"fixtures": [
        ({"season": "2020", "league_id": "4"}, items(EURO_2020_FIXTURES)),
        ({"season": "2023", "league_id": "39"}, items(PL_2024_FIXTURES)[:5]),
        ({"season": "2024", "league_id": "39"}, items(PL_2024_FIXTURES)),
    ]})
    assert [(p["season"], p["league_id"]) for p in _derive("fixture_details", lake)] == [("2024", "39")]
    two_seasons = InMemoryLake(scope((2020, 2024), (4, 39), 2024), lake.latest)
    assert [(p["season"], p["league_id"]) for p in _derive("fixture_details", two_seasons)] == [("2020", "4"), ("2024", "39")]


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_fixture_details_fetches_exactly_the_finished_undetailed_fixtures(data):
    euro = items(EURO_2020_FIXTURES)
    ids = [item["fixture"]["id"] for item in euro]
    detailed_ids = set(data.draw(st.lists(st.sampled_from(ids), max_size=60)))
    partition = {"season": "2020", "league_id": "4"}
    lake = InMemoryLake(
        scope((2020,), (4,), 2020),
        {"fixtures": [(partition, euro)]},
        older={"fixture_details": [(partition, [item for item in euro if item["fixture"]["id"] in detailed_ids])]},
    )
    wanted = sorted(item["fixture"]["id"] for item in euro
                    if item["fixture"]["status"]["short"] in FINISHED_STATUSES and item["fixture"]["id"] not in detailed_ids)
    assert [p["ids"] for p in _derive("fixture_details", lake)] == ([wanted] if wanted else [])


@pytest.mark.parametrize("endpoint", ["players_squads", "coachs", "transfers"])
def test_team_endpoints_derive_the_teams_of_the_scope(endpoint):
    teams = items("teams/pl_39_2024_footballay.json")
    lake = InMemoryLake(PL_2024, {"teams": [
        ({"season": "2024", "league_id": "39"}, teams),
        # An earlier config's season: its relegated teams must not cost credits now.
        ({"season": "2023", "league_id": "39"}, items("teams/pl_39_2023_obissing.json")),
    ]})
    derived = _derive(endpoint, lake)
    assert derived == [{"team_id": str(team_id)} for team_id in sorted(item["team"]["id"] for item in teams)]
    assert len(derived) == 20


def test_teams_in_two_seasons_are_fetched_once():
    lake = InMemoryLake(scope((2023, 2024), (39,), 2024), {"teams": [
        ({"season": "2023", "league_id": "39"}, items("teams/pl_39_2023_obissing.json")),
        ({"season": "2024", "league_id": "39"}, items("teams/pl_39_2024_footballay.json")),
    ]})
    both = {item["team"]["id"] for sample in ("teams/pl_39_2023_obissing.json", "teams/pl_39_2024_footballay.json")
            for item in items(sample)}
    derived = _derive("players_squads", lake)
    assert [p["team_id"] for p in derived] == [str(team_id) for team_id in sorted(both)]
    assert len(derived) == len({p["team_id"] for p in derived}) > 20


def test_venues_derive_the_countries_of_the_scope():
    lake = InMemoryLake(PL_2024, {"leagues": [({"league_id": "39"}, items("leagues/id39_current_footballay.json"))]})
    assert _derive("venues", lake) == [{"country": "England"}]


def test_venues_skip_world_and_leagues_outside_the_scope():
    every_league = items("leagues/current_true_footballay.json")
    by_id = {item["league"]["id"]: item for item in every_league}
    stored = [({"league_id": str(league_id)}, [item]) for league_id, item in by_id.items()]
    # 2: UEFA Champions League (World), 307: Saudi Pro League, 140: La Liga.
    four_leagues = scope((2024,), (2, 39, 140, 307), 2024)
    assert _derive("venues", InMemoryLake(four_leagues, {"leagues": stored})) == [
        {"country": "England"}, {"country": "Saudi-Arabia"}, {"country": "Spain"},
    ]


def test_derive_on_an_empty_lake_plans_nothing():
    empty = InMemoryLake(PL_2024)
    for endpoint in ENDPOINTS:
        if endpoint.derive is not None:
            assert list(endpoint.derive(empty)) == []


# --- the plugin manager ------------------------------------------------------------------------


def test_plugin_manager_registers_every_endpoint_from_pitchlake(monkeypatch):
    # Only this plugin: the other built-ins are tested on their own.
    monkeypatch.setenv("PITCHLAKE_PLUGINS", "api_football")
    monkeypatch.delenv("PITCHLAKE_DISABLE_PLUGINS", raising=False)
    registry = build_registry(plugin_manager())
    assert registry.problems == []
    assert sorted(registry.endpoints) == sorted(BY_NAME)
    for name, endpoint in registry.endpoints.items():
        assert endpoint is BY_NAME[name]
        provider = registry.provider("endpoint", name)
        assert (provider.distribution, provider.plugin) == ("pitchlake", "api_football")


@pytest.mark.parametrize("parameters", [[], 1.5, "season=2024", None])
def test_merging_pages_whose_parameters_are_no_object_keeps_their_items(parameters):
    """The API sends `parameters: []` for a request without any; a page saved with anything else
    there must still merge, or its partition could never be completed (found by tests/test_fuzz.py)."""
    page = {"get": "players", "parameters": parameters, "errors": [], "results": 1, "paging": {"current": 1, "total": 1},
            "response": [{"player": {"id": 1}}]}
    merged = BY_NAME["players"].merge([page])
    assert merged["response"] == [{"player": {"id": 1}}] and not merged["parameters"]
