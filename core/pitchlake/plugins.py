"""The plugin manager: built-in plugins, then installed ones, each isolated from the others.

Built-ins are registered by module under their entry-point names, like simonw/llm's default
plugins, so a source checkout works before ``pip install``; installed distributions are then
loaded from the ``pitchlake`` entry-point group. We walk the entry points ourselves instead of
calling ``PluginManager.load_setuptools_entrypoints``: that stops at the first plugin that fails to
import, and one broken package must not take the others down. Each plugin is checked with
``check_pending()`` as it is registered, so a misspelt hook is reported against its own plugin.

Hooks are called through pluggy, once per plugin (:meth:`PluginManager.implementations`): a
:meth:`~pluggy.PluginManager.subset_hook_caller` with every other plugin removed. One call of
``pm.hook.register_endpoints(register=...)`` for all plugins would stop at the first plugin that
raises (pluggy runs no implementation after it), and its ``register`` callback could not tell
which plugin registered what. One call per plugin keeps today's guarantees (a plugin that raises,
or registers a name another already took, is reported against its distribution and skipped while
the others keep working) and still goes through pluggy's hook calling: argument checks,
hookwrappers, tracing and monitoring apply as to any hook call.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pluggy

from . import hookspecs

#: entry-point name -> module of the plugins that ship inside the ``pitchlake`` distribution.
BUILTIN_PLUGINS = {
    "api_football": "pitchlake_api_football",
    "lake_file": "pitchlake_lake_file",
    "lake_s3": "pitchlake_lake_s3",
    "dbt": "pitchlake_dbt",
    "dagster": "pitchlake_dagster",
    "stepfunctions": "pitchlake_stepfunctions",
    "sandbox": "pitchlake_sandbox",
}


@dataclass(frozen=True)
class Provider:
    """Who provides a registered thing: the plugin and the distribution that installed it."""

    plugin: str
    distribution: str
    version: str

    def __str__(self) -> str:
        return f"{self.distribution} {self.version} (plugin {self.plugin!r})"


@dataclass(frozen=True)
class Kind:
    """One kind of thing plugins register: its hook, and how ``register``'s arguments name it."""

    #: What ``pitchlake plugins`` and problem messages call it.
    label: str
    hook: str
    #: The :class:`Registry` table it goes to.
    table: str
    #: ``register``'s arguments -> ``(name, thing)``.
    unpack: Callable[..., tuple[str, Any]]
    #: Kinds that share a namespace cannot take each other's names (``pitchlake render NAME``
    #: runs an adapter or a renderer, so one name must not mean both).
    namespace: str = ""


KINDS = (
    Kind("endpoint", "register_endpoints", "endpoints", lambda endpoint: (endpoint.name, endpoint)),
    Kind("lake backend", "register_lake_backends", "lake_backends", lambda scheme, factory: (scheme, factory)),
    Kind("adapter", "register_adapters", "adapters", lambda adapter: (adapter.name, adapter), namespace="render"),
    Kind("renderer", "register_renderers", "renderers", lambda renderer: (renderer.name, renderer), namespace="render"),
)


@dataclass
class Registry:
    """Everything the installed plugins registered, and every problem they caused."""

    endpoints: dict[str, Any] = field(default_factory=dict)
    lake_backends: dict[str, Any] = field(default_factory=dict)
    adapters: dict[str, Any] = field(default_factory=dict)
    renderers: dict[str, Any] = field(default_factory=dict)
    #: ``(kind label, name) -> provider`` of everything registered.
    providers: dict[tuple[str, str], Provider] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def provider(self, kind: str, name: str) -> Provider:
        return self.providers[(kind, name)]

    @property
    def render_targets(self) -> dict[str, Any]:
        """What ``pitchlake render NAME`` runs: the orchestrator adapters and the other renderers."""
        return {**self.renderers, **self.adapters}

    def owner(self, kind: Kind, name: str) -> str | None:
        """Who already took ``name`` in ``kind``'s namespace (the provider, and the kind if it is
        another one), or None when the name is free."""
        for other in KINDS:
            if (other is kind or (kind.namespace and other.namespace == kind.namespace)) and (other.label, name) in self.providers:
                taken = self.provider(other.label, name)
                return str(taken) if other is kind else f"{taken} (as {other.label} {name!r})"
        return None


def _pitchlake_version() -> str:
    try:
        return importlib.metadata.version("pitchlake")
    except importlib.metadata.PackageNotFoundError:
        return "0+source"


def _selected(name: str, distribution: str) -> bool:
    """``PITCHLAKE_PLUGINS`` (allow-list) and ``PITCHLAKE_DISABLE_PLUGINS`` (block-list), by plugin
    or distribution name, comma-separated, as simonw/llm's ``LLM_LOAD_PLUGINS``."""
    allow = os.environ.get("PITCHLAKE_PLUGINS")
    block = os.environ.get("PITCHLAKE_DISABLE_PLUGINS", "")
    names = {name, distribution}
    if allow is not None and not names & {n.strip() for n in allow.split(",") if n.strip()}:
        return False
    return not names & {n.strip() for n in block.split(",") if n.strip()}


