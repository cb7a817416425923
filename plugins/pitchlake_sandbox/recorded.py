"""Real responses dropped in a folder, found again by the request they answer.

An envelope says which request it answers (its own ``get`` and ``parameters``), so any response
saved from the real API can be served back byte for byte without a manifest. Values compare as
strings and in any order; ``page=1`` equals no ``page`` at all, because the API's first page is
often requested (and recorded) without it.

Besides the bytes, the index keeps what synthetic data must agree with: the fixtures of a recorded
league season, recorded teams and squads, single fixtures with their details, and league names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

Key = tuple[str, frozenset[tuple[str, str]]]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def request_key(endpoint: str, params: Mapping[str, Any]) -> Key:
    pairs = {(name, _text(value)) for name, value in params.items()}
    pairs.discard(("page", "1"))
    return endpoint.strip("/"), frozenset(pairs)


@dataclass(frozen=True, eq=False)
class Recorded:
    #: request key -> (the file's bytes, the first key of its ``errors`` or None)
    envelopes: dict[Key, tuple[bytes, str | None]] = field(default_factory=dict)
    #: (league, season) -> the fixtures of a recorded ``fixtures?league=&season=``
    fixtures: dict[tuple[int, int], list[dict]] = field(default_factory=dict)
    #: (league, season) -> the items of a recorded ``teams?league=&season=``
    teams: dict[tuple[int, int], list[dict]] = field(default_factory=dict)
    #: fixture id -> a recorded fixture item, with embedded details when it came from ``?id=``
    fixture_items: dict[int, dict] = field(default_factory=dict)
    #: team id -> the item of a recorded ``players/squads?team=``
    squads: dict[int, dict] = field(default_factory=dict)
    #: league id -> ``{"league": {...}, "country": {...}}`` from recorded ``leagues`` items
    leagues: dict[int, dict] = field(default_factory=dict)
    #: files that could not be indexed, with the reason
    skipped: list[str] = field(default_factory=list)

    def lookup(self, endpoint: str, params: Mapping[str, str]) -> tuple[bytes, str | None] | None:
        return self.envelopes.get(request_key(endpoint, params))

    def has_details(self, fixture_id: int) -> bool:
        return "events" in self.fixture_items.get(fixture_id, {})


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _absorb(index: Recorded, path: Path, raw: bytes) -> None:
    envelope = json.loads(raw)
    if not isinstance(envelope, dict) or "get" not in envelope or "response" not in envelope:
        raise ValueError("not an API-Football envelope (no get/response)")
    endpoint = str(envelope["get"]).strip("/")
    params = envelope.get("parameters") or {}
    if not isinstance(params, dict):
        raise ValueError("parameters is neither an object nor []")
    errors = envelope.get("errors") or {}
    first_error = next(iter(errors), None) if isinstance(errors, dict) else ("errors" if errors else None)
    key = request_key(endpoint, params)
    if key in index.envelopes:
        index.skipped.append(f"{path}: same request as an earlier file, ignored")
        return
    index.envelopes[key] = (raw, first_error)
    if first_error is not None:
        return
    names = dict(key[1])
    response = envelope["response"]
    if not _well_formed(endpoint, response):
        # Served byte for byte all the same (tests feed clients hostile bodies this way), but
        # nothing else is derived from it.
        index.skipped.append(f"{path}: served as recorded, not used to derive other answers")
        return
    league, season = _int(names.get("league")), _int(names.get("season"))
    if endpoint == "fixtures" and set(names) == {"league", "season"} and league and season:
        index.fixtures[(league, season)] = response
        for item in response:
            index.fixture_items.setdefault(item["fixture"]["id"], item)
    elif endpoint == "fixtures" and set(names) <= {"id", "ids", "timezone"}:
        for item in response:
            index.fixture_items[item["fixture"]["id"]] = item
    elif endpoint == "teams" and set(names) == {"league", "season"} and league and season:
        index.teams[(league, season)] = response
    elif endpoint == "players/squads" and set(names) == {"team"}:
        for item in response:
            index.squads[item["team"]["id"]] = item
    elif endpoint == "leagues":
        for item in response:
            index.leagues.setdefault(item["league"]["id"], {"league": item["league"], "country": item["country"]})


_IDENTITY = {"fixtures": ("fixture", "teams"), "teams": ("team",), "players/squads": ("team",), "leagues": ("league", "country")}


def _well_formed(endpoint: str, response) -> bool:
    """Items shaped enough to derive from: a list of objects carrying the endpoint's identifying
    objects, with integer ids."""
    if not isinstance(response, list):
        return False
    keys = _IDENTITY.get(endpoint, ())
    for item in response:
        if not isinstance(item, dict) or not all(isinstance(item.get(k), dict) for k in keys):
            return False
        if any(not isinstance(item[k].get("id"), int) for k in keys if k in ("fixture", "team", "league")):
            return False
    return True


def _files(folders: Iterable[str | os.PathLike]) -> tuple[tuple[str, int, int], ...]:
    found = []
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            raise FileNotFoundError(f"sandbox data folder {root} does not exist")
        for path in sorted(root.rglob("*.json")):
            stat = path.stat()
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def load(folders: Iterable[str | os.PathLike]) -> Recorded:
    """The index of every ``*.json`` under ``folders`` (recursively; the first folder wins a tie).
    Shared between sandboxes of one process while the files are unchanged: tests start many."""
    return _load(_files(folders))


@lru_cache(maxsize=4)
def _load(files: tuple[tuple[str, int, int], ...]) -> Recorded:
    index = Recorded()
    for name, _, _ in files:
        path = Path(name)
        raw = path.read_bytes()
        try:
            _absorb(index, path, raw)
        except (ValueError, KeyError, TypeError) as exc:
            index.skipped.append(f"{path}: {exc}")
    return index
