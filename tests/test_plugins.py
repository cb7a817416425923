"""Plugins are found through real entry points of real (tiny) distributions on sys.path; a broken
one is reported with its distribution and version while the others keep working."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

GOOD = '''
from pitchlake import hookimpl
from pitchlake.endpoints import Endpoint

@hookimpl
def register_endpoints(register):
    register(Endpoint(name="trophies_test", path="trophies", partition_keys=("team_id",),
                      params={"team": "{team_id}"}, item_schema={"type": "object"}))

@hookimpl
def register_commands(cli):
    @cli.command()
    def hello(name: str = "world") -> None:
        print(f"hello {name} from a plugin")
'''
BROKEN_IMPORT = "import this_module_does_not_exist\n"
RAISES = '''
from pitchlake import hookimpl

@hookimpl
def register_endpoints(register):
    raise RuntimeError("boom in the plugin")

@hookimpl
def register_commands(cli):
    raise RuntimeError("boom in its commands")
'''
CLASH = '''
from pitchlake import hookimpl
from pitchlake.endpoints import Endpoint

@hookimpl
def register_endpoints(register):
    register(Endpoint(name="fixtures", path="fixtures", partition_keys=(), params={}, item_schema={}))
'''
MISSPELT = '''
from pitchlake import hookimpl

@hookimpl
def register_endpoint(register):
    pass
'''


def make_distribution(site: Path, name: str, version: str, module: str, code: str) -> None:
    """A minimal installed distribution: a module plus a .dist-info with its entry point, which
    importlib.metadata finds on sys.path exactly as it finds a pip-installed one."""
    (site / f"{module}.py").write_text(textwrap.dedent(code))
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[pitchlake]\n{module} = {module}\n")


def plugins_json(site: Path, **env) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(site), **env}
    result = subprocess.run(
        [sys.executable, "-m", "pitchlake", "plugins", "--json"], capture_output=True, text=True, env=environment, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def site(tmp_path):
    make_distribution(tmp_path, "pitchlake-test-good", "1.2.3", "plt_good", GOOD)
    make_distribution(tmp_path, "pitchlake-test-broken", "0.0.1", "plt_broken", BROKEN_IMPORT)
    make_distribution(tmp_path, "pitchlake-test-raises", "0.0.2", "plt_raises", RAISES)
    make_distribution(tmp_path, "pitchlake-test-clash", "0.0.3", "plt_clash", CLASH)
    make_distribution(tmp_path, "pitchlake-test-misspelt", "0.0.4", "plt_misspelt", MISSPELT)
    return tmp_path


def rows(listing, kind):
    return {row["name"]: row for row in listing["plugins"] if row["kind"] == kind}


def test_builtins_are_listed_with_their_distribution():
    listing = plugins_json(Path("/nonexistent"))
    endpoints = rows(listing, "endpoint")
    assert {"leagues", "teams", "venues", "fixtures", "fixture_details", "standings", "players",
            "players_squads", "injuries", "transfers", "coachs"} <= set(endpoints)
    assert {row["distribution"] for row in endpoints.values()} == {"pitchlake"}
    assert set(rows(listing, "lake backend")) >= {"file", "s3"}
    assert listing["problems"] == []


def test_broken_plugins_are_reported_and_the_others_keep_working(site):
    listing = plugins_json(site)
    endpoints = rows(listing, "endpoint")
    assert endpoints["trophies_test"]["distribution"] == "pitchlake-test-good"
    assert endpoints["trophies_test"]["version"] == "1.2.3"
    assert endpoints["fixtures"]["distribution"] == "pitchlake"
    problems = "\n".join(listing["problems"])
    assert "pitchlake-test-broken 0.0.1 (plugin 'plt_broken') failed to import: ModuleNotFoundError" in problems
    assert "pitchlake-test-raises 0.0.2 (plugin 'plt_raises') raised in register_endpoints: RuntimeError: boom in the plugin" in problems
    assert "pitchlake-test-clash 0.0.3 (plugin 'plt_clash') registers endpoint 'fixtures', already provided by pitchlake" in problems
    assert "pitchlake-test-misspelt 0.0.4 (plugin 'plt_misspelt') was not loaded: unknown hook 'register_endpoint'" in problems
    assert "pitchlake-test-raises 0.0.2 (plugin 'plt_raises') raised in register_commands: RuntimeError: boom in its commands" in problems
    assert len(listing["problems"]) == 5


def test_a_plugins_commands_join_the_cli_and_one_that_raises_leaves_the_others(site):
    result = subprocess.run([sys.executable, "-m", "pitchlake", "hello", "--name", "pitch"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(site)}, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello pitch from a plugin"


def test_allow_list_and_block_list(site):
    only = plugins_json(site, PITCHLAKE_PLUGINS="api_football,pitchlake-test-good")
    assert "trophies_test" in rows(only, "endpoint")
    assert rows(only, "lake backend") == {}
    assert only["problems"] == []

    blocked = plugins_json(site, PITCHLAKE_DISABLE_PLUGINS="plt_good,pitchlake-test-broken")
    assert "trophies_test" not in rows(blocked, "endpoint")
    assert not any("plt_broken" in problem for problem in blocked["problems"])


# --- The plugin manager, in process --------------------------------------------------------------

class Named:
    """Something with a name and, unless told otherwise, a render method: a renderer."""

    def __init__(self, name, render=True):
        self.name = name
        if render:
            self.render = lambda context: {}


def fake_plugin(hook, *things, raises=None):
    """A plugin object implementing ``hook`` by registering ``things`` (or raising ``raises``)."""
    from pitchlake import hookimpl

    class Plugin:
        @hookimpl(specname=hook)
        def implementation(self, register):
            if raises:
                raise raises
            for thing in things:
                register(thing)

    return Plugin()


def test_hooks_are_called_through_pluggy_once_per_plugin():
    """pluggy's hook-call monitoring sees every call: one per implementing plugin, each on that
    plugin alone, in registration order (the built-ins first)."""
    import pluggy

    from pitchlake.plugins import PluginManager, build_registry, plugin_manager

    pm = plugin_manager()
    assert isinstance(pm, PluginManager) and isinstance(pm, pluggy.PluginManager)
    assert pm.providers["api_football"].distribution == "pitchlake" and isinstance(pm.problems, list)
    calls = []
    pm.add_hookcall_monitoring(lambda hook, impls, kwargs: calls.append((hook, [impl.plugin_name for impl in impls])),
                               lambda outcome, hook, impls, kwargs: None)
    found = build_registry(pm)
    for hook in ("register_endpoints", "register_lake_backends", "register_adapters", "register_renderers"):
        implementers = [impl.plugin_name for impl in getattr(pm.hook, hook).get_hookimpls()]
        assert implementers, hook
        assert [plugins for name, plugins in calls if name == hook] == [[plugin] for plugin in implementers]
    assert found.provider("endpoint", "fixtures").plugin == "api_football"
    assert found.provider("renderer", "dbt").plugin == "dbt" and found.provider("adapter", "dagster").plugin == "dagster"


def test_adapters_and_renderers_share_one_namespace_and_keep_their_protocol():
    from pitchlake.plugins import Provider, build_registry, plugin_manager

    pm = plugin_manager()
    cases = {
        "clash": fake_plugin("register_renderers", Named("dagster"), Named("airflow_docs")),
        "shapeless": fake_plugin("register_adapters", Named("airflow", render=False)),
        "nameless": fake_plugin("register_adapters", object()),
        "raises": fake_plugin("register_renderers", raises=RuntimeError("boom")),
    }
    for name, plugin in cases.items():
        assert pm.register_plugin(plugin, name, Provider(name, f"pitchlake-{name}", "0.1"))
    found = build_registry(pm)
    problems = "\n".join(found.problems)
    assert ("pitchlake-clash 0.1 (plugin 'clash') registers renderer 'dagster', already provided by "
            "pitchlake") in problems and "(as adapter 'dagster')" in problems
    assert found.adapters["dagster"].name == "dagster" and "dagster" not in found.renderers
    assert "airflow_docs" in found.render_targets  # the plugin's other renderer still counts
    assert "registers adapter 'airflow', which is not a pitchlake.render.Adapter" in problems and "airflow" not in found.adapters
    assert "pitchlake-nameless 0.1 (plugin 'nameless') raised in register_adapters: AttributeError" in problems
    assert "pitchlake-raises 0.1 (plugin 'raises') raised in register_renderers: RuntimeError: boom" in problems
    assert found.renderers["dbt"] is not None  # the built-in renderer ran, whatever the others did
    assert len(found.problems) == 4


# --- The sandbox is a plugin: the engine never imports it ----------------------------------------

ENGINE = ROOT / "core" / "pitchlake"


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against ``package``."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_no_engine_module_imports_the_sandbox():
    """core/pitchlake (but testing/, the pytest plugin that starts sandboxes) never imports the
    sandbox plugin, nor the old pitchlake.sandbox: the CLI gets its commands through a hook."""
    checked, offenders = 0, {}
    for folder, subfolders, files in os.walk(ENGINE):  # symlinked project folders are not walked
        subfolders[:] = sorted(name for name in subfolders if name not in ("testing", "__pycache__"))
        relative = Path(folder).relative_to(ENGINE.parent)
        for name in sorted(files):
            if name.endswith(".py"):
                package = ".".join(relative.parts)
                modules = imported_modules(Path(folder) / name, package)
                checked += 1
                bad = sorted(m for m in modules if m.split(".")[0] == "pitchlake_sandbox" or m.startswith("pitchlake.sandbox")
                             or m.startswith("pitchlake.demo"))
                if bad:
                    offenders[f"{relative}/{name}"] = bad
    assert checked >= 15 and offenders == {}
    # the resolution of relative imports is what makes this test bite
    assert "pitchlake.plugins.register_commands" in imported_modules(ENGINE / "cli.py", "pitchlake")


def cli_help(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pitchlake", *args, "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, cwd=ROOT, timeout=120)


def test_pitchlake_help_imports_only_the_sandbox_plugins_init_yet_lists_its_commands(tmp_path):
    probe = tmp_path / "modules.json"
    code = textwrap.dedent(f"""
        import json, sys
        from pitchlake.cli import app
        try:
            app(["--help"], prog_name="pitchlake")
        except SystemExit as done:
            status = done.code
        modules = sorted(name for name in sys.modules if name.split(".")[0] == "pitchlake_sandbox")
        open({str(probe)!r}, "w").write(json.dumps({{"status": status, "modules": modules}}))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "200"}, cwd=ROOT, timeout=120)
    seen = json.loads(probe.read_text())
    assert seen["status"] == 0 and result.returncode == 0, result.stderr
    assert seen["modules"] == ["pitchlake_sandbox"]  # its light __init__: no server, world, api or demo
    assert {"pitchlake_sandbox.server", "pitchlake_sandbox.world", "pitchlake_sandbox.api"}.isdisjoint(seen["modules"])
    assert " sandbox " in result.stdout and " demo " in result.stdout

    group = cli_help("sandbox")
    assert group.returncode == 0 and " serve " in group.stdout, group.stderr
    serve = cli_help("sandbox", "serve")
    assert serve.returncode == 0, serve.stderr
    for option in ("--port", "--data", "--per-minute", "--per-day", "--latency-ms", "--faults", "--seed", "--key",
                   "--today", "--teams", "--plan-seasons", "--minute-seconds"):
        assert option in serve.stdout, option
    demo = cli_help("demo")
    assert demo.returncode == 0, demo.stderr
    for option in ("--config", "--data", "--verbose"):
        assert option in demo.stdout, option
