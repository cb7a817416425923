"""A pitchlake project: the folder a user works in, and ``pitchlake init``, which creates one.

A project is the folder that holds ``config/endpoints.json``. Every path the engine does not ship
resolves from it (a ``file://./lake`` URI, ``dbt/``, ``warehouse/``, rendered files), so commands
behave the same from any working directory and rendered files name no folder of the machine.

The files ``init`` writes ship inside the wheel, in the package folder ``project/``. In the
source repository that folder holds symbolic links to the repository's own ``config/``, ``dbt/``,
``dagster/``, ... (the repository is itself a pitchlake project), and building the wheel copies
what they point at: what ``init`` writes is the repository's project, with no second copy to drift.
Files only a new project needs (its README, its ``.gitignore``) are templates in
``templates/project/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from importlib.metadata import version
from pathlib import Path

import jinja2

#: The config, relative to the project folder.
CONFIG = Path("config") / "endpoints.json"
#: What every project gets: the SSOT and its schema, the dbt project, the Dagster code location.
PARTS = ("config", "schemas", "dbt", "dagster", ".env.example")
#: What ``init --with`` adds: the compose stack (MinIO, Dagster, the image), the AWS/Snowflake Terraform.
OPTIONAL_PARTS = ("compose", "terraform")
#: Never copied: what tools write inside the parts when they run in the repository.
_IGNORED_NAMES = {"__pycache__", "target", "logs", "dbt_packages", ".terraform", ".terraform.lock.hcl", ".env",
                  ".user.yml", "package-lock.yml"}


def project_root(config_path: str | Path) -> Path:
    """The project folder of a config file: the folder holding ``config/`` when the file is in a
    folder named ``config`` (the layout ``init`` writes), else the file's own folder."""
    folder = Path(config_path).absolute().parent
    return folder.parent if folder.name == "config" else folder


def template() -> Traversable:
    """The project files shipped in the package (``pitchlake/project/``)."""
    return resources.files("pitchlake") / "project"


def template_file(*parts: str) -> Traversable:
    """One shipped project file, e.g. ``template_file("config", "endpoints.json")``."""
    node = template()
    for part in parts:
        node = node / part
    return node


def _walk(node: Traversable, relative: Path):
    """``(relative path, file)`` of every file under ``node``, in a stable order."""
    if node.is_file():
        yield relative, node
        return
    for child in sorted(node.iterdir(), key=lambda child: child.name):
        if child.name not in _IGNORED_NAMES and not child.name.endswith(".pyc"):
            yield from _walk(child, relative / child.name)


def template_files(parts: tuple[str, ...] = PARTS) -> dict[Path, bytes]:
    """``{path relative to the project: content}`` of the shipped files of ``parts``."""
    files = {}
    for part in parts:
        node = template() / part
        if not node.is_file() and not node.is_dir():
            raise FileNotFoundError(f"{part}: not in pitchlake's project template ({template()}); the installation is incomplete")
        files.update((path, file.read_bytes()) for path, file in _walk(node, Path(part)))
    return files


def _new_project_files(root: Path, parts: tuple[str, ...]) -> dict[Path, bytes]:
    """The files rendered for a new project only: its README and ``.gitignore``."""
    environment = jinja2.Environment(loader=jinja2.PackageLoader("pitchlake", "templates/project"),
                                     undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                     trim_blocks=True, lstrip_blocks=True)
    values = {"name": root.name, "version": version("pitchlake"), "parts": parts}
    return {Path(name): environment.get_template(template).render(**values).encode()
            for name, template in (("README.md", "README.md.j2"), (".gitignore", "gitignore.j2"))}


class ProjectExists(FileExistsError):
    """``init`` would overwrite files; ``paths`` lists them."""

    def __init__(self, root: Path, paths: list[Path]):
        self.paths = paths
        shown = ", ".join(str(path) for path in paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        super().__init__(f"{root}: {len(paths)} file(s) would be overwritten ({shown}); "
                         "use --force to overwrite them, or choose an empty folder")


@dataclass(frozen=True)
class InitResult:
    root: Path
    written: list[Path]
    #: the folder's own README.md or .gitignore, left as they were
    kept: list[Path]


def init(root: str | Path = ".", *, extra: tuple[str, ...] = (), force: bool = False) -> InitResult:
    """Create a project in ``root``: the default parts, plus ``extra`` (a subset of
    :data:`OPTIONAL_PARTS`). Refuses to overwrite any existing file unless ``force``; files it
    does not write are never touched. A README.md or .gitignore already there is kept, even with
    ``force``: it is the folder's own (a Dagster or dbt project that pitchlake joins), and
    pitchlake's would only be a starting point."""
    unknown = sorted(set(extra) - set(OPTIONAL_PARTS))
    if unknown:
        raise ValueError(f"unknown part(s) {', '.join(unknown)}; --with takes {', '.join(OPTIONAL_PARTS)}")
    root = Path(root).absolute()
    parts = PARTS + tuple(part for part in OPTIONAL_PARTS if part in extra)
    own = _new_project_files(root, parts)
    kept = sorted(path for path in own if (root / path).exists())
    files = {**template_files(parts), **{path: content for path, content in own.items() if path not in kept}}
    existing = sorted(path for path in files if (root / path).exists())
    if existing and not force:
        raise ProjectExists(root, existing)
    for relative, content in sorted(files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return InitResult(root, sorted(files), kept)
