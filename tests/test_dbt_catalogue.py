"""The dbt models of the analytic endpoints of the catalogue (issue 19), end to end on DuckDB, and
the same rows from their Snowflake SQL on fakesnow.

A lake is ingested from the sandbox with predictions, the four top lists, injuries and sidelined
enabled (none is in the shipped config), over one league and two seasons: a finished one (2023)
and the current one (2024). Two ingests, four days apart: the first fetches the predictions of the
matches of the next days, the second finds them played. The dbt sources are rendered for that
config (`pitchlake render dbt`) into a project of its own, then `dbt build` runs the new staging
models and marts, their upstreams and their tests, the reconciliation of the top scorers with the
match events among them. The numbers are then checked against the lake's files; the marts are
also built with either absence endpoint disabled, and with neither (they switch off).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pitchlake.config import load_config
from pitchlake.runner import ingest
from pitchlake_sandbox import Sandbox
from pitchlake_sandbox.synthetic_lake import data_key, write_partition

from .test_dbt_duckdb import Warehouse, column_documentation_gaps

pytestmark = pytest.mark.timeout(900)

KEY = "sandbox-key"
#: the first ingest: the matches of 24-26 January 2025 are upcoming, so their predictions are fetched
BEFORE = "2025-01-23"
#: the second: those matches are played, and 31 January's is upcoming
AFTER = "2025-01-28"
LEAGUE, FINISHED_SEASON, CURRENT_SEASON = 39, 2023, 2024
TOP_LISTS = ["players_topscorers", "players_topassists", "players_topyellowcards", "players_topredcards"]
ENDPOINTS = ["leagues", "teams", "fixtures", "fixture_details", "players", "injuries", "predictions", "sidelined",
             *TOP_LISTS]
NEW_MODELS = ["stg_api_football__predictions", "stg_api_football__sidelined",
              *(f"stg_api_football__{name}" for name in TOP_LISTS), "fct_predictions", "fct_team_absences"]
RECONCILIATION = "assert_top_scorers_match_match_events"
#: the new models, everything they read, and the tests whose every parent is built
SELECT = [*(f"+{model}" for model in NEW_MODELS), f"+{RECONCILIATION}"]
BUILDABLE = ["--indirect-selection", "buildable"]


def newest(lake: Path, endpoint: str) -> dict[tuple, dict]:
    """The newest data.json of each partition of ``endpoint``: {partition values: envelope}."""
    found: dict[tuple, tuple[str, dict]] = {}
    for path in sorted((lake / "raw" / endpoint).rglob("data.json")):
        parts = dict(part.split("=", 1) for part in path.relative_to(lake / "raw" / endpoint).parent.parts)
        day = parts.pop("ingestion_date")
        key = tuple(sorted(parts.items()))
        if key not in found or found[key][0] < day:
            found[key] = (day, json.loads(path.read_text()))
    return {key: body for key, (_, body) in found.items()}


def catalogue_project(workdir: Path, lake: Path, endpoints: list[str]) -> Warehouse:
    """A project in ``workdir`` over ``lake`` with the catalogue's scope and ``endpoints``, its dbt
    sources rendered for them (`pitchlake render dbt`)."""
    from pitchlake.dbt_sources import DbtSources
    from pitchlake.plugins import registry
    from pitchlake.render import RenderContext, render

    warehouse = Warehouse(workdir, lake)
    document = json.loads(warehouse.config.path.read_text())
    document["scope"] = {"seasons": [FINISHED_SEASON, CURRENT_SEASON], "leagues": [LEAGUE],
                         "current_season": CURRENT_SEASON}
    document["endpoints"] = [{"plugin": name} for name in endpoints]
    document["api"]["limits"] = {"per_day": 100000, "per_minute": 100000}
    warehouse.config.path.write_text(json.dumps(document))
    warehouse.config = load_config(warehouse.config.path)
    render(DbtSources(), RenderContext(warehouse.config, registry().endpoints), warehouse.config.root)
    return warehouse


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dbt-catalogue")
    warehouse = catalogue_project(workdir, workdir / "lake", ENDPOINTS)

    for today in (BEFORE, AFTER):
        sandbox = Sandbox(today=today, keys=(KEY,), per_minute=100000, per_day=100000).start()
        try:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("FOOTBALL_API_KEY", KEY)
                mp.setenv("PITCHLAKE_TODAY", today)
                mp.setenv("API_FOOTBALL_BASE_URL", sandbox.url)
                summary = ingest(load_config(warehouse.config.path))
            assert summary.exit_code == 0, summary.to_json()
        finally:
            sandbox.stop()
    assert warehouse.build(*BUILDABLE, select=SELECT) == 0, "dbt build of the catalogue's models failed (see the output above)"
    return warehouse


def run_results(warehouse: Warehouse) -> dict[str, str]:
    results = json.loads((warehouse.workdir / "dbt_target" / "run_results.json").read_text())["results"]
    return {result["unique_id"]: result["status"] for result in results}


def test_the_new_models_and_their_tests_are_built(catalogue):
    statuses = run_results(catalogue)
    for model in NEW_MODELS:
        assert statuses.get(f"model.pitchlake.{model}") == "success", model
        assert catalogue.query(f"select count(*) from {'marts' if model.startswith('fct_') else 'staging'}.{model}")[0][0] > 0, model
    assert statuses[f"test.pitchlake.{RECONCILIATION}"] == "pass"
    tests = [uid for uid in statuses if uid.startswith("test.")]
    assert len(tests) > 40 and all(statuses[uid] == "pass" for uid in tests)
    assert column_documentation_gaps(catalogue) == {}


def test_predictions_beside_the_results(catalogue):
    """Every prediction of the lake is a row, with the newest fetch's winner; every finished one
    has its hit flag, as the lake's fixtures say; the ones still to be played have none."""
    predictions = {int(dict(key)["fixture_id"]): body["response"][0]["predictions"]
                   for key, body in newest(catalogue.lake, "predictions").items()}
    fixtures = {item["fixture"]["id"]: item for body in newest(catalogue.lake, "fixtures").values()
                for item in body["response"]}
    rows = {row[0]: row[1:] for row in catalogue.query(
        "select fixture_id, predicted_winner_team_id, is_finished, actual_winner_team_id, is_hit, is_win_or_draw_hit,"
        " percent_home + percent_draw + percent_away from marts.fct_predictions")}
    assert set(rows) == set(predictions)
    finished = 0
    for fixture_id, prediction in predictions.items():
        predicted, is_finished, actual, hit, win_or_draw_hit, percent = rows[fixture_id]
        item = fixtures[fixture_id]
        winner = next((item["teams"][side]["id"] for side in ("home", "away") if item["teams"][side]["winner"]), None)
        assert predicted == prediction["winner"]["id"] and percent == pytest.approx(100)
        assert is_finished == (item["fixture"]["status"]["short"] == "FT")
        if is_finished:
            finished += 1
            assert (actual, hit) == (winner, winner == predicted)
            assert win_or_draw_hit == (winner in (predicted, None))
        else:
            assert hit is None and win_or_draw_hit is None
    # the matches of 24-26 January, predicted on the 23rd, were played by the 27th; 31 January's was not
    assert finished >= 9 and len(predictions) > finished
    ((share,),) = catalogue.query("select avg(case when is_hit then 1.0 else 0.0 end) from marts.fct_predictions where is_hit is not null")
    assert 0 <= share <= 1


