"""pitchlake as a user installs it, and as its image runs it.

The wheel is built from a copy of this checkout and pip-installed, not editable, with the extras
the image installs (read from compose/Dockerfile), into a fresh virtualenv in a temporary folder.
From there, in folders outside the checkout:

* the user path: ``init``, ``validate``, ``plan``, ``ingest`` against the sandbox twice (the second
  spends nothing), ``transform``, ``render dagster|stepfunctions|dbt --check``, ``dagster
  definitions validate`` on the code location, and ``demo`` in an empty folder;
* what ``init`` writes is the repository's own project, file for file;
* the image: a folder laid out as compose/Dockerfile lays out the image (its ``WORKDIR``, ``ENV``
  and ``COPY`` lines), the Dagster code location that compose names loaded from it, and the
  commands of the ECS task definitions in terraform/modules/compute, with their environment, run
  there: ingest one partition into moto's S3 from the sandbox, and ``transform --target
  snowflake`` on fakesnow's server. Neither writes outside the task's ``/tmp`` (the tasks' root
  file system is read-only).

The virtualenv's dependency versions are constrained to this environment's (``pip freeze``), so
the test checks pitchlake's packaging, not PyPI's newest releases; uv installs them (what pip
takes 90 s for, uv does in seconds), with its cache inside the checkout.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import hcl2
import pytest
from bench.bench_install import build_wheel

from pitchlake.project import OPTIONAL_PARTS, PARTS
from pitchlake.testing.moto import moto_client

from . import tools
from .recorded_lake import write_recorded_lake
from .rig import DATA, KEY, ROOT, TODAY

pytestmark = pytest.mark.timeout(1800)

DOCKERFILE = ROOT / "compose" / "Dockerfile"
COMPUTE = ROOT / "terraform" / "modules" / "compute" / "main.tf"
ASL = ROOT / "terraform" / "modules" / "workflow" / "state_machine.asl.json"
UV_CACHE = ROOT / ".cache" / "uv"
#: What the tests' own environment may not lend the installed one.
PRIVATE = ("PYTHONPATH", "VIRTUAL_ENV", "PITCHLAKE_", "FOOTBALL_API_KEY", "API_FOOTBALL_BASE_URL", "MINIO_", "AWS_",
           "SNOWFLAKE_", "DBT_", "DAGSTER_HOME")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` of compose/Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def image_env() -> dict[str, str]:
    """The variables of the Dockerfile's ``ENV`` lines."""
    return {key: value for instruction, arguments in dockerfile_instructions() if instruction == "ENV"
            for key, value in (pair.split("=", 1) for pair in shlex.split(arguments))}


def image_extras() -> str:
    """The extras the image installs the wheel with: ``dagster,dbt,snowflake``."""
    runs = [arguments for instruction, arguments in dockerfile_instructions() if instruction == "RUN" and "pip install" in arguments]
    assert len(runs) == 1, runs
    return re.search(r'pip install "\$1\[([a-z,]+)\]"', runs[0]).group(1)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtualenv outside the checkout with the wheel installed with the image's extras."""
    base = tmp_path_factory.mktemp("installed")
    wheel = build_wheel(base)

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True, text=True, check=True)
    constraints = base / "constraints.txt"
    constraints.write_text("".join(line + "\n" for line in frozen.stdout.splitlines() if not line.startswith("pitchlake")))
    tools.module("uv")
    # --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on CI), each command of the user path
    # would otherwise compile Dagster and dbt from source again
    command = [sys.executable, "-m", "uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", str(venv / "bin" / "python"),
               "-c", str(constraints), f"{wheel}[{image_extras()}]"]
    environment = {**os.environ, "UV_CACHE_DIR": str(UV_CACHE)}
    installed = subprocess.run(command, capture_output=True, text=True, timeout=1200, env=environment)
    if installed.returncode != 0 and "No solution found" in installed.stderr:
        # A release published while the suite runs can be pinned by the freeze yet missing from
        # the index page uv cached a moment earlier: ask the index again, once.
        installed = subprocess.run([*command, "--refresh"], capture_output=True, text=True, timeout=1200, env=environment)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    where = run(venv, "python", "-c", "import pitchlake; print(pitchlake.__file__)", cwd=base)
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr
    return venv


