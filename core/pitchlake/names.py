"""The one rule for the names pitchlake builds paths and identifiers from.

An endpoint's name (and a partition key's) becomes a lake folder and the left side of a Hive
``name=value`` segment, a dbt source table and column, a Dagster asset key, a Snowflake external
table, a Python module (``pitchlake new-plugin``) and an entry point. Lower-case letters, digits
and ``_``, starting with a letter, at most 63 characters, suits all of them: no ``/`` or ``=``
that would make Hive discovery read back other partitions than the ones written, no case that
Snowflake or DuckDB would fold, and within the 63 characters of a Postgres-style identifier.

``schemas/endpoints.schema.json`` repeats :data:`NAME_PATTERN` for ``endpoints[].name`` (a JSON
Schema cannot import it); ``tests/test_config.py`` checks the two are equal.
"""

from __future__ import annotations

import re

#: The rule, as a JSON Schema ``pattern`` (anchored: JSON Schema searches, it does not match).
NAME_PATTERN = "^[a-z][a-z0-9_]{0,62}$"
NAME = re.compile(NAME_PATTERN)
#: What a failure message says the rule is.
NAME_RULE = "lower-case letters, digits and '_', starting with a letter, at most 63 characters"


class InvalidName(ValueError):
    """A name breaks :data:`NAME_PATTERN`; the message says which name, what it names and the rule."""


def is_valid_name(name: object) -> bool:
    # fullmatch: Python's '$' also matches before a final newline, JSON Schema's does not.
    return isinstance(name, str) and NAME.fullmatch(name) is not None


def check_name(name: object, what: str = "endpoint name") -> str:
    """``name`` itself if it keeps the rule, else :class:`InvalidName` naming ``what`` it is."""
    if not is_valid_name(name):
        raise InvalidName(f"{what} {name!r}: use {NAME_RULE}")
    return name  # type: ignore[return-value]
