"""Every installed endpoint against API-Football's own description of v3 (issue 19, item 3): its path
is one the API has, it asks only for parameters that path takes, and its item schema accepts the
real response recorded for that path.

``tests/data/api-football-docs/`` is a copy of one real response for every v3 path and of the
OpenAPI description they come with (MIT licensed: its PROVENANCE.md and LICENSE.upstream).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pitchlake.endpoints import check_items
from pitchlake.plugins import registry
from pitchlake.testing.contract import provided_endpoints

DOCS = Path(__file__).parent / "data" / "api-football-docs"
ENDPOINTS = registry().endpoints


SPEC = yaml.safe_load((DOCS / "openapi.yaml").read_text())


def query_parameters() -> dict[str, set[str]]:
    """``{"/fixtures": {"id", "ids", "league", ...}}``: each path's query parameters, as the spec names them."""
    return {path: {parameter["name"] for parameter in operation["get"].get("parameters", []) if parameter.get("in") == "query"}
            for path, operation in SPEC["paths"].items()}


PATHS = query_parameters()


def sample(path: str) -> dict | None:
    """The recorded response of ``/a/b`` (``a/b.json``) or ``/a`` (``a.json``, else ``a/a.json``);
    for the one path the folder records no response of (``/players/profiles``), the example
    response the spec itself documents for it."""
    for candidate in (DOCS / f"{path.strip('/')}.json", DOCS / path.strip("/") / f"{path.strip('/')}.json"):
        if candidate.is_file():
            return json.loads(candidate.read_text())
    return documented_example(path)


def documented_example(path: str) -> dict | None:
    """The first example of the spec's 200 response of ``/path``, or None."""
    operation = SPEC["paths"].get("/" + path.strip("/"), {}).get("get", {})
    content = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
    examples = [example.get("value") for example in (content.get("examples") or {}).values()]
    return next((example for example in examples if isinstance(example, dict) and "response" in example), None)


def asked(endpoint) -> set[str]:
    return set(endpoint.params) | set(endpoint.extra_params) | ({endpoint.batch_param} if endpoint.batch_param else set())


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_an_endpoint_asks_a_path_the_api_has_for_parameters_it_takes(name):
    endpoint = ENDPOINTS[name]
    path = "/" + endpoint.path.strip("/")
    assert path in PATHS, f"{name}: {path} is no path of API-Football v3"
    unknown = asked(endpoint) - PATHS[path]
    assert not unknown, f"{name}: {path} takes no {sorted(unknown)}; it takes {sorted(PATHS[path])}"


def test_the_check_catches_a_parameter_the_path_does_not_take():
    """The spec is read, not assumed: /standings takes league, season and team, not round."""
    assert {"league", "season", "team"} <= PATHS["/standings"] and "round" not in PATHS["/standings"]
    assert "ids" in PATHS["/fixtures"] and "ids" not in PATHS["/standings"] and len(PATHS) >= 38


#: fixture_details asks /fixtures by ``ids``, which answers each match with its events, lineups and
#: statistics; the docs' sample of /fixtures is a league season's list without them. Its own
#: recorded answers are checked in tests/test_api_football_endpoints.py.
ANSWERED_BY_ANOTHER_SHAPE = {"fixture_details"}


def one_player_as_a_batch(document: dict) -> dict:
    """``/sidelined?player=N``'s answer as ``?players=N`` gives it: asked for several players, the
    API answers one item per player, ``{"id": N, "sidelined": [the periods]}`` (the periods alone
    could not be told apart); asked for one, the periods themselves, which is what the folder
    recorded. The endpoint asks ``players=`` (20 a request), so its schema is checked on the
    recorded periods in the batch's shape."""
    player = document["parameters"]["player"]
    return {**document, "parameters": {"players": player}, "results": 1,
            "response": [{"id": int(player), "sidelined": document["response"]}]}


#: Endpoints that ask their path in a way the recorded request did not, and how the recorded answer
#: reads as theirs.
ASKED_ANOTHER_WAY = {"sidelined": one_player_as_a_batch}


@pytest.mark.parametrize("name", sorted(set(ENDPOINTS) - ANSWERED_BY_ANOTHER_SHAPE))
def test_an_endpoints_items_accept_the_real_response_of_its_path(name):
    """A path answers with one item shape whatever filters its parameters set (a league, a team, a
    season), so the one recorded answer of the path checks every endpoint that asks it."""
    endpoint = ENDPOINTS[name]
    document = sample(endpoint.path)
    assert document is not None, f"no recorded response for {endpoint.path} in {DOCS}"
    document = ASKED_ANOTHER_WAY.get(name, lambda found: found)(document)
    check_items(endpoint, document)
    assert endpoint.items(document), f"{name}: the sample holds no item"


def test_the_one_path_without_a_recorded_response_is_checked_on_the_specs_example():
    assert not (DOCS / "players" / "profiles.json").exists()
    example = sample("players/profiles")
    assert example["get"] == "players/profiles" and example["response"][0]["player"]["id"] == 276


#: The paths of the spec that no built-in endpoint asks, each with why.
NOT_BUILT_IN = {
    "/trophies": "the external plugin pitchlake-trophies (plugins/pitchlake-trophies), the model of an endpoint plugin",
    **dict.fromkeys(("/odds", "/odds/mapping", "/odds/bookmakers", "/odds/bets"),
                    "the odds family: the distribution pitchlake-odds (plugins/pitchlake-odds)"),
    **dict.fromkeys(("/odds/live", "/odds/live/bets"),
                    "live: in-play odds change by the second; a daily batch lake would keep noise, and refresh rules count in days"),
}
#: ``/fixtures`` is a built-in path, but not with these parameters: in-play matches, left out for
#: the reason of ``/odds/live``.
LIVE_PARAMETERS = {"/fixtures": {"live"}}


def test_every_path_is_a_built_in_endpoint_but_those_left_out_on_purpose(record_property):
    """The catalogue (issue 19): every data path of the spec is a built-in endpoint, except the
    ones :data:`NOT_BUILT_IN` names and says why; installed plugins may cover those."""
    built_in = {name: endpoint for name, (endpoint, _) in provided_endpoints("pitchlake").items()}
    paths = {"/" + endpoint.path.strip("/") for endpoint in built_in.values()}
    assert sorted(set(PATHS) - paths) == sorted(NOT_BUILT_IN)
    for name, endpoint in built_in.items():
        assert not asked(endpoint) & LIVE_PARAMETERS.get("/" + endpoint.path.strip("/"), set()), f"{name} asks for live data"
    covered = {"/" + endpoint.path.strip("/") for endpoint in ENDPOINTS.values()}
    missing = sorted(set(PATHS) - covered)
    record_property("paths_without_an_endpoint", {path: NOT_BUILT_IN[path] for path in missing if path in NOT_BUILT_IN})
    assert covered <= set(PATHS) and set(missing) <= set(NOT_BUILT_IN)
    if "trophies" not in ENDPOINTS:  # pitchlake-trophies not installed
        assert "/trophies" in missing
