"""The dbt project on DuckDB, end to end: lake files -> staging -> marts -> dbt tests.

Two warehouses are built once each (module-scoped): one over the real recorded API responses laid
out as a lake, one over a synthetic lake (:mod:`pitchlake_sandbox.synthetic_lake`: the sandbox's world) whose standings agree with its
fixtures, with a points deduction, a cup with groups and knock-out rounds, and daily re-fetches of
the current season. ``dbt build`` runs every dbt test (keys, relationships, accepted values, the
reconciliation of the computed table with the API's standings); the Python tests here check the
numbers against the inputs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pitchlake.config import load_config
from pitchlake.testing.config import new_project
from pitchlake.transform import format_league_table, league_table, run_dbt
from pitchlake_sandbox.synthetic_lake import add_day, write_partition, write_synthetic_lake

from .recorded_lake import RECORDED, write_recorded_lake

pytestmark = pytest.mark.timeout(900)


class Warehouse:
    """A lake, a config pointing at it, and the DuckDB file dbt builds from it."""

    def __init__(self, workdir: Path, lake: Path):
        self.workdir, self.lake = workdir, lake
        self.duckdb = workdir / "warehouse" / "pitchlake.duckdb"
        self.env = {
            "PITCHLAKE_DUCKDB": str(self.duckdb),
            "DBT_TARGET_PATH": str(workdir / "dbt_target"),
            "DBT_LOG_PATH": str(workdir / "dbt_logs"),
            "PITCHLAKE_DBT_THREADS": "4",
        }
        self.config = load_config(new_project(workdir, base_url="http://127.0.0.1:9", lake_uri=f"file://{lake}"))

    def build(self, *args: str, select=None, full_refresh: bool = False, command: str = "build") -> int:
        with pytest.MonkeyPatch.context() as mp:
            for name, value in self.env.items():
                mp.setenv(name, value)
            return run_dbt(self.config, select=select, full_refresh=full_refresh, args=["--quiet", *args], command=command)

    def query(self, sql: str, params=()) -> list[tuple]:
        with duckdb.connect(str(self.duckdb), read_only=True) as connection:
            return connection.execute(sql, params).fetchall()

    def league_table(self, **filters) -> list[dict]:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PITCHLAKE_DUCKDB", str(self.duckdb))
            return league_table(self.config, **filters)

    def compiled(self, model: str) -> str:
        path = next((self.workdir / "dbt_target" / "compiled").rglob(f"{model}.sql"))
        return path.read_text()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Warehouse:
    workdir = tmp_path_factory.mktemp("dbt-recorded")
    warehouse = Warehouse(workdir, write_recorded_lake(workdir / "lake"))
    assert warehouse.build() == 0, "dbt build over the recorded samples failed (see the output above)"
    return warehouse


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dbt-synthetic")
    lake = write_synthetic_lake(workdir / "lake", leagues=2, seasons=3, cups=1, days=3, detail_rounds=2)
    warehouse = Warehouse(workdir, lake.root)
    assert warehouse.build() == 0, "dbt build over the synthetic lake failed (see the output above)"
    return warehouse, lake


def expected_table(items: list[dict]) -> dict[int, tuple]:
    """team id -> (played, won, drawn, lost, goals for, goals against) from finished fixtures."""
    table = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for item in items:
        if item["fixture"]["status"]["short"] not in ("FT", "AET", "PEN"):
            continue
        home, away = item["teams"]["home"]["id"], item["teams"]["away"]["id"]
        goals = item["goals"]
        for team, gf, ga in ((home, goals["home"], goals["away"]), (away, goals["away"], goals["home"])):
            row = table[team]
            row[0] += 1
            row[1 if gf > ga else 2 if gf == ga else 3] += 1
            row[4] += gf
            row[5] += ga
    return {team: tuple(row) for team, row in table.items()}


def column_documentation_gaps(warehouse: Warehouse) -> dict[str, list[str]]:
    """Every built staging, intermediate and mart model column without a description in the models' YAML (as
    dbt's manifest of the build has it), and every described column the built table lacks."""
    manifest = json.loads((warehouse.workdir / "dbt_target" / "manifest.json").read_text())
    described = {
        node["name"]: {name.lower() for name, column in node["columns"].items() if (column.get("description") or "").strip()}
        for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }
    documented = {
        node["name"]: {name.lower() for name in node["columns"]}
        for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }
    built = defaultdict(set)
    for table, column in warehouse.query(
            "select table_name, column_name from information_schema.columns where table_schema in ('staging', 'intermediate', 'marts')"):
        built[table].add(column.lower())
    gaps = {}
    for table, columns in built.items():
        missing = sorted(columns - described.get(table, set()))
        stale = sorted(documented.get(table, set()) - columns)
        if missing or stale:
            gaps[table] = [f"undescribed: {c}" for c in missing] + [f"not in the table: {c}" for c in stale]
    return gaps


