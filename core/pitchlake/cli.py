"""The ``pitchlake`` command. Each subcommand only parses options and calls the engine.

Exit codes come from the one table in :mod:`pitchlake.exit_codes` (also in ``pitchlake --help``).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from .client import ApiError, MissingApiKey
from .config import DEFAULT_CONFIG, ConfigError, environment_problems, load_config, shown_name
from .exit_codes import ExitCode
from .exit_codes import summary as exit_codes_summary
from .lake import LakeError, open_lake, quarantine_key
from .planner import Selection
from .plugins import register_commands, registry


class HelpGroup(typer.core.TyperGroup):
    """Lists commands with their first sentence whole, wrapped: click cuts it to the width left
    beside the names, mid-phrase, with '...'."""

    def format_commands(self, ctx, formatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        rows = [(name, command.get_short_help_str(limit=1000)) for name, command in commands
                if command is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=HelpGroup,
    help=(
        "pitchlake: a football data lake from API-Football.\n\n"
        f"Exit codes: {exit_codes_summary()}."
    ),
    no_args_is_help=True,
    add_completion=False,
    # Tracebacks with local variables could print the API key; errors are reported as messages.
    pretty_exceptions_enable=False,
    # Plain click help, for every command (plugins' too): typer's rich panels show a type name
    # beside each flag (`--verbose <bool>`, even `--help <bool>`) and read '[...]' in help texts
    # as markup, which ate half of `sandbox serve --faults`'s grammar.
    rich_markup_mode=None,
)
# soft_wrap: long messages stay on one line, so logs and CI output can be grepped.
err = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(soft_wrap=True, highlight=False)

# Every option that takes a value names it (metavar): typer would show its Python type instead.
ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", metavar="PATH", help="The SSOT config file.", envvar="PITCHLAKE_CONFIG",
                       show_default=True)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print data as JSON on stdout.")]
EndpointOption = Annotated[list[str], typer.Option("--endpoint", "-e", metavar="NAME", help="Only this endpoint (repeatable).")]
SeasonOption = Annotated[list[int], typer.Option("--season", "-s", metavar="YEAR", help="Only this season (repeatable).")]
LeagueOption = Annotated[list[int], typer.Option("--league", "-l", metavar="ID", help="Only this league id (repeatable).")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log every retry and decision.")]
#: The option that selects each partition key, for messages about a selection.
SELECTION_OPTIONS = {"season": "--season", "league_id": "--league"}

def _load(config: Path):
    """Load the config or exit 2 with one line per problem."""
    try:
        return load_config(config)
    except ConfigError as exc:
        _invalid(exc.problems)


def _environment() -> None:
    """Exit 2 when an environment variable overriding a config value is invalid (the config's
    own load says so too): for commands that write before they load the config."""
    problems = environment_problems()
    if problems:
        _invalid(problems)


def _invalid(problems) -> NoReturn:
    for problem in problems:
        print(problem, file=sys.stderr)  # one line each, never wrapped: editors and CI parse them
    raise typer.Exit(ExitCode.INVALID)


@app.command()
def validate(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Check the config against its JSON Schema and the installed plugins; exit 2 if invalid."""
    from .planner import never_refreshed

    loaded = _load(config)
    print(f"{config}: valid ({len(loaded.endpoints)} endpoints enabled)")
    closed = never_refreshed(loaded, registry().endpoints)
    if closed:
        err.print(f"warning: {config}: /scope: every partition of {', '.join(closed)} is closed, so no scheduled run will "
                  "refresh them (is the season still being played among the scope's seasons?)", markup=False, highlight=False)


