"""The quota planner (issue 17, item 3): the order a run takes partitions in (the current season
first, then the closed seasons newest first, each through every stage), and what ``plan`` says the
whole scope still costs in days of the quota. The sandbox serves, the file lake holds."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from pitchlake.planner import Selection, plan
from pitchlake.plugins import registry
from pitchlake.quota import forecast

from .rig import ROOT, Rig

ENDPOINTS = ["leagues", "teams", "fixtures", "standings"]


def written(rig: Rig) -> dict[str, set[str]]:
    """Season (or ``-`` for leagues) -> the endpoints with a data.json of it."""
    found: dict[str, set[str]] = {}
    for key in rig.data_files():
        endpoint = key.split("/")[1]
        season = key.split("season=")[1].split("/")[0] if "season=" in key else "-"
        found.setdefault(season, set()).add(endpoint)
    return found


def test_a_budget_goes_to_the_current_season_first_then_to_the_newest_closed_ones(tmp_path, sandbox_factory, api_key):
    """Eight requests for four seasons of four endpoints: the current season through every stage
    (leagues, teams, fixtures, then standings, which waits for fixtures), then all of 2023, then
    what is left for 2022; nothing of 2021. Taken stage by stage instead, the budget went to teams
    and fixtures of every season, and the current table was never fetched."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", endpoints=ENDPOINTS,
              config={"seasons": (2021, 2022, 2023, 2024), "current_season": 2024})
    summary = rig.ingest(max_requests=8)
    assert summary.stopped_reason == "max_requests" and rig.served() == 8
    found = written(rig)
    assert found.pop("-") == {"leagues"}
    assert found.pop("2024") == {"teams", "fixtures", "standings"}
    assert found.pop("2023") == {"teams", "fixtures", "standings"}
    assert len(found.pop("2022")) == 1 and not found


def test_plan_shows_what_the_whole_scope_still_costs_in_days_of_the_quota(tmp_path, sandbox_factory, api_key):
    """An empty lake, 20 requests a day, the current season 2024 and two closed ones. Today the
    current season needs its 30 requests (players: the 26 pages the endpoint declares): the quota
    takes 20 of them and the run of the next day the 10 left, before the backfill. Each day after,
    fixtures and the table (no calendar in the lake yet tells when a match is played: every day, an
    upper bound) leave the backfill 18, and on the eighth day leagues and teams are due again (weekly).
    So 58 requests of closed seasons take 5 days: 0 + 8 + 18 + 18 + 18 (of which 14). Once a season
    is in the lake, its page count is what a season costs."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", endpoints=[*ENDPOINTS, "players"],
              config={"seasons": (2022, 2023, 2024), "current_season": 2024, "per_day": 20})
    shown = subprocess.run([sys.executable, "-m", "pitchlake", "plan", "--json", "--config", str(rig.config_path)],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert shown.returncode == 0, shown.stderr
    quota = json.loads(shown.stdout)["quota"]
    assert quota["today"] == 1 + 1 + 1 + 1 + 26 and quota["needs"][:8] == [30, 2, 2, 2, 2, 2, 2, 4]
    assert quota["daily"] == 2
    assert quota["order"] == [{"phase": "closed, season 2023", "requests": 29}, {"phase": "closed, season 2022", "requests": 29}]
    assert quota["backfill"] == 58 and quota["days"] == 5

    text = subprocess.run([sys.executable, "-m", "pitchlake", "plan", "--config", str(rig.config_path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120).stdout
    assert ("whole scope, at 20 requests a day: the partitions still changing need 30 today and 2.0 on an average "
            "day; 58 requests of closed partitions are missing: 5 day(s)") in text
    assert "in this order: closed, season 2023 (29), closed, season 2022 (29)" in text

    rig.ingest(selection=Selection(partitions={"season": ("2024",)}))  # the current season, as a day would
    pages = json.loads(next(body for key, body in rig.files().items() if "/players/" in key and key.endswith("data.json")))
    endpoints = registry().endpoints
    learned = forecast(rig.config, endpoints, rig.lake, plan(rig.config, endpoints, rig.lake, Selection(), "2025-01-26"),
                       "2025-01-26")
    assert learned.today == 0 and learned.groups == [("closed, season 2023", 3 + pages["paging"]["total"]),
                                                     ("closed, season 2022", 3 + pages["paging"]["total"])]


def test_a_run_narrowed_to_closed_seasons_keeps_the_current_seasons_share_of_the_day(tmp_path, sandbox_factory, api_key):
    """10 requests a day. A backfill of 2021-2023 alone (as `--season`, or a Dagster partition,
    selects it) would spend the whole day on them; it keeps what the current season needs today
    (teams, fixtures and the table of 2024: 3) and stops, resumable, so the scheduled run that
    follows finds them and the table is not a day behind."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", endpoints=ENDPOINTS, per_day=10,
              config={"seasons": (2021, 2022, 2023, 2024), "current_season": 2024, "per_day": 10})
    backfill = rig.ingest(selection=Selection(partitions={"season": ("2021", "2022", "2023")}))
    assert backfill.stopped_reason == "daily_quota_kept" and backfill.exit_code == 3, backfill.to_json()
    assert backfill.day_remaining == 3 and rig.served() == 7
    found = written(rig)
    assert found.pop("-") == {"leagues"} and "2024" not in found
    assert found == {"2023": {"teams", "fixtures", "standings"}, "2022": {"teams", "fixtures", "standings"}}

    scheduled = rig.ingest()
    assert scheduled.stopped_reason == "daily_quota" or scheduled.exit_code == 0, scheduled.to_json()
    assert written(rig)["2024"] == {"teams", "fixtures", "standings"} and rig.served() == 10


