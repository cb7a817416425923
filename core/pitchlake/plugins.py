"""The plugin manager: built-in plugins, then installed ones, each isolated from the others.

Built-ins are registered by module under their entry-point names, like simonw/llm's default
plugins, so a source checkout works before ``pip install``; installed distributions are then
loaded from the ``pitchlake`` entry-point group. We walk the entry points ourselves instead of
calling ``PluginManager.load_setuptools_entrypoints``: that stops at the first plugin that fails to
import, and one broken package must not take the others down. Each plugin is checked with
``check_pending()`` as it is registered, so a misspelt hook is reported against its own plugin.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
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
}


@dataclass(frozen=True)
class Provider:
    """Who provides a registered thing: the plugin and the distribution that installed it."""

    plugin: str
    distribution: str
    version: str

    def __str__(self) -> str:
        return f"{self.distribution} {self.version} (plugin {self.plugin!r})"


@dataclass
class Registry:
    """Everything the installed plugins registered, and every problem they caused."""

    endpoints: dict[str, Any] = field(default_factory=dict)
    lake_backends: dict[str, Any] = field(default_factory=dict)
    adapters: dict[str, Any] = field(default_factory=dict)
    providers: dict[tuple[str, str], Provider] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def provider(self, kind: str, name: str) -> Provider:
        return self.providers[(kind, name)]


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


def _register(pm: pluggy.PluginManager, plugin: Any, name: str, provider: Provider, problems: list[str]) -> None:
    try:
        pm.register(plugin, name=name)
        pm.check_pending()
    except Exception as exc:  # a bad hookimpl signature or an unknown hook
        if pm.is_registered(plugin):
            pm.unregister(plugin)
        problems.append(f"plugin {provider} was not loaded: {exc}")
        return
    pm.pitchlake_providers[name] = provider


def plugin_manager() -> pluggy.PluginManager:
    """A fresh manager with every selected plugin registered; import problems end up in
    ``pm.pitchlake_problems`` instead of exceptions."""
    pm = pluggy.PluginManager("pitchlake")
    pm.add_hookspecs(hookspecs)
    pm.pitchlake_providers = {}
    pm.pitchlake_problems = []
    version = _pitchlake_version()
    candidates = [
        (name, Provider(name, "pitchlake", version), lambda module=module: importlib.import_module(module))
        for name, module in BUILTIN_PLUGINS.items()
    ]
    for ep in importlib.metadata.entry_points(group="pitchlake"):
        if ep.name not in BUILTIN_PLUGINS:
            dist = ep.dist.name if ep.dist else "unknown"
            candidates.append((ep.name, Provider(ep.name, dist, ep.dist.version if ep.dist else "?"), ep.load))
    for name, provider, load in candidates:
        if not _selected(name, provider.distribution) or name in pm.pitchlake_providers:
            continue
        try:
            plugin = load()
        except Exception as exc:
            pm.pitchlake_problems.append(f"plugin {provider} failed to import: {type(exc).__name__}: {exc}")
            continue
        _register(pm, plugin, name, provider, pm.pitchlake_problems)
    return pm


_KINDS = {
    "endpoint": ("register_endpoints", "endpoints", lambda endpoint: (endpoint.name, endpoint)),
    "lake backend": ("register_lake_backends", "lake_backends", lambda scheme, factory: (scheme, factory)),
    "adapter": ("register_adapters", "adapters", lambda adapter: (adapter.name, adapter)),
}


def build_registry(pm: pluggy.PluginManager) -> Registry:
    """Call every hook implementation on its own, so a plugin that raises, or registers a name
    another plugin already took, is reported and skipped while the rest keep working."""
    registry = Registry(problems=list(pm.pitchlake_problems))
    for kind, (hook_name, attribute, unpack) in _KINDS.items():
        table = getattr(registry, attribute)
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            provider = pm.pitchlake_providers[impl.plugin_name]
            found: dict[str, Any] = {}

            def register(*args, _found=found):
                name, thing = unpack(*args)
                _found[name] = thing

            try:
                impl.function(register=register)
            except Exception as exc:
                registry.problems.append(f"plugin {provider} raised in {hook_name}: {type(exc).__name__}: {exc}")
                continue
            for name, thing in found.items():
                if name in table:
                    registry.problems.append(
                        f"plugin {provider} registers {kind} {name!r}, already provided by "
                        f"{registry.provider(kind, name)}: ignored"
                    )
                    continue
                table[name] = thing
                registry.providers[(kind, name)] = provider
    return registry


@cache
def registry() -> Registry:
    """The process-wide registry (plugins are loaded once per process)."""
    return build_registry(plugin_manager())