@app.command()
def plugins(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """List every endpoint, lake backend, orchestrator adapter and renderer, with the distribution that provides it."""
    found = registry()
    rows = [
        {"kind": kind, "name": name, "distribution": provider.distribution, "version": provider.version, "plugin": provider.plugin}
        for (kind, name), provider in sorted(found.providers.items())
    ]
    for problem in found.problems:
        err.print(f"warning: {problem}", markup=False, highlight=False)
    if as_json:
        print(json.dumps({"plugins": rows, "problems": found.problems}, indent=2))
        return
    table = Table("kind", "name", "distribution", "version")
    for row in rows:
        table.add_row(row["kind"], row["name"], row["distribution"], row["version"])
    out.print(table)


def _selection(loaded, endpoint: list[str], season: list[int], league: list[int]) -> Selection:
    """The run's selection, refused (exit 2) when it names what the config will never plan: an
    empty plan would otherwise pass for a lake that is up to date."""
    from .planner import outside_scope

    names = [entry.name for entry in loaded.endpoints]
    unknown = [name for name in endpoint if name not in names]
    if unknown:
        err.print(f"{loaded.path}: unknown or disabled endpoint(s) {_typed(unknown)}; enabled: {', '.join(names)}", markup=False)
        raise typer.Exit(ExitCode.INVALID)
    # --season and --league select the partition keys they name in the lake
    selection = Selection(tuple(endpoint), {"season": tuple(map(str, season)), "league_id": tuple(map(str, league))})
    outside = outside_scope(loaded, registry().endpoints, selection)
    for key, (values, allowed) in outside.items():
        verb = "is" if len(values) == 1 else "are"
        err.print(f"{loaded.path}: {SELECTION_OPTIONS[key]} {', '.join(values)} {verb} outside the scope "
                  f"({key}: {', '.join(allowed) or 'none'}); select among those, or widen /scope", markup=False)
    if outside:
        raise typer.Exit(ExitCode.INVALID)
    return selection


def _typed(values: list[str]) -> str:
    """Names the user typed, as a message shows them (:func:`pitchlake.config.shown_name`)."""
    return ", ".join(shown_name(value) for value in values)


def _ingestion_date() -> str:
    """Today, or PITCHLAKE_TODAY when valid; exit 2 before anything is planned or written."""
    from .planner import InvalidToday, today

    try:
        return today()
    except InvalidToday as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitCode.INVALID) from None


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


RunOption = Annotated[str | None, typer.Option("--run", metavar="NAME", envvar="PITCHLAKE_RUN", show_envvar=True, help=(
    "Plan the next stage of run NAME as batches of partitions for separate ingest tasks, written to the lake "
    "under runs/NAME/ (next.json says what follows; summary.json once nothing is left); prints next.json. "
    "The state machine sets it to the execution's name."))]


@app.command()
def plan(config: ConfigOption = DEFAULT_CONFIG, endpoint: EndpointOption = [], season: SeasonOption = [],
         league: LeagueOption = [], as_json: JsonOption = False, verbose: VerboseOption = False,
         run: RunOption = None) -> None:
    """Show what ingest would fetch, what it costs in API requests, and what is skipped and why;
    then, for the whole scope, what is still missing and how many days of the quota it takes."""
    from .planner import plan as make_plan
    from .quota import forecast

    _logging(verbose)
    loaded = _load(config)
    date = _ingestion_date()
    selection = _selection(loaded, endpoint, season, league)
    if run is not None:
        _plan_run(loaded, run, selection, date)
        return
    try:
        lake = open_lake(loaded.lake.uri, create_bucket=loaded.lake.create_bucket)
        result = make_plan(loaded, registry().endpoints, lake, selection, date)
        whole = result if selection == Selection() else make_plan(loaded, registry().endpoints, lake, Selection(), date)
        quota = forecast(loaded, registry().endpoints, lake, whole, date)
    except LakeError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitCode.FAILED) from None
    for key, reason in result.quarantine:  # a dry run: nothing is moved
        err.print(f"warning: {key}: {reason}; ingest would move it to {quarantine_key(key)} and plan as if it had "
                  "never been written, as this plan does", markup=False, highlight=False)
    if as_json:
        print(json.dumps({**result.to_json(), "quota": quota.to_json()}, indent=2))
        return
    table = Table("endpoint", "partition", "requests", "why", title=f"to fetch ({result.estimated_requests} requests)")
    for task in result.tasks:
        table.add_row(task.name, _partition_text(task.partition), str(task.estimated_requests), task.reason)
    console = out
    console.print(table)
    console.print(f"{len(result.skipped)} partition(s) skipped:")
    for skip in result.skipped:
        console.print(f"  {skip.name} {_partition_text(skip.partition)}: {skip.reason}", markup=False, highlight=False)
    for name in result.deferred:
        console.print(f"  {name}: planned once the endpoints it derives from are fetched", markup=False)
    console.print(_quota_text(quota), markup=False, highlight=False)


def _plan_run(loaded, run: str, selection: Selection, date: str) -> None:
    """``plan --run``: one planning step of a run split into tasks (:func:`pitchlake.work.plan_next`)."""
    from .work import plan_next

    try:
        lake = open_lake(loaded.lake.uri, create_bucket=loaded.lake.create_bucket)
        result = plan_next(loaded, registry().endpoints, lake, run, selection, date)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitCode.INVALID) from None
    except LakeError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitCode.FAILED) from None
    print(json.dumps(result, indent=2))


