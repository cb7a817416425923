"""Rendering artifacts from the SSOT through orchestrator adapters, and checking them for drift.

Adapters render text only; this module writes it, or with ``check`` compares it with what is
committed, so a stale generated file fails CI with a diff instead of surprising a deploy.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

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


def render(adapter, context: RenderContext, root: Path, check: bool = False) -> RenderResult:
    """Render ``adapter``'s files under ``root``; with ``check``, write nothing and report drift.

    An adapter may also have ``generated(root)``: the files under ``root`` it rendered in the past
    (for files whose set changes, such as a plugin's dbt models). Those it no longer renders are
    deleted, or with ``check`` reported as stale."""
    result = RenderResult([], {})
    rendered = adapter.render(context)
    for relative in sorted(set(getattr(adapter, "generated", lambda root: [])(root)) - set(rendered)):
        path = root / relative
        if check:
            result.stale[path] = f"{relative}: no longer rendered; `pitchlake render` deletes it\n"
        else:
            path.unlink()
            result.deleted.append(path)
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
