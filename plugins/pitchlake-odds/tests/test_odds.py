"""pitchlake-odds keeps the endpoint plugin contract, its item schemas accept the API's real
answers, and its refresh rule fetches a current season's odds daily around its matches only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pitchlake_odds import ENDPOINTS, ODDS
from pitchlake_odds.refresh import kickoff_days, matches_in_odds_window

from pitchlake.config import load_config
from pitchlake.endpoints import check_items
from pitchlake.lake import Layout, open_lake
from pitchlake.planner import Selection, plan
from pitchlake.plugins import registry
from pitchlake.testing.config import write_config
from pitchlake.testing.contract import EndpointPluginContract
from pitchlake_api_football.envelope import envelope

#: Real answers of API-Football (tests/data/api-football-docs of the pitchlake repository, MIT
#: licensed: PROVENANCE.md and LICENSE.upstream next to them), byte for byte.
SAMPLES = Path(__file__).parent / "samples"
SAMPLE_OF = {"odds": "odds", "odds_mapping": "mapping", "odds_bookmakers": "bookmakers", "odds_bets": "bets"}


class TestOdds(EndpointPluginContract):
    distribution = "pitchlake-odds"
    # The kit checks the samples that answer an endpoint's own request: /odds/mapping,
    # /odds/bookmakers and /odds/bets. The real /odds answer was asked by fixture, not by league
    # season: the same items, filtered another way.
    sample_data = (SAMPLES,)
    stand_in_samples = {"odds": (SAMPLES / "odds" / "odds.json",)}


def sample(name: str) -> dict:
    return json.loads((SAMPLES / "odds" / f"{SAMPLE_OF[name]}.json").read_text())


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_real_answers_match_the_item_schemas(endpoint):
    """A path answers with one item shape whatever its filters (fixture=, or league= and
    season=), so the one real answer of each path checks the endpoint that asks it."""
    document = sample(endpoint.name)
    assert document["get"] == endpoint.path
    check_items(endpoint, document)
    assert endpoint.items(document)


def test_odds_pages_by_ten_and_the_mapping_by_a_hundred():
    assert [endpoint.kind for endpoint in ENDPOINTS] == ["paginated", "paginated", "single", "single"]
    assert ENDPOINTS[1].page_count(sample("odds_mapping")) == 14
    assert [endpoint.partition_keys for endpoint in ENDPOINTS] == [("season", "league_id"), (), (), ()]
    assert ODDS.request_params({"season": "2025", "league_id": "135"}) == {"league": "135", "season": "2025"}
    assert ODDS.coverage_flags == ("odds",) and ODDS.sources == ("leagues", "fixtures")


def test_registered_as_installed():
    found = registry()
    assert {name: found.endpoints[name] for name in SAMPLE_OF} == {endpoint.name: endpoint for endpoint in ENDPOINTS}
    assert {found.provider("endpoint", name).distribution for name in SAMPLE_OF} == {"pitchlake-odds"}


# -- the refresh rule --------------------------------------------------------------------------

TODAY = "2026-03-10"


def day(offset: int) -> str:
    return (dt.date.fromisoformat(TODAY) + dt.timedelta(days=offset)).isoformat()


def fixtures(*matches: tuple[int, str]) -> dict:
    """A ``fixtures?league=39&season=2026`` answer with matches ``(days from TODAY, status)``."""
    items = [{"fixture": {"id": 1000 + number, "date": f"{day(offset)}T15:00:00+00:00", "status": {"short": status}},
              "league": {"id": 39, "season": 2026}}
             for number, (offset, status) in enumerate(matches)]
    return envelope("fixtures", {"league": "39", "season": "2026"}, items)


class Lake:
    """What :func:`matches_in_odds_window` reads: the newest ``fixtures`` fetch of a league season."""

    def __init__(self, fetched: str | None, document: dict | None = None):
        self.fetched, self.document = fetched, document

    def fetch_as_of(self, endpoint, partition, date=None):
        assert endpoint == "fixtures" and date is None
        return None if self.fetched is None else (self.fetched, self.document)

    def cached(self, key, compute):
        return compute()


PARTITION = {"season": "2026", "league_id": "39"}


def test_odds_change_while_a_match_is_within_the_window():
    lake = Lake(TODAY, fixtures((-3, "FT"), (0, "NS"), (4, "NS"), (14, "NS"), (15, "NS")))
    reason = matches_in_odds_window(lake, PARTITION, day(-1))
    assert reason == (f"3 matches kick off from {day(-1)} to {day(14)} (fixtures of {TODAY}): "
                      "their pre-match odds are offered and move until kick-off")
    # a match of the day of the last fetch may kick off after it: its closing odds come next day
    assert matches_in_odds_window(Lake(TODAY, fixtures((-1, "FT"))), PARTITION, day(-1)).startswith("1 match kicks off")


@pytest.mark.parametrize(("lake", "since"), [
    (Lake(TODAY, fixtures((-3, "FT"), (15, "NS"), (30, "TBD"))), day(-1)),  # a break: the next match is beyond the window
    (Lake(TODAY, fixtures((2, "CANC"), (3, "AWD"))), day(-1)),              # no market on those
    (Lake(TODAY, fixtures((2, "NS"))), TODAY),                               # fixtures no newer than the odds
    (Lake(day(-2), fixtures((2, "NS"))), day(-1)),
    (Lake(None), day(-1)),                                                   # no fixtures in the lake: the period decides
], ids=["break", "no-market", "same-day", "older-fixtures", "no-fixtures"])
def test_odds_do_not_change_without_a_match_in_the_window(lake, since):
    assert matches_in_odds_window(lake, PARTITION, since) is None


def test_kickoff_days_keep_matches_with_a_market():
    assert kickoff_days(fixtures((1, "NS"), (0, "PST"), (2, "ABD"))) == (TODAY, day(1))
    assert kickoff_days({"response": []}) == ()


def write(lake: Path, endpoint: str, partition: str, date: str, document: dict) -> None:
    folder = lake / "raw" / endpoint / partition / f"ingestion_date={date}"
    folder.mkdir(parents=True)
    (folder / "data.json").write_text(json.dumps(document))


def odds_plan(tmp_path: Path, *, fixtures_document: dict | None, odds_fetched: str, season: int = 2026) -> dict:
    """What ``pitchlake plan`` says of the odds of league 39 on TODAY, fixtures enabled."""
    lake = tmp_path / "lake"
    partition = f"season={season}/league_id=39"
    if fixtures_document is not None:
        write(lake, "fixtures", partition, TODAY, fixtures_document)
    write(lake, "odds", partition, odds_fetched, envelope("odds", {"league": "39", "season": str(season)}, []))
    config = load_config(write_config(tmp_path / "endpoints.json", base_url="http://127.0.0.1:9", lake_uri=f"file://{lake}",
                                      seasons=(season,), leagues=(39,), current_season=2026, endpoints=("fixtures", "odds")))
    result = plan(config, registry().endpoints, open_lake(config.lake.uri), Selection(), TODAY)
    tasks = {task.name: task.reason for task in result.tasks}
    skipped = {skip.name: skip.reason for skip in result.skipped}
    return {"fetch": tasks.get("odds"), "skip": skipped.get("odds")}


def test_the_planner_fetches_the_odds_daily_around_matches(tmp_path):
    planned = odds_plan(tmp_path, fixtures_document=fixtures((3, "NS")), odds_fetched=day(-1))
    assert planned["fetch"].startswith(f"changed since its fetch of {day(-1)}: 1 match kicks off"), planned


def test_weekly_without_a_match_in_the_window(tmp_path):
    planned = odds_plan(tmp_path, fixtures_document=fixtures((20, "NS")), odds_fetched=day(-1))
    assert planned["fetch"] is None and "next by" in planned["skip"], planned
    later = odds_plan(tmp_path / "later", fixtures_document=fixtures((20, "NS")), odds_fetched=day(-7))
    assert later["fetch"] == f"refresh (fetched {day(-7)}, weekly under refresh auto)", later


def test_a_closed_season_is_fetched_once(tmp_path):
    planned = odds_plan(tmp_path, fixtures_document=fixtures((3, "NS")), odds_fetched=day(-30), season=2025)
    assert planned["fetch"] is None and planned["skip"].startswith("complete (closed season"), planned


def test_the_lake_keys_of_keyless_lists():
    assert Layout().data_key("odds_bets", (), {}, TODAY) == f"raw/odds_bets/ingestion_date={TODAY}/data.json"
