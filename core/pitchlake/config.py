"""Loading ``config/endpoints.json``: JSON Schema first, then the rules a schema cannot express.

Every problem is reported at once as ``<file>: <JSON pointer>: <what was expected>``, so a user
fixes the whole file in one pass instead of one error per run.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match

from .lake import DEFAULT_LAYOUT, LAYOUT_FIELDS, LAYOUT_SUFFIX, Layout, UnsafeKeyError, check_partition_value, layout_placeholders
from .names import is_valid_name
from .project import CONFIG, project_root, template_file

DEFAULT_CONFIG = CONFIG
#: The largest value of an ``integer`` partition column (32-bit in the warehouse): the bound of
#: integer partition values, and of ``scope.leagues`` in the schema.
INTEGER_MAX = 2**31 - 1
#: A file this deep is no config, and Python's json and jsonschema would overflow the stack on it.
NESTED = "nested too deeply to be a config"


#: Environment variables whose values never appear in a message, even when a user pasted one
#: into the config by mistake and a schema error quotes it back.
SECRET_VARIABLES = ("FOOTBALL_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "MINIO_ROOT_PASSWORD")


def redact(text: str, *secrets: str | None) -> str:
    """``text`` without the values of :data:`SECRET_VARIABLES` nor ``secrets`` (e.g. a key an
    orchestrator holds in a resource rather than the environment)."""
    for name in SECRET_VARIABLES:
        value = os.environ.get(name, "")
        if len(value) >= 4:
            text = text.replace(value, f"<{name}>")
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


#: What a message shows in place of a value the user gave that is no name.
NOT_A_NAME = "<not a name>"


def shown_name(value: object) -> str:
    """A name the user gave (a plugin, an endpoint, an adapter), as a message shows it: unquoted,
    like every value in pitchlake's messages, when it keeps the name rule (:mod:`pitchlake.names`);
    anything else could be a key pasted in the wrong place, and is never echoed."""
    return value if is_valid_name(value) else NOT_A_NAME  # type: ignore[return-value]


@dataclass(frozen=True)
class Problem:
    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return redact(f"{self.file}: {self.pointer or '/'}: {self.message}")


@dataclass(frozen=True)
class EnvironmentProblem(Problem):
    """A problem of an environment variable that overrides a config value: ``file`` is the
    variable's name, ``pointer`` the config value it overrides."""

    def __str__(self) -> str:
        return redact(f"{self.file} (environment variable, overrides {self.pointer}): {self.message}")


class ConfigError(Exception):
    """The config is not usable; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Limits:
    per_day: int
    per_minute: int


@dataclass(frozen=True)
class ApiConfig:
    base_url: str
    auth: str
    limits: Limits
    rapidapi_host: str = "api-football-v1.p.rapidapi.com"
    timeout_seconds: float = 30
    max_retries: int = 5
    concurrency: int = 8


@dataclass(frozen=True)
class LakeConfig:
    uri: str
    layout: str = DEFAULT_LAYOUT
    create_bucket: bool = False


@dataclass(frozen=True)
class Scope:
    """The config's ``scope`` as written: named lists of partition values, and whatever else the
    endpoint plugins read from it. The engine gives it no meaning of its own: an endpoint says
    which list enumerates which of its partition keys (``Endpoint.scope_keys``) and what else of
    it it reads (which partitions are closed, say)."""

    fields: Mapping[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def values(self, name: str) -> tuple:
        """The list ``name`` of the scope (empty when it has none)."""
        value = self.fields.get(name)
        return tuple(value) if isinstance(value, (list, tuple)) else ()


@dataclass(frozen=True)
class Defaults:
    """The config's ``defaults``: what an endpoint entry that says nothing else gets, and what
    applies to the whole run where one value serves every endpoint (the Step Functions adapter's
    single schedule)."""

    refresh: str = "auto"
    schedule: str = "0 6 * * *"


@dataclass(frozen=True)
class EndpointConfig:
    """One enabled endpoint: the plugin it runs and the user's overrides."""

    name: str
    plugin: str
    params: dict[str, Any] = field(default_factory=dict)
    partitions: dict[str, tuple] = field(default_factory=dict)
    refresh: str = Defaults.refresh
    schedule: str = Defaults.schedule


