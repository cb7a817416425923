"""Terraform without a cloud: every file parses (python-hcl2), every reference points at something
declared, modules get exactly the inputs they declare, the Snowflake external tables are the SSOT's
enabled endpoints, IAM is as narrow as promised, and checkov finds nothing to fail.

Where a terraform binary and a local mirror of the AWS provider exist (there is no registry access),
the AWS modules are also formatted, validated and planned against moto's server; the Snowflake
module cannot be (no provider), and nothing is ever planned against AWS or Snowflake.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import hcl2
import pytest

from pitchlake.config import load_config
from pitchlake.lake import Layout
from pitchlake.plugins import registry
from pitchlake.transform import STATE_FOLDER
from pitchlake.work import RUNS_FOLDER

from . import tools

ROOT = Path(__file__).resolve().parents[1]
TERRAFORM = ROOT / "terraform"
MODULES = TERRAFORM / "modules"
EXAMPLE = TERRAFORM / "envs" / "example"
SSOT = ROOT / "config" / "endpoints.json"
META_ARGUMENTS = {"source", "version", "providers", "depends_on", "count", "for_each"}


def unquote(label: str) -> str:
    return label.strip('"')


@cache
def module(directory: Path) -> dict[str, list]:
    """Every top-level block of a Terraform module (one directory), from all its .tf files."""
    blocks: dict[str, list] = {}
    for path in sorted(directory.glob("*.tf")):
        with path.open() as handle:
            for kind, entries in hcl2.load(handle).items():
                blocks.setdefault(kind, []).extend(entries)
    return blocks


def declared(directory: Path) -> dict[str, set]:
    blocks = module(directory)
    labels = lambda kind: {unquote(name) for entry in blocks.get(kind, []) for name in entry}  # noqa: E731
    typed = lambda kind: {(unquote(type_), unquote(name)) for entry in blocks.get(kind, [])  # noqa: E731
                          for type_, named in entry.items() for name in named}
    return {
        "var": labels("variable"),
        "local": {name for entry in blocks.get("locals", []) for name in entry if not name.startswith("__")},
        "module": labels("module"),
        "data": typed("data"),
        "resource": typed("resource"),
        "output": labels("output"),
    }


def variables(directory: Path) -> dict[str, dict]:
    return {unquote(name): body for entry in module(directory).get("variable", []) for name, body in entry.items()}


def strings(node):
    """Every expression and string in a parsed file (comments and parser markers left out)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith("__"):
                yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def directories() -> list[Path]:
    return sorted({path.parent for path in TERRAFORM.rglob("*.tf")})


def module_source(call: dict, directory: Path) -> Path:
    return (directory / unquote(call["source"])).resolve()


def test_every_tf_file_parses_and_every_module_is_there():
    assert {path.relative_to(TERRAFORM).as_posix() for path in directories()} == {
        "envs/example", "modules/compute", "modules/lake", "modules/snowflake", "modules/workflow"}
    for directory in directories():
        assert module(directory), directory


@pytest.mark.parametrize("directory", directories(), ids=lambda path: path.relative_to(TERRAFORM).as_posix())
def test_references_resolve(directory):
    names = declared(directory)
    calls = {unquote(name): body for entry in module(directory).get("module", []) for name, body in entry.items()}
    problems = []
    for text in strings(module(directory)):
        for name in re.findall(r"\bvar\.([A-Za-z_][\w-]*)", text):
            if name not in names["var"]:
                problems.append(f"var.{name}")
        for name in re.findall(r"\blocal\.([A-Za-z_][\w-]*)", text):
            if name not in names["local"]:
                problems.append(f"local.{name}")
        for name, output in re.findall(r"\bmodule\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)", text):
            if name not in names["module"]:
                problems.append(f"module.{name}")
            elif output not in declared(module_source(calls[name], directory))["output"]:
                problems.append(f"module.{name}.{output} (no such output)")
        for type_, name in re.findall(r"\bdata\.([a-z][\w]*)\.([A-Za-z_][\w-]*)", text):
            if (type_, name) not in names["data"]:
                problems.append(f"data.{type_}.{name}")
        for type_, name in re.findall(r"(?<![\w.])((?:aws|snowflake)_[a-z0-9_]+)\.([A-Za-z_][\w-]*)", text):
            if (type_, name) not in names["resource"]:
                problems.append(f"{type_}.{name}")
    assert problems == [], f"{directory.relative_to(ROOT)}: undeclared references {sorted(set(problems))}"


