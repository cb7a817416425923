"""Run the dbt project over the lake, and read its results back: the Python side of ``pitchlake transform``.

dbt runs as a subprocess (the ``dbt`` next to the running interpreter), with the project and
profiles of the project's ``dbt/`` and an environment derived from the config:

* ``PITCHLAKE_LAKE``: the lake the config points at (a ``file://`` lake is absolute once loaded).
  The ``dev`` target reads it directly: local files, or S3 and MinIO through DuckDB's httpfs,
  loaded offline from the ``duckdb-extension-httpfs`` wheel.
* ``PITCHLAKE_DUCKDB``: the DuckDB file (default ``warehouse/pitchlake.duckdb`` in the project).

The dbt sources are generated from the config (:mod:`pitchlake.dbt_sources`); a run refuses to start
when the committed ones are out of date, instead of transforming with the wrong endpoints.

``pitchlake transform`` builds only what new data can change (:func:`plan_transform`): the lake
records, per dbt target, which ``data.json`` files it held when the last successful transform
started (:func:`record_transform`), and the next one builds what is downstream of the sources whose
files were added or removed since. The build's generic data tests on the models keyed by league
season read only the league seasons of those files (``season=.../league_id=...``; files keyed
otherwise, leagues' and venues', are read by no such model): :attr:`TransformPlan.league_seasons`,
the environment variable :data:`TESTED_LEAGUE_SEASONS_ENV`, ``dbt/macros/tests_where.sql``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .dbt_sources import check_dbt_sources, dbt_project_dir
from .exit_codes import ExitCode
from .lake import CorruptObject, LakeBackend, LakeError, open_lake, read_json

#: The DuckDB file of the ``dev`` target, relative to the project folder.
DEFAULT_DUCKDB = Path("warehouse") / "pitchlake.duckdb"
TARGETS = ("dev", "snowflake")

#: Columns of :func:`league_table`, in order.
LEAGUE_TABLE_COLUMNS = (
    "league_id", "league_name", "season", "group_name", "rank", "team_id", "team_name", "played", "won", "drawn",
    "lost", "goals_for", "goals_against", "goal_difference", "points", "api_points", "points_adjustment",
)


def duckdb_path(config) -> Path:
    """The DuckDB file of the ``dev`` target: ``PITCHLAKE_DUCKDB`` (relative to the working
    directory), else ``warehouse/pitchlake.duckdb`` in the project folder."""
    override = os.environ.get("PITCHLAKE_DUCKDB")
    return Path(override).absolute() if override else config.root / DEFAULT_DUCKDB


def dbt_executable() -> str:
    """The ``dbt`` of the running interpreter's environment, else the one on ``PATH``."""
    local = Path(sys.executable).parent / ("dbt.exe" if os.name == "nt" else "dbt")
    if local.exists():
        return str(local)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError("dbt is not installed: pip install 'pitchlake[dbt]' (and 'pitchlake[snowflake]' for Snowflake)")
    return found


