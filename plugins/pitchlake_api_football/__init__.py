"""API-Football v3 endpoints: the plugin pitchlake ships with, and the model for external ones.

An external endpoint package looks the same: declare :class:`pitchlake.endpoints.Endpoint`
objects with their item schemas, and register them from this one hook under the ``pitchlake``
entry-point group.
"""

from pitchlake import hookimpl

from .endpoints import ENDPOINTS

__all__ = ["ENDPOINTS", "register_endpoints"]


@hookimpl
def register_endpoints(register):
    for endpoint in ENDPOINTS:
        register(endpoint)