def environment(venv: Path, **extra: str) -> dict[str, str]:
    """A user's shell: the virtualenv's bin first, no variable of the test run's own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(PRIVATE)}
    # The test run's own virtualenv is on PATH too (make test puts it there): keep it out.
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if not (Path(entry) / "pitchlake").exists()]
    env.update(PATH=os.pathsep.join([str(venv / "bin"), *path]), DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")
    env.update(extra)
    return env


def run(venv: Path, program: str, *args: str, cwd: Path, env: dict[str, str] | None = None,
        timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / program), *args], cwd=cwd, env=env or environment(venv),
                          capture_output=True, text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def tracked(*parts: str) -> list[str]:
    """The repository's files of ``parts``, as git knows them."""
    listed = subprocess.run(["git", "ls-files", "--", *parts], cwd=ROOT, capture_output=True, text=True, check=True)
    return listed.stdout.split()


def pro_plan(project: Path) -> None:
    """The user's plan: Pro (300 a minute), so a sandbox run does not wait on the Free plan's 10."""
    config = project / "config" / "endpoints.json"
    document = json.loads(config.read_text())
    document["api"]["limits"] = {"per_day": 7500, "per_minute": 300}
    config.write_text(json.dumps(document, indent=2) + "\n")


# --- the user path --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(venv, tmp_path_factory) -> Path:
    """``pitchlake init my-lake --with compose,terraform`` in an empty folder outside the checkout."""
    home = tmp_path_factory.mktemp("home")
    out = ok(run(venv, "pitchlake", "init", "my-lake", "--with", ",".join(OPTIONAL_PARTS), cwd=home))
    assert "created a pitchlake project" in out
    return home / "my-lake"


def test_init_writes_the_repositorys_own_project(project):
    """No second copy that can drift: every file init writes is the repository's, and the other way round."""
    written = sorted(str(path.relative_to(project)) for path in project.rglob("*") if path.is_file())
    expected = tracked(*PARTS, *OPTIONAL_PARTS)
    assert sorted([*expected, "README.md", ".gitignore"]) == written
    for name in expected:
        assert (project / name).read_bytes() == (ROOT / name).read_bytes(), name
    readme = (project / "README.md").read_text()
    assert "# my-lake" in readme and "pitchlake validate" in readme and "`terraform/`" in readme


def test_init_refuses_to_overwrite_a_project(venv, project):
    again = run(venv, "pitchlake", "init", ".", cwd=project)
    assert again.returncode == 2 and "would be overwritten" in again.stderr and "--force" in again.stderr
    unknown = run(venv, "pitchlake", "init", "other", "--with", "kubernetes", cwd=project.parent)
    assert unknown.returncode == 2 and "unknown part(s) kubernetes" in unknown.stderr
    assert not (project.parent / "other").exists()