@dataclass(frozen=True)
class Config:
    path: Path
    api: ApiConfig
    lake: LakeConfig
    scope: Scope
    endpoints: tuple[EndpointConfig, ...]
    defaults: Defaults = Defaults()

    @property
    def root(self) -> Path:
        """The project folder: what ``dbt/``, ``warehouse/``, rendered files and relative lake
        URIs are relative to (see :func:`pitchlake.project.project_root`)."""
        return project_root(self.path)

    def endpoint(self, name: str) -> EndpointConfig:
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        raise KeyError(f"no enabled endpoint named {name!r} in {self.path}")


@cache
def schema() -> dict:
    """The JSON Schema the package ships (the project's ``schemas/`` copy is for editors)."""
    return json.loads(template_file("schemas", "endpoints.schema.json").read_text(encoding="utf-8"))


def _pointer(path) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _order(problem: Problem) -> tuple:
    """Problems by pointer, array indexes as numbers: ``/endpoints/2`` before ``/endpoints/10``, as in the file."""
    segments = problem.pointer.split("/")[1:]
    return [(0, int(part), "") if part.isdecimal() else (1, 0, part) for part in segments], problem.message


_SECRET_KEYS = {"key", "api_key", "apikey", "token", "secret", "password"}

#: JSON Schema's integer is any number without a fraction (39.0 would be league 39), and Python's
#: json reads NaN, Infinity and 1e400 as floats that pass every bound: neither is what a config means.
_Validator = validators.extend(Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({
    "integer": lambda _, value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda _, value: (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and math.isfinite(value)),
}))
_TYPES = {"object": "an object", "array": "an array", "string": "a string", "integer": "an integer", "number": "a finite number",
          "boolean": "a boolean"}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _either(options: list[str]) -> str:
    return options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]


def _expected(error) -> str:
    """What the schema expected, never the value found: a key pasted into the wrong field must
    not end up in a terminal or a CI log (the pointer says where to look)."""
    value = error.validator_value
    match error.validator:
        case "type":
            return "expected " + _either([_TYPES[name] for name in ([value] if isinstance(value, str) else value)])
        case "enum":
            return "expected one of " + ", ".join(json.dumps(option) for option in value)
        case "const":
            return f"expected {json.dumps(value)}"
        case "pattern":
            return error.schema.get("patternErrorMessage", f"expected a string matching {value}")
        case "minimum":
            return f"expected at least {value}"
        case "maximum":
            return f"expected at most {value}"
        case "exclusiveMinimum":
            return f"expected more than {value}"
        case "minItems":
            return f"expected at least {_plural(value, 'item')}"
        case "uniqueItems":
            return "expected no duplicates"
        case "minLength":
            return f"expected at least {_plural(value, 'character')}"
        case "required":
            return error.message  # the missing key, a name of the schema's
    return f"expected {error.validator} {json.dumps(value)}"


def _schema_problems(file: str, document: Any) -> list[Problem]:
    problems = []
    # For oneOf/anyOf-style errors, the most specific sub-error says more than the summary.
    errors = [best_match([error]) if error.context else error for error in _Validator(schema()).iter_errors(document)]
    # A value of the wrong type gets that one message, not also the bounds it was not checked against.
    mistyped = {_pointer(error.absolute_path) for error in errors if error.validator == "type"}
    for error in errors:
        if error.validator != "type" and _pointer(error.absolute_path) in mistyped:
            continue
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(allowed)):
                hint = "; the API key never goes in the file: set FOOTBALL_API_KEY" if key.lower() in _SECRET_KEYS else ""
                problems.append(Problem(file, _pointer([*error.absolute_path, key]), f"unknown key; expected one of {', '.join(allowed)}{hint}"))
            continue
        problems.append(Problem(file, _pointer(error.absolute_path), _expected(error)))
    return problems


