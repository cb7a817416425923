"""The ``dbt`` renderer: the generated files of the project's ``dbt/`` (its sources, the
enabled-endpoints macro, the models endpoint plugins ship), rendered from the SSOT.

It is not an orchestrator adapter: it registers through ``register_renderers``, and
``pitchlake plugins`` lists it as a renderer. ``pitchlake render dbt [--check]`` writes or checks
its files as it does an adapter's. The renderer itself, :class:`pitchlake.dbt_sources.DbtSources`,
lives beside the transform, which checks the same files for drift before every ``dbt build``.
"""

from pitchlake import hookimpl
from pitchlake.dbt_sources import DbtSources


@hookimpl
def register_renderers(register):
    register(DbtSources())