# --------------------------------------------------------------------------------------------
# the recorded samples


def test_recorded_build_reads_every_data_json_and_nothing_else(recorded):
    counts = dict(recorded.query("select 'fixtures', count(*) from raw.fixtures union all select 'players', count(*) from raw.players"))
    # two PL 2024 fetches, Euro 2020 and a fetch dated 2999 (the source is the lake as it is: the
    # models skip fetches dated after today); a folder whose date is no date is not even listed
    assert counts == {"fixtures": 4, "players": 1}
    # the decoy page under _pages/ (player id -1) and the temp file next to a data.json were never read
    assert recorded.query("select count(*) from staging.stg_api_football__players where player_id = -1") == [(0,)]
    assert recorded.query("select count(*) from raw.teams") == [(2,)]
    # an endpoint with nothing in the lake yet is an empty source, not a failed build
    assert recorded.query("select count(*) from raw.venues") == [(0,)]


def test_every_built_column_is_described(recorded):
    """dbt's style guide: every column of every model documented. A column added to a model's SQL
    without a description in its YAML (or a described column dropped from the SQL) fails here."""
    models = {row[0] for row in recorded.query(
        "select table_name from information_schema.tables where table_schema in ('staging', 'intermediate', 'marts')")}
    assert len(models) == 22  # the models the shipped config enables (the other four: test_enabling_every_endpoint...)
    assert column_documentation_gaps(recorded) == {}