def test_module_inputs_match_their_variables():
    for directory in directories():
        for entry in module(directory).get("module", []):
            for name, call in entry.items():
                source = module_source(call, directory)
                assert source.is_dir(), f"module {name}: no {source}"
                declared_variables = variables(source)
                given = set(call) - META_ARGUMENTS - {key for key in call if key.startswith("__")}
                assert given <= set(declared_variables), f"module {name}: unknown inputs {given - set(declared_variables)}"
                required = {var for var, body in declared_variables.items() if "default" not in body}
                assert required <= given, f"module {name}: missing inputs {required - given}"


def test_the_state_machine_is_filled_in_from_the_rendered_definition():
    """templatefile() fills exactly the placeholders the rendered ASL has."""
    main = (MODULES / "workflow" / "main.tf").read_text()
    call = re.search(r'templatefile\("\$\{path\.module\}/state_machine\.asl\.json", \{(.*?)\}\)', main, re.S)
    assert call, "the state machine definition is not loaded with templatefile()"
    given = set(re.findall(r"^\s*(\w+)\s*=", call[1], re.M))
    asl = (MODULES / "workflow" / "state_machine.asl.json").read_text()
    assert given == set(re.findall(r"\$\{(\w+)\}", asl))
    # Everything else of the file is plain JSON, so no other templatefile syntax may appear.
    assert "%{" not in asl and "$${" not in asl


def test_the_schedule_comes_from_the_ssot():
    rendered = json.loads((MODULES / "workflow" / "workflow.json").read_text())
    assert rendered["schedule_cron"] == json.loads(SSOT.read_text())["defaults"]["schedule"]
    main = (MODULES / "workflow" / "main.tf").read_text()
    assert re.search(r"\n  schedule_expression\s+= local\.rendered\.schedule_expression\n", main)


def enabled_endpoints() -> dict[str, str]:
    """Name -> plugin of the SSOT's enabled endpoints, a name defaulting to its plugin's."""
    return {entry.get("name", entry["plugin"]): entry["plugin"]
            for entry in json.loads(SSOT.read_text())["endpoints"] if entry.get("enabled", True)}


def test_external_tables_cover_exactly_the_enabled_endpoints():
    snowflake = module(MODULES / "snowflake")
    tables = [body for entry in snowflake["resource"] for type_, named in entry.items()
              if unquote(type_) == "snowflake_external_table" for body in named.values()]
    assert len(tables) == 1 and tables[0]["for_each"] == "${local.endpoints}"
    local = {name: value for entry in snowflake["locals"] for name, value in entry.items()}
    # for_each goes over the SSOT's own list, enabled entries only, names defaulting to the plugin.
    assert local["ssot"] == "${jsondecode(file(var.ssot_path))}"
    assert re.fullmatch(r"\$\{\{for entry in local\.ssot\.endpoints : try\(entry\.name, entry\.plugin\) => "
                        r"local\.rendered\[try\(entry\.name, entry\.plugin\)\] if try\(entry\.enabled, true\)\}\}", local["endpoints"])
    example = module(EXAMPLE)["locals"][0]
    ssot_path = example["ssot_path"].strip('"').replace("${path.root}", str(EXAMPLE))
    assert Path(ssot_path).resolve() == SSOT

    # The per-endpoint facts only plugins know, rendered from the SSOT: the same endpoints.
    config = load_config(SSOT, registry().endpoints)
    rendered = json.loads((MODULES / "snowflake" / "endpoints.json").read_text())["endpoints"]
    assert set(rendered) == set(enabled_endpoints())
    layout = Layout(config.lake.layout)
    for name, plugin in enabled_endpoints().items():
        assert rendered[name]["plugin"] == plugin
        assert rendered[name]["partition_keys"] == list(registry().endpoints[plugin].partition_keys)
        assert rendered[name]["location"] == layout.prefix(name)

    table = tables[0]
    columns = [column for block in table["dynamic"] for column in block.values()][0]["content"][0]
    assert "metadata$filename, '/${column.value}='" in columns["as"]
    assert "INGESTION_DATE" in table["partition_by"]


def test_raw_prefix_is_where_the_layout_writes():
    """The IAM prefix (raw/) comes from the SSOT's layout; every endpoint's data is under it."""
    example = module(EXAMPLE)["locals"][0]
    assert "jsondecode(file(local.ssot_path)).lake.layout" in example["raw_prefix"]
    layout = json.loads(SSOT.read_text())["lake"]["layout"]
    prefix = layout.split("/")[0] + "/"
    assert prefix == "raw/"
    rendered = json.loads((MODULES / "snowflake" / "endpoints.json").read_text())["endpoints"]
    assert all(table["location"].startswith(prefix) for table in rendered.values())


