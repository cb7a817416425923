"""The pitchlake sandbox: an API-Football v3 compatible server for development, tests, demos and
benchmarks, so that nobody burns credits while building (docs/sandbox.md), and the synthetic
football world it serves, which also writes the benchmarks' synthetic lakes (:mod:`.synthetic_lake`).

A built-in plugin: its one hook adds ``pitchlake sandbox serve`` and ``pitchlake demo`` to the
command line. This module is all that ``pitchlake --help`` imports of it: the commands import the
server, the world and the engine's runner inside their bodies. ``Sandbox`` is imported on first use
too (``from pitchlake_sandbox import Sandbox``).
"""

# No ``from __future__ import annotations``: typer reads the commands' annotations at run time,
# and those of ``demo`` name the engine's option types, imported inside the hook.
import errno
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pitchlake import hookimpl

if TYPE_CHECKING:
    from .server import Sandbox

__all__ = ["DEFAULT_KEY", "Sandbox", "app", "register_commands"]

#: The API key the sandbox accepts when given none, and the one ``pitchlake demo`` uses.
DEFAULT_KEY = "sandbox-key"


def __getattr__(name: str):
    if name == "Sandbox":  # the server, on first use only
        from .server import Sandbox

        return Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- pitchlake sandbox serve ----------------------------------------------------------------------

app = typer.Typer(help="An API-Football v3 compatible server for development, tests, demos and benchmarks.",
                  no_args_is_help=True, rich_markup_mode=None)

FAULTS_HELP = """Faults to inject: rules separated by ';', spaces or commas,
each [endpoint:]kind[=value][@fraction|#n,...]. Kinds: 429 500 502 503 (that status),
timeout[=SECONDS] (hold, close unanswered), truncate (half the body), notjson (HTML),
latency[=MS], rateLimit requests token plan param[=NAME] (that error in a 200).
Triggers: @0.1 a seeded tenth of requests; #3,7 the 3rd and 7th; #5- from the 5th on;
none: every request. E.g. "500@0.1;429#3,7;fixtures:timeout=2#2"."""


@app.callback()
def main() -> None:
    """A group callback keeps ``serve`` a subcommand (``pitchlake sandbox serve``): without one,
    typer would make a lone command the app itself."""


def _faults(spec: str) -> str:
    from . import faults

    try:
        faults.parse(spec)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return spec


def _plan_seasons(value: str | None) -> str | None:
    from .server import _plan

    try:
        _plan(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a season or a range of seasons (2024, 2022-2024)") from None
    return value


def _listen(sandbox: "Sandbox") -> None:
    """Bind the port, or exit 2 with one line: a port in use is a usage problem, not a crash."""
    from pitchlake.exit_codes import ExitCode

    try:
        sandbox.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            typer.echo(f"port {sandbox.port} on {sandbox.host} is in use: stop what listens there, or pick "
                       "another with --port (0 picks a free one)", err=True)
        else:
            typer.echo(f"cannot listen on {sandbox.host}:{sandbox.port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(ExitCode.INVALID) from None


def _today(value: str | None) -> str | None:
    if value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return value


@app.command()
def serve(
    host: Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on; 0 picks a free one.")] = 8080,
    data: Annotated[list[Path], typer.Option("--data", metavar="DIR", help="Folder of recorded envelopes served first "
                                             "(repeatable).", exists=True, file_okay=False)] = [],
    per_minute: Annotated[int, typer.Option(metavar="N", help="Requests a key may make per minute.", min=1)] = 300,
    per_day: Annotated[int, typer.Option(metavar="N", help="Requests a key may make per day (until POST "
                                         "/_sandbox/new-day).", min=1)] = 7500,
    latency_ms: Annotated[float, typer.Option(metavar="MS", help="Milliseconds added to every API request.", min=0)] = 0,
    faults: Annotated[str, typer.Option(metavar="RULES", help=FAULTS_HELP, callback=_faults)] = "",
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the synthetic data and of fraction faults.")] = 0,
    key: Annotated[list[str], typer.Option("--key", metavar="KEY",
                                           help=f"A valid API key (repeatable; default {DEFAULT_KEY}).")] = [],
    today: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="The date the sandbox believes it is; decides "
                                                      "the current season and which matches are played. Default: today (UTC).",
                                                 callback=_today)] = None,
    teams: Annotated[int, typer.Option(metavar="N", help="Clubs in a synthetic league season.", min=18, max=24)] = 20,
    plan_seasons: Annotated[str | None, typer.Option(metavar="FIRST-LAST", help="Seasons the plan covers, e.g. 2022-2024; "
                                                             "others get the 'plan' error. Default: all.",
                                                     callback=_plan_seasons)] = None,
    minute_seconds: Annotated[float, typer.Option(metavar="SECONDS", help="Length of the per-minute window (shorter for "
                                                  "tests).", min=0.1)] = 60.0,
) -> None:
    """Serve the API on HOST:PORT until SIGINT or SIGTERM; prints the base URL once listening."""
    import signal
    import threading

    from .server import Sandbox

    sandbox = Sandbox(data=data, per_minute=per_minute, per_day=per_day, faults=faults, seed=seed,
                      latency_ms=latency_ms, keys=tuple(key) or (DEFAULT_KEY,), today=today, teams=teams,
                      host=host, port=port, minute_seconds=minute_seconds, plan_seasons=plan_seasons)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    _listen(sandbox)
    try:
        skipped = sandbox.recorded.skipped
        typer.echo(f"pitchlake sandbox serving the API-Football v3 API at {sandbox.url} "
                   f"({len(sandbox.recorded.envelopes)} recorded envelopes, {len(skipped)} files skipped)")
        for reason in skipped:
            typer.echo(f"  skipped {reason}", err=True)
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    typer.echo("pitchlake sandbox stopped")


# -- the hook --------------------------------------------------------------------------------------

@hookimpl
def register_commands(cli: typer.Typer) -> None:
    """``pitchlake sandbox serve`` and ``pitchlake demo``."""
    # Here, not at the top: pitchlake.cli imports the plugins while it is being imported.
    from pitchlake.cli import ConfigOption, HelpGroup, VerboseOption
    from pitchlake.config import DEFAULT_CONFIG

    cli.add_typer(app, name="sandbox", cls=HelpGroup, help="An API-Football compatible server for development and tests.")

    @cli.command()
    def demo(config: ConfigOption = DEFAULT_CONFIG,
             data: Annotated[list[Path], typer.Option("--data", metavar="DIR",
                                                     help="Recorded envelopes the sandbox serves first (repeatable).")] = [],
             verbose: VerboseOption = False) -> None:
        """The main job end to end on the embedded defaults: an in-process sandbox API, the config's lake."""
        from .demo import demo as run

        run(config, data, verbose)
