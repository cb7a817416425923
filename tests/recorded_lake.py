"""The recorded API-Football responses of ``tests/data/api-football`` laid out as a lake, plus the
files readers must never read (``_pages/``, ``_out_of_plan.json``, a temporary file): the lake the
dbt tests and the installed-package tests build over. (Synthetic lakes of any size come from the
sandbox's world: :mod:`pitchlake_sandbox.synthetic_lake`.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pitchlake_api_football.envelope import envelope
from pitchlake_sandbox.synthetic_lake import data_key, write_partition

RECORDED = Path(__file__).resolve().parent / "data" / "api-football"
RECORDED_DATE = "2025-01-26"

#: (sample file, endpoint, partition)
RECORDED_PARTITIONS = [
    ("fixtures/pl_39_2024_footballay.json", "fixtures", {"season": 2024, "league_id": 39}),
    ("fixtures/euro_4_2020_tapball.json", "fixtures", {"season": 2020, "league_id": 4}),
    ("fixtures/fixture_id_1208397_with_events_lineups_stats_players_footballay.json", "fixture_details", {"season": 2024, "league_id": 39}),
    ("standings/pl_39_2023_obissing.json", "standings", {"season": 2023, "league_id": 39}),
    ("teams/pl_39_2023_obissing.json", "teams", {"season": 2023, "league_id": 39}),
    ("teams/pl_39_2024_footballay.json", "teams", {"season": 2024, "league_id": 39}),
    ("players/pl_39_2023_page1_xelathan.json", "players", {"season": 2023, "league_id": 39}),
    ("leagues/id39_current_footballay.json", "leagues", {"league_id": 39}),
    ("players_squads/team50_footballay.json", "players_squads", {"team_id": 50}),
    ("coachs/coachDummy_stefan-dudu.json", "coachs", {"team_id": 2598}),
]


def write_recorded_lake(root: str | Path, *, data_dir: str | Path = RECORDED, ingestion_date: str = RECORDED_DATE,
                        stale_copy: bool = True, decoys: bool = True) -> Path:
    """Lay the recorded responses out as lake partitions under ``root``.

    With ``stale_copy``, the PL 2024 fixtures also get an older ingestion date on which the second
    half of the season was not played yet (staging must keep the newer copy). With ``decoys``, files
    readers must never read are added: a ``_pages/page-0001.json`` and an ``_out_of_plan.json``,
    both with contents that would break the counts if they were read."""
    root, data_dir = Path(root), Path(data_dir)
    for sample, endpoint, partition in RECORDED_PARTITIONS:
        target = root / data_key(endpoint, partition, ingestion_date)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / sample, target)
    if stale_copy:
        body = json.loads((data_dir / "fixtures/pl_39_2024_footballay.json").read_text())
        for item in body["response"]:
            if int(item["league"]["round"].rsplit(" ", 1)[-1]) >= 20:  # a mid-season snapshot
                item["fixture"]["status"] = {"long": "Not Started", "short": "NS", "elapsed": None, "extra": None}
                item["goals"] = {"home": None, "away": None}
        write_partition(root, "fixtures", {"season": 2024, "league_id": 39}, "2024-12-01", body)
    if decoys:
        pages = (root / data_key("players", {"season": 2023, "league_id": 39}, ingestion_date)).parent / "_pages"
        pages.mkdir(parents=True, exist_ok=True)
        decoy = envelope("players", {"league": "39", "season": "2023"}, [{"player": {"id": -1}, "statistics": []}])
        (pages / "page-0001.json").write_text(json.dumps(decoy))
        oop = root / "raw" / "standings" / "season=2010" / "league_id=39"
        oop.mkdir(parents=True, exist_ok=True)
        (oop / "_out_of_plan.json").write_text(json.dumps({"errors": {"plan": "Free plans do not have access to this season"}}))
        # a temp file of an interrupted local put (its name starts with '.'), next to a data.json
        (root / data_key("teams", {"season": 2024, "league_id": 39}, ingestion_date)).with_name(".data.json.3f9a").write_text("{ not json")
        # folders an older pitchlake wrote under a bad PITCHLAKE_TODAY: a date that is no date, and
        # one in the future (it would be the newest fetch of PL 2024, with a single fixture)
        one_match = json.loads((data_dir / "fixtures/pl_39_2024_footballay.json").read_text())["response"][:1]
        for date in ("garbage", "2999-01-01"):
            target = root / data_key("fixtures", {"season": 2024, "league_id": 39}, date)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("{ not json" if date == "garbage" else json.dumps(envelope("fixtures", {}, one_match)))
    return root
