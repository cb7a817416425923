"""The hooks a pitchlake plugin can implement.

Every hook takes a ``register`` callback, as in simonw/llm: a plugin calls it once per thing it
provides, so one plugin package can provide several endpoints (or backends, or adapters) and the
plugin manager knows which distribution registered what.
"""

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("pitchlake")
hookimpl = HookimplMarker("pitchlake")


@hookspec
def register_endpoints(register):
    """Register API-Football endpoints.

    Call ``register(endpoint)`` with a :class:`pitchlake.endpoints.Endpoint` for each endpoint the
    plugin provides. The endpoint's ``name`` is what ``config/endpoints.json`` refers to in
    ``endpoints[].plugin``; it must be unique across all installed plugins.
    """


@hookspec
def register_lake_backends(register):
    """Register lake storage backends.

    Call ``register(scheme, factory)`` where ``scheme`` is a URI scheme (``file``, ``s3``) and
    ``factory(uri, create_bucket=False)`` returns an object implementing
    :class:`pitchlake.lake.LakeBackend` for a lake
    URI of that scheme.
    """


@hookspec
def register_adapters(register):
    """Register orchestrator adapters.

    Call ``register(adapter)`` with an object that has a ``name`` (``dagster``, ``stepfunctions``)
    and a ``render(context) -> dict[path, text]`` method that renders the adapter's artifacts from
    the loaded config and endpoints, through Jinja templates shipped inside the plugin.
    """
