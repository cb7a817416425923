"""``pitchlake demo``: the main job end to end on the embedded defaults, with no API key.

An in-process sandbox stands in for API-Football, the config's lake (``file://./lake`` by
default) receives the data while dbt parses the project, then ``dbt build`` runs and the league
table is printed; a second run shows smart resume spending nothing. Imported by the command's body
only: the engine's runner and dbt stay out of ``pitchlake --help``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer

from pitchlake.cli import _environment, _ingestion_date, _init, _load, _logging, _report, err, out
from pitchlake.config import DEFAULT_CONFIG, Config, Limits
from pitchlake.exit_codes import ExitCode
from pitchlake.planner import Selection
from pitchlake.runner import Summary, ingest

from . import DEFAULT_KEY
from .server import Sandbox

#: What the table's last columns are: the check of the computed table against the API's.
LEGEND = ("Pts: points computed from the finished matches; API: the points API-Football's standings give; "
          "adj: API - Pts, a deduction or bonus the API applied")

#: The demo plays a Pro plan against its sandbox: the shipped config's Free plan (10 a minute)
#: would make a first demo take minutes.
DEMO_LIMITS = Limits(per_day=7500, per_minute=300)


def run_demo(config: Config, data: list[Path], seed: int = 0) -> tuple[Summary, dict]:
    """Ingest the config's scope from a sandbox; returns the run's summary and the sandbox's own
    count of the requests it served (which the summary must agree with)."""
    with Sandbox(data=[str(path) for path in data], per_minute=DEMO_LIMITS.per_minute,
                 per_day=DEMO_LIMITS.per_day, seed=seed, keys=(DEFAULT_KEY,)) as sandbox:
        demo_config = dataclasses.replace(
            config, api=dataclasses.replace(config.api, base_url=sandbox.url, limits=DEMO_LIMITS, auth="apisports")
        )
        summary = ingest(demo_config, Selection(), key=DEFAULT_KEY)
        return summary, sandbox.stats()


def demo(config: Path, data: list[Path], verbose: bool) -> None:
    """The ``pitchlake demo`` command: ingest from the sandbox (while dbt parses), build, print the table."""
    from pitchlake.transform import duckdb_path, format_league_table, league_table, run_dbt, start_dbt

    _logging(verbose)
    # A bad PITCHLAKE_TODAY, PITCHLAKE_LAKE or API_FOOTBALL_BASE_URL: exit 2, naming it, before a
    # project is created or a sandbox or dbt started.
    _ingestion_date()
    _environment()
    if config == DEFAULT_CONFIG and not config.exists():
        # Only an empty folder becomes a project unasked: anywhere else it would be a surprise.
        if any(Path(".").iterdir()):
            err.print(f"no pitchlake project here ({config} is missing): run `pitchlake init` first, "
                      "or the demo in an empty folder", markup=False)
            raise typer.Exit(ExitCode.INVALID)
        out.print(f"an empty folder, no project ({config} is missing): creating one, as `pitchlake init` does", markup=False)
        _init(Path("."))
    loaded = _load(config)

    out.print(f"pitchlake demo: sandbox API -> {loaded.lake.uri} (scope: seasons {list(loaded.scope.values('seasons'))}, leagues {list(loaded.scope.values('leagues'))})", markup=False)
    out.print(f"the sandbox plays a Pro plan ({DEMO_LIMITS.per_minute} a minute, {DEMO_LIMITS.per_day} a day), "
              "not the config's: the quota below is its own", markup=False)
    # dbt's parse needs nothing from the lake: it runs while the ingest does, on the other core,
    # and leaves the partial parse that makes the build after the ingest seconds quicker.
    parse = start_dbt(loaded, command="parse", args=["--quiet"])
    if isinstance(parse, int):
        raise typer.Exit(parse)
    try:
        summary, stats = run_demo(loaded, data)
        _report(summary, as_json=False)
        out.print(f"the sandbox counted {stats['total']} request(s)", markup=False)
        recorded = ", ".join(str(path) for path in data)
        out.print(f"the sandbox answered from the API-Football responses recorded in {recorded} where it has them, and "
                  "synthesised the rest (made-up names and numbers in the API's shapes): the table of a recorded season "
                  "is real; synthetic players, lineups and events are not" if recorded else
                  "no recorded responses given (--data): every answer is synthesised, made-up names and numbers in "
                  "the API's shapes", markup=False)
        if summary.api_requests == 0:
            out.print("nothing new: the lake already had everything (smart resume spent no credits)", markup=False)
        if summary.exit_code:
            raise typer.Exit(summary.exit_code)
        parse.wait()
    finally:
        if parse.poll() is None:  # the ingest failed: its parse is of no use
            parse.terminate()
            parse.wait()
    out.print("dbt build (DuckDB over the lake) ...", markup=False)
    status = run_dbt(loaded, args=["--quiet"], check_sources=False)
    if status:
        raise typer.Exit(status)
    out.print(f"built {duckdb_path(loaded)} from the lake {loaded.lake.uri}; `pitchlake transform` rebuilds it", markup=False)
    out.print(format_league_table(league_table(loaded)), markup=False)
    out.print(LEGEND, markup=False)
