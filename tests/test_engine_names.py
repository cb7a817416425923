"""The engine knows no API: API-Football's endpoints, parameters and envelope are declared by its
plugin (``pitchlake_api_football.ApiFootballEndpoint``), never named by the engine's modules.

The check reads the modules' syntax trees, so docstrings and comments may still use API-Football
as the example it is; code may not: no identifier, and no string the code uses, names an endpoint,
a parameter, the envelope or a concept of API-Football.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import pitchlake

ENGINE = Path(pitchlake.__file__).parent
#: The engine's modules: what they hold is generic, whatever API the endpoint plugins speak.
MODULES = ("config", "planner", "runner", "client", "lake", "lease", "render")

#: Words of API-Football's data: its endpoints, the partition keys and parameters they use, and
#: what its responses carry (coverage flags, the current season). Neither an identifier nor any
#: word of a string of the engine may be one of them.
API_WORDS = frozenset({
    "leagues", "league", "league_id", "seasons", "season", "current_season", "teams", "team", "team_id",
    "venues", "venue", "country", "countries", "fixtures", "fixture", "fixture_details", "standings",
    "players", "player", "players_squads", "squads", "injuries", "transfers", "coachs", "trophies",
    "coverage", "coverage_flag", "coverage_flags",
})
#: Request parameters and envelope keys whose words are also plain English or engine vocabulary
#: (a checkpointed ``page``, the ``ids`` of a batch, an HTTP ``response``, ``datetime.timezone``):
#: no string the engine uses may be exactly one of them.
API_STRINGS = frozenset({"page", "ids", "id", "timezone", "paging", "response", "parameters", "results", "errors"})
#: The client checks API-Football's envelope and its ``errors`` before anything is written (the
#: API's protocol, not an endpoint's); that it does so through the endpoint plugin is for later.
ALLOWED = {"client": frozenset({"errors", "parameters", "paging", "response", "results"})}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings or bare string statements (attribute docs)."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def _identifiers(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.keyword) and node.arg:
        return [node.arg]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.alias):
        return [part for name in (node.name, node.asname) if name for part in name.split(".")]
    return []


def api_names(source: str, allowed: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """``(line, what)`` for every API-Football name the code of ``source`` holds."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        for name in _identifiers(node):
            if name.lower() in API_WORDS:
                found.append((getattr(node, "lineno", 0), f"identifier {name}"))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
            if text in API_STRINGS - allowed:
                found.append((node.lineno, f"string {text!r}"))
            words = {word.lower() for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)}
            found += [(node.lineno, f"word {word!r} in {text!r}") for word in sorted(words & API_WORDS)]
    return found


@pytest.mark.parametrize("module", MODULES)
def test_the_engine_module_names_nothing_of_api_football(module):
    source = (ENGINE / f"{module}.py").read_text(encoding="utf-8")
    found = api_names(source, ALLOWED.get(module, frozenset()))
    assert not found, f"pitchlake/{module}.py: " + "; ".join(f"line {line}: {what}" for line, what in found)


def test_the_check_finds_what_it_looks_for():
    """The check itself: names in code are found, the same words in docstrings are not."""
    source = '''
"""Partitions by ``season`` and ``league_id``."""
COVERAGE_SOURCE = "leagues"
def plan(partition):
    """The ``page`` parameter."""
    next_page = {**partition, "page": "2"}
    return partition.get("season"), f"closed season {partition}"
'''
    whats = [what for _, what in api_names(source)]
    assert whats.count("string 'page'") == 1
    assert "word 'leagues' in 'leagues'" in whats and "word 'season' in 'season'" in whats
    assert "word 'season' in 'closed season '" in whats
    assert not any("league_id" in what for what in whats), "docstrings are free to give examples"
