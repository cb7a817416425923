"""The public way into a Dagster project of one's own: :func:`definitions` and
:class:`PitchlakeComponent`.

Both build, from the config at load time, exactly what ``pitchlake render dagster`` writes down
for review: the adapter decides the assets, partitions and schedules once
(:mod:`pitchlake_dagster.adapter`) and :func:`pitchlake_dagster.runtime.code_location` assembles
them, so the rendered module, the factory and the component cannot drift apart.
"""

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtProject

from pitchlake.config import load_config
from pitchlake.plugins import registry
from pitchlake.render import RenderContext

from .adapter import partitionings, raw_assets, schedules
from .runtime import code_location, endpoint_asset, ingest_schedule, partitions


def definitions(config: str | Path = "config/endpoints.json", dbt_project: str | Path | DbtProject | None = None) -> dg.Definitions:
    """pitchlake's assets, checks, schedules and resources for ``config``, to merge into a
    code location with ``dg.Definitions.merge``. ``dbt_project`` defaults to the ``dbt`` folder
    beside the config's ``config/`` folder, as ``pitchlake init`` lays a project out; its manifest
    is parsed when missing or stale.

    The lake and the API key come from ``PITCHLAKE_LAKE`` and ``FOOTBALL_API_KEY`` when a run
    starts, as in the rendered module."""
    config_path = Path(config).resolve()
    context = RenderContext(load_config(config_path), registry().endpoints)
    if not isinstance(dbt_project, DbtProject):
        project_dir = Path(dbt_project) if dbt_project is not None else context.config.root / "dbt"
        dbt_project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    specs = raw_assets(context)
    by_keys = {partitioning.keys: partitions(**partitioning.values) for partitioning in partitionings(context, specs)}
    assets: dict[str, dg.AssetsDefinition] = {}
    for spec in specs:  # in dependency order: an asset's deps are built before it
        assets[spec.variable] = endpoint_asset(
            spec.name, partitions=by_keys[spec.keys], api_path=spec.api_path, refresh=spec.refresh,
            description=spec.description, deps=[assets[dep] for dep in spec.deps])
    return code_location(
        list(assets.values()),
        schedules=[ingest_schedule(schedule.job, [assets[variable] for variable in schedule.assets],
                                   cron_schedule=schedule.cron, config_path=str(config_path))
                   for schedule in schedules(context, specs)],
        config_path=str(config_path),
        dbt_project=dbt_project,
    )


class PitchlakeComponent(dg.Component, dg.Model, dg.Resolvable):
    """pitchlake in a ``dg`` project: a ``defs.yaml`` with ``type: pitchlake_dagster.PitchlakeComponent``
    loads :func:`definitions`. Relative paths are relative to the ``defs.yaml`` folder, as for
    dagster-dbt's ``DbtProjectComponent``; ``{{ project_root }}`` names the project's folder.

    .. code-block:: yaml

        type: pitchlake_dagster.PitchlakeComponent
        attributes:
          config: "{{ project_root }}/config/endpoints.json"
          dbt_project: "{{ project_root }}/dbt"
    """

    config: str = "config/endpoints.json"
    dbt_project: str | None = None

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        folder = context.path if context.path.is_dir() else context.path.parent
        return definitions(folder / self.config, folder / self.dbt_project if self.dbt_project else None)