def test_league_table_unit_tests_run_in_the_build(recorded):
    """dbt build runs league_table's unit tests (points, goal difference, ties, deductions) on the
    dev target, before the model."""
    results = json.loads((recorded.workdir / "dbt_target" / "run_results.json").read_text())["results"]
    unit = {r["unique_id"].rsplit(".", 1)[1]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert unit == {
        "league_table_counts_3_1_0_points_and_goal_difference": "pass",
        "league_table_ranks_by_points_goal_difference_then_goals_and_shares_ties": "pass",
        "league_table_finds_the_apis_points_deduction": "pass",
    }


def test_recorded_fixtures_newest_fetch_wins(recorded):
    rows = recorded.query("""
        select league_id, season, count(*), count(distinct fixture_id), sum(case when status = 'FT' then 1 else 0 end),
               min(ingestion_date), max(ingestion_date)
        from marts.fct_matches group by league_id, season order by league_id
    """)
    euro = json.loads((RECORDED / "fixtures/euro_4_2020_tapball.json").read_text())["response"]
    assert rows[0][:5] == (4, 2020, len(euro), len(euro), sum(1 for i in euro if i["fixture"]["status"]["short"] == "FT"))
    # the 2024-12-01 fetch had half the season not started; the 2025-01-26 fetch wins for every match
    assert rows[1][:5] == (39, 2024, 380, 380, 380)
    assert str(rows[1][5]) == "2025-01-26"


def test_superseded_fetches_are_never_parsed(tmp_path):
    """The newest fetch of each partition is chosen from the file names alone, so older fetches
    cost nothing to skip: here an older one that is not even JSON (a copy cut short)."""
    lake = write_recorded_lake(tmp_path / "lake", stale_copy=False, decoys=False)
    broken = lake / "raw" / "fixtures" / "season=2024" / "league_id=39" / "ingestion_date=2024-06-01" / "data.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"get": "fixtures", "response": [{"fixture": ')
    warehouse = Warehouse(tmp_path, lake)
    assert warehouse.build(select="stg_api_football__fixtures", command="run") == 0
    assert warehouse.query("select count(*) from staging.stg_api_football__fixtures where league_id = 39") == [(380,)]
    assert "fixtures__files" in (tmp_path / "dbt_logs" / "dbt.log").read_text()


def test_recorded_league_table_is_the_real_2024_25_premier_league(recorded):
    pl = json.loads((RECORDED / "fixtures/pl_39_2024_footballay.json").read_text())["response"]
    expected = expected_table(pl)
    table = recorded.league_table(season=2024, league=39)
    assert len(table) == 20
    for row in table:
        assert (row["played"], row["won"], row["drawn"], row["lost"], row["goals_for"], row["goals_against"]) == expected[row["team_id"]]
        assert row["points"] == 3 * row["won"] + row["drawn"]
        assert row["api_points"] is None and row["points_adjustment"] is None  # no 2024 standings were recorded
    champion = table[0]
    assert (champion["team_name"], champion["points"], champion["won"], champion["drawn"], champion["lost"]) == ("Liverpool", 84, 25, 9, 4)
    assert [row["rank"] for row in table] == sorted(row["rank"] for row in table)
    assert "Liverpool" in format_league_table(table).splitlines()[2]


def test_recorded_cup_counts_only_the_group_stage(recorded):
    """Euro 2020: qualifying rounds and play-offs never count; group-stage matches count per group."""
    euro = json.loads((RECORDED / "fixtures/euro_4_2020_tapball.json").read_text())["response"]
    groups = [i for i in euro if i["league"]["round"].startswith("Group ")]
    expected = expected_table(groups)
    rows = recorded.query("select team_id, group_name, played, won, drawn, lost, goals_for, goals_against from marts.league_table where league_id = 4")
    assert {row[0]: tuple(row[2:]) for row in rows} == expected
    assert {row[1] for row in rows} == {"Group A", "Group B", "Group C", "Group D", "Group E"}  # Group F has not played yet
    stages = dict(recorded.query("select stage, count(*) from marts.fct_matches where league_id = 4 group by stage"))
    assert stages == {"qualifying": len(euro) - len(groups), "group_stage": len(groups)}
    # its standings were not recorded: the season is neither complete nor reconciled
    assert recorded.query("select is_table_complete, has_api_standings from marts.dim_seasons where league_id = 4") == [(False, False)]


def test_recorded_standings_and_players(recorded):
    standings = json.loads((RECORDED / "standings/pl_39_2023_obissing.json").read_text())["response"][0]["league"]["standings"][0]
    rows = recorded.query("select team_id, rank, points, played, won, drawn, lost, goals_for, goals_against, goal_difference from marts.fct_standings where season = 2023")
    assert {r[0]: r[1:] for r in rows} == {
        s["team"]["id"]: (s["rank"], s["points"], s["all"]["played"], s["all"]["win"], s["all"]["draw"], s["all"]["lose"],
                          s["all"]["goals"]["for"], s["all"]["goals"]["against"], s["goalsDiff"])
        for s in standings
    }
    page = json.loads((RECORDED / "players/pl_39_2023_page1_xelathan.json").read_text())["response"]
    expected = {(p["player"]["id"], s["team"]["id"]) for p in page for s in p["statistics"]}
    # 2023 has no match details: its season statistics are the API's own
    assert set(recorded.query("select player_id, team_id from marts.fct_player_season_stats where season = 2023")) == expected
    assert recorded.query("select distinct stats_source, has_api_stats from marts.fct_player_season_stats where season = 2023") == [("players", True)]
    traore = recorded.query("select appearances, starts, minutes_played, rating, goals, assists, api_rating from marts.fct_player_season_stats "
                            "where season = 2023 and player_id = 18753 and team_id = 36")
    assert traore == [(17, 1, 362, 6.764705, 2, 3, 6.764705)]
    costa = recorded.query("select player_name, birth_date, height_cm, weight_kg from marts.dim_players where player_id = 54")
    assert costa == [("Diego Costa", __import__("datetime").date(1988, 10, 7), 188, 83)]


def test_recorded_match_events_lineups_and_statistics(recorded):
    fixture = json.loads((RECORDED / "fixtures/fixture_id_1208397_with_events_lineups_stats_players_footballay.json").read_text())["response"][0]
    events = recorded.query("select event_index, event_type, event_detail, player_id, minute from marts.fct_match_events where fixture_id = 1208397 order by event_index")
    assert len(events) == len(fixture["events"]) == 17
    for (_, kind, detail, player, minute), event in zip(events, fixture["events"], strict=True):
        assert (kind, detail, player) == (event["type"], event["detail"], event["player"]["id"])
        assert minute == event["time"]["elapsed"] + (event["time"]["extra"] or 0)
    lineups = recorded.query("select is_starter, count(*) from intermediate.int_api_football__fixture_lineups where fixture_id = 1208397 group by is_starter")
    assert dict(lineups) == {True: 22, False: sum(len(team["substitutes"]) for team in fixture["lineups"])}
    possession = recorded.query("select statistic_value, statistic_number from intermediate.int_api_football__fixture_statistics where fixture_id = 1208397 and team_id = 33 and statistic_type = 'Ball Possession'")
    assert possession == [("67%", 67.0)]
    # every player of an event or a match sheet is a dimension row, even without /players data
    assert recorded.query("select count(*) from marts.fct_match_events e left join marts.dim_players p using (player_id) where e.player_id is not null and p.player_id is null") == [(0,)]


def test_recorded_player_season_stats_from_the_match_details(recorded):
    """PL 2024 has the details of one match and no /players: its season statistics are that
    match's player statistics (the season's details are incomplete, and nothing else has them)."""
    fixture = json.loads((RECORDED / "fixtures/fixture_id_1208397_with_events_lineups_stats_players_footballay.json").read_text())["response"][0]
    rows = recorded.query("""
        select player_id, team_id, appearances, starts, minutes_played, rating, goals, assists, yellow_cards, red_cards, is_captain
        from marts.fct_player_season_stats where season = 2024
    """)
    expected = {}
    for team in fixture["players"]:
        for entry in team["players"]:
            stats = entry["statistics"][0]
            games, played = stats["games"], bool(stats["games"]["minutes"])
            expected[entry["player"]["id"]] = (
                team["team"]["id"], int(played), int(played and not games["substitute"]), games["minutes"] or 0,
                float(games["rating"]) if games["rating"] else None, stats["goals"]["total"] or 0, stats["goals"]["assists"] or 0,
                stats["cards"]["yellow"], stats["cards"]["red"], games["captain"])
    assert {row[0]: row[1:] for row in rows} == expected
    assert len(expected) == 40 and sum(row[2] for row in rows) == 32  # 8 unused substitutes: on the sheet, no appearance
    assert recorded.query("select distinct stats_source, has_complete_match_details, has_api_stats from marts.fct_player_season_stats "
                          "where season = 2024") == [("fixture_details", False, False)]


def test_league_table_api_needs_a_build(tmp_path, monkeypatch):
    monkeypatch.setenv("PITCHLAKE_DUCKDB", str(tmp_path / "none.duckdb"))
    config = load_config(new_project(tmp_path, base_url="http://127.0.0.1:9", lake_uri="file://./lake"))
    with pytest.raises(FileNotFoundError, match="pitchlake transform"):
        league_table(config)


# --------------------------------------------------------------------------------------------
# the synthetic lake


def test_synthetic_table_reconciles_with_the_api_and_finds_the_deduction(synthetic):
    warehouse, lake = synthetic
    deducted_league, deducted_season = next(iter(lake.deductions))
    (deducted_team, deduction), = lake.deductions[(deducted_league, deducted_season)].items()
    adjustments = warehouse.query("select league_id, season, team_id, points_adjustment from marts.league_table where points_adjustment <> 0")
    assert adjustments == [(deducted_league, deducted_season, deducted_team, deduction)]
    # every closed season is complete and was reconciled team by team (the dbt test passed in the build)
    complete = warehouse.query("select league_id, season from marts.dim_seasons where is_table_complete and has_api_standings order by 1, 2")
    closed = sorted((league.id, season) for league in lake.leagues for season in lake.seasons if season != lake.current_season)
    assert [tuple(c) for c in complete if c[1] != lake.current_season] == closed
    mismatches = warehouse.query("""
        select count(*) from marts.league_table
        where has_api_standings and (played <> api_played or won <> api_won or drawn <> api_drawn or lost <> api_lost
                                     or goals_for <> api_goals_for or goals_against <> api_goals_against)
    """)
    assert mismatches == [(0,)]  # even the current season agrees: its standings were fetched with its fixtures


def test_synthetic_counts(synthetic):
    warehouse, lake = synthetic
    assert warehouse.query("select count(*) from marts.fct_matches") == [(lake.fixtures,)]
    leagues = [league for league in lake.leagues if league.type == "League"]
    per_season = warehouse.query("select league_id, season, count(*) from marts.fct_matches group by all")
    assert all(count == 380 for league_id, _, count in per_season if league_id in {league.id for league in leagues})
    assert warehouse.query("select count(*) from marts.dim_teams") == [(sum(len(league.teams) for league in lake.leagues),)]
    # the postponed match of the current season is neither finished nor counted, and keeps the season open
    assert warehouse.query("select count(*) from marts.fct_matches where status = 'PST'") == [(len(leagues),)]
    current = warehouse.query("select is_finished, is_table_complete from marts.dim_seasons where season = ? and league_id = ?",
                              [lake.current_season, leagues[0].id])
    assert current == [(False, False)]
    # the details of two rounds a closed season are not complete: the season statistics are the API's
    assert warehouse.query("select distinct stats_source, has_complete_match_details from marts.fct_player_season_stats") == [("players", False)]
    # players' goals add up to their team's goals (the synthetic lake assigns every goal a scorer)
    assert warehouse.query("""
        select count(*) from (
            select p.league_id, p.season, p.team_id, sum(p.goals) as goals from marts.fct_player_season_stats p group by all
        ) players
        join marts.league_table t using (league_id, season, team_id)
        where t.goals_for <> players.goals and t.league_id < 800  -- not the cups (801...)
    """) == [(0,)]


def test_synthetic_cup_groups(synthetic):
    warehouse, lake = synthetic
    cup = next(league for league in lake.leagues if league.type == "Cup")
    groups = warehouse.query("select group_name, count(*), sum(played), max(api_rank) from marts.league_table where league_id = ? and season = ? group by 1 order by 1",
                             [cup.id, lake.seasons[0]])
    assert groups == [(f"Group {g}", 4, 12, 4) for g in "ABCD"]
    knockout = warehouse.query("select count(*), sum(case when status in ('AET', 'PEN') then 1 else 0 end) from marts.fct_matches where league_id = ? and stage = 'knockout'", [cup.id])
    assert knockout[0][0] == 7 * len(lake.seasons)


def test_synthetic_incremental_run_matches_a_full_rebuild(synthetic, tmp_path):
    warehouse, lake = synthetic
    before = dict(warehouse.query("select season, count(*) from marts.fct_matches where is_finished group by season"))
    events_before = warehouse.query("select count(*) from marts.fct_match_events")[0][0]
    day = add_day(lake)
    assert warehouse.build() == 0
    # the incremental staging models read only the lookback window, with the cutoff inlined as a
    # constant; the marts, the league seasons it holds (tests/test_dbt_incremental_marts.py)
    for model in ("stg_api_football__fixtures", "stg_api_football__fixture_details", "stg_api_football__standings",
                  "stg_api_football__teams"):
        assert "ingestion_date >= cast('" in warehouse.compiled(model), model
    for model in ("fct_matches", "fct_match_events"):
        assert "(league_id = " in warehouse.compiled(model), model
    after = dict(warehouse.query("select season, count(*) from marts.fct_matches where is_finished group by season"))
    leagues = sum(1 for league in lake.leagues if league.type == "League")
    assert after[lake.current_season] == before[lake.current_season] + 10 * leagues  # one more round played
    assert warehouse.query("select count(*) from marts.fct_match_events")[0][0] > events_before
    assert warehouse.query("select max(ingestion_date) from marts.fct_matches")[0][0].isoformat() == day.isoformat()

    # a full rebuild of the same lake in another warehouse gives the same tables
    fresh = Warehouse(tmp_path, lake.root)
    assert fresh.build() == 0
    for table in ("marts.fct_matches", "marts.fct_match_events", "marts.league_table", "marts.fct_player_season_stats",
                  "marts.fct_standings", "marts.dim_teams", "staging.stg_api_football__players",
                  "staging.stg_api_football__standings", "staging.stg_api_football__teams",
                  "intermediate.int_api_football__fixture_lineups", "intermediate.int_api_football__fixture_player_statistics"):
        with duckdb.connect() as connection:
            connection.execute(f"attach '{warehouse.duckdb}' as incremental (read_only)")
            connection.execute(f"attach '{fresh.duckdb}' as rebuilt (read_only)")
            difference = connection.execute(
                f"select count(*) from ((select * from incremental.{table} except all select * from rebuilt.{table}) "
                f"union all (select * from rebuilt.{table} except all select * from incremental.{table}))"
            ).fetchone()[0]
        assert difference == 0, table


def test_synthetic_incremental_run_never_replaces_newer_rows_with_older_ones(synthetic):
    """Rows of the lookback window that are older than what staging already holds for the same key
    (a late or backfilled fetch) are dropped, not merged over the newer rows."""
    warehouse, lake = synthetic
    newest = warehouse.query("select max(ingestion_date) from staging.stg_api_football__fixtures")[0][0]
    newer = newest + __import__("datetime").timedelta(days=1)
    league = lake.leagues[0]
    with duckdb.connect(str(warehouse.duckdb)) as connection:  # pretend staging already holds a newer fetch of one round
        connection.execute(
            "update staging.stg_api_football__fixtures set ingestion_date = ?, referee = 'from the newer fetch' "
            "where league_id = ? and season = ? and round = 'Regular Season - 1'",
            [newer, league.id, lake.current_season],
        )
    try:
        assert warehouse.build(select="stg_api_football__fixtures", command="run") == 0
        assert "not exists" in warehouse.compiled("stg_api_football__fixtures")
        kept = warehouse.query("select count(*) from staging.stg_api_football__fixtures where referee = 'from the newer fetch'")
        assert kept == [(10,)]
        assert warehouse.query("select count(*) from staging.stg_api_football__fixtures") == [(lake.fixtures,)]
    finally:
        assert warehouse.build(select="stg_api_football__fixtures", full_refresh=True, command="run") == 0
    assert warehouse.query("select count(*) from staging.stg_api_football__fixtures where referee = 'from the newer fetch'") == [(0,)]


def test_synthetic_reconciliation_test_catches_a_disagreement(synthetic):
    """The reconciliation test fails when the API's standings and the fixtures disagree."""
    warehouse, lake = synthetic
    league, season = lake.leagues[1], lake.seasons[0]
    source = next((lake.root / "raw" / "standings" / f"season={season}" / f"league_id={league.id}").glob("ingestion_date=*/data.json"))
    body = json.loads(source.read_text())
    row = body["response"][0]["league"]["standings"][0][0]
    row["all"]["win"] += 1
    row["all"]["lose"] -= 1
    newer = lake.last_day + __import__("datetime").timedelta(days=30)
    path = write_partition(lake.root, "standings", {"season": season, "league_id": league.id}, newer, body)
    # the models between the standings and the test, and the test itself (not the generic tests)
    nodes = ["stg_api_football__standings", "fct_standings", "dim_seasons", "league_table", "assert_league_table_matches_api_standings"]
    only_the_test = ["--exclude", "test_type:generic"]
    try:
        assert warehouse.build(*only_the_test, select=nodes) == 1
        failures = json.loads((warehouse.workdir / "dbt_target" / "run_results.json").read_text())["results"]
        assert [(r["unique_id"].split(".")[2], r["status"], r["failures"]) for r in failures if r["unique_id"].startswith("test.")] == [
            ("assert_league_table_matches_api_standings", "fail", 1)]
    finally:
        # staging is incremental: a fetch deleted from the lake leaves its rows until a full refresh
        path.unlink()
        assert warehouse.build(*only_the_test, select=nodes, full_refresh=True) == 0


# --------------------------------------------------------------------------------------------
# source freshness


def test_source_freshness_passes_on_a_fresh_lake_and_warns_or_errors_on_stale_endpoints(tmp_path):
    """`dbt source freshness` over a lake fetched yesterday passes; a weekly endpoint (under
    refresh auto) whose newest fetch is nine days old warns (one fetch missed), sixteen days old
    errors (two missed); fixture details (fetched once per finished match) are not checked."""
    import subprocess

    from pitchlake.dbt_sources import dbt_project_dir
    from pitchlake.transform import dbt_env, dbt_executable

    today = datetime.now(UTC).date()  # dbt reads the day's midnight as UTC
    lake = write_synthetic_lake(tmp_path / "lake", leagues=1, seasons=1, days=1, detail_rounds=1,
                                first_day=today - timedelta(days=1))
    for endpoint, age in (("venues", 9), ("leagues", 16)):
        for folder in sorted((lake.root / "raw" / endpoint).rglob(f"ingestion_date={today - timedelta(days=1)}")):
            folder.rename(folder.with_name(f"ingestion_date={today - timedelta(days=age)}"))
    warehouse = Warehouse(tmp_path, lake.root)
    project = str(dbt_project_dir(warehouse.config).absolute())
    output = tmp_path / "sources.json"
    Path(warehouse.env["PITCHLAKE_DUCKDB"]).parent.mkdir(parents=True)
    run = subprocess.run(
        [dbt_executable(), "source", "freshness", "--project-dir", project, "--profiles-dir", project, "--target", "dev",
         "--output", str(output)],
        env={**dbt_env(warehouse.config), **warehouse.env}, capture_output=True, text=True, timeout=600)
    results = {r["unique_id"].rsplit(".", 1)[1]: r["status"] for r in json.loads(output.read_text())["results"]}
    assert results == {"fixtures": "pass", "standings": "pass", "players": "pass", "teams": "pass",
                       "venues": "warn", "leagues": "error"}, run.stdout
    assert run.returncode == 1  # an error fails the command; warnings alone would not


# --------------------------------------------------------------------------------------------
# enabling the endpoints the shipped config leaves off


def test_enabling_every_endpoint_needs_no_hand_edit_in_dbt(tmp_path):
    """Enable all eleven endpoints, regenerate the sources into a copy of the project, build over
    the recorded lake: the staging models of the newly enabled endpoints switch on by themselves,
    and those with nothing in the lake yet (injuries, transfers) build empty."""
    from pitchlake.dbt_sources import DbtSources
    from pitchlake.plugins import registry
    from pitchlake.render import RenderContext, render

    warehouse = Warehouse(tmp_path, write_recorded_lake(tmp_path / "lake"))
    document = json.loads(warehouse.config.path.read_text())
    document["endpoints"] = [{"plugin": name} for name in registry().endpoints]
    warehouse.config.path.write_text(json.dumps(document))
    warehouse.config = load_config(warehouse.config.path)
    assert len(render(DbtSources(), RenderContext(warehouse.config, registry().endpoints), warehouse.config.root).written) == 2
    assert warehouse.build() == 0
    squad = json.loads((RECORDED / "players_squads/team50_footballay.json").read_text())["response"][0]["players"]
    assert warehouse.query("select count(*) from staging.stg_api_football__players_squads where team_id = 50") == [(len(squad),)]
    assert warehouse.query("select coach_name, current_team_id from staging.stg_api_football__coachs where coach_id = 1202") == [("V. Moldovan", 2598)]
    assert warehouse.query("select count(*) from staging.stg_api_football__injuries") == [(0,)]
    assert warehouse.query("select count(*) from staging.stg_api_football__transfers") == [(0,)]
    assert column_documentation_gaps(warehouse) == {}  # the models of the disabled endpoints are described too