def policy_statements(directory: Path, document: str) -> list[dict]:
    for entry in module(directory)["data"]:
        for type_, named in entry.items():
            for name, body in named.items():
                if unquote(type_) == "aws_iam_policy_document" and unquote(name) == document:
                    return body["statement"]
    raise AssertionError(f"no policy document {document}")


def actions_on(statements: list[dict]) -> dict[str, list]:
    found: dict[str, list] = {}
    for statement in statements:
        for action in statement["actions"]:
            found.setdefault(unquote(action), []).append(statement)
    return found


def test_the_ingest_task_may_write_only_under_raw():
    compute = MODULES / "compute"
    ingest = actions_on(policy_statements(compute, "ingest"))
    local = {name: value for entry in module(compute)["locals"] for name, value in entry.items()}
    assert local["raw_arn"] == '"${var.bucket_arn}/${var.raw_prefix}*"'
    # and the quarantine's copies of corrupt objects (docs/design.md), outside what dbt reads
    # and a run's work under runs/ (pitchlake.work: the plan and ingest tasks of the state machine)
    assert local["runs_arn"] == '"${var.bucket_arn}/${local.runs_prefix}*"' and local["runs_prefix"] == f'"{RUNS_FOLDER}/"'
    assert [[unquote(resource) for resource in statement["resources"]] for statement in ingest["s3:PutObject"]] == [
        ["${local.raw_arn}"], ["${local.runs_arn}"], ["${var.bucket_arn}/_quarantine/${var.raw_prefix}*"]]
    assert [[unquote(resource) for resource in statement["resources"]] for statement in ingest["s3:GetObject"]] == [
        ["${local.raw_arn}"], ["${local.runs_arn}"]]
    # the runner deletes merged _pages/, its _lease.json, and a data.json only once quarantined
    assert [[unquote(resource) for resource in statement["resources"]] for statement in ingest["s3:DeleteObject"]] == [
        ["${local.raw_arn}/_pages/*", "${local.raw_arn}/_lease.json", "${local.raw_arn}/data.json"]]
    for statement in ingest["s3:ListBucket"]:
        assert statement["condition"], "every LIST of the lake is narrowed by a condition"
    transform = actions_on(policy_statements(compute, "transform"))
    # it reads raw/ and writes only its own state (pitchlake.transform.STATE_FOLDER)
    assert transform["s3:GetObject"][0]["resources"] == ["${local.raw_arn}"]
    assert [[unquote(resource) for resource in statement["resources"]] for statement in transform["s3:PutObject"]] == [
        [f"${{var.bucket_arn}}/{STATE_FOLDER}/*"]]


def test_the_state_machine_may_run_only_the_pitchlake_tasks():
    statements = actions_on(policy_statements(MODULES / "workflow", "state_machine"))
    assert statements["ecs:RunTask"][0]["resources"] == "${values(var.task_definition_arns)}"
    assert statements["iam:PassRole"][0]["resources"] == "${var.task_role_arns}"
    rule = statements["events:PutRule"][0]
    assert rule is statements["events:PutTargets"][0] is statements["events:DescribeRule"][0]
    assert rule["resources"][0].endswith(':rule/StepFunctionsGetEventsForECSTaskRule"')
    # it reads the runs' work the plan task writes (next.json, the Map's items), nothing else, no write
    assert [[unquote(resource) for resource in statement["resources"]] for statement in statements["s3:GetObject"]] == [
        ["${local.runs_arn}"]]
    assert not any(action.startswith("s3:") and action != "s3:GetObject" for action in statements)
    main = {name: value for entry in module(MODULES / "workflow")["locals"] for name, value in entry.items()}
    assert main["runs_arn"] == '"arn:${local.partition}:s3:::${var.bucket_name}/${local.rendered.runs_folder}/*"'
    assert json.loads((MODULES / "workflow" / "workflow.json").read_text())["runs_folder"] == RUNS_FOLDER
    # the Map is always distributed (it reads its items from S3): it starts and watches its children
    assert statements["states:StartExecution"] and statements["states:DescribeExecution"]