def _quota_text(quota) -> str:
    """The quota planner's figures for the whole scope (:class:`pitchlake.quota.Forecast`)."""
    days = quota.days
    lines = [f"whole scope, at {quota.per_day} requests a day: the partitions still changing need {quota.today} "
             f"today and {quota.daily:.1f} on an average day; {quota.backfill} requests of closed partitions are "
             f"missing: " + ("nothing" if days == 0 else f"{days} day(s)" if days is not None
                             else "never, as the partitions still changing leave no room in the daily quota")]
    if quota.groups:
        lines.append("  in this order: " + ", ".join(f"{name} ({requests})" for name, requests in quota.groups))
    if quota.uncounted:
        lines.append(f"  not counted until what they derive from is fetched: {', '.join(quota.uncounted)}")
    return "\n".join(lines)


def _partition_text(partition: dict) -> str:
    return " ".join(f"{key}={value}" for key, value in partition.items()) or "-"


@app.command()
def ingest(config: ConfigOption = DEFAULT_CONFIG, endpoint: EndpointOption = [], season: SeasonOption = [],
           league: LeagueOption = [],
           max_requests: Annotated[int | None, typer.Option(metavar="N", help="Spend at most this many API requests.")] = None,
           as_json: JsonOption = False, verbose: VerboseOption = False,
           work: Annotated[str | None, typer.Option("--work", metavar="KEY", help=(
               "Fetch exactly one batch of a work file `plan --run` wrote (its lake key, runs/NAME/work-I.json), at the "
               "batch's share of the per-minute limit, and write the batch's summary next to it; with --batch. A stop "
               "the next run resumes (the daily quota) then exits 0: the summary says it."))] = None,
           batch: Annotated[int | None, typer.Option("--batch", metavar="N", help="The batch of --work to fetch (1, 2, ...).")] = None,
           ) -> None:
    """Fetch what the lake is missing. Exit 0 when complete, 3 when stopped early (quota or
    --max-requests: rerun to resume), 1 on failure."""
    from .runner import ingest as run_ingest

    _logging(verbose)
    loaded = _load(config)
    date = _ingestion_date()
    if work is not None or batch is not None:
        _ingest_batch(loaded, work, batch, endpoint or season or league, max_requests, as_json)
        return
    selection = _selection(loaded, endpoint, season, league)
    signal.signal(signal.SIGTERM, _interrupt)  # a stopped container ends like Ctrl-C: cleanly
    try:
        with _progress(not as_json, loaded, selection, date, max_requests) as (on_progress, on_plan):
            summary = run_ingest(loaded, selection, max_requests=max_requests, on_progress=on_progress, on_plan=on_plan)
    except KeyboardInterrupt:  # while planning, before any request was in flight
        if as_json:
            print(json.dumps({"stopped_reason": "interrupted"}))
        err.print("interrupted while planning; rerun to resume", markup=False)
        raise typer.Exit(ExitCode.STOPPED) from None
    except (MissingApiKey, LakeError, ApiError, ValueError) as exc:
        if as_json:
            print(json.dumps({"stopped_reason": f"fatal: {exc}"}))
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitCode.FAILED) from None
    _report(summary, as_json)
    raise typer.Exit(summary.exit_code)


def _ingest_batch(loaded, work: str | None, batch: int | None, selected, max_requests: int | None, as_json: bool) -> None:
    """``ingest --work KEY --batch N`` (:func:`pitchlake.work.run_batch`)."""
    from .work import run_batch

    if work is None or batch is None or selected:
        err.print("--work and --batch go together, without --endpoint, --season or --league (the batch says what to fetch)",
                  markup=False)
        raise typer.Exit(ExitCode.INVALID)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        lake = open_lake(loaded.lake.uri, create_bucket=loaded.lake.create_bucket)
        summary = run_batch(loaded, registry().endpoints, lake, work, batch, max_requests=max_requests)
    except KeyboardInterrupt:
        err.print("interrupted while planning; rerun to resume", markup=False)
        raise typer.Exit(ExitCode.STOPPED) from None
    except (MissingApiKey, LakeError, ApiError, ValueError) as exc:
        if as_json:
            print(json.dumps({"stopped_reason": f"fatal: {exc}"}))
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitCode.FAILED) from None
    _report(summary, as_json)
    # A stop the next run resumes is recorded in the batch's summary: not a failed task to retry.
    raise typer.Exit(ExitCode.OK if summary.exit_code == ExitCode.STOPPED else summary.exit_code)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _report(summary, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary.to_json(), indent=2))
        return
    console = out
    console.print(
        f"API requests: {summary.api_requests}; partitions written: {summary.partitions_written}, "
        f"skipped: {summary.partitions_skipped}; pages written: {summary.pages_written}"
        + (f"; out of plan: {summary.out_of_plan}" if summary.out_of_plan else "")
        + (f"; quarantined: {len(summary.quarantined)} (see the warnings)" if summary.quarantined else ""),
        markup=False, highlight=False,
    )
    if summary.day_remaining is not None:
        console.print(f"daily quota left: {summary.day_remaining}", markup=False, highlight=False)
    for failure in summary.failures:
        err.print(f"failed: {failure['partition']}: {failure['error']}", markup=False, highlight=False)
    if summary.stopped_reason == "daily_quota_kept":
        err.print(f"stopped early: the {summary.day_remaining} requests left today are kept for the partitions still "
                  "changing outside this selection (the current season); rerun tomorrow to resume where it stopped",
                  markup=False, highlight=False)
    elif summary.exit_code == ExitCode.STOPPED:
        err.print(f"stopped early: {summary.stopped_reason}; rerun to resume where it stopped", markup=False, highlight=False)
    elif summary.stopped_reason:  # an error every rerun would meet again
        err.print(f"stopped: {summary.stopped_reason.rstrip('.')}; {summary.fix or 'fix that, then run again'}",
                  markup=False, highlight=False)


