"""The contract an endpoint plugin keeps with pitchlake, as pytest tests a plugin author inherits.

Everything pitchlake derives from a plugin (the config's validation, plans, lake keys, Dagster
assets, the state machine, dbt sources and external tables) trusts what the plugin declared. A
declaration mistake should fail the plugin's own test suite, not a user's first ``ingest``::

    from pitchlake.testing.contract import EndpointPluginContract

    class TestTrophies(EndpointPluginContract):
        distribution = "pitchlake-trophies"

The class's tests run against the *installed* distribution (through its entry points, as
``pitchlake`` loads it), once per endpoint it registers. Class attributes tune them:
``sample_data`` (folders of recorded envelopes whose items must pass the schemas; default the
``sandbox_data/`` folder of each of the distribution's plugin packages), ``sample_values``
(partition values of the sample partition) and ``dbt_project`` (where the staging models of a
plugin that ships none live: the built-ins'). A failure message says what to fix.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import fastjsonschema
import jinja2
import pytest
from jsonschema import Draft202012Validator

from .. import hookspecs
from ..dbt_sources import DBT_FOLDER, STAGING_DIR, plugin_folder, plugin_models
from ..endpoints import Endpoint, check_items
from ..lake import Layout
from ..names import NAME_PATTERN, NAME_RULE, is_valid_name
from ..plugins import BUILTIN_PLUGINS, Provider, registry
from ..project import template

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
#: Folder of a plugin package with recorded envelopes, for the sandbox's ``--data`` and as samples.
SANDBOX_DATA_FOLDER = "sandbox_data"
#: Partition values of the sample partition, by key; any other key gets ``"1"``.
SAMPLE_VALUES = {"season": "2024", "league_id": "39", "country": "England"}


def engine_params(endpoint: Endpoint) -> set[str]:
    """Query parameters the engine sets itself (the page of a paginated request): the endpoint's
    params and extra params cannot claim them."""
    return {endpoint.page_param} if endpoint.page_param else set()


def normalized(name: str) -> str:
    """A distribution name as packaging compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def plugin_modules(distribution: str) -> dict[str, str]:
    """``{entry-point name: module}`` of the plugins a distribution declares (the built-ins'
    from the plugin manager's table too, so a source checkout needs no install)."""
    modules = {
        ep.name: ep.module for ep in importlib.metadata.entry_points(group="pitchlake")
        if ep.dist is not None and normalized(ep.dist.name) == normalized(distribution)
    }
    if normalized(distribution) == "pitchlake":
        modules.update(BUILTIN_PLUGINS)
    return modules


def provided_endpoints(distribution: str) -> dict[str, tuple[Endpoint, Provider]]:
    """``{endpoint name: (endpoint, provider)}`` of what the distribution registered."""
    found = registry()
    return {
        name: (found.endpoints[name], provider) for (kind, name), provider in sorted(found.providers.items())
        if kind == "endpoint" and normalized(provider.distribution) == normalized(distribution)
    }


def known_hooks() -> set[str]:
    return {name for name, value in vars(hookspecs).items() if hasattr(value, "pitchlake_spec")}


def envelopes(folders: Sequence[Path]) -> Iterator[tuple[Path, dict]]:
    """Every API envelope (a JSON object with ``get`` and ``response``) under the folders."""
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(document, dict) and "get" in document and "response" in document:
                yield path, document


def answers(endpoint: Endpoint, envelope: Mapping[str, Any]) -> bool:
    """Whether an envelope answers a request of this endpoint: same API path, and exactly the
    parameters the endpoint sends (plus ones a user may add). ``fixtures?league=&season=`` is a
    ``fixtures`` answer, not a ``fixture_details`` one (``fixtures?ids=``)."""
    if str(envelope["get"]).strip("/") != endpoint.path.strip("/"):
        return False
    names = set(envelope.get("parameters") or {})
    required = set(endpoint.params) | ({endpoint.batch_param} if endpoint.batch_param else set())
    return required <= names <= required | set(endpoint.extra_params) | engine_params(endpoint)


def staging_model_name(source: str, endpoint: str) -> str:
    """The dbt convention pitchlake follows: ``stg_<source>__<endpoint>``."""
    return f"stg_{source}__{endpoint}"