def _semantic_problems(file: str, document: Any, endpoints: dict, backends: dict) -> list[Problem]:
    """Rules the schema cannot express; ``endpoints`` and ``backends`` are the registry's tables.

    Runs on documents that failed the schema too, looking only at the parts it can make sense
    of, so that one pass reports every problem."""
    if not isinstance(document, dict):
        return []
    problems = []
    # What the scope means is the endpoints' to say (and so are its rules); duplicates of
    # several endpoints of one plugin are dropped with the others below.
    scope = document.get("scope") if isinstance(document.get("scope"), dict) else {}
    for endpoint in endpoints.values():
        problems += [Problem(file, f"/scope{pointer}", message) for pointer, message in endpoint.scope_problems(scope)]

    seen: dict[str, int] = {}
    enabled = []
    entries = document.get("endpoints") if isinstance(document.get("endpoints"), list) else []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("plugin"), str):
            continue
        where = ["endpoints", index]
        name = entry.get("name", entry["plugin"])
        if isinstance(name, str):  # the schema reports any other name, which could not even be looked up
            if name in seen:
                problems.append(Problem(file, _pointer([*where, "name" if "name" in entry else "plugin"]),
                                        f"duplicate endpoint name {shown_name(name)} (also /endpoints/{seen[name]}); set a distinct name"))
            seen.setdefault(name, index)
        endpoint = endpoints.get(entry["plugin"])
        if endpoint is None:
            installed = ", ".join(sorted(endpoints)) or "none"
            problems.append(Problem(file, _pointer([*where, "plugin"]),
                                    f"no installed plugin provides endpoint {shown_name(entry['plugin'])}; installed: {installed}"))
            continue
        for param in entry.get("params", {}) if isinstance(entry.get("params"), dict) else ():
            if param not in endpoint.extra_params:
                allowed = ", ".join(sorted(endpoint.extra_params)) or "none"
                problems.append(Problem(file, _pointer([*where, "params", param]),
                                        f"endpoint {endpoint.name} does not declare param {shown_name(param)}; declared: {allowed}"))
        for key, values in entry.get("partitions", {}).items() if isinstance(entry.get("partitions"), dict) else ():
            if key not in endpoint.partition_keys:
                declared = ", ".join(endpoint.partition_keys) or "none"
                problems.append(Problem(file, _pointer([*where, "partitions", key]),
                                        f"endpoint {endpoint.name} has no partition key {shown_name(key)}; its keys: {declared}"))
            for position, value in enumerate(values if isinstance(values, list) else ()):
                message = _partition_value_problem(endpoint, key, value)
                if message:
                    problems.append(Problem(file, _pointer([*where, "partitions", key, position]), message))
        if entry.get("enabled", True):
            enabled.append(endpoint)

    lake = document.get("lake") if isinstance(document.get("lake"), dict) else {}
    uri = lake.get("uri")
    if isinstance(uri, str) and uri.split("://", 1)[0] not in backends:  # as open_lake finds the backend
        problems.append(Problem(file, "/lake/uri", _no_backend(backends)))
    layout = lake.get("layout", DEFAULT_LAYOUT)
    if isinstance(layout, str):
        problems += _layout_problems(file, layout, enabled)
    return problems