@contextmanager
def _progress(enabled: bool, loaded, selection: Selection, date: str, max_requests: int | None):
    """On a terminal, a progress line (:class:`IngestProgress`) and the runner's hooks that move
    it, ``(on_progress, on_plan)``; nothing otherwise (a log file gets the summary only)."""
    if not enabled or not err.is_terminal:
        yield None, None
        return
    from .planner import plan as make_plan
    from .progress import IngestProgress

    first = make_plan(loaded, registry().endpoints, open_lake(loaded.lake.uri, create_bucket=loaded.lake.create_bucket),
                      selection, date)
    line = IngestProgress(err, first, loaded.api.limits.per_minute, max_requests)
    with line.progress:
        yield line.on_progress, line.on_plan


WithOption = Annotated[list[str], typer.Option("--with", metavar="PARTS", help="Also write these parts: compose, terraform (comma-separated or repeated).")]


@app.command()
def init(directory: Annotated[Path, typer.Argument(metavar="DIRECTORY", help="The project folder; created if missing.")] = Path("."),
         with_: WithOption = [],
         force: Annotated[bool, typer.Option("--force", help="Overwrite files that already exist.")] = False) -> None:
    """Create a pitchlake project of your own: config/, schemas/, dbt/, dagster/, .env.example and a
    README (compose/ and terraform/ with --with). Refuses to overwrite a file unless --force."""
    extra = tuple(part.strip() for value in with_ for part in value.split(",") if part.strip())
    root, kept = _init(directory, extra, force)
    for path in kept:
        out.print(f"kept the folder's own {path}", markup=False)
    out.print(f"created a pitchlake project in {root}; next: cd {directory} && pitchlake demo (see its README.md)", markup=False)


def _init(directory: Path, extra: tuple[str, ...] = (), force: bool = False) -> tuple[Path, list[Path]]:
    """Write a project, then render what derives from its config with the plugins installed here."""
    from .project import CONFIG, ProjectExists
    from .project import init as init_project
    from .render import RenderContext
    from .render import render as render_files

    _environment()  # the project is checked with the config it gets: refused before a file is written
    try:
        result = init_project(directory, extra=extra, force=force)
    except (ProjectExists, ValueError) as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitCode.INVALID) from None
    loaded = _load(result.root / CONFIG)
    found = registry()
    for name in ("dbt", "dagster", *(("stepfunctions",) if "terraform" in extra else ())):
        render_files(found.render_targets[name], RenderContext(loaded, found.endpoints), result.root)
    return result.root, result.kept


