"""API-Football v3 endpoints: the plugin pitchlake ships with, and the model for external ones.

An external endpoint package looks the same: declare :class:`ApiFootballEndpoint` objects (a
:class:`pitchlake.endpoints.Endpoint` with API-Football's envelope, paging, scope and coverage)
with their item schemas, and register them from this one hook under the ``pitchlake``
entry-point group.
"""

from pitchlake import hookimpl

from .api import ApiFootballEndpoint
from .endpoints import ENDPOINTS

__all__ = ["ENDPOINTS", "ApiFootballEndpoint", "register_endpoints"]


@hookimpl
def register_endpoints(register):
    for endpoint in ENDPOINTS:
        register(endpoint)
