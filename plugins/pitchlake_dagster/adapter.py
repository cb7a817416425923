"""Rendering the Dagster definitions module from the SSOT and the installed endpoint plugins.

The rendered module is declarative: one ``endpoint_asset(...)`` call per enabled endpoint, the
scope's partitions, the schedules and the resources. Everything that runs lives in
:mod:`pitchlake_dagster.runtime`, so a change of the config or of the installed plugins shows up
as a readable diff of the committed file (and ``pitchlake render dagster --check`` catches it).
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass
from typing import Any

from pitchlake.planner import COVERAGE_SOURCE
from pitchlake.render import RenderContext, template_environment

DEFINITIONS = "dagster/definitions.py"
#: Every raw asset is partitioned on this grid, whatever its lake partition keys: endpoints keyed
#: by team or country are run for one season and league, which narrows what they derive.
GRID_KEYS = ("season", "league_id")
#: black's default: the rendered module is formatted as black and ruff would format it.
LINE_LENGTH = 88


@dataclass(frozen=True)
class RawAsset:
    variable: str
    name: str
    api_path: str
    refresh: str
    description: str
    deps: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    job: str
    cron: str
    assets: tuple[str, ...]


def _python(value: Any) -> str:
    """A Python literal as black writes it: strings in double quotes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_python(item) for item in value) + "]"
    return repr(value)


def _argument(items, name: str, indent: int, literal: bool = True) -> str:
    """``name=[...],`` on one line when it fits black's 88 columns, else one item a line."""
    values = [_python(item) if literal else item for item in items]
    line = " " * indent + f"{name}=[{', '.join(values)}],"
    if len(line) <= LINE_LENGTH:
        return line
    inner = "".join(f"{' ' * (indent + 4)}{value},\n" for value in values)
    return f"{' ' * indent}{name}=[\n{inner}{' ' * indent}],"


def _config_path(context: RenderContext) -> str:
    """The config as the rendered module finds it: relative to the project folder (the module's
    parent's parent), so the module names no folder of the machine it was rendered on."""
    return context.config.path.absolute().relative_to(context.config.root).as_posix()


def _variable(name: str) -> str:
    variable = f"raw_{name}"
    if not variable.isidentifier() or keyword.iskeyword(variable):
        raise ValueError(f"endpoint name {name!r} cannot name a Python variable of the Dagster definitions")
    return variable


def raw_assets(context: RenderContext) -> list[RawAsset]:
    """The enabled endpoints in dependency order, each depending on the first enabled entry of
    every plugin it derives from, and on ``leagues`` when the planner reads its coverage flags."""
    first_entry: dict[str, str] = {}
    for entry in context.config.endpoints:
        first_entry.setdefault(entry.plugin, entry.name)
    assets = []
    for stage in context.stages:
        for entry, endpoint in stage:
            needs = list(endpoint.depends_on)
            if endpoint.coverage_flags and entry.plugin != COVERAGE_SOURCE:
                needs.append(COVERAGE_SOURCE)
            deps = sorted({_variable(first_entry[plugin]) for plugin in needs if plugin in first_entry})
            assets.append(RawAsset(
                variable=_variable(entry.name),
                name=entry.name,
                api_path=endpoint.path,
                refresh=entry.refresh,
                description=endpoint.description or f"API-Football /{endpoint.path}",
                deps=tuple(deps),
            ))
    return assets


def grid(context: RenderContext) -> dict[str, list[str]]:
    """Seasons and leagues of the scope, plus any an endpoint's ``partitions`` override adds."""
    values = {"season": set(context.config.scope.seasons), "league_id": set(context.config.scope.leagues)}
    for entry in context.config.endpoints:
        for key in GRID_KEYS:
            values[key].update(entry.partitions.get(key, ()))
    return {key: [str(value) for value in sorted(values[key], key=int)] for key in GRID_KEYS}


def schedules(context: RenderContext, assets: list[RawAsset]) -> list[Schedule]:
    """One job and schedule per distinct cron of the endpoints (usually one: ``defaults.schedule``)."""
    crons: dict[str, list[str]] = {}
    by_name = {entry.name: entry for entry in context.config.endpoints}
    for asset in assets:
        crons.setdefault(by_name[asset.name].schedule, []).append(asset.variable)
    return [
        Schedule(job="current_season" if len(crons) == 1 else f"current_season_{index}", cron=cron, assets=tuple(variables))
        for index, (cron, variables) in enumerate(crons.items(), start=1)
    ]


class DagsterAdapter:
    """``pitchlake render dagster``: the definitions module the compose stack loads."""

    name = "dagster"

    def render(self, context: RenderContext) -> dict[str, str]:
        environment = template_environment("pitchlake_dagster")
        environment.filters["py"] = _python
        environment.filters["argument"] = _argument
        assets = raw_assets(context)
        text = environment.get_template("definitions.py.j2").render(
            config_path=_config_path(context),
            grid=grid(context),
            current_season=str(context.config.scope.current_season),
            assets=assets,
            schedules=schedules(context, assets),
        )
        return {DEFINITIONS: text}
