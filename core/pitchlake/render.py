"""Rendering generated files from the SSOT, and checking them for drift: the one mechanism.

A :class:`Renderer` (an orchestrator :class:`Adapter`, or the dbt project's sources) renders text
only; :func:`render` writes it, or with ``check`` compares it with what is on disk, so a stale
generated file fails CI (``pitchlake render NAME --check``), a transform
(:func:`pitchlake.dbt_sources.check_dbt_sources`) or a Dagster run with a diff instead of
surprising a deploy.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import jinja2

from .config import Config, EndpointConfig
from .endpoints import Endpoint
from .planner import stages


@dataclass(frozen=True)
class RenderContext:
    """What an adapter renders from: the loaded config and the endpoints it enables."""

    config: Config
    endpoints: Mapping[str, Endpoint]

    @property
    def enabled(self) -> list[tuple[EndpointConfig, Endpoint]]:
        return [(entry, self.endpoints[entry.plugin]) for entry in self.config.endpoints]

    @property
    def stages(self) -> list[list[tuple[EndpointConfig, Endpoint]]]:
        """Enabled endpoints in dependency stages: every stage only needs the ones before it."""
        return [[(entry, self.endpoints[entry.plugin]) for entry in stage] for stage in stages(self.config, self.endpoints)]


@runtime_checkable
class Renderer(Protocol):
    """Something ``pitchlake render NAME`` runs: files derived from the config and the installed
    endpoints, returned as text (never written by the renderer: :func:`render` writes or checks).

    A renderer may also have ``generated(root) -> list[str]``: the paths under ``root`` it rendered
    in the past, for files whose set changes (a plugin's dbt models); those it no longer renders
    are deleted by :func:`render`, or reported as stale with ``check``.
    """

    #: What ``pitchlake render NAME`` and ``pitchlake plugins`` call it.
    name: str

    def render(self, context: RenderContext) -> dict[str, str]:
        """``{path relative to the project folder: text}``, the same text for the same config
        (sorted, no timestamps), so that ``--check`` only reports real drift."""
        ...


@runtime_checkable
class Adapter(Renderer, Protocol):
    """An orchestrator adapter (``dagster``, ``stepfunctions``): a :class:`Renderer` whose files
    make an orchestrator run ``pitchlake ingest --endpoint E ...`` per partition in dependency
    stages, then ``pitchlake transform``. It holds no logic of its own, so every orchestrator
    fetches and resumes the same way."""


def template_environment(package: str) -> jinja2.Environment:
    """The Jinja environment for templates shipped in an adapter package's ``templates/``.
    StrictUndefined: a typo in a template fails the render instead of rendering an empty string."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class RenderResult:
    written: list[Path]
    stale: dict[Path, str]  # path -> unified diff
    deleted: list[Path] = field(default_factory=list)


def render(renderer: Renderer, context: RenderContext, root: Path, check: bool = False) -> RenderResult:
    """Render ``renderer``'s files under ``root`` (the project folder); with ``check``, write
    nothing and report drift: a unified diff per file that differs or is missing, a line per file
    it rendered before (``generated(root)``) and renders no longer, which is otherwise deleted."""
    result = RenderResult([], {})
    rendered = renderer.render(context)
    for relative in sorted(set(getattr(renderer, "generated", lambda root: [])(root)) - set(rendered)):
        path = root / relative
        if check:
            result.stale[path] = f"{relative}: no longer rendered; `pitchlake render` deletes it\n"
        else:
            path.unlink()
            result.deleted.append(path)
            if path.parent != root and not any(path.parent.iterdir()):
                path.parent.rmdir()  # an uninstalled plugin's folder of copied models: nothing of it remains
    for relative, text in sorted(rendered.items()):
        path = root / relative
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        if check:
            diff = difflib.unified_diff((current or "").splitlines(keepends=True), text.splitlines(keepends=True),
                                        fromfile=f"{relative} (committed)", tofile=f"{relative} (rendered)")
            result.stale[path] = "".join(diff) or f"{relative}: missing\n"
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        result.written.append(path)
    return result