def test_credentials_are_secrets_never_values():
    """The API key and the Snowflake password reach the containers only as `secrets` entries
    (Secrets Manager ARNs); no variable, environment value or secret version holds them."""
    compute = MODULES / "compute"
    tasks = {name: value for entry in module(compute)["locals"] for name, value in entry.items()}["tasks"]
    assert tasks["ingest"]["secrets"] == {"FOOTBALL_API_KEY": '"football_api_key"'}
    assert tasks["transform"]["secrets"] == {"SNOWFLAKE_PASSWORD": '"snowflake_password"'}
    for task in tasks.values():
        assert not set(task["environment"]) & {"FOOTBALL_API_KEY", "SNOWFLAKE_PASSWORD"}
    assert "valueFrom = aws_secretsmanager_secret.secret[secret].arn" in (compute / "main.tf").read_text()
    for directory in directories():
        for name in variables(directory):
            assert not re.search(r"api_?key|password|secret", name, re.I), f"{directory}: variable {name}"
    assert "aws_secretsmanager_secret_version" not in "".join(path.read_text() for path in TERRAFORM.rglob("*.tf"))


def test_every_checkov_skip_says_why():
    skips = [(path, line) for path in TERRAFORM.rglob("*.tf") for line in path.read_text().splitlines() if "checkov:skip" in line]
    assert skips
    for path, line in skips:
        assert re.fullmatch(r"\s*#checkov:skip=CKV2?_AWS_\d+:\S.{20,}", line), f"{path}: {line.strip()}"