class EndpointPluginContract:
    """Inherit it, set ``distribution``; pytest collects the tests (the class name must start with
    ``Test``). Tests taking ``endpoint_name`` run once per endpoint the distribution registers."""

    distribution: ClassVar[str] = ""
    sample_data: ClassVar[Sequence[Path] | None] = None
    sample_values: ClassVar[Mapping[str, str]] = SAMPLE_VALUES
    #: Endpoint name -> recorded envelopes whose items stand for its answers although they were
    #: asked with other parameters (a real answer of the path filtered another way: the items have
    #: the same shape), for an endpoint whose own request has no recorded answer.
    stand_in_samples: ClassVar[Mapping[str, Sequence[Path]]] = {}
    dbt_project: ClassVar[Path] = Path(str(template() / DBT_FOLDER))

    def pytest_generate_tests(self, metafunc):
        if "endpoint_name" in metafunc.fixturenames:
            metafunc.parametrize("endpoint_name", sorted(provided_endpoints(self.distribution)))

    # -- fixtures ----------------------------------------------------------------------------

    @pytest.fixture
    def endpoint(self, endpoint_name) -> Endpoint:
        return provided_endpoints(self.distribution)[endpoint_name][0]

    @pytest.fixture
    def source(self, endpoint_name) -> str:
        """The dbt source of the endpoint: the entry-point name of the plugin that provides it."""
        return provided_endpoints(self.distribution)[endpoint_name][1].plugin

    @pytest.fixture
    def sample_partition(self, endpoint) -> dict[str, str]:
        values = {**SAMPLE_VALUES, **self.sample_values}
        return {key: str(values.get(key, "1")) for key in endpoint.partition_keys}

    # -- hooks -------------------------------------------------------------------------------

    def test_distribution_is_installed(self):
        assert self.distribution, f"{type(self).__name__}: set `distribution` to the name of the plugin's distribution"
        try:
            importlib.metadata.distribution(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{self.distribution} is not installed: pip install it (pip install -e . while developing)")
        assert plugin_modules(self.distribution), f"{self.distribution} declares no entry point in the group 'pitchlake'"

    def test_plugins_load_without_problems(self):
        problems = [problem for problem in registry().problems
                    if (match := re.match(r"plugin (\S+) ", problem)) and normalized(match[1]) == normalized(self.distribution)]
        assert not problems, "\n".join(problems)

    def test_only_known_hooks(self):
        known = known_hooks()
        for name, module_name in plugin_modules(self.distribution).items():
            module = importlib.import_module(module_name)
            for attribute, value in vars(module).items():
                options = getattr(value, "pitchlake_impl", None)
                if options is not None:
                    hook = options.get("specname") or attribute
                    assert hook in known, f"plugin {name} ({module_name}) implements {hook!r}, not a pitchlake hook; known: {', '.join(sorted(known))}"

    def test_registers_endpoints(self):
        assert provided_endpoints(self.distribution), f"{self.distribution} registers no endpoint: call register(Endpoint(...)) in register_endpoints"

    # -- names and partitions ----------------------------------------------------------------

    def test_name_is_a_config_name(self, endpoint):
        """An endpoint's own name is the default name of its config entry, so it keeps the name
        rule that config/endpoints.json, lake keys and the scaffold keep (:mod:`pitchlake.names`)."""
        assert is_valid_name(endpoint.name), (
            f"endpoint name {endpoint.name!r}: use {NAME_RULE} ({NAME_PATTERN}); it names the config entry, "
            "the lake folder, the Dagster asset and the dbt source table")
        for key in endpoint.partition_keys:
            assert is_valid_name(key), f"{endpoint.name}: partition key {key!r}: use {NAME_RULE}; it names a lake folder and a column"

    def test_sample_partition_renders_a_lake_key(self, endpoint, sample_partition):
        layout = Layout()
        key = layout.data_key(endpoint.name, tuple(endpoint.partition_keys), sample_partition, "2025-01-26")
        parsed = layout.parser(endpoint.name, tuple(endpoint.partition_keys)).match(key)
        assert parsed is not None and {k: parsed[k] for k in endpoint.partition_keys} == sample_partition, (
            f"{key} does not read back as partition {sample_partition}")

    def test_derived_endpoint_depends_on_installed_endpoints(self, endpoint):
        if endpoint.partition_source != "derived":
            assert not endpoint.depends_on, f"{endpoint.name}: depends_on only orders derived endpoints"
            return
        assert callable(endpoint.derive)
        missing = set(endpoint.depends_on) - set(registry().endpoints)
        assert not missing, f"{endpoint.name} derives from {sorted(missing)}, which no installed plugin provides"
        assert endpoint.name not in endpoint.depends_on, f"{endpoint.name} depends on itself"

    # -- params ------------------------------------------------------------------------------

    def test_params_fill_for_the_sample_partition(self, endpoint, sample_partition):
        params = endpoint.request_params(sample_partition)
        for name, value in params.items():
            assert value and "{" not in value and "}" not in value, f"{endpoint.name}: param {name}={value!r} for {sample_partition}"
        assert endpoint.params or endpoint.batch_param or not endpoint.partition_keys, (
            f"{endpoint.name}: every partition would send the same request: map partition keys to params")

    def test_extra_params_do_not_clash(self, endpoint):
        taken = set(endpoint.params) | engine_params(endpoint) | ({endpoint.batch_param} if endpoint.batch_param else set())
        clash = set(endpoint.extra_params) & taken
        assert not clash, f"{endpoint.name}: extra_params {sorted(clash)} are set by the endpoint or the engine"

    # -- the item schema ---------------------------------------------------------------------

    def test_schema_is_draft_2020_12(self, endpoint):
        declared = endpoint.item_schema.get("$schema", DRAFT_2020_12)
        assert declared == DRAFT_2020_12, f"{endpoint.name}: $schema is {declared!r}; pitchlake reads draft 2020-12"
        Draft202012Validator.check_schema(endpoint.item_schema)

    def test_schema_compiles_with_fastjsonschema(self, endpoint):
        """The runner validates every item with fastjsonschema before it writes anything."""
        fastjsonschema.compile({key: value for key, value in endpoint.item_schema.items() if key != "$schema"})

    def test_sample_items_match_the_schema(self, endpoint):
        folders = self.sample_data
        if folders is None:
            folders = [folder for plugin in plugin_modules(self.distribution)
                       if (folder := plugin_folder(plugin, SANDBOX_DATA_FOLDER)) is not None]
        samples = [(path, envelope) for path, envelope in envelopes(folders) if answers(endpoint, envelope)]
        samples += [(path, json.loads(Path(path).read_text(encoding="utf-8")))
                    for path in self.stand_in_samples.get(endpoint.name, ())]
        if not samples:
            pytest.skip(f"no sample envelope of /{endpoint.path} for {endpoint.name} in {', '.join(map(str, folders)) or 'no folder'}")
        for _, envelope in samples:
            check_items(endpoint, envelope)  # raises SchemaMismatch naming the item and the field

    # -- the dbt staging model ---------------------------------------------------------------

    def test_staging_model(self, endpoint, source):
        """Shipped in the plugin's ``dbt/`` folder (copied into the project by ``pitchlake render
        dbt``), or written in the dbt project for the built-ins."""
        file = f"{staging_model_name(source, endpoint.name)}.sql"
        text = plugin_models(source).get(file)
        where = f"the dbt/ folder of plugin {source}'s package"
        if text is None:
            path = Path(self.dbt_project) / STAGING_DIR / source / file
            assert path.is_file(), f"{endpoint.name}: no staging model {file} in {where} nor in {path.parent}"
            text, where = path.read_text(encoding="utf-8"), str(path)
        reference = rf"""source\(\s*['"]{re.escape(source)}['"]\s*,\s*['"]{re.escape(endpoint.name)}['"]\s*\)"""
        assert re.search(reference, text), f"{file} ({where}) does not read source('{source}', '{endpoint.name}')"
        switch = rf"""endpoints_enabled\(\s*['"]{re.escape(endpoint.name)}['"]\s*\)"""
        assert re.search(switch, text), (
            f"{file} ({where}) does not switch itself off when the endpoint is disabled: "
            f"start it with {{{{ config(enabled=pitchlake.endpoints_enabled('{endpoint.name}')) }}}}")
        try:
            jinja2.Environment(extensions=["jinja2.ext.do"]).parse(text)
        except jinja2.TemplateSyntaxError as exc:
            pytest.fail(f"{file} ({where}), line {exc.lineno}: {exc.message}")

