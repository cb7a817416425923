"""The Dagster adapter: renders the project's ``dagster/definitions.py`` from the SSOT.

Rendering needs Jinja only. Dagster is imported by :mod:`pitchlake_dagster.runtime`, which the
rendered module imports, so ``pitchlake plugins`` and ``pitchlake render`` work without the
``dagster`` extra installed.
"""

from pitchlake import hookimpl

from .adapter import DagsterAdapter

__all__ = ["DagsterAdapter", "register_adapters"]


@hookimpl
def register_adapters(register):
    register(DagsterAdapter())
