# Where the pitchlake image runs: its repository, an ECS cluster, and one Fargate task definition
# per job the state machine starts (ingest one partition; transform with dbt on Snowflake).

data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name
  # The lake is the bucket's root, so the layout's keys (raw/...) are the bucket's keys.
  lake_uri = "s3://${var.bucket_name}"

  # Filled in after apply (aws secretsmanager put-secret-value), so no value ever sits in the
  # Terraform state or in a variable.
  secrets = {
    football_api_key   = "The API-Football key: FOOTBALL_API_KEY of the ingest task."
    snowflake_password = "The password of the transform task's Snowflake user: SNOWFLAKE_PASSWORD."
  }

  tasks = {
    ingest = {
      cpu     = var.ingest_cpu
      memory  = var.ingest_memory
      command = ["ingest"]
      environment = {
        PITCHLAKE_LAKE     = local.lake_uri
        AWS_DEFAULT_REGION = local.region
      }
      secrets = { FOOTBALL_API_KEY = "football_api_key" }
    }
    transform = {
      cpu     = var.transform_cpu
      memory  = var.transform_memory
      command = ["transform", "--target", "snowflake"]
      environment = {
        PITCHLAKE_LAKE       = local.lake_uri
        AWS_DEFAULT_REGION   = local.region
        SNOWFLAKE_ACCOUNT    = var.snowflake.account
        SNOWFLAKE_USER       = var.snowflake.user
        SNOWFLAKE_ROLE       = var.snowflake.role
        SNOWFLAKE_DATABASE   = var.snowflake.database
        SNOWFLAKE_WAREHOUSE  = var.snowflake.warehouse
        PITCHLAKE_RAW_SCHEMA = var.snowflake.raw_schema
        # The root file system is read-only: dbt writes its artifacts and logs to /tmp.
        DBT_TARGET_PATH = "/tmp/dbt/target"
        DBT_LOG_PATH    = "/tmp/dbt/logs"
        # dbt's unit tests belong to development and CI, not to production builds (dbt's advice).
        DBT_EXCLUDE_RESOURCE_TYPES = "unit_test"
      }
      secrets = { SNOWFLAKE_PASSWORD = "snowflake_password" }
    }
  }
}

# --- Image -----------------------------------------------------------------------------------

resource "aws_ecr_repository" "pitchlake" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "pitchlake" {
  repository = aws_ecr_repository.pitchlake.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 30 newest images; older tags cannot be rolled back to after that."
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
      action       = { type = "expire" }
    }]
  })
}

# --- Secrets ---------------------------------------------------------------------------------

resource "aws_secretsmanager_secret" "secret" {
  #checkov:skip=CKV2_AWS_57:Both are third-party credentials (the API-Football dashboard, the Snowflake user) that no rotation Lambda can change; rotate them there and put the new value here.
  for_each = local.secrets

  name                    = "${var.name}/${each.key}"
  description             = each.value
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

# --- Cluster and tasks -----------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "tasks" {
  name              = "/${var.name}/ecs"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_ecs_cluster" "pitchlake" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  configuration {
    execute_command_configuration {
      kms_key_id = var.kms_key_arn
      logging    = "OVERRIDE"
      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.tasks.name
      }
    }
  }
}

resource "aws_ecs_task_definition" "task" {
  for_each = local.tasks

  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution[each.key].arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Fargate task storage, writable, for /tmp: the root file system is read-only.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([{
    name      = var.container_name
    image     = "${aws_ecr_repository.pitchlake.repository_url}:${var.image_tag}"
    essential = true
    # The state machine overrides only the arguments, whatever the image's own entry point is.
    entryPoint             = ["pitchlake"]
    command                = each.value.command
    readonlyRootFilesystem = true
    environment            = [for name, value in each.value.environment : { name = name, value = value }]
    # Secrets Manager values become environment variables at start: never in the definition.
    secrets     = [for name, secret in each.value.secrets : { name = name, valueFrom = aws_secretsmanager_secret.secret[secret].arn }]
    mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.tasks.name
        awslogs-region        = local.region
        awslogs-stream-prefix = each.key
      }
    }
  }])
}

# The tasks call out only over HTTPS (API-Football, S3, ECR, Secrets Manager, Snowflake) and
# nothing calls in. The state machine attaches it to every task it starts.
resource "aws_security_group" "tasks" {
  #checkov:skip=CKV2_AWS_5:Attached at run time: the state machine passes it to every RunTask call (the security_group_ids placeholder), which Terraform does not see as an attachment.
  name        = "${var.name}-tasks"
  description = "pitchlake Fargate tasks: HTTPS out, nothing in"
  vpc_id      = var.vpc_id

  egress {
    description = "HTTPS to API-Football, AWS APIs and Snowflake"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
}
