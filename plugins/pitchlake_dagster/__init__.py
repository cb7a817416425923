"""pitchlake in Dagster: the adapter that renders the project's ``dagster/definitions.py`` from
the SSOT, and the public way into a project of one's own, :func:`definitions` and the ``dg``
component :class:`PitchlakeComponent` (see :mod:`pitchlake_dagster.factory`).

Rendering needs Jinja only. Dagster is imported by :mod:`pitchlake_dagster.runtime` and
:mod:`pitchlake_dagster.factory`, loaded on first use, so ``pitchlake plugins`` and ``pitchlake
render`` work without the ``dagster`` extra installed.
"""

from pitchlake import hookimpl

from .adapter import DagsterAdapter

__all__ = ["DagsterAdapter", "PitchlakeComponent", "definitions", "register_adapters"]


#: Exported from :mod:`pitchlake_dagster.factory`, which imports Dagster.
_FACTORY = ("definitions", "PitchlakeComponent")


def __getattr__(name: str):
    if name in _FACTORY:
        from . import factory

        return getattr(factory, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """With the factory's names, so ``dg list components`` finds the component in this module
    (the ``dagster_dg_cli.registry_modules`` entry point)."""
    return sorted([*globals(), *_FACTORY])


@hookimpl
def register_adapters(register):
    register(DagsterAdapter())
