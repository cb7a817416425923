"""Every hook is documented, as datasette checks its own: an undocumented hook fails the build."""

import inspect
import re
from pathlib import Path

from pitchlake import hookspecs

DOCS = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()


def hooks():
    return {name: function for name, function in vars(hookspecs).items()
            if inspect.isfunction(function) and hasattr(function, "pitchlake_spec")}


def test_every_hookspec_is_documented_with_its_signature():
    documented = set(re.findall(r"^### (\w+)\((.*)\)$", DOCS, re.MULTILINE))
    specs = {(name, ", ".join(inspect.signature(function).parameters)) for name, function in hooks().items()}
    assert specs, "no hookspecs found"
    assert specs <= documented, f"undocumented hooks: {sorted(specs - documented)}"
    assert documented <= specs, f"documented hooks that do not exist: {sorted(documented - specs)}"
