"""Configs for tests: the shipped config with a test's API, lake and scope swapped in."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..project import CONFIG, init, template_file

#: The config ``pitchlake init`` writes (the repository's own, in a source checkout).
SHIPPED = template_file("config", "endpoints.json")


def write_config(path: Path, *, base_url: str, lake_uri: str, seasons: Iterable[int] = (2024,),
                 leagues: Iterable[int] = (39,), current_season: int = 2026, endpoints: Iterable[str] | None = None,
                 per_minute: int = 6000, per_day: int = 100000, concurrency: int = 4, max_retries: int = 3,
                 timeout_seconds: float = 5, refresh: str | None = None, **api: Any) -> Path:
    """Write a config file and return its path; ``endpoints`` lists the plugins to enable
    (default: what the shipped config enables), ``refresh`` is ``defaults.refresh``."""
    document = json.loads(SHIPPED.read_text())
    document.pop("$schema", None)
    document["api"].update(base_url=base_url, limits={"per_day": per_day, "per_minute": per_minute},
                           concurrency=concurrency, max_retries=max_retries, timeout_seconds=timeout_seconds, **api)
    document["lake"]["uri"] = lake_uri
    document["scope"] = {"seasons": list(seasons), "leagues": list(leagues), "current_season": current_season}
    if endpoints is not None:
        document["endpoints"] = [{"plugin": name} for name in endpoints]
    if refresh is not None:
        document["defaults"]["refresh"] = refresh
    path.write_text(json.dumps(document, indent=2))
    return path


def new_project(root: Path, **config: Any) -> Path:
    """A project in ``root`` as ``pitchlake init`` writes it, with the config of
    :func:`write_config` (same arguments); returns the config's path. For tests that run dbt or
    Dagster, which find the project's ``dbt/`` from the config."""
    init(root, force=True)
    return write_config(root / CONFIG, **config)