def test_top_lists_as_the_api_ranks_them(catalogue):
    for name in TOP_LISTS:
        lists = newest(catalogue.lake, name)
        assert {int(dict(key)["season"]) for key in lists} == {FINISHED_SEASON, CURRENT_SEASON}, name
        expected = sorted((int(dict(key)["season"]), rank, item["player"]["id"], item["statistics"][0]["goals"]["total"])
                          for key, body in lists.items() for rank, item in enumerate(body["response"], 1))
        assert catalogue.query(f"select season, list_rank, player_id, goals from staging.stg_api_football__{name}"
                               " order by season, list_rank, player_id") == expected, name


def test_top_scorers_reconcile_with_the_match_events(catalogue):
    """The finished season is compared (the current one is not): its 20 scorers' goals are the
    goals of their events, penalties included; the test catches a list that disagrees."""
    ((compared,),) = catalogue.query(
        "select count(*) from staging.stg_api_football__players_topscorers where season = ? and goals > 0", [FINISHED_SEASON])
    assert compared == 20
    events = Counter()
    for body in newest(catalogue.lake, "fixture_details").values():
        for item in body["response"]:
            if item["league"]["season"] == FINISHED_SEASON:
                events.update(event["player"]["id"] for event in item["events"]
                              if event["type"] == "Goal" and event["detail"] in ("Normal Goal", "Penalty"))
    listed = newest(catalogue.lake, "players_topscorers")[(("league_id", str(LEAGUE)), ("season", str(FINISHED_SEASON)))]
    assert any(item["statistics"][0]["penalty"]["scored"] for item in listed["response"])  # penalties are exercised
    for item in listed["response"]:
        assert item["statistics"][0]["goals"]["total"] == events[item["player"]["id"]]

    # one goal more for the top scorer, in a newer fetch of the list: the test names him
    top = listed["response"][0]
    top["statistics"][0]["goals"]["total"] += 1
    partition = {"season": FINISHED_SEASON, "league_id": LEAGUE}
    path = catalogue.lake / data_key("players_topscorers", partition, AFTER)
    before = path.read_bytes() if path.exists() else None
    write_partition(catalogue.lake, "players_topscorers", partition, AFTER, listed)
    try:
        assert catalogue.build(*BUILDABLE, "--store-failures", select=["stg_api_football__players_topscorers",
                                                                       RECONCILIATION]) == 1
        failures = catalogue.query(f"select player_id, problem, listed_goals, event_goals from dbt_test__audit.{RECONCILIATION}")
        scorer = top["player"]["id"]
        assert failures == [(scorer, "goals differ from the match events", events[scorer] + 1, events[scorer])]
    finally:
        if before is None:
            path.unlink()
        else:
            path.write_bytes(before)
        assert catalogue.build(*BUILDABLE, select=["stg_api_football__players_topscorers", RECONCILIATION]) == 0