# --- checkov -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def checkov_report():
    """One checkov run over terraform/ for the session. checkov pins an old boto3, so it lives in
    its own virtualenv (.venv-checkov, which `make test` installs)."""
    binary = tools.path(Path(os.environ.get("CHECKOV") or ROOT / ".venv-checkov" / "bin" / "checkov"), "checkov", tools.CHECKOV)
    # --skip-download and BC_SKIP_MAPPING: no call to Prisma Cloud (there is no network here).
    run = subprocess.run([str(binary), "-d", str(TERRAFORM), "--framework", "terraform", "--output", "json",
                          "--skip-download"], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    report = json.loads(run.stdout)
    return report[0] if isinstance(report, list) else report


def test_checkov_finds_nothing_to_fail(checkov_report):
    failed = [f"{check['check_id']} {check['resource']} ({check['file_path']})" for check in checkov_report["results"]["failed_checks"]]
    assert failed == []
    assert checkov_report["summary"]["passed"] > 200


def test_checkov_skips_are_the_documented_ones(checkov_report):
    for check in checkov_report["results"]["skipped_checks"]:
        assert len(check["check_result"].get("suppress_comment", "")) > 20, check["check_id"]


# --- terraform itself (the machine image has it) -------------------------------------------------

MIRROR = Path(os.environ.get("TERRAFORM_PROVIDER_MIRROR", "/opt/tf-plugins"))
#: The AWS modules wired as in envs/example, against moto; plus the workflow module alone with
#: known inputs, so that the plan shows the definition templatefile() produces.
MOTO_ROOT = """
variable "endpoint" {
  type = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "moto"
  secret_key                  = "moto"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  s3_use_path_style           = true
  max_retries                 = 1
  endpoints {
    ec2            = var.endpoint
    ecr            = var.endpoint
    ecs            = var.endpoint
    iam            = var.endpoint
    kms            = var.endpoint
    logs           = var.endpoint
    s3             = var.endpoint
    scheduler      = var.endpoint
    secretsmanager = var.endpoint
    sfn            = var.endpoint
    sts            = var.endpoint
  }
}

module "lake" {
  source      = "../../modules/lake"
  name        = "pitchlake"
  bucket_name = "pitchlake-plan"
  raw_prefix  = "raw/"
}

module "compute" {
  source      = "../../modules/compute"
  name        = "pitchlake"
  vpc_id      = "vpc-0123"
  bucket_name = module.lake.bucket_name
  bucket_arn  = module.lake.bucket_arn
  raw_prefix  = "raw/"
  kms_key_arn = module.lake.kms_key_arn
  image_tag   = "0.1.0"
  snowflake   = { account = "org-account", user = "DBT", role = "TRANSFORMER", database = "PITCHLAKE", warehouse = "TRANSFORMING", raw_schema = "RAW" }
}

module "workflow" {
  source               = "../../modules/workflow"
  name                 = "pitchlake"
  kms_key_arn          = module.lake.kms_key_arn
  bucket_name          = module.lake.bucket_name
  cluster_arn          = module.compute.cluster_arn
  cluster_name         = module.compute.cluster_name
  task_definition_arns = module.compute.task_definition_arns
  task_role_arns       = module.compute.task_role_arns
  container_name       = module.compute.container_name
  subnet_ids           = ["subnet-0a", "subnet-0b"]
  security_group_ids   = [module.compute.security_group_id]
}

module "workflow_known_inputs" {
  source               = "../../modules/workflow"
  name                 = "pitchlake-known"
  kms_key_arn          = "arn:aws:kms:us-east-1:123456789012:key/known"
  bucket_name          = "pitchlake-known"
  cluster_arn          = "arn:aws:ecs:us-east-1:123456789012:cluster/pitchlake"
  cluster_name         = "pitchlake"
  task_definition_arns = { ingest = "arn:aws:ecs:us-east-1:123456789012:task-definition/pitchlake-ingest:3", transform = "arn:aws:ecs:us-east-1:123456789012:task-definition/pitchlake-transform:3" }
  task_role_arns       = ["arn:aws:iam::123456789012:role/pitchlake-ingest-task"]
  container_name       = "pitchlake"
  subnet_ids           = ["subnet-0a", "subnet-0b"]
  security_group_ids   = ["sg-0c"]
}
"""


class Terraform:
    """terraform with the AWS provider from the local mirror, on a copy of terraform/ (so that no
    .terraform/ lands in the repository)."""

    def __init__(self, binary: str, work: Path):
        self.root = work / "terraform"
        shutil.copytree(TERRAFORM, self.root)
        shutil.copytree(ROOT / "config", work / "config")
        rc = work / "terraformrc"
        rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path    = "{MIRROR}"\n'
                      f'    include = ["registry.terraform.io/hashicorp/aws"]\n  }}\n}}\n')
        self.binary = binary
        self.env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}

    def __call__(self, directory: str, *args: str) -> str:
        result = subprocess.run([self.binary, *args, "-no-color"], cwd=self.root / directory, env=self.env,
                                capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, f"terraform {' '.join(args)} in {directory}:\n{result.stdout}{result.stderr}"
        return result.stdout


@pytest.fixture(scope="module")
def terraform(tmp_path_factory):
    binary = tools.command("terraform", tools.TERRAFORM)
    tools.path(MIRROR / "registry.terraform.io" / "hashicorp" / "aws", "the AWS provider mirror", tools.TERRAFORM)
    return Terraform(binary, tmp_path_factory.mktemp("terraform"))


def test_terraform_fmt(terraform):
    terraform(".", "fmt", "-check", "-recursive", "-diff")


@pytest.mark.parametrize("name", ["lake", "compute", "workflow"])
def test_aws_modules_validate(terraform, name):
    terraform(f"modules/{name}", "init", "-backend=false", "-input=false")
    terraform(f"modules/{name}", "validate")


def test_aws_modules_plan_against_moto(terraform, moto_server, monkeypatch):
    """A plan evaluates what validate cannot: module wiring, for_each keys, file() and
    templatefile() on the rendered files, and the definition with values in its placeholders.

    For a definition known at plan time the provider asks Step Functions to validate it, which moto
    does not implement: the (in-process) server answers OK here; asl-validator is what validates
    the definition (test_stepfunctions.py)."""
    from moto.stepfunctions.responses import StepFunctionResponse

    monkeypatch.setattr(StepFunctionResponse, "validate_state_machine_definition",
                        lambda self: json.dumps({"result": "OK", "diagnostics": []}), raising=False)
    (terraform.root / "envs" / "moto").mkdir()
    (terraform.root / "envs" / "moto" / "main.tf").write_text(MOTO_ROOT)
    terraform("envs/moto", "init", "-backend=false", "-input=false")
    terraform("envs/moto", "plan", "-input=false", "-var", f"endpoint={moto_server}", "-out", "plan.bin")
    plan = json.loads(terraform("envs/moto", "show", "-json", "plan.bin"))
    planned = {change["address"]: change["change"]["after"] for change in plan["resource_changes"]}
    assert len(planned) > 40

    known = planned["module.workflow_known_inputs.aws_sfn_state_machine.ingestion"]["definition"]
    rendered = (MODULES / "workflow" / "state_machine.asl.json").read_text()
    values = {"cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/pitchlake",
              "ingest_task_definition_arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/pitchlake-ingest:3",
              "transform_task_definition_arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/pitchlake-transform:3",
              "subnet_ids": "subnet-0a,subnet-0b", "security_group_ids": "sg-0c", "assign_public_ip": "DISABLED",
              "container_name": "pitchlake", "bucket_name": "pitchlake-known"}
    assert json.loads(known) == json.loads(re.sub(r"\$\{(\w+)\}", lambda match: values[match[1]], rendered))
    assert planned["module.workflow.aws_scheduler_schedule.ingestion"]["schedule_expression"] == "cron(0 6 * * ? *)"
