"""The ``dbt`` adapter: the dbt sources of ``dbt/`` rendered from the SSOT.

Like the other adapters it only renders, so ``pitchlake render dbt --check`` catches a config
change that the committed sources do not follow yet; the rendering itself lives beside the
transform in :mod:`pitchlake.dbt_sources`.
"""

from pitchlake import hookimpl
from pitchlake.dbt_sources import DBT_PROJECT_DIR, render_dbt_files, stale_plugin_models


class DbtAdapter:
    name = "dbt"

    def render(self, context) -> dict[str, str]:
        return {f"{DBT_PROJECT_DIR.name}/{path}": text for path, text in render_dbt_files(context.config).items()}

    def obsolete(self, context, root) -> list[str]:
        """Models once copied from a plugin that provides no enabled endpoint now."""
        project = root / DBT_PROJECT_DIR.name
        return [str(path.relative_to(root)) for path in stale_plugin_models(project, render_dbt_files(context.config))]


@hookimpl
def register_adapters(register):
    register(DbtAdapter())
