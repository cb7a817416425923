"""pytest fixtures for an API-Football compatible server on 127.0.0.1: the pitchlake sandbox.

Clients are tested over real HTTP (keep-alive, headers, truncated bodies, timeouts) rather than
with a mocked session, and the sandbox counts what they really sent (``sandbox.stats()``). Load
with ``pytest_plugins = ["pitchlake.testing.sandbox"]`` or ``-p pitchlake.testing.sandbox``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pitchlake_sandbox import Sandbox

#: The date the default sandbox believes it is: mid-season 2024, so that the current season has
#: finished matches and matches to come.
TODAY = "2025-01-26"
KEY = "sandbox-key"


def recorded_data(root: Path) -> list[Path]:
    """The repository's recorded API-Football responses, when the tests run from a checkout."""
    folder = root / "tests" / "data" / "api-football"
    return [folder] if folder.is_dir() else []


@pytest.fixture
def sandbox_factory():
    """``sandbox_factory(**kwargs)`` starts a :class:`Sandbox` (arguments as its constructor's)
    and stops every one it started when the test ends."""
    started: list[Sandbox] = []

    def start(**kwargs) -> Sandbox:
        sandbox = Sandbox(**kwargs).start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in reversed(started):
        sandbox.stop()


@pytest.fixture
def sandbox(sandbox_factory, request):
    """A sandbox serving the repository's recorded data, today fixed at 2025-01-26, one key
    ``sandbox-key``, Pro plan limits (300 a minute, 7,500 a day)."""
    return sandbox_factory(data=recorded_data(Path(request.config.rootpath)), today=TODAY, keys=(KEY,))
