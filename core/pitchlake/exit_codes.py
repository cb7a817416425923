"""The exit codes of every ``pitchlake`` command: the one table the CLI, the runner's summary and
the transform use, and that ``pitchlake --help``, README.md and docs/design.md repeat.

A number says what a caller (a shell script, Step Functions, Dagster) should do next: nothing,
look at the message, fix the config, or simply run again.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a pitchlake command's exit status means (an ``int``: ``typer.Exit`` and
    ``sys.exit`` take it as it is)."""

    #: Everything asked for was done.
    OK = 0
    #: A run failed (API, lake or plugin error; the message says which), or
    #: ``pitchlake render --check`` found a stale generated file.
    FAILED = 1
    #: Invalid config or usage; also ``pitchlake transform`` refusing to run while the generated
    #: dbt sources are out of date with the config. Running again changes nothing: fix it first.
    INVALID = 2
    #: Stopped early on purpose (the daily quota, ``--max-requests``, Ctrl-C or SIGTERM); the
    #: next run resumes where this one stopped.
    STOPPED = 3


#: One short phrase per code, for ``pitchlake --help``.
MEANINGS = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "a run failed",
    ExitCode.INVALID: "invalid config or usage",
    ExitCode.STOPPED: "stopped early on purpose (daily quota or --max-requests; rerun to resume)",
}


def summary() -> str:
    """``0 success; 1 a run failed; ...``: the table in one line."""
    return "; ".join(f"{int(code)} {MEANINGS[code]}" for code in ExitCode)
