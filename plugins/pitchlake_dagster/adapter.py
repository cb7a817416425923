"""Rendering the Dagster definitions module from the SSOT and the installed endpoint plugins.

The rendered module is declarative: the partitions of each set of partition keys, one
``endpoint_asset(...)`` call per enabled endpoint, a job and schedule per set of keys (and cron),
and the resources. Each endpoint is partitioned by its own keys, those whose values the config
gives (the scope's lists the endpoint names, or an entry's ``partitions``): ``season`` x
``league_id``, ``league_id`` alone, or none at all for an endpoint keyed by what it derives (a
team, a country), which one run fetches whole. Everything that runs lives in
:mod:`pitchlake_dagster.runtime`, so a change of the config or of the installed plugins shows up
as a readable diff of the committed file (and ``pitchlake render dagster --check`` catches it).
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass
from typing import Any

from pitchlake.planner import refresh_period, scope_values
from pitchlake.render import RenderContext, template_environment

DEFINITIONS = "dagster/definitions.py"
#: black's default: the rendered module is formatted as black and ruff would format it.
LINE_LENGTH = 88


@dataclass(frozen=True)
class Partitioning:
    """The partitions of the assets keyed by ``keys`` (sorted, as Dagster orders dimensions)."""

    variable: str
    keys: tuple[str, ...]
    values: dict[str, list[str]]


@dataclass(frozen=True)
class RawAsset:
    variable: str
    name: str
    api_path: str
    refresh: str
    description: str
    deps: tuple[str, ...]
    #: the endpoint's partition keys that partition its asset, sorted
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schedule:
    job: str
    cron: str
    assets: tuple[str, ...]
    partitioning: str


def _python(value: Any) -> str:
    """A Python literal as black writes it: strings in double quotes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_python(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_python(key)}: {_python(item)}" for key, item in value.items()) + "}"
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


def _first_entries(context: RenderContext) -> dict[str, str]:
    """Plugin -> the name of its first enabled entry: what an endpoint that needs the plugin
    depends on and derives from."""
    first: dict[str, str] = {}
    for entry in context.config.endpoints:
        first.setdefault(entry.plugin, entry.name)
    return first


def _partition_values(context: RenderContext) -> dict[str, dict[str, set[str]]]:
    """Entry name -> the values of each partition key the config gives for it (the scope's list
    the endpoint names for the key, or the entry's ``partitions``).

    An endpoint keyed by what it derives (a team, a country), whose keys the config does not
    give, is partitioned at the grain of the endpoints it derives from: ``coachs`` by the league
    seasons whose teams it fetches, ``venues`` by the leagues whose countries it fetches. The
    engine reads those sources through the run's selection, so a partition fetches what its own
    league (season) derives, and a team or country shared with another is still fetched once."""
    first_entry = _first_entries(context)
    result: dict[str, dict[str, set[str]]] = {}
    for stage in context.stages:
        for entry, endpoint in stage:
            given = {key: set(values) for key, values in scope_values(entry, endpoint, context.config).items()
                     if values is not None}
            if len(given) < len(endpoint.partition_keys):
                given = {}
                for plugin in endpoint.depends_on:
                    for key, values in result.get(first_entry.get(plugin, ""), {}).items():
                        given.setdefault(key, set()).update(values)
            result[entry.name] = given
    return result


def raw_assets(context: RenderContext) -> list[RawAsset]:
    """The enabled endpoints in dependency order, each depending on the first enabled entry of
    every plugin whose data it reads (:attr:`pitchlake.endpoints.Endpoint.sources`: what it
    derives from, the endpoint whose data says whether it has any, and the one that says when
    it changed). ``refresh`` is the period of the asset's freshness check."""
    first_entry = _first_entries(context)
    values = _partition_values(context)
    assets = []
    for stage in context.stages:
        for entry, endpoint in stage:
            deps = sorted({_variable(first_entry[plugin]) for plugin in endpoint.sources if plugin in first_entry})
            assets.append(RawAsset(
                variable=_variable(entry.name),
                name=entry.name,
                api_path=endpoint.path,
                refresh=refresh_period(entry, endpoint),
                description=endpoint.summary,
                deps=tuple(deps),
                keys=tuple(sorted(values[entry.name])),
            ))
    return assets


def _sort_key(value: str) -> tuple:
    """Numbers in numeric order (seasons, ids), then text."""
    return (0, int(value), "") if value.lstrip("-").isdigit() else (1, 0, value)


def partitionings(context: RenderContext, assets: list[RawAsset]) -> list[Partitioning]:
    """One set of partitions per distinct set of keys of the assets, in order of first use. A key
    has the same values in every set (all the values the config gives it), so that Dagster maps
    an asset's partitions onto those of the assets it depends on (``standings`` by league and
    season on ``leagues`` by league)."""
    given: dict[str, set[str]] = {}
    for entry_values in _partition_values(context).values():
        for key, values in entry_values.items():
            given.setdefault(key, set()).update(values)
    result: dict[tuple[str, ...], Partitioning] = {}
    for asset in assets:
        if asset.keys not in result:
            variable = "BY_" + "_".join(asset.keys).upper() if asset.keys else "UNPARTITIONED"
            result[asset.keys] = Partitioning(variable, asset.keys, {key: sorted(given[key], key=_sort_key) for key in asset.keys})
    return list(result.values())


def _job_name(keys: tuple[str, ...]) -> str:
    return "ingest_by_" + "_".join(keys) if keys else "ingest"


def schedules(context: RenderContext, assets: list[RawAsset]) -> list[Schedule]:
    """A job and schedule per set of partition keys, and per distinct cron of the endpoints
    (usually one: ``defaults.schedule``): a Dagster job runs the assets of one partitioning."""
    by_name = {entry.name: entry for entry in context.config.endpoints}
    crons = list(dict.fromkeys(by_name[asset.name].schedule for asset in assets))
    groups: dict[tuple[str, tuple[str, ...]], list[RawAsset]] = {}
    for asset in assets:
        groups.setdefault((by_name[asset.name].schedule, asset.keys), []).append(asset)
    variables = {partitioning.keys: partitioning.variable for partitioning in partitionings(context, assets)}
    return [
        Schedule(job=_job_name(keys) + ("" if len(crons) == 1 else f"_{crons.index(cron) + 1}"), cron=cron,
                 assets=tuple(asset.variable for asset in members), partitioning=variables[keys])
        for (cron, keys), members in groups.items()
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
            partitionings=partitionings(context, assets),
            partitioning={partitioning.keys: partitioning.variable for partitioning in partitionings(context, assets)},
            assets=assets,
            schedules=schedules(context, assets),
        )
        return {DEFINITIONS: text}
