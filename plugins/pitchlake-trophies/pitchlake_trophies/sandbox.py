"""Envelopes of ``/trophies`` for the pitchlake sandbox, which has no ``/trophies`` of its own.

The sandbox answers any request from a recorded envelope in a ``--data`` folder, matched by the
envelope's own ``get`` and ``parameters``; it cannot synthesise an endpoint it does not know. So
this plugin ships envelopes for the teams of the default scope (the recorded Premier League
2024: ``sandbox_data/``), and :func:`write_sandbox_data` writes them for any other team ids, such
as the sandbox's synthetic clubs (``1_000_000 + league * 100 + slot``)::

    python -m pitchlake_trophies.sandbox DIR --league 140          # La Liga's synthetic clubs
    python -m pitchlake_trophies.sandbox DIR --team 33 --team 50   # given team ids
    pitchlake sandbox serve --data tests/data/api-football --data DIR

The trophies are invented, not recorded: a pure function of the team id, so every run and every
machine serves the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterable
from pathlib import Path

from pitchlake_api_football.envelope import envelope as api_envelope

#: The recorded envelopes shipped with the plugin: pass it to the sandbox's ``--data``.
DATA = Path(__file__).resolve().parent / "sandbox_data"

#: Club ids of the recorded ``teams?league=39&season=2024``, which the default scope derives.
DEFAULT_TEAM_IDS = (33, 34, 35, 36, 39, 40, 41, 42, 45, 46, 47, 48, 49, 50, 51, 52, 55, 57, 65, 66)

#: Slots of a synthetic league's pool of clubs: ``--teams`` (at most 24) plus 4.
SYNTHETIC_SLOTS = range(1, 29)

_COMPETITIONS = (
    ("Premier League", "England", "league"),
    ("FA Cup", "England", "cup"),
    ("League Cup", "England", "cup"),
    ("Community Shield", "England", "cup"),
    ("UEFA Champions League", "World", "league"),
    ("UEFA Europa League", "World", "league"),
)
_PLACES = ("Winner", "2nd Place")


def synthetic_team_ids(league: int) -> list[int]:
    """The ids of every club the sandbox may synthesise for ``league``."""
    return [1_000_000 + league * 100 + slot for slot in SYNTHETIC_SLOTS]


def trophies(team_id: int) -> list[dict[str, str]]:
    """One to six invented trophies of a team, the same ones on every call."""
    rng = random.Random(team_id)
    won = set()
    for _ in range(rng.randint(1, 6)):
        league, country, kind = rng.choice(_COMPETITIONS)
        year = rng.randint(1990, 2023)
        season = f"{year}/{year + 1}" if kind == "league" else str(year + 1)
        won.add((league, country, season, rng.choice(_PLACES)))
    return [{"league": league, "country": country, "season": season, "place": place}
            for league, country, season, place in sorted(won, key=lambda entry: (entry[2], entry[0]), reverse=True)]


def envelope(team_id: int) -> dict:
    """``/trophies?team=ID`` as API-Football answers it."""
    return api_envelope("trophies", {"team": str(team_id)}, trophies(team_id))


def write_sandbox_data(folder: str | Path, team_ids: Iterable[int]) -> list[Path]:
    """Write one envelope per team into ``folder`` (created if missing); returns the files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for team_id in sorted(set(team_ids)):
        path = folder / f"trophies_team_{team_id}.json"
        path.write_text(json.dumps(envelope(team_id), indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pitchlake_trophies.sandbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to write the envelopes (a sandbox --data folder)")
    parser.add_argument("--team", type=int, action="append", default=[], help="a team id (repeatable)")
    parser.add_argument("--league", type=int, action="append", default=[], help="the synthetic clubs of this league (repeatable)")
    args = parser.parse_args(argv)
    team_ids = list(args.team) + [team_id for league in args.league for team_id in synthetic_team_ids(league)]
    written = write_sandbox_data(args.folder, team_ids or DEFAULT_TEAM_IDS)
    print(f"wrote {len(written)} /trophies envelope(s) to {args.folder}")


if __name__ == "__main__":
    main()
