"""What an endpoint plugin declares: one API-Football endpoint and how it maps onto the lake."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol

from .lake import layout_placeholders

#: How partitions of an endpoint are enumerated.
#: ``scope``: the product of the config's scope over the endpoint's partition keys
#: (``season`` x ``league_id``, or ``season`` alone, or one partition with no keys).
#: ``derived``: computed by the endpoint's ``derive`` function from data already in the lake
#: (teams of the scope for ``players/squads``, finished fixtures for fixture details).
PARTITION_SOURCES = ("scope", "derived")


class DeriveContext(Protocol):
    """What a derived endpoint's ``derive`` sees: the scope and what the lake already holds."""

    #: :class:`pitchlake.config.Scope` of the run (seasons, leagues, current season).
    scope: Any

    def items(self, endpoint: str, *, every_date: bool = False) -> Iterator[tuple[dict[str, str], dict]]:
        """``endpoint`` is a plugin name (``"fixtures"``); when the config enables that plugin
        under several names, the first enabled entry is read.

        ``(partition, item)`` for each response item of the newest complete ``data.json`` of
        every partition of ``endpoint`` (of every ``ingestion_date`` with ``every_date``, for
        endpoints that only fetch what is new), partition values as strings, as in the keys."""

    def fetches(self, endpoint: str, *, every_date: bool = False) -> Iterator[tuple[dict[str, str], dict]]:
        """As :meth:`items`, but ``(partition, envelope)`` for each of those ``data.json``: the
        whole API envelope, for what the items alone do not say (``parameters``: what was asked)."""


@dataclass(frozen=True, eq=False)
class Endpoint:
    """One API-Football endpoint.

    ``params`` maps API query parameters to templates over the partition keys, e.g.
    ``{"league": "{league_id}", "season": "{season}"}``; ``extra_params`` names the further
    parameters a user may set in ``config/endpoints.json`` (anything else is a config error, so a
    typo never silently burns credits on the wrong request).
    """

    name: str
    path: str
    partition_keys: tuple[str, ...]
    params: Mapping[str, str]
    item_schema: Mapping[str, Any]
    extra_params: frozenset[str] = frozenset()
    paginated: bool = False
    partition_source: str = "scope"
    depends_on: tuple[str, ...] = ()
    #: Key of the league's per-season ``coverage`` flags (dotted for nested ones,
    #: e.g. ``fixtures.events``) that says whether this endpoint has data at all; a tuple of keys
    #: when the endpoint returns several kinds of data, any one of which is worth the call.
    coverage_flag: str | tuple[str, ...] | None = None
    #: For ``derived`` endpoints: ``derive(context: DeriveContext) -> iterable of partition
    #: dicts``; for batched endpoints each partition dict also carries ``ids``, the ids to fetch.
    derive: Callable[..., Iterable[Mapping[str, Any]]] | None = field(default=None, compare=False)
    #: For batched endpoints (``fixtures?ids=``): the id parameter and the batch size.
    batch_param: str | None = None
    batch_size: int = 1
    description: str = ""

    def __post_init__(self):
        if self.partition_source not in PARTITION_SOURCES:
            raise ValueError(f"endpoint {self.name!r}: partition_source must be one of {PARTITION_SOURCES}")
        if self.partition_source == "derived" and self.derive is None:
            raise ValueError(f"endpoint {self.name!r}: a derived endpoint needs a derive function")
        if "ingestion_date" in self.partition_keys:
            raise ValueError(f"endpoint {self.name!r}: ingestion_date is added by the lake, not a partition key")
        # Declaration mistakes of a plugin fail when it registers, not mid-run after credits were spent.
        for param, template in self.params.items():
            unknown = set(layout_placeholders(template)) - set(self.partition_keys)
            if unknown:
                raise ValueError(f"endpoint {self.name!r}: param {param!r} uses {sorted(unknown)}, not partition keys")
        if set(self.extra_params) & set(self.params):
            raise ValueError(f"endpoint {self.name!r}: extra_params repeat params {sorted(set(self.extra_params) & set(self.params))}")
        if self.batch_param and (self.partition_source != "derived" or self.batch_size < 1):
            raise ValueError(f"endpoint {self.name!r}: a batched endpoint is derived and has batch_size >= 1")

    @property
    def coverage_flags(self) -> tuple[str, ...]:
        """``coverage_flag`` as a tuple (empty when the endpoint has none)."""
        if not self.coverage_flag:
            return ()
        return (self.coverage_flag,) if isinstance(self.coverage_flag, str) else tuple(self.coverage_flag)

    def request_params(self, partition: Mapping[str, Any], overrides: Mapping[str, Any] = ()) -> dict[str, str]:
        """The query parameters for one partition: templates filled in, then the config's extras."""
        values = {key: str(partition[key]) for key in self.partition_keys}
        params = {name: template.format(**values) for name, template in self.params.items()}
        params.update({name: str(value) for name, value in dict(overrides).items()})
        return params


def load_schema(package_file: str, name: str) -> dict:
    """Read a JSON Schema shipped next to a plugin module (``schemas/<name>.json``)."""
    return json.loads((Path(package_file).parent / "schemas" / f"{name}.json").read_text())
