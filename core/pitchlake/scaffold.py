"""``pitchlake new-plugin NAME``: a new endpoint plugin package that already keeps the contract.

The skeleton is a working plugin, not a stub: its endpoint registers, its schema accepts its
sample, its staging model references its source, and its tests (the contract kit, plus the
sandbox serving the sample) pass as generated. An author then edits a passing package into the
real endpoint, and the tests say what broke along the way.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from .names import check_name

#: template -> path in the new package, formatted with ``name`` and ``module``.
FILES = {
    "pyproject.toml.j2": "pyproject.toml",
    "README.md.j2": "README.md",
    "__init__.py.j2": "{module}/__init__.py",
    "schema.json.j2": "{module}/schemas/{name}.json",
    "staging.sql.j2": "{module}/dbt/stg_{name}__{name}.sql",
    "sample.json.j2": "{module}/sandbox_data/{name}_39_2024.json",
    "test_contract.py.j2": "tests/test_contract.py",
}


def new_plugin(name: str, directory: Path = Path(".")) -> Path:
    """Write the package ``pitchlake-<name>/`` (distribution ``pitchlake-<name>``, module
    ``pitchlake_<name>``) under ``directory`` and return its path. Raises :class:`ValueError` for
    a name that cannot name an endpoint, :class:`FileExistsError` rather than overwrite anything."""
    # The name becomes the endpoint name, the entry point, the dbt source and part of the module
    # name: the one name rule (pitchlake.names) suits all of them. InvalidName is a ValueError.
    check_name(name, "plugin name")
    module = f"pitchlake_{name}"
    distribution = f"pitchlake-{name.replace('_', '-')}"
    target = Path(directory) / distribution
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pitchlake", "templates/new_plugin"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    for template, path in FILES.items():
        file = target / path.format(name=name, module=module)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(environment.get_template(template).render(name=name, module=module, distribution=distribution), encoding="utf-8")
    return target
