"""The API-Football v3 response envelope: the one place that builds it.

Every answer of the API, whatever the path, is ``{"get", "parameters", "errors", "results",
"paging", "response"}``. The runner merges an endpoint's pages into one, the sandbox answers with
it, the benchmarks' synthetic lake and the tests write it: all through :func:`envelope`, so the
shape the lake holds is decided here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The keys of every envelope, in the API's order.
KEYS = ("get", "parameters", "errors", "results", "paging", "response")


def envelope(get: str, parameters: Mapping[str, Any] | None, response: Any, errors: Any = None,
             page: int = 1, pages: int = 1) -> dict:
    """The envelope of ``response`` (a list of items, or the one object some paths return).

    An answer with ``errors`` carries no items, as the API's does; API-Football writes empty
    ``parameters`` (and empty ``errors``) as ``[]``, not ``{}``, and so does this."""
    return {"get": get, "parameters": parameters or [], "errors": errors or [],
            "results": 0 if errors else (1 if isinstance(response, dict) else len(response)),
            "paging": {"current": page, "total": pages}, "response": [] if errors else response}
