"""``pitchlake demo``: the main job end to end on the embedded defaults, with no API key.

An in-process sandbox stands in for API-Football, the config's lake (``file://./lake`` by
default) receives the data, and a second run shows smart resume spending nothing.
"""

from __future__ import annotations

import dataclasses
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .client import KEY_ENV
from .config import Config, Limits
from .planner import Selection
from .runner import Summary, ingest
from .sandbox import Sandbox

#: The demo plays a Pro plan against its sandbox: the shipped config's Free plan (10 a minute)
#: would make a first demo take minutes.
DEMO_LIMITS = Limits(per_day=7500, per_minute=300)
DEMO_KEY = "sandbox-key"


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_demo(config: Config, data: list[Path], seed: int = 0) -> tuple[Summary, dict]:
    """Ingest the config's scope from a sandbox; returns the run's summary and the sandbox's own
    count of the requests it served (which the summary must agree with)."""
    with Sandbox(data=[str(path) for path in data], per_minute=DEMO_LIMITS.per_minute,
                 per_day=DEMO_LIMITS.per_day, seed=seed, keys=(DEMO_KEY,)) as sandbox:
        demo_config = dataclasses.replace(
            config, api=dataclasses.replace(config.api, base_url=sandbox.url, limits=DEMO_LIMITS, auth="apisports")
        )
        with _environment(**{KEY_ENV: DEMO_KEY}):
            summary = ingest(demo_config, Selection())
        return summary, sandbox.stats()
