"""``pitchlake sandbox serve``: run the sandbox in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import signal
import threading
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import faults as fault_rules
from .server import DEFAULT_KEY, Sandbox

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
    try:
        fault_rules.parse(spec)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return spec


def _today(value: Optional[str]) -> Optional[str]:
    if value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return value


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 8080,
    data: Annotated[list[Path], typer.Option("--data", help="Folder of recorded envelopes served first (repeatable).",
                                             exists=True, file_okay=False)] = [],
    per_minute: Annotated[int, typer.Option(help="Requests a key may make per minute.", min=1)] = 300,
    per_day: Annotated[int, typer.Option(help="Requests a key may make per day (until POST /_sandbox/new-day).",
                                         min=1)] = 7500,
    latency_ms: Annotated[float, typer.Option(help="Milliseconds added to every API request.", min=0)] = 0,
    faults: Annotated[str, typer.Option(help=FAULTS_HELP, callback=_faults)] = "",
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data and of fraction faults.")] = 0,
    key: Annotated[list[str], typer.Option("--key", help=f"A valid API key (repeatable; default {DEFAULT_KEY}).")] = [],
    today: Annotated[Optional[str], typer.Option(help="The date the sandbox believes it is (YYYY-MM-DD); decides "
                                                      "the current season and which matches are played. Default: today (UTC).",
                                                 callback=_today)] = None,
    teams: Annotated[int, typer.Option(help="Clubs in a synthetic league season.", min=18, max=24)] = 20,
    plan_seasons: Annotated[Optional[str], typer.Option(help="Seasons the plan covers, e.g. 2022-2024; others get "
                                                             "the 'plan' error. Default: all.")] = None,
    minute_seconds: Annotated[float, typer.Option(help="Length of the per-minute window (shorter for tests).",
                                                  min=0.1)] = 60.0,
) -> None:
    """Serve the API on HOST:PORT until SIGINT or SIGTERM; prints the base URL once listening."""
    sandbox = Sandbox(data=data, per_minute=per_minute, per_day=per_day, faults=faults, seed=seed,
                      latency_ms=latency_ms, keys=tuple(key) or (DEFAULT_KEY,), today=today, teams=teams,
                      host=host, port=port, minute_seconds=minute_seconds, plan_seasons=plan_seasons)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with sandbox:
        skipped = sandbox.recorded.skipped
        typer.echo(f"pitchlake sandbox serving the API-Football v3 API at {sandbox.url} "
                   f"({len(sandbox.recorded.envelopes)} recorded envelopes, {len(skipped)} files skipped)")
        for reason in skipped:
            typer.echo(f"  skipped {reason}", err=True)
        while not stop.wait(0.5):
            pass
    typer.echo("pitchlake sandbox stopped")