def test_the_whole_user_path_from_an_installed_wheel(venv, project, sandbox_factory, tmp_path):
    pro_plan(project)
    sandbox = sandbox_factory(data=[DATA], today=TODAY, keys=(KEY,), per_minute=300, per_day=7500)
    env = environment(venv, FOOTBALL_API_KEY=KEY, API_FOOTBALL_BASE_URL=sandbox.url, PITCHLAKE_TODAY=TODAY,
                      HOME=str(tmp_path), DAGSTER_HOME=str(tmp_path))

    assert "valid (7 endpoints enabled)" in ok(run(venv, "pitchlake", "validate", cwd=project, env=env))
    plan = json.loads(ok(run(venv, "pitchlake", "plan", "--json", cwd=project, env=env)))
    assert plan["estimated_requests"] > 0 and sandbox.stats()["total"] == 0, "planning asks the API nothing"

    first = ok(run(venv, "pitchlake", "ingest", cwd=project, env=env))
    spent = sandbox.stats()["total"]
    assert f"API requests: {spent};" in first and spent > 51  # 51 for the recorded 2024 season, then the current one
    assert sorted(path.name for path in (project / "lake" / "raw").iterdir()) == sorted(
        ["leagues", "teams", "venues", "fixtures", "fixture_details", "standings", "players"])
    assert "API requests: 0;" in ok(run(venv, "pitchlake", "ingest", cwd=project, env=env))
    assert sandbox.stats()["total"] == spent

    transformed = run(venv, "pitchlake", "transform", cwd=project, env=env)
    summary = ok(transformed)  # a summary, not dbt's log; no colour codes into a pipe
    assert summary.startswith("dbt build: 22 models (22 success); ") and " data tests (" in summary, summary
    assert f"dbt's full log: {project / 'dbt' / 'logs' / 'dbt.log'}" in summary and (project / "dbt" / "logs" / "dbt.log").exists()
    assert len(summary.splitlines()) == 2 and "\x1b[" not in transformed.stdout + transformed.stderr
    with duckdb.connect(str(project / "warehouse" / "pitchlake.duckdb"), read_only=True) as warehouse:
        top = warehouse.execute("select team_id, points from marts.league_table where season = 2024 and league_id = 39 "
                                "order by rank limit 1").fetchall()
    assert top == [(40, 84)]  # Liverpool, champions of the recorded 2024-25 season

    # The plan's per-minute limit sizes the state machine's Maps: stale until rendered again.
    stale = run(venv, "pitchlake", "render", "stepfunctions", "--check", cwd=project, env=env)
    assert stale.returncode == 1 and '"MaxConcurrency": 10,' in stale.stdout, stale.stdout + stale.stderr
    assert "wrote" in ok(run(venv, "pitchlake", "render", "stepfunctions", cwd=project, env=env))
    for adapter in ("dagster", "stepfunctions", "dbt"):
        assert "up to date" in ok(run(venv, "pitchlake", "render", adapter, "--check", cwd=project, env=env))
    # the same from another folder, naming the config
    checked = run(venv, "pitchlake", "render", "dbt", "--check", "--config", "my-lake/config/endpoints.json", cwd=project.parent, env=env)
    assert "up to date" in ok(checked)
    rendered = "".join((project / path).read_text() for path in
                       ("dagster/definitions.py", "dbt/models/staging/_sources.yml", "terraform/modules/workflow/state_machine.asl.json"))
    assert str(project) not in rendered and str(venv) not in rendered, "rendered files name no folder of the machine"

    validated = run(venv, "dagster", "definitions", "validate", "-w", "dagster/workspace.yaml", cwd=project, env=env)
    assert "Validation successful" in ok(validated) + validated.stderr


def test_the_wheel_offers_the_dagster_component_to_dg(venv, tmp_path):
    """``dg`` finds ``pitchlake_dagster.PitchlakeComponent`` through the installed wheel's entry
    point, and ``pitchlake init`` joins a ``dg`` project (examples/football_analytics, which
    test_dagster_factory.py loads and runs) keeping its README."""
    project = tmp_path / "football_analytics"
    shutil.copytree(ROOT / "examples" / "football_analytics", project)
    assert "kept the folder's own README.md" in ok(run(venv, "pitchlake", "init", cwd=project))
    listed = ok(run(venv, "python", "-c", (
        "from dagster.components.core.package_entry import discover_entry_point_package_objects as found\n"
        "print(sorted(f'{key.namespace}.{key.name}' for key in found()))"), cwd=project))
    assert "pitchlake_dagster.PitchlakeComponent" in listed


def test_demo_works_from_an_empty_folder(venv, tmp_path):
    """No project, no key: the demo creates the project (as init does) and runs on the sandbox's synthetic data."""
    empty = tmp_path / "empty"
    empty.mkdir()
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "notes").mkdir(parents=True)
    refused = run(venv, "pitchlake", "demo", cwd=elsewhere, env=environment(venv, HOME=str(tmp_path)))
    assert refused.returncode == 2 and "run `pitchlake init` first, or the demo in an empty folder" in refused.stderr
    assert [path.name for path in elsewhere.iterdir()] == ["notes"], "a folder with files in it is left alone"

    out = ok(run(venv, "pitchlake", "demo", cwd=empty, env=environment(venv, HOME=str(tmp_path))))
    assert "creating one, as `pitchlake init` does" in out
    requests = int(re.search(r"API requests: (\d+);", out).group(1))
    assert requests > 0 and f"the sandbox counted {requests} request(s)" in out
    assert "no recorded responses given (--data): every answer is synthesised" in out, "the demo says its data is made up"
    assert re.search(r"^\s+1 \S", out, re.M), "it ends with a league table"
    assert (empty / "config" / "endpoints.json").is_file() and (empty / "warehouse" / "pitchlake.duckdb").is_file()


# --- the image and the cloud tasks ----------------------------------------------------------------


