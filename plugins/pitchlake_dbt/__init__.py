"""The ``dbt`` adapter: the dbt sources of the project's ``dbt/`` rendered from the SSOT.

Like the other adapters it only renders, so ``pitchlake render dbt --check`` catches a config
change that the committed sources do not follow yet; the rendering itself lives beside the
transform in :mod:`pitchlake.dbt_sources`.
"""

from pitchlake import hookimpl
from pitchlake.dbt_sources import DBT_FOLDER, plugin_model_copies, render_dbt_files


class DbtAdapter:
    name = "dbt"

    def render(self, context) -> dict[str, str]:
        return {(DBT_FOLDER / path).as_posix(): text for path, text in render_dbt_files(context.config).items()}

    def generated(self, root) -> list[str]:
        """The models copied from plugins: render deletes those a plugin no longer provides."""
        return [str(path.relative_to(root)) for path in plugin_model_copies(root / DBT_FOLDER)]


@hookimpl
def register_adapters(register):
    register(DbtAdapter())