class PluginManager(pluggy.PluginManager):
    """pluggy's manager with pitchlake's hookspecs, and what it learnt while loading plugins."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        #: plugin name -> who provides it, for every plugin registered.
        self.providers: dict[str, Provider] = {}
        #: plugins that failed to import or to register, one message each.
        self.problems: list[str] = []

    def load_plugins(self) -> None:
        """Register every selected plugin: the built-ins by module, then the entry points of the
        ``pitchlake`` group that are not built-ins. A plugin that fails is a problem, not an error."""
        version = _pitchlake_version()
        candidates = [
            (name, Provider(name, "pitchlake", version), lambda module=module: importlib.import_module(module))
            for name, module in BUILTIN_PLUGINS.items()
        ]
        for ep in importlib.metadata.entry_points(group=hookspecs.PROJECT):
            if ep.name not in BUILTIN_PLUGINS:
                dist = ep.dist.name if ep.dist else "unknown"
                candidates.append((ep.name, Provider(ep.name, dist, ep.dist.version if ep.dist else "?"), ep.load))
        for name, provider, load in candidates:
            if not _selected(name, provider.distribution) or name in self.providers:
                continue
            try:
                plugin = load()
            except Exception as exc:
                self.problems.append(f"plugin {provider} failed to import: {type(exc).__name__}: {exc}")
                continue
            self.register_plugin(plugin, name, provider)

    def register_plugin(self, plugin: Any, name: str, provider: Provider) -> bool:
        """Register ``plugin`` and check its hooks; on failure (a bad hookimpl signature, an
        unknown hook) unregister it and record the problem."""
        try:
            self.register(plugin, name=name)
            self.check_pending()
        except Exception as exc:
            if self.is_registered(plugin):
                self.unregister(plugin)
            self.problems.append(f"plugin {provider} was not loaded: {exc}")
            return False
        self.providers[name] = provider
        return True

    def implementations(self, hook: str) -> Iterator[tuple[Provider, pluggy.HookCaller]]:
        """``(provider, caller)`` for each plugin implementing ``hook``, in registration order
        (built-ins first): ``caller(**kwargs)`` calls the hook through pluggy on that plugin alone."""
        plugins = self.get_plugins()
        seen: set[str] = set()
        for impl in getattr(self.hook, hook).get_hookimpls():
            if impl.plugin_name in seen:  # a plugin with two implementations of the hook
                continue
            seen.add(impl.plugin_name)
            others = [plugin for plugin in plugins if plugin is not impl.plugin]
            yield self.providers[impl.plugin_name], self.subset_hook_caller(hook, remove_plugins=others)


def plugin_manager() -> PluginManager:
    """A fresh manager with every selected plugin registered; import and registration problems
    end up in ``problems`` instead of exceptions."""
    pm = PluginManager()
    pm.load_plugins()
    return pm


def _conforms(kind: Kind, thing: Any) -> str | None:
    """Why ``thing`` is not a ``kind`` (an adapter without ``render``), or None."""
    from .render import Adapter, Renderer

    protocol = {"adapter": Adapter, "renderer": Renderer}.get(kind.label)
    if protocol is not None and not isinstance(thing, protocol):
        return f"is not a {protocol.__module__}.{protocol.__name__} (a name and render(context))"
    if kind.label == "lake backend" and not callable(thing):
        return "is not a factory(uri, create_bucket=False)"
    return None


def build_registry(pm: PluginManager) -> Registry:
    """Call every hook on each plugin on its own, so a plugin that raises, or registers a name
    another plugin already took, is reported and skipped while the rest keep working."""
    registry = Registry(problems=list(pm.problems))
    for kind in KINDS:
        table = getattr(registry, kind.table)
        for provider, call in pm.implementations(kind.hook):
            found: dict[str, Any] = {}

            def register(*args, _found=found, _unpack=kind.unpack):
                name, thing = _unpack(*args)
                _found[name] = thing

            try:
                call(register=register)
            except Exception as exc:
                registry.problems.append(f"plugin {provider} raised in {kind.hook}: {type(exc).__name__}: {exc}")
                continue
            for name, thing in found.items():
                taken = registry.owner(kind, name)
                if taken is not None:
                    registry.problems.append(f"plugin {provider} registers {kind.label} {name!r}, already provided by {taken}: ignored")
                    continue
                wrong = _conforms(kind, thing)
                if wrong is not None:
                    registry.problems.append(f"plugin {provider} registers {kind.label} {name!r}, which {wrong}: ignored")
                    continue
                table[name] = thing
                registry.providers[(kind.label, name)] = provider
    return registry


@cache
def manager() -> PluginManager:
    """The process-wide plugin manager (plugins are loaded once per process)."""
    return plugin_manager()


@cache
def registry() -> Registry:
    """The process-wide registry, built from :func:`manager`."""
    return build_registry(manager())


def register_commands(cli: Any) -> None:
    """Let each plugin add its commands to ``cli``, on its own: a plugin that raises is a problem
    (``pitchlake plugins`` lists it), not a CLI that no longer starts."""
    pm = manager()
    for provider, call in pm.implementations("register_commands"):
        try:
            call(cli=cli)
        except Exception as exc:
            pm.problems.append(f"plugin {provider} raised in register_commands: {type(exc).__name__}: {exc}")