def test_the_cli_says_why_a_narrowed_backfill_stopped(tmp_path, sandbox_factory, api_key):
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", endpoints=ENDPOINTS, per_day=10,
              config={"seasons": (2021, 2022, 2023, 2024), "current_season": 2024, "per_day": 10})
    shown = subprocess.run([sys.executable, "-m", "pitchlake", "ingest", "--season", "2021", "--season", "2022",
                            "--season", "2023", "--config", str(rig.config_path)],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert shown.returncode == 3, shown.stderr
    assert ("stopped early: the 3 requests left today are kept for the partitions still changing outside this "
            "selection (the current season)") in shown.stderr, shown.stderr


def test_a_closed_season_is_estimated_from_its_own_leagues_nearest_season(tmp_path, sandbox_factory, api_key):
    """A league of 20 clubs (the recorded Premier League 2024) and one of 18 (a synthetic La Liga):
    before 2023 is fetched, its pages of players are each league's own pages of 2024, and its match
    details one request per 20 of the matches each league plays (380 and 306: 19 and 16), not one
    mean for both."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake", teams=18,
              endpoints=["leagues", "teams", "fixtures", "fixture_details", "players"],
              config={"seasons": (2023, 2024), "leagues": (39, 140), "current_season": 2024})
    assert rig.ingest(selection=Selection(partitions={"season": ("2024",)})).exit_code == 0
    pages, matches = {}, {}
    for key, body in rig.data_files().items():
        league = int(key.split("league_id=")[1].split("/")[0]) if "league_id=" in key else None
        if "/players/" in key:
            pages[league] = body["paging"]["total"]
        elif key.startswith("raw/fixtures/"):
            matches[league] = len(body["response"])
    assert matches == {39: 380, 140: 306} and pages[39] != pages[140]

    endpoints = registry().endpoints
    full = plan(rig.config, endpoints, rig.lake, Selection(), "2025-01-26")
    assert {task.partition["league_id"]: task.estimated_requests for task in full.tasks
            if task.name == "players" and task.partition["season"] == "2023"} == {"39": pages[39], "140": pages[140]}
    quota = forecast(rig.config, endpoints, rig.lake, full, "2025-01-26")
    assert quota.groups == [("closed, season 2023", 2 + 2 + pages[39] + pages[140] + 19 + 16)]


def test_the_days_ahead_follow_the_calendar_of_the_current_season(tmp_path, sandbox_factory, api_key):
    """A (synthetic) La Liga 2024, mid-season (26 January 2025), fetched today: on each day ahead the
    planner expects its fixtures (daily), the table and one batch of details per 20 matches on the
    day after each matchday (as the lake's fixtures schedule the matches), leagues, teams and the
    table weekly at the latest, and the pages of players a month after today. Counted here from
    the fixtures themselves, day by day."""
    rig = Rig(tmp_path, sandbox_factory, f"file://{tmp_path}/lake",
              endpoints=["leagues", "teams", "fixtures", "fixture_details", "standings", "players"],
              config={"seasons": (2024,), "leagues": (140,), "current_season": 2024})
    assert rig.ingest().exit_code == 0
    files = rig.data_files()
    fixtures = next(body for key, body in files.items() if key.startswith("raw/fixtures/"))
    pages = next(body for key, body in files.items() if key.startswith("raw/players/"))["paging"]["total"]
    today = dt.date(2025, 1, 26)
    seen: dict[int, int] = {}  # day ahead -> matches first seen finished then
    for item in fixtures["response"]:
        if item["fixture"]["status"]["short"] in ("NS", "TBD"):
            day = (dt.date.fromisoformat(item["fixture"]["date"][:10]) + dt.timedelta(days=1) - today).days
            seen[day] = seen.get(day, 0) + 1
    expected, table = [], 0
    for day in range(1, 40):
        table = day if seen.get(day) or day - table >= 7 else table
        expected.append(1 + (table == day) + -(-seen.get(day, 0) // 20) + 2 * (day % 7 == 0) + pages * (day == 30))
    assert len(seen) > 5, "matchdays ahead"

    endpoints = registry().endpoints
    quota = forecast(rig.config, endpoints, rig.lake, plan(rig.config, endpoints, rig.lake, Selection(), "2025-01-26"),
                     "2025-01-26")
    assert quota.today == 0 and quota.needs[0] == 0
    assert quota.needs[1:40] == expected
