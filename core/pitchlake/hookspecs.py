"""The hooks a pitchlake plugin can implement.

Every hook takes a ``register`` callback, as in simonw/llm: a plugin calls it once per thing it
provides, so one plugin package can provide several endpoints (or backends, or adapters). The
plugin manager (:mod:`pitchlake.plugins`) calls each hook through pluggy once per plugin, so it
knows which distribution registered what, and one plugin that raises is reported and skipped
while the others keep working. ``docs/plugins.md`` documents every hook (``tests/test_docs.py``
checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    import typer

    from .endpoints import Endpoint
    from .lake import LakeBackend
    from .render import Adapter, Renderer

#: The project name of pitchlake's hooks: pluggy's markers and the entry-point group.
PROJECT = "pitchlake"

hookspec = HookspecMarker(PROJECT)
hookimpl = HookimplMarker(PROJECT)

#: ``factory(uri, create_bucket=False)``: opens the lake at ``uri``.
LakeFactory = Callable[..., "LakeBackend"]


@hookspec
def register_endpoints(register: Callable[[Endpoint], None]) -> None:
    """Register the API endpoints this plugin provides.

    :param register:
        Call it once per endpoint, with a :class:`pitchlake.endpoints.Endpoint`. The endpoint's
        ``name`` is what ``config/endpoints.json`` names in ``endpoints[].plugin``; it keeps the
        name rule of :mod:`pitchlake.names` and must be unique across all installed plugins.
    """


@hookspec
def register_lake_backends(register: Callable[[str, LakeFactory], None]) -> None:
    """Register lake storage backends.

    :param register:
        Call it once per backend, with the URI scheme it serves (``file``, ``s3``) and a factory:
        ``factory(uri, create_bucket=False)`` returns an object implementing
        :class:`pitchlake.lake.LakeBackend` for a lake URI of that scheme.
    """


@hookspec
def register_adapters(register: Callable[[Adapter], None]) -> None:
    """Register orchestrator adapters.

    :param register:
        Call it once per adapter, with an object implementing :class:`pitchlake.render.Adapter`:
        a ``name`` (``dagster``, ``stepfunctions``) and ``render(context) -> {path: text}``, the
        orchestrator's files rendered from the loaded config and endpoints through Jinja
        templates shipped inside the plugin. ``pitchlake render NAME`` writes or checks them.
    """


@hookspec
def register_renderers(register: Callable[[Renderer], None]) -> None:
    """Register renderers of generated project files that are not an orchestrator's: the dbt
    project's sources (``dbt``, from the built-in ``pitchlake_dbt`` plugin).

    :param register:
        Call it once per renderer, with an object implementing :class:`pitchlake.render.Renderer`
        (``name``, ``render(context) -> {path: text}``, optionally ``generated(root)``). Its name
        shares one namespace with the adapters': ``pitchlake render NAME`` runs either.
    """


@hookspec
def register_commands(cli: typer.Typer) -> None:
    """Add commands to the ``pitchlake`` command line, as simonw/llm's hook of the same name does.

    :param cli:
        The root :class:`typer.Typer` app of ``pitchlake``, its built-in commands already defined.
        Add commands with ``@cli.command()`` and groups with ``cli.add_typer(group, name=...)``
        (the built-in ``pitchlake_sandbox`` plugin adds ``pitchlake sandbox`` and ``pitchlake
        demo``). It is called once, when the CLI is imported, so a command imports what it needs
        inside its body: ``pitchlake --help`` stays quick.
    """