@pytest.fixture(scope="module")
def image(venv, project, tmp_path_factory) -> Path:
    """A folder laid out as compose/Dockerfile lays out the image (its root), from the project;
    the image's build steps after the install run in it too."""
    root = tmp_path_factory.mktemp("image")
    workdir = root
    for instruction, arguments in dockerfile_instructions():
        if instruction == "WORKDIR":
            workdir = root / arguments.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction == "COPY":
            *sources, target = arguments.split()
            if sources == ["dist/"]:
                continue  # the wheel: installed in the virtualenv
            destination = root / target.lstrip("/") if target.startswith("/") else workdir / target
            for source in sources:
                copy = shutil.copytree if (project / source).is_dir() else shutil.copy
                destination.parent.mkdir(parents=True, exist_ok=True)
                copy(project / source, destination)
        elif instruction == "RUN" and arguments.startswith("dagster-dbt "):
            ok(subprocess.run(arguments, shell=True, cwd=workdir, env=environment(venv, **image_env(), HOME=str(root / "home")),
                              capture_output=True, text=True, timeout=600))
    (root / "home").mkdir(exist_ok=True)
    (root / "tmp").mkdir()
    return workdir


def image_files(root: Path) -> dict[str, int]:
    return {str(path): path.stat().st_mtime_ns for path in root.rglob("*") if "tmp" not in path.relative_to(root).parts}


def task_definitions() -> dict[str, dict]:
    """``{task: {"command": [...], "environment": {...}, "secrets": {...}}}`` from the compute module."""
    document = hcl2.loads(COMPUTE.read_text())
    tasks = next(block["tasks"] for block in document["locals"] if "tasks" in block)
    return {name: {"command": [_unquote(item) for item in task["command"]],
                   "environment": {key: _unquote(value) for key, value in task["environment"].items()},
                   "secrets": {key: _unquote(value) for key, value in task["secrets"].items()}}
            for name, task in tasks.items()}


def _unquote(value: str) -> str:
    """python-hcl2 keeps the quotes of string literals."""
    return json.loads(value) if value.startswith('"') and value.endswith('"') else value


def task_environment(venv: Path, image: Path, task: dict, values: dict[str, str], **test_only: str) -> dict[str, str]:
    """The container's environment: the image's ENV, the task definition's (Terraform references
    replaced by ``values``; the task's /tmp volume is the image's tmp/), and its secrets."""
    root = image.parents[1]
    env = image_env()
    for name, value in task["environment"].items():
        value = values[name] if "${" in value else value
        env[name] = str(root / value.lstrip("/")) if value.startswith("/tmp/") else value
    assert set(task["secrets"]) <= set(values), task["secrets"]
    env.update({name: values[name] for name in task["secrets"]})
    return environment(venv, **env, HOME=str(root / "home"), TMPDIR=str(root / "tmp"), **test_only)


def batch_command(work: str, batch: int) -> list[str]:
    """The ingest command the state machine gives a task for one batch of a work file."""
    expression = re.search(r"States\.Array\(('ingest', '--work'[^)]*)\)", ASL.read_text()).group(1)
    values = {"$.work": work, "$.batch": str(batch)}
    return [values[item] if item.startswith("$.") else item.strip("'") for item in (part.strip() for part in expression.split(","))]


def test_the_plan_and_ingest_tasks_fetch_one_partition_into_s3(venv, image, sandbox_factory, s3_env):
    """The two commands of the state machine's loop, in the image with the ingest task's
    environment: `plan` (narrowed here to one partition) writes the run's work to the lake, then
    `ingest --work ... --batch 1`, as the Map gives it, fetches that batch."""
    tasks = task_definitions()
    sandbox = sandbox_factory(data=[DATA], today=TODAY, keys=(KEY,), per_minute=300, per_day=7500)
    bucket = "pitchlake-image-lake"
    s3 = moto_client(s3_env)
    s3.create_bucket(Bucket=bucket)
    # The image's project is the shipped config: Free plan limits, a real API. The task gets the
    # sandbox's URL (a location, as the environment may give) and moto's S3 (as MinIO's).
    env = task_environment(venv, image, tasks["ingest"],
                           {"PITCHLAKE_LAKE": f"s3://{bucket}", "AWS_DEFAULT_REGION": "us-east-1", "FOOTBALL_API_KEY": KEY},
                           API_FOOTBALL_BASE_URL=sandbox.url, PITCHLAKE_TODAY=TODAY, MINIO_ENDPOINT=s3_env,
                           AWS_ACCESS_KEY_ID=os.environ["AWS_ACCESS_KEY_ID"], AWS_SECRET_ACCESS_KEY=os.environ["AWS_SECRET_ACCESS_KEY"],
                           PITCHLAKE_RUN="run-1")
    before = image_files(image.parents[1])
    ok(run(venv, "pitchlake", "plan", "--endpoint", "fixtures", "--season", "2024", "--league", "39", cwd=image, env=env))
    step = json.loads(s3.get_object(Bucket=bucket, Key="runs/run-1/next.json")["Body"].read())
    assert step["batches"] == 1 and sandbox.stats()["total"] == 0, step
    argv = batch_command(step["work"], 1)
    assert argv == ["ingest", "--work", "runs/run-1/work-1.json", "--batch", "1"]
    ok(run(venv, "pitchlake", *argv, cwd=image, env=env))
    assert sandbox.stats()["total"] == 1
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert [key for key in keys if key.startswith("raw/")] == [f"raw/fixtures/season=2024/league_id=39/ingestion_date={TODAY}/data.json"]
    assert "runs/run-1/work-1.batch-1.json" in keys
    assert image_files(image.parents[1]) == before, "the task wrote outside /tmp: its root file system is read-only"