def test_sidelined_spells_are_each_players_newest_answer(catalogue):
    """/sidelined has one keyless partition, and each day's data.json only the players asked that
    day: every fetch is read, and a player's newest answer is his list of spells."""
    fetches = sorted((catalogue.lake / "raw" / "sidelined").rglob("data.json"))
    assert len(fetches) == 2
    spells = {}
    for path in fetches:  # oldest first: a newer answer replaces an older one
        for item in json.loads(path.read_text())["response"]:
            spells[item["id"]] = len(item["sidelined"])
    spells = {player: count for player, count in spells.items() if count}
    assert spells and dict(catalogue.query(
        "select player_id, count(*) from staging.stg_api_football__sidelined group by player_id")) == spells


def test_team_absences_hold_every_injury_and_the_sidelined_spells(catalogue):
    """Every player /injuries lists for a fixture is a row of the fixture and his team; the
    sandbox's spells are runs of those injuries, so a spell covers a match he was listed for."""
    injuries = {(item["fixture"]["id"], item["player"]["id"]): (item["team"]["id"], item["player"]["type"])
                for body in newest(catalogue.lake, "injuries").values() for item in body["response"]}
    rows = {(fixture_id, player_id): (team_id, absence_type, is_missing) for fixture_id, player_id, team_id, absence_type, is_missing in
            catalogue.query("select fixture_id, player_id, team_id, absence_type, is_missing from marts.fct_team_absences"
                            " where is_in_injuries")}
    assert injuries and rows == {key: (team, kind, kind == "Missing Fixture") for key, (team, kind) in injuries.items()}
    by_match = defaultdict(int)
    for (fixture_id, _), (team_id, kind) in injuries.items():
        by_match[fixture_id, team_id] += kind == "Missing Fixture"
    missing = dict(((f, t), n) for f, t, n in catalogue.query(
        "select fixture_id, team_id, count(*) from marts.fct_team_absences where is_in_injuries and is_missing group by all"))
    assert missing == {key: n for key, n in by_match.items() if n}
    ((both, sidelined),) = catalogue.query(
        "select count(*) filter (where is_in_injuries), count(*) from marts.fct_team_absences where is_sidelined")
    assert 0 < both <= sidelined


def test_a_newer_sidelined_answer_replaces_the_older_one(catalogue):
    """A player asked again answers with his whole list: the newest replaces his older spells (an
    empty list leaves him none), whatever the fetch that listed him before."""
    first = json.loads(next((catalogue.lake / "raw" / "sidelined").glob("ingestion_date=2025-01-23/data.json")).read_text())
    healed, injured = [item["id"] for item in first["response"] if item["sidelined"]][:2]
    spell = {"type": "Illness", "start": "2025-01-29", "end": None}
    newer = {**first, "response": [{"id": healed, "sidelined": []}, {"id": injured, "sidelined": [spell]}]}
    path = write_partition(catalogue.lake, "sidelined", {}, "2025-01-29", newer)
    try:
        assert catalogue.build(select="stg_api_football__sidelined") == 0
        rows = catalogue.query("select player_id, spell_index, sidelined_type, start_date, end_date, ingestion_date"
                               " from staging.stg_api_football__sidelined where player_id in (?, ?)", [healed, injured])
        assert [row[:3] + (str(row[3]), row[4], str(row[5])) for row in rows] == [
            (injured, 0, "Illness", "2025-01-29", None, "2025-01-29")]
    finally:
        path.unlink()
        assert catalogue.build(select="stg_api_football__sidelined") == 0


