"""The tools the tests call, and what installs each. `make test` installs them all (see Makefile), so
a missing one fails the test that needs it, with the install step in the message: no test skips
because a tool is missing."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

PIP = "make test installs it (`make venv`: the project with its test,dbt,snowflake,dagster extras in .venv)"
DEBIAN = ("make test installs it, as root (`make tools`: apt-get install -y --no-install-recommends chromium "
          "docker-compose npm)")
NPM = "make test installs it (npm ci: package-lock.json into node_modules/)"
CHECKOV = ("make test installs it (checkov==3.3.30 in .venv-checkov, a virtualenv of its own); or set CHECKOV to "
           "a checkov binary")
TERRAFORM = ("terraform and its AWS provider mirror come with the machine image (/usr/local/bin/terraform, "
             "/opt/tf-plugins); elsewhere put terraform on PATH and `terraform providers mirror` the "
             "hashicorp/aws provider into TERRAFORM_PROVIDER_MIRROR")


def missing(what: str, install: str) -> NoReturn:
    pytest.fail(f"{what} is missing: {install}", pytrace=False)


def command(name: str, install: str = DEBIAN) -> str:
    """The path of ``name`` on PATH."""
    path = shutil.which(name)
    if path is None:
        missing(f"`{name}` (not on PATH={os.environ.get('PATH', '')})", install)
    return path


def path(path: Path, what: str, install: str) -> Path:
    if not path.exists():
        missing(f"{what} ({path})", install)
    return path


def module(name: str, install: str = PIP) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing(f"the Python module {name} ({error})", install)