def test_the_transform_task_builds_on_snowflake(venv, image, tmp_path):
    """``pitchlake transform --target snowflake`` with the task's environment, on fakesnow's
    server (dbt-snowflake talks HTTP to it), over external tables loaded from a recorded lake."""
    tools.module("fakesnow")
    snowflake = tools.module("snowflake.connector")
    from .test_dbt_snowflake import DATABASE, RAW, load_tables

    server = subprocess.Popen([sys.executable, "-m", "fakesnow", "-s", "--host", "127.0.0.1"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = _fakesnow_port(server)
        connection = snowflake.connect(host="127.0.0.1", port=port, protocol="http", account="fakesnow", user="fake",
                                       password="snow", database=DATABASE, schema=RAW)
        assert load_tables(connection.cursor(), [write_recorded_lake(tmp_path / "lake")], loaded=set()) > 5
        tasks = task_definitions()
        env = task_environment(venv, image, tasks["transform"], {
            "PITCHLAKE_LAKE": "s3://pitchlake-image-lake", "AWS_DEFAULT_REGION": "us-east-1",
            "SNOWFLAKE_ACCOUNT": "fakesnow", "SNOWFLAKE_USER": "fake", "SNOWFLAKE_ROLE": "TRANSFORMER",
            "SNOWFLAKE_DATABASE": DATABASE, "SNOWFLAKE_WAREHOUSE": "TRANSFORMING", "PITCHLAKE_RAW_SCHEMA": RAW,
            "SNOWFLAKE_PASSWORD": "snow"}, SNOWFLAKE_HOST="127.0.0.1", SNOWFLAKE_PORT=str(port), SNOWFLAKE_PROTOCOL="http",
            PITCHLAKE_DBT_THREADS="1")
        assert tasks["transform"]["command"] == ["transform", "--target", "snowflake"]
        before = image_files(image.parents[1])
        ok(run(venv, "pitchlake", *tasks["transform"]["command"], cwd=image, env=env, timeout=900))
        assert image_files(image.parents[1]) == before, "the task wrote outside /tmp: its root file system is read-only"
        top = connection.cursor().execute("select team_id, points from marts.league_table where season = 2024 "
                                          "and league_id = 39 order by rank limit 1").fetchall()
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert top == [(40, 84)]


def _fakesnow_port(server: subprocess.Popen) -> int:
    for line in server.stdout:
        found = re.search(r"127\.0\.0\.1:(\d+)", line)
        if found:
            return int(found.group(1))
    raise AssertionError("fakesnow's server did not say where it listens")


def test_compose_loads_the_code_location_of_the_image(venv, image, tmp_path):
    """The webserver's and the daemon's ``--workspace`` in compose, loaded from the image's folder."""
    compose = (ROOT / "compose" / "docker-compose.yml").read_text()
    workspace = re.search(r"dagster-daemon\", \"run\", \"--workspace\", \"([^\"]+)\"", compose).group(1)
    env = environment(venv, DAGSTER_HOME=str(tmp_path), HOME=str(tmp_path), PITCHLAKE_LAKE="s3://pitchlake-image-lake",
                      FOOTBALL_API_KEY=KEY)
    validated = run(venv, "dagster", "definitions", "validate", "-w", workspace, cwd=image, env=env)
    assert "Validation successful" in ok(validated) + validated.stderr