def test_team_absences_from_either_endpoint_alone(catalogue, tmp_path):
    """With /sidelined disabled the mart reads /injuries alone, and the other way round (the missing
    one's rows are `no_rows`); with neither, and without predictions, both marts are disabled and
    the build still runs. The sandbox's spells are runs of its injuries, so both give the same
    matches and players."""
    everything = set(catalogue.query("select fixture_id, team_id, player_id from marts.fct_team_absences"))
    for disabled, flag in (("sidelined", "is_in_injuries"), ("injuries", "is_sidelined")):
        warehouse = catalogue_project(tmp_path / disabled, catalogue.lake, [name for name in ENDPOINTS if name != disabled])
        assert warehouse.build(*BUILDABLE, select="+fct_team_absences") == 0, disabled
        assert set(warehouse.query(f"select fixture_id, team_id, player_id from marts.fct_team_absences where {flag}")) == everything
        assert warehouse.query(f"select count(*) from marts.fct_team_absences where not {flag}") == [(0,)]
    warehouse = catalogue_project(tmp_path / "neither", catalogue.lake,
                                  [name for name in ENDPOINTS if name not in ("sidelined", "injuries", "predictions")])
    assert warehouse.build(*BUILDABLE, select=["+fct_matches", "fct_team_absences", "fct_predictions"]) == 0
    assert "fct_team_absences" not in str(run_results(warehouse)) and "fct_predictions" not in str(run_results(warehouse))


def test_the_same_rows_on_snowflake(catalogue, tmp_path):
    """The new models in Snowflake's SQL (`:` paths, `lateral flatten`, `::` casts), run on
    fakesnow over the same lake files loaded as external tables would list them: the same rows as
    on DuckDB, and the same tests pass. fakesnow numbers flatten's elements in an order of its
    own, so the sidelined spells are compared without their array position."""
    import subprocess
    import sys

    from pitchlake.dbt_sources import dbt_project_dir, source_tables
    from pitchlake.transform import dbt_command

    from . import tools
    from .test_dbt_snowflake import DATABASE, MISSING, RAW, query, snowflake_env

    if MISSING is not None:
        tools.missing(f"the Python module {MISSING.name} ({MISSING})", tools.PIP)
    import fakesnow
    import snowflake.connector

    db_path = tmp_path / "fakesnow"
    db_path.mkdir()
    with fakesnow.patch(db_path=db_path):
        connection = snowflake.connector.connect(database=DATABASE, schema=RAW)
        cursor = connection.cursor()
        for table in (table for tables in source_tables(catalogue.config).values() for table in tables):
            keys = list(table.partition_keys)
            cursor.execute(f"create table {DATABASE}.{RAW}.{table.name} (value variant, "
                           + "".join(f"{key} {table.partition_types[key]}, " for key in keys) + "ingestion_date date, filename varchar)")
            for path in sorted(catalogue.lake.glob(table.path)):
                parts = dict(part.split("=", 1) for part in path.relative_to(catalogue.lake).parts if "=" in part)
                cursor.execute(f"insert into {DATABASE}.{RAW}.{table.name} ({', '.join(['value', *keys, 'ingestion_date', 'filename'])}) "
                               f"select parse_json(%s), {''.join('%s, ' for _ in keys)}%s, %s",
                               (path.read_text(), *(parts[key] for key in keys), parts["ingestion_date"], str(path)))
        connection.close()
    project = dbt_project_dir(catalogue.config)
    argv = dbt_command("build", target="snowflake", select=SELECT, args=[*BUILDABLE, "--exclude-resource-type", "unit_test"],
                       project_dir=project)[1:]
    result = subprocess.run([sys.executable, "-m", "fakesnow", "-d", str(db_path), "-m", "dbt.cli.main", *argv],
                            env=snowflake_env(tmp_path), cwd=project.parent, capture_output=True, text=True, timeout=800)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    statuses = {r["unique_id"]: r["status"] for r in json.loads((tmp_path / "dbt_target" / "run_results.json").read_text())["results"]}
    assert statuses[f"test.pitchlake.{RECONCILIATION}"] == "pass"

    def rows(run, prefix: str, model: str) -> list[tuple]:
        schema = "marts" if model.startswith("fct_") else "staging"
        columns = [name for (name,) in catalogue.query(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
            " and column_name not in ('filename', 'spell_index') order by ordinal_position", [schema, model])]
        found = run(f"select {', '.join(columns)} from {prefix}{schema}.{model}")
        return sorted((tuple(plain(value) for value in row) for row in found), key=repr)

    for model in NEW_MODELS:
        duck = rows(catalogue.query, "", model)
        snow = rows(lambda sql: query(db_path, sql), f"{DATABASE}.", model)
        assert duck and duck == snow, model


def plain(value):
    """A value as both warehouses' drivers can give it: timestamps in UTC, dates and numbers as such."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):
        return round(float(value), 6)
    return value
