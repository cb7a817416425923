"""API-Football ``/trophies`` as a pitchlake endpoint: an external plugin, installed with pip.

An API-Football endpoint is an :class:`pitchlake_api_football.ApiFootballEndpoint`: it shares the
built-ins' envelope, scope and column types. Trophies are per team, not per season, so the
endpoint is ``derived`` like the built-in ``coachs``: one partition per team of the scope, from what the ``teams`` endpoint put in the lake.
The team enumeration is the built-in one (``scope_team_ids``), so that trophies cover exactly the
teams whose coaches and squads pitchlake fetches, and a change of the scope moves them together.

Everything the rest of pitchlake needs ships in this package: the item schema
(``schemas/trophies.json``), the dbt staging model that ``pitchlake render dbt`` copies into the
dbt project (``dbt/``), and recorded envelopes the sandbox serves (``sandbox_data/``).
"""

from pitchlake import hookimpl
from pitchlake.endpoints import load_schema
from pitchlake_api_football import ApiFootballEndpoint
from pitchlake_api_football.derive import scope_team_ids

__all__ = ["TROPHIES", "register_endpoints"]

TROPHIES = ApiFootballEndpoint(
    name="trophies", path="trophies", partition_keys=("team_id",), params={"team": "{team_id}"},
    item_schema=load_schema(__file__, "trophies"), refresh="monthly",  # won at the end of a season
    partition_source="derived", derive=scope_team_ids, depends_on=("teams",),
    description="The trophies (and runner-up places) of each team of the scope.",
)


@hookimpl
def register_endpoints(register):
    register(TROPHIES)