def _partition_value_problem(endpoint, key: str, value: Any) -> str | None:
    """What is wrong with one value of a ``partitions`` override, or None. The value becomes a
    column of the key's type in the warehouse and a path segment in the lake."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None  # the schema said what it expected
    if endpoint.column_type(key) == "integer":
        if isinstance(value, int) and 0 <= value <= INTEGER_MAX:
            return None
        return f"expected an integer from 0 to {INTEGER_MAX}: {key!r} is an integer column"
    try:
        check_partition_value(key, value)
    except UnsafeKeyError as exc:
        # The lake's rule, without the value its message quotes.
        return f"unsafe value for partition key {key!r}: {str(exc).rsplit(': ', 1)[1]}"
    return None


def _layout_problems(file: str, layout: str, enabled: list) -> list[Problem]:
    try:
        names = layout_placeholders(layout)
    except ValueError as exc:
        return [Problem(file, "/lake/layout", f"not a valid template: {exc}")]
    problems = []
    if "endpoint" not in names:
        problems.append(Problem(file, "/lake/layout", "layout must contain {endpoint}"))
    if not layout.endswith(LAYOUT_SUFFIX):
        problems.append(Problem(file, "/lake/layout", f"layout must end with {LAYOUT_SUFFIX!r}: ingestion_date is always the last partition"))
    elif names.count("ingestion_date") > 1:
        problems.append(Problem(file, "/lake/layout", f"{{ingestion_date}} belongs only in the layout's end, {LAYOUT_SUFFIX!r}"))
    keys = {key for endpoint in enabled for key in endpoint.partition_keys}
    unknown = [name for name in names if name not in LAYOUT_FIELDS and name not in keys]
    for name in unknown:
        problems.append(Problem(file, "/lake/layout", f"unknown placeholder {{{name}}}; expected {', '.join(LAYOUT_FIELDS)} or a partition key"))
    if "partitions" not in names:
        for endpoint in enabled:
            for key in endpoint.partition_keys:
                if key not in names:
                    problems.append(Problem(file, "/lake/layout", f"layout is missing partition key {{{key}}} of endpoint {endpoint.name} (or use {{partitions}})"))
    if not unknown:
        problems += _layout_key_problems(file, Layout(layout), enabled)
    return problems


def _layout_key_problems(file: str, layout: Layout, enabled: list) -> list[Problem]:
    """The key each enabled endpoint would write, made with the lake's own code and checks: a
    layout that escapes the lake (``/etc/...``, ``../``, ``\\``) or names a key some endpoint has
    not fails here rather than in the middle of a run."""
    problems = []
    for endpoint in enabled:
        keys = endpoint.partition_keys
        try:
            layout.data_key(endpoint.name, keys, dict.fromkeys(keys, "0"), "0")
        except KeyError as exc:
            problems.append(Problem(file, "/lake/layout", f"endpoint {endpoint.name} has no partition key {{{shown_name(exc.args[0])}}}; use {{partitions}}"))
        except UnsafeKeyError:
            problems.append(Problem(file, "/lake/layout", "expected keys inside the lake: relative, '/'-separated, no '..' segments or '\\'"))
        except ValueError as exc:
            problems.append(Problem(file, "/lake/layout", f"not a valid template: {exc}"))
    return problems


def _parse(path: Path) -> Any:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(file, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(file, "", f"cannot read: {exc}")]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([Problem(file, "", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]) from None
    except RecursionError:
        raise ConfigError([Problem(file, "", NESTED)]) from None
    except ValueError:  # Python reads no integer of more than 4300 digits
        raise ConfigError([Problem(file, "", "not valid JSON here: a number is too long")]) from None


#: The environment variables that override a config value, and the value's path in the config:
#: each is checked as that value is (its schema, then the installed plugins), its name in the message.
ENVIRONMENT_OVERRIDES = {"API_FOOTBALL_BASE_URL": ("api", "base_url"), "PITCHLAKE_LAKE": ("lake", "uri")}


def environment_problems(backends: dict | None = None) -> list[Problem]:
    """What is wrong with the overrides the environment sets (an empty variable is unset: the
    config's value applies); ``backends`` defaults to the installed lake backends. The messages
    say what was expected, never the value: a key pasted into the wrong variable must not end up
    in a terminal or a CI log. :func:`load_config` reports them with the config's problems."""
    if backends is None:
        from .plugins import registry

        backends = registry().lake_backends
    problems: list[Problem] = []
    for name, path in ENVIRONMENT_OVERRIDES.items():
        value = os.environ.get(name)
        if not value:
            continue
        node = schema()
        for part in path:
            node = node["properties"][part]
        pointer = _pointer(path)
        errors = [best_match([error]) if error.context else error for error in _Validator(node).iter_errors(value)]
        problems += [EnvironmentProblem(name, pointer, _expected(error)) for error in errors]
        if not errors and path == ("lake", "uri") and value.split("://", 1)[0] not in backends:
            problems.append(EnvironmentProblem(name, pointer, _no_backend(backends)))
    return problems


def _no_backend(backends: dict) -> str:
    installed = ", ".join(f"{known}://" for known in sorted(backends)) or "none"
    return f"no installed lake backend handles this scheme; installed: {installed}"


def lake_uri(uri: str, base: Path) -> str:
    """``uri`` with a relative ``file://`` path made absolute against ``base``: the project folder
    for the config's ``lake.uri``, the working directory for ``PITCHLAKE_LAKE``."""
    if uri.startswith("file://") and not uri.startswith("file:///") and len(uri) > len("file://"):
        return "file://" + str((base / uri[len("file://"):]).resolve())
    return uri


def load_config(path: str | os.PathLike = DEFAULT_CONFIG, endpoints: dict | None = None) -> Config:
    """Load, validate and type the config; ``PITCHLAKE_LAKE`` and ``API_FOOTBALL_BASE_URL``
    override the lake URI and the base URL (locations only: nothing else comes from the
    environment, and the key never comes from the file)."""
    from .plugins import registry

    if endpoints is None:
        endpoints = registry().endpoints
    path = Path(path)
    file = str(path)
    document = _parse(path)
    try:
        problems = _schema_problems(file, document)
        # Where the schema already said what it expected, the rules beyond it have nothing to add.
        spoken = {problem.pointer for problem in problems}
        problems += [problem for problem in _semantic_problems(file, document, endpoints, registry().lake_backends)
                     if problem.pointer not in spoken]
    except RecursionError:  # comparing deep lists for uniqueItems, say
        raise ConfigError([Problem(file, "", NESTED)]) from None
    environment = environment_problems(registry().lake_backends)
    if problems or environment:
        raise ConfigError(sorted(set(problems), key=_order) + environment)

    api, lake, scope = document["api"], document["lake"], document["scope"]
    lake_env = os.environ.get("PITCHLAKE_LAKE")
    defaults = Defaults(**document.get("defaults", {}))
    return Config(
        path=path,
        api=ApiConfig(
            base_url=os.environ.get("API_FOOTBALL_BASE_URL") or api["base_url"],
            auth=api["auth"],
            limits=Limits(**api["limits"]),
            rapidapi_host=api.get("rapidapi_host", ApiConfig.rapidapi_host),
            timeout_seconds=api.get("timeout_seconds", ApiConfig.timeout_seconds),
            max_retries=api.get("max_retries", ApiConfig.max_retries),
            concurrency=api.get("concurrency", ApiConfig.concurrency),
        ),
        lake=LakeConfig(
            uri=lake_uri(lake_env, Path.cwd()) if lake_env else lake_uri(lake["uri"], project_root(path)),
            layout=lake.get("layout", DEFAULT_LAYOUT),
            create_bucket=lake.get("create_bucket", False),
        ),
        scope=Scope({name: tuple(value) if isinstance(value, list) else value for name, value in scope.items()}),
        endpoints=tuple(
            EndpointConfig(
                name=entry.get("name", entry["plugin"]),
                plugin=entry["plugin"],
                params=dict(entry.get("params", {})),
                partitions={key: tuple(values) for key, values in entry.get("partitions", {}).items()},
                refresh=entry.get("refresh", defaults.refresh),
                schedule=entry.get("schedule", defaults.schedule),
            )
            for entry in document["endpoints"]
            if entry.get("enabled", True)
        ),
        defaults=defaults,
    )