def dbt_env(config, *, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment dbt runs in: the caller's, plus where the lake and the warehouse are."""
    env = dict(os.environ if base is None else base)
    env["PITCHLAKE_LAKE"] = config.lake.uri
    env["PITCHLAKE_DUCKDB"] = str(duckdb_path(config))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    return env


def dbt_command(command: str = "build", *, target: str = "dev", select: str | Sequence[str] | None = None,
                full_refresh: bool = False, args: Iterable[str] = (), project_dir: str | os.PathLike) -> list[str]:
    """The dbt command line (``dbt build --project-dir dbt --profiles-dir dbt --target dev ...``)."""
    project = str(Path(project_dir).absolute())
    argv = [dbt_executable(), command, "--project-dir", project, "--profiles-dir", project, "--target", target]
    if select:
        argv += ["--select", *([select] if isinstance(select, str) else select)]
    if full_refresh:
        argv.append("--full-refresh")
    return argv + list(args)


def run_dbt(config, target: str = "dev", select: str | Sequence[str] | None = None, full_refresh: bool = False,
            args: Iterable[str] = (), *, command: str = "build", project_dir: str | os.PathLike | None = None,
            check_sources: bool = True, env: Mapping[str, str] | None = None) -> int:
    """Run ``dbt build`` (or ``command``) over the config's lake; returns dbt's exit code
    (0 success, 1 a model or test failed, 2 dbt could not run), or
    :attr:`ExitCode.INVALID <pitchlake.exit_codes.ExitCode.INVALID>` without running when the
    generated dbt sources do not match the config (regenerate them with ``pitchlake render dbt``).

    ``select`` is a dbt selector or a list of them; ``args`` go to dbt as they are (e.g.
    ``["--vars", "{lookback_days: 7}"]``); ``env`` adds to the environment (e.g. ``SNOWFLAKE_*``,
    :meth:`TransformPlan.dbt_env`)."""
    started = start_dbt(config, target, select, full_refresh, args, command=command, project_dir=project_dir,
                        check_sources=check_sources, env=env)
    return started if isinstance(started, int) else started.wait()


def start_dbt(config, target: str = "dev", select: str | Sequence[str] | None = None, full_refresh: bool = False,
              args: Iterable[str] = (), *, command: str = "build", project_dir: str | os.PathLike | None = None,
              check_sources: bool = True, env: Mapping[str, str] | None = None) -> subprocess.Popen | int:
    """:func:`run_dbt` without waiting, for work that can overlap with dbt (the demo parses the
    project while it ingests): the running process, or ``ExitCode.INVALID`` (stale dbt sources)."""
    if target not in TARGETS:
        raise ValueError(f"unknown dbt target {target!r}: expected one of {', '.join(TARGETS)}")
    project_dir = Path(project_dir or dbt_project_dir(config))
    if check_sources:
        problems = check_dbt_sources(config, project_dir)
        if problems:
            print(f"dbt sources are out of date with {config.path} (paths relative to {project_dir.absolute().parent}); "
                  "regenerate them with `pitchlake render dbt`:", file=sys.stderr)
            for problem in problems:
                print(problem, file=sys.stderr)
            return ExitCode.INVALID
    run_env = dbt_env(config)
    # a value left in the caller's environment would narrow the tests of a build not given any
    run_env.pop(TESTED_LEAGUE_SEASONS_ENV, None)
    run_env.update(env or {})
    if target == "dev":
        Path(run_env["PITCHLAKE_DUCKDB"]).parent.mkdir(parents=True, exist_ok=True)
    argv = dbt_command(command, target=target, select=select, full_refresh=full_refresh, args=args, project_dir=project_dir)
    return subprocess.Popen(argv, env=run_env, cwd=str(project_dir.absolute().parent))


#: Where the lake keeps, per dbt target, the state of its last successful transform: next to the
#: data it describes (so it follows the lake, wherever the transform runs), outside the layout's
#: ``raw/`` (so neither the planner nor dbt ever reads it).
STATE_FOLDER = "state/transform"
_INGESTION_DATE = re.compile(r"/ingestion_date=([^/]+)/")
_LEAGUE_ID = re.compile(r"/league_id=(\d+)/")
_SEASON = re.compile(r"/season=(\d+)/")
#: The environment variable that narrows the generic data tests of the models keyed by league
#: season (``dbt/macros/tests_where.sql``) to a JSON list of ``[league_id, season]``; the dbt var
#: ``pitchlake_tested_league_seasons`` does the same for dbt run by hand. pitchlake passes the
#: environment variable (``pitchlake transform`` and the Dagster dbt assets alike): dbt parses the
#: whole project again whenever its ``--vars`` differ from the last run's (seconds, more than a
#: small build takes), and the league seasons differ from one build to the next; the macro reads
#: the variable only when the tests run, which leaves dbt's partial parsing alone.
TESTED_LEAGUE_SEASONS_ENV = "PITCHLAKE_TESTED_LEAGUE_SEASONS"


def state_key(target: str) -> str:
    return f"{STATE_FOLDER}/{target}.json"


@dataclass(frozen=True)
class State:
    """What the lake says of a target's transforms. ``fetches`` (``{key: "source.table"}``): the
    lake as the last successful transform listed it before it started. ``unfinished``: the source
    tables of a build started since that did not succeed (failed, or killed): the warehouse may
    hold part of what it was given, so they are built again even if that data is gone by then
    (quarantined, deleted) and the lake matches ``fetches`` once more."""

    fetches: dict[str, str]
    started: str
    unfinished: tuple[str, ...] = ()
    #: :func:`project_fingerprint` of the build
    project: str = ""
    #: the league seasons the ``unfinished`` builds were given, ``(league_id, season)`` sorted;
    #: ``()`` when they are not all known (a build of everything): their tests then read everything
    unfinished_league_seasons: tuple[tuple[int, int], ...] = ()
    #: the DuckDB file the transform built (``dev``): ``pitchlake transform`` and the Dagster dbt
    #: assets share the state of a target, and only describe the same warehouse if they build the
    #: same file; ``""`` for Snowflake, and in states written before it was recorded
    warehouse: str = ""


@dataclass(frozen=True)
class TransformPlan:
    """What ``pitchlake transform`` builds, and the one line that says why.

    ``select`` None builds everything, ``[]`` nothing (dbt is not even started). ``fetches`` is
    the lake as listed before dbt starts: it becomes the target's state only once dbt succeeds,
    so data that lands during the build counts as new next time. None when the build must not
    advance the state: an explicit ``--select`` builds only part of what may be new.
    ``previous`` is the state the build starts from, marked with ``tables`` (the source tables it
    builds) while it runs; None when there is none to mark.

    ``league_seasons``: the ``(league_id, season)`` pairs of the ``data.json`` files added or
    removed since the state in the tables partitioned by league season (and of the builds left
    unfinished); the generic data tests of the models keyed by league season then read only these
    (:meth:`dbt_env`). ``()``: every test reads everything (a full build, an explicit
    ``--select``, no league season's file among the changes)."""

    select: list[str] | None
    reason: str
    fetches: dict[str, str] | None = None
    started: str = ""
    previous: State | None = None
    tables: tuple[str, ...] = ()
    league_seasons: tuple[tuple[int, int], ...] = ()
    #: :attr:`State.warehouse` of the build
    warehouse: str = ""

    @property
    def nothing(self) -> bool:
        return self.select == []

    def dbt_env(self) -> dict[str, str]:
        """The environment that narrows the build's tests to its league seasons
        (:data:`TESTED_LEAGUE_SEASONS_ENV`), if narrowed."""
        if not self.league_seasons:
            return {}
        return {TESTED_LEAGUE_SEASONS_ENV: json.dumps([list(pair) for pair in self.league_seasons], separators=(",", ":"))}


#: What a dbt project holds that is not its source: dbt's own output and installed packages.
_NOT_PROJECT = {"target", "logs", "dbt_packages", "dbt_modules"}


def project_fingerprint(config) -> str:
    """A digest of the config and of every file of the dbt project: an edited model, test or
    macro, or another config (endpoints, variables), changes what every model may hold, which no
    new data says; the state keeps the digest, and a transform after such a change builds everything."""
    digest = hashlib.sha256(config.path.read_bytes())
    project = dbt_project_dir(config)
    for folder, folders, files in os.walk(project):
        folders[:] = sorted(name for name in folders if not name.startswith(".")
                            and not (Path(folder) == project and name in _NOT_PROJECT))
        for name in sorted(files):
            path = Path(folder) / name
            if not name.startswith("."):
                digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_globs(config) -> dict[str, str]:
    """``{"source.table": glob}`` of the dbt sources, in the config's order: the ``data.json``
    files each table reads, relative to the lake root (``meta.pitchlake.path``)."""
    from .dbt_sources import source_tables

    return {f"{source}.{table.name}": table.path for source, tables in source_tables(config).items() for table in tables}


def _glob_regex(glob: str) -> re.Pattern[str]:
    """The keys ``glob`` matches as DuckDB's glob and Snowflake's pattern read it (``*`` within
    one path segment), so ``_pages/``, ``_out_of_plan.json`` or a folder whose date is no date
    count for no table, as dbt never reads them."""
    parts = re.split(r"(\*|\[[^\]]*\])", glob)
    return re.compile("".join("[^/]*" if part == "*" else part if part.startswith("[") else re.escape(part) for part in parts))


def lake_fetches(config, lake: LakeBackend, globs: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{key: "source.table"}`` of every ``data.json`` the dbt sources read today, from one LIST
    of the folder all their globs share (``raw/``). A fetch dated after today is left out: the
    models skip it until its day (``dbt/macros/incremental.sql``), and then it counts as new."""
    globs = source_globs(config) if globs is None else globs
    patterns = {name: _glob_regex(glob) for name, glob in globs.items()}
    fixed = os.path.commonprefix([re.split(r"[*\[]", glob, maxsplit=1)[0] for glob in globs.values()])
    today = dt.datetime.now(dt.UTC).date().isoformat()
    fetches = {}
    for key in lake.list(fixed[: fixed.rfind("/") + 1]):
        name = next((name for name, pattern in patterns.items() if pattern.fullmatch(key)), None)
        date = _INGESTION_DATE.search(key)
        if name is not None and date is not None and date[1] <= today:
            fetches[key] = name
    return fetches


def read_state(lake: LakeBackend, target: str) -> State | None:
    """The state of ``target`` in the lake; None before its first successful transform."""
    key = state_key(target)
    if not lake.exists(key):
        return None
    document = read_json(lake, key)
    if not isinstance(document, dict) or not isinstance(document.get("sources"), dict):
        raise CorruptObject(key, "not a transform state (no 'sources' object)")
    fetches = {fetch: name for name, fetches in document["sources"].items() for fetch in fetches}
    league_seasons = tuple(sorted((int(league_id), int(season))
                                  for league_id, season in document.get("unfinished_league_seasons") or ()))
    return State(fetches, str(document.get("started_at", "")), tuple(document.get("unfinished") or ()),
                 str(document.get("project", "")), league_seasons, str(document.get("warehouse", "")))


def write_state(lake: LakeBackend, target: str, state: State) -> None:
    """Replace the state of ``target`` (the keys grouped by source table, so a key that is gone
    still says which table read it)."""
    sources: dict[str, list[str]] = {}
    for key, name in sorted(state.fetches.items()):
        sources.setdefault(name, []).append(key)
    document = {"target": target, "started_at": state.started, "project": state.project, "warehouse": state.warehouse,
                "unfinished": list(state.unfinished),
                "unfinished_league_seasons": [list(pair) for pair in state.unfinished_league_seasons],
                "sources": sources}
    lake.put(state_key(target), (json.dumps(document, indent=1) + "\n").encode())


def _changes(added: int, removed: int, unfinished: bool) -> str:
    parts = [f"{added} partition{'' if added == 1 else 's'}"] if added else []
    parts += [f"{removed} removed"] if removed else []
    return ", ".join(parts + (["unfinished by a failed transform"] if unfinished else []))


def league_season_of(key: str) -> tuple[int, int] | None:
    """``(league_id, season)`` of a lake key's hive folders, None unless it has both."""
    league, season = _LEAGUE_ID.search(key), _SEASON.search(key)
    return (int(league[1]), int(season[1])) if league and season else None


def league_season_tables(globs: Mapping[str, str]) -> set[str]:
    """The source tables partitioned by league season (``.../season=*/league_id=*/...``): the only
    ones the models keyed by league season read (``league_season_models`` in dbt_project.yml)."""
    return {name for name, glob in globs.items() if "/season=" in glob and "/league_id=" in glob}


def tested_league_seasons(changes: Mapping[str, str], previous: State, keyed: Collection[str]) -> tuple[tuple[int, int], ...]:
    """The league seasons the tests of a build of ``changes`` (``{key: "source.table"}``: the files
    added or removed) read, sorted; ``()``: every one. The files of the tables partitioned by
    league season (``keyed``) must all name theirs; the others (leagues, venues) are read by no
    model keyed by league season, so their tests read everything anyway. The builds ``previous``
    left unfinished must have been given known league seasons: those may hold what failed."""
    if previous.unfinished and not previous.unfinished_league_seasons:
        return ()
    league_seasons = set(previous.unfinished_league_seasons)
    for key, name in changes.items():
        if name in keyed:
            pair = league_season_of(key)
            if pair is None:
                return ()
            league_seasons.add(pair)
    return tuple(sorted(league_seasons))


def _narrowed(league_seasons: Sequence[tuple[int, int]], shown: int = 6) -> str:
    if not league_seasons:
        return ""
    pairs = [f"{league_id}/{season}" for league_id, season in league_seasons]
    more = f", ... ({len(pairs)} in all)" if len(pairs) > shown else ""
    return f"; tests narrowed to league/season {', '.join(pairs[:shown])}{more}"


def plan_transform(config, target: str = "dev", select: Sequence[str] = (), full_refresh: bool = False,
                   *, lake: LakeBackend | None = None, warehouse: Path | None = None) -> TransformPlan:
    """What a transform of ``target`` builds: the sources whose ``data.json`` files were added or
    removed (a re-fetch, a quarantine) since the last successful transform started, or that a
    build since left unfinished, and everything downstream of them (``source:<source>.<table>+``:
    the models and their tests); nothing when there are none. Everything when there is no state
    (the first transform, or one the lake cannot give back) or, for ``dev``, no DuckDB file (the
    state describes a warehouse that is gone), and with ``--full-refresh``. An explicit
    ``select`` is built as given and leaves the state alone. The tests of an incremental plan on
    the models keyed by league season read only the league seasons that changed (:func:`tested_league_seasons`).

    A change to the dbt project or the config is no new data: build it with ``--select`` or
    ``--full-refresh``.

    ``warehouse`` is the DuckDB file a ``dev`` build writes, when not :func:`duckdb_path` (the
    Dagster dbt assets run dbt in the dbt project's folder)."""
    if select:
        return TransformPlan(list(select), f"building --select {' '.join(select)} as given (what is new in the lake "
                                           "stays new for the next transform)")
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        lake = lake or open_lake(config.lake.uri)
        globs = source_globs(config)
        fetches = lake_fetches(config, lake, globs)
    except LakeError as exc:
        return TransformPlan(None, f"cannot list the lake ({exc}): building everything")
    try:
        previous = read_state(lake, target)
    except (LakeError, CorruptObject) as exc:
        return TransformPlan(None, f"cannot read the state of the last transform ({exc}): building everything",
                             fetches, started)
    warehouse = warehouse or duckdb_path(config) if target == "dev" else None
    built = str(warehouse or "")
    everything = TransformPlan(None, "", fetches, started, previous, tuple(globs), warehouse=built)
    if full_refresh:
        return replace(everything, reason="--full-refresh: building everything")
    if previous is None:
        return replace(everything, reason=f"no transform of {target} recorded in the lake yet: building everything")
    if warehouse is not None and not warehouse.exists():
        return replace(everything, reason=f"no warehouse at {warehouse}: building everything")
    if previous.warehouse and previous.warehouse != built:
        return replace(everything, reason=f"the last transform of {target} built another warehouse ({previous.warehouse}): "
                                          "building everything")
    if previous.project != project_fingerprint(config):
        return replace(everything, reason="the dbt project or the config changed since the last transform: "
                                          "building everything")
    added_keys, removed_keys = fetches.keys() - previous.fetches.keys(), previous.fetches.keys() - fetches.keys()
    added = Counter(fetches[key] for key in added_keys)
    removed = Counter(previous.fetches[key] for key in removed_keys)
    changed = [name for name in globs if added[name] or removed[name] or name in previous.unfinished]
    if not changed:
        return TransformPlan([], f"nothing new in the lake since the last transform ({target}); nothing to build")
    selectors = [f"source:{name}+" for name in changed]
    what = ", ".join(f"{name.split('.', 1)[1]} ({_changes(added[name], removed[name], name in previous.unfinished)})"
                     for name in changed)
    only_new = not removed and not previous.unfinished
    changes = {**{key: fetches[key] for key in added_keys}, **{key: previous.fetches[key] for key in removed_keys}}
    league_seasons = tested_league_seasons(changes, previous, league_season_tables(globs))
    return TransformPlan(selectors, f"{'new data' if only_new else 'changes'} in {what}: building {' '.join(selectors)}"
                                    f"{_narrowed(league_seasons)}",
                         fetches, started, previous, tuple(changed), league_seasons, built)


def begin_transform(config, target: str, plan: TransformPlan, *, lake: LakeBackend | None = None) -> None:
    """Before dbt starts: mark the tables the build is given as unfinished in the state, so a
    build that fails or is killed has them built again whatever becomes of their data, and their
    tests read its league seasons again (all of them, unless the plan's tests were narrowed)."""
    if plan.fetches is not None and plan.previous is not None:
        previous = plan.previous
        unfinished = tuple(dict.fromkeys((*previous.unfinished, *plan.tables)))
        # plan.league_seasons already holds the previous unfinished ones (tested_league_seasons)
        league_seasons = plan.league_seasons
        if (unfinished, league_seasons) != (previous.unfinished, previous.unfinished_league_seasons):
            write_state(lake or open_lake(config.lake.uri), target,
                        replace(previous, unfinished=unfinished, unfinished_league_seasons=league_seasons))


def record_transform(config, target: str, plan: TransformPlan, *, lake: LakeBackend | None = None) -> bool:
    """After dbt succeeded: make the lake as ``plan`` listed it the state of ``target``. False
    when the plan must not advance it (an explicit ``--select``)."""
    if plan.fetches is None:
        return False
    write_state(lake or open_lake(config.lake.uri), target,
                State(plan.fetches, plan.started, project=project_fingerprint(config), warehouse=plan.warehouse))
    return True


def build_summary(project_dir: str | os.PathLike, since: float) -> str | None:
    """What a ``dbt build`` did, in a few lines, from the ``target/run_results.json`` it wrote:
    models, tests and other nodes by status, every node that did not pass with dbt's message,
    the time, and where dbt's full log is. None when dbt wrote no results after ``since`` (a
    timestamp: it stopped before running any node, and its own error says why)."""
    project = Path(project_dir)
    # dbt's own variables move its artifacts and logs (the ECS task's read-only image does).
    target = project / os.environ.get("DBT_TARGET_PATH", "target")
    logs = project / os.environ.get("DBT_LOG_PATH", "logs")
    results_file = target / "run_results.json"
    if not results_file.exists() or results_file.stat().st_mtime < since:
        return None
    run = json.loads(results_file.read_text())
    counts: dict[str, Counter] = {}
    trouble = []
    for result in run["results"]:
        kind = result["unique_id"].split(".", 1)[0]
        counts.setdefault(kind, Counter())[result["status"]] += 1
        if result["status"] not in ("success", "pass"):
            message = (result.get("message") or "").strip()[:300]
            trouble.append(f"  {result['status']}: {result['unique_id']}" + (f": {message}" if message else ""))
    names = {"test": "data test", "unit_test": "unit test", "operation": "hook"}
    parts = []
    for kind, counter in sorted(counts.items()):
        total = sum(counter.values())
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(counter.items()))
        parts.append(f"{total} {names.get(kind, kind)}{'' if total == 1 else 's'} ({statuses})")
    lines = [f"dbt build: {'; '.join(parts) or 'nothing selected'} in {run['elapsed_time']:.1f} s", *trouble,
             f"dbt's full log: {logs / 'dbt.log'}"]
    return "\n".join(lines)


def league_table(config, season: int | None = None, league: int | None = None) -> list[dict[str, Any]]:
    """The computed league table as the last ``dev`` build left it in the DuckDB file, one dict a
    team (keys :data:`LEAGUE_TABLE_COLUMNS`), ordered by league, season, group and rank;
    ``season``/``league`` narrow it. Raises :class:`FileNotFoundError` before the first transform."""
    import duckdb

    path = duckdb_path(config)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse yet; run `pitchlake transform` first")
    filters, params = [], []
    if season is not None:
        filters.append("league_table.season = ?")
        params.append(int(season))
    if league is not None:
        filters.append("league_table.league_id = ?")
        params.append(int(league))
    where = f"where {' and '.join(filters)}" if filters else ""
    query = f"""
        select
            league_table.league_id, dim_leagues.league_name, league_table.season, league_table.group_name,
            league_table.rank, league_table.team_id, dim_teams.team_name, league_table.played, league_table.won,
            league_table.drawn, league_table.lost, league_table.goals_for, league_table.goals_against,
            league_table.goal_difference, league_table.points, league_table.api_points, league_table.points_adjustment
        from marts.league_table
        left join marts.dim_teams on dim_teams.team_id = league_table.team_id
        left join marts.dim_leagues on dim_leagues.league_id = league_table.league_id
        {where}
        order by league_table.league_id, league_table.season, league_table.group_name nulls first,
            coalesce(league_table.api_rank, league_table.rank), league_table.rank, dim_teams.team_name
    """
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(query, params).fetchall()
    return [dict(zip(LEAGUE_TABLE_COLUMNS, row, strict=True)) for row in rows]


def format_league_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Plain-text tables of :func:`league_table` rows, one per league season (and group)."""
    lines: list[str] = []
    current = None
    for row in rows:
        key = (row["league_id"], row["season"], row["group_name"])
        if key != current:
            current = key
            title = f"{row['league_name'] or row['league_id']} {row['season']}" + (
                f" - {row['group_name']}" if row["group_name"] and row["group_name"] != row["league_name"] else "")
            if lines:
                lines.append("")
            lines += [title, f"{'#':>3} {'team':<28} {'P':>3} {'W':>3} {'D':>3} {'L':>3} {'GF':>4} {'GA':>4} {'GD':>4} "
                             f"{'Pts':>4} {'API':>4} {'adj':>4}"]
        api = "" if row["api_points"] is None else row["api_points"]
        adjustment = "" if not row["points_adjustment"] else f"{row['points_adjustment']:+d}"
        lines.append(
            f"{row['rank']:>3} {str(row['team_name'] or row['team_id'])[:28]:<28} {row['played']:>3} {row['won']:>3} "
            f"{row['drawn']:>3} {row['lost']:>3} {row['goals_for']:>4} {row['goals_against']:>4} {row['goal_difference']:>4} "
            f"{row['points']:>4} {api:>4} {adjustment:>4}"
        )
    return "\n".join(lines)
