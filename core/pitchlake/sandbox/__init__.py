"""``pitchlake sandbox``: an API-Football v3 compatible server for development, tests, demos and
benchmarks, so that nobody burns credits while building. See docs/sandbox.md."""

from .server import Sandbox

__all__ = ["Sandbox"]