@app.command()
def render(name: Annotated[str, typer.Argument(metavar="NAME", help="An installed adapter or renderer (dagster, stepfunctions, dbt): pitchlake plugins lists them.")],
           config: ConfigOption = DEFAULT_CONFIG,
           check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 with a diff if the committed files are stale.")] = False) -> None:
    """Render generated files from the config into its project folder (the one holding config/):
    an orchestrator adapter's (Dagster definitions, Step Functions ASL) or another renderer's (dbt sources)."""
    from .render import RenderContext
    from .render import render as render_files

    loaded = _load(config)
    found = registry()
    targets = found.render_targets
    if name not in targets:
        err.print(f"no adapter or renderer {_typed([name])}; installed: {', '.join(sorted(targets)) or 'none'}", markup=False)
        raise typer.Exit(ExitCode.INVALID)
    result = render_files(targets[name], RenderContext(loaded, found.endpoints), loaded.root, check=check)
    for diff in result.stale.values():
        sys.stdout.write(diff)
    if result.stale:
        err.print(f"{len(result.stale)} rendered file(s) are stale: run `pitchlake render {name}`", markup=False)
        raise typer.Exit(ExitCode.FAILED)
    for path in result.written:
        out.print(f"wrote {path}", markup=False)
    for path in result.deleted:
        out.print(f"deleted {path}", markup=False)
    if not result.written and not result.deleted:
        out.print(f"{name}: up to date", markup=False)


@app.command()
def transform(config: ConfigOption = DEFAULT_CONFIG,
              target: Annotated[str, typer.Option(metavar="TARGET", help="dbt target: dev (DuckDB over the lake) or snowflake.")] = "dev",
              select: Annotated[list[str], typer.Option("--select", "-s", metavar="SELECTOR", help="dbt selector (repeatable): build this instead of what is new.")] = [],
              full_refresh: Annotated[bool, typer.Option("--full-refresh", help="Build everything (or what --select names), incremental models from scratch.")] = False) -> None:
    """Run `dbt build` over the lake for what is new in it: the models and tests downstream of the
    sources whose data changed since the last successful transform of the target (everything the
    first time); nothing at all when nothing changed. The generic data tests of the models keyed
    by league season read only the league seasons whose files changed (the reconciliations in
    dbt/tests/ still read every finished season; --full-refresh tests everything). Prints what it
    builds and why, then a summary (dbt's full log is in the dbt project's logs/dbt.log). Exits with
    dbt's code; 2 if the dbt sources are stale (`pitchlake render dbt` regenerates them)."""
    import time

    from .dbt_sources import dbt_project_dir
    from .transform import TARGETS, begin_transform, build_summary, plan_transform, record_transform, run_dbt

    loaded = _load(config)
    if target not in TARGETS:
        err.print(f"unknown target {_typed([target])}; expected one of {', '.join(TARGETS)}", markup=False)
        raise typer.Exit(ExitCode.INVALID)
    # The lake is listed before dbt starts and recorded only once it succeeded: nothing new is lost.
    plan = plan_transform(loaded, target, select=select, full_refresh=full_refresh)
    # stdout says what the transform did (dbt's summary, or that there was nothing to do); what it
    # is about to build, and why, is progress: stderr, as dbt's own.
    (out if plan.nothing else err).print(plan.reason, markup=False, highlight=False)
    if plan.nothing:
        raise typer.Exit(0)
    try:
        begin_transform(loaded, target, plan)
    except LakeError as exc:
        err.print(f"warning: the lake did not take the mark of this build ({exc}): should it fail, what it was given "
                  "is built again only if still new", markup=False)
    # dbt prints only its errors (--quiet), in colour only on a terminal; the summary says the rest.
    args = ["--quiet"] if sys.stdout.isatty() else ["--quiet", "--no-use-colors"]
    # The league seasons the tests of the models keyed by league season read, when narrowed: in
    # the environment, not --vars, which would make dbt parse the whole project again.
    started = time.time()
    status = run_dbt(loaded, target=target, select=plan.select, full_refresh=full_refresh, args=args,
                     env=plan.dbt_env())
    summary = build_summary(dbt_project_dir(loaded), started)
    if summary is not None:
        (out if status == 0 else err).print(summary, markup=False, highlight=False)
    if status == 0:
        try:
            record_transform(loaded, target, plan)
        except LakeError as exc:
            err.print(f"warning: the build succeeded, but the lake did not take its state ({exc}): "
                      "the next transform builds the same data again", markup=False)
    raise typer.Exit(status)


@app.command("new-plugin")
def new_plugin(name: Annotated[str, typer.Argument(metavar="NAME", help="The endpoint's name: lower-case letters, digits and '_'.")],
               directory: Annotated[Path, typer.Option("--directory", "-d", metavar="DIR", help="Where to create pitchlake-NAME/.")] = Path(".")) -> None:
    """Scaffold an endpoint plugin package (entry point, endpoint, schema, dbt staging model, sample, contract tests)."""
    from .scaffold import new_plugin as scaffold

    try:
        target = scaffold(name, directory)
    except (ValueError, FileExistsError) as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitCode.INVALID) from None
    out.print(f"created {target}: pip install -e '{target}[test]', then pytest {target}", markup=False)


# Commands of plugins (``pitchlake sandbox``, ``pitchlake demo``...), after the built-in ones.
register_commands(app)
