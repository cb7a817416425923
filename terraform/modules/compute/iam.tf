# Least privilege, per task: the execution role starts the container (pulls the image, writes
# its logs, reads only that task's secrets); the task role is what pitchlake itself may do.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  raw_arn    = "${var.bucket_arn}/${var.raw_prefix}*"
  # A run's work: the plan task's batches and next.json, the batches' summaries (pitchlake.work).
  runs_prefix = "runs/"
  runs_arn    = "${var.bucket_arn}/${local.runs_prefix}*"
}

data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    # Only ECS acting for this account (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

# --- Execution roles -------------------------------------------------------------------------

data "aws_iam_policy_document" "execution" {
  for_each = local.tasks

  statement {
    sid = "PullTheImage"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [aws_ecr_repository.pitchlake.arn]
  }

  statement {
    # No resource-level permissions for this one: it returns a login token; the statement above
    # limits what the token can pull.
    sid       = "LogInToEcr"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "WriteTheTaskLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.tasks.arn}:log-stream:${each.key}/*"]
  }

  statement {
    sid       = "ReadThisTasksSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for secret in values(each.value.secrets) : aws_secretsmanager_secret.secret[secret].arn]
  }

  statement {
    sid       = "DecryptThoseSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  for_each = local.tasks

  name               = "${var.name}-${each.key}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

resource "aws_iam_role_policy" "execution" {
  for_each = local.tasks

  name   = "start-the-container"
  role   = aws_iam_role.execution[each.key].id
  policy = data.aws_iam_policy_document.execution[each.key].json
}

# --- Task roles ------------------------------------------------------------------------------

# Ingest plans from the lake and writes partitions: it may list and read under raw/ and create
# objects there, read and write a run's work under runs/ (the plan and ingest tasks of the state
# machine), and delete only its own scaffolding: the _pages/ checkpoints of a fetch once they
# are merged into data.json, and the _lease.json of a partition it fetched (or of a dead run).
# The one data.json it may delete is a corrupt one, after copying it to _quarantine/ (the lake
# protocol's quarantine, docs/design.md), and versioning keeps whatever a mistake would overwrite.
data "aws_iam_policy_document" "ingest" {
  statement {
    sid       = "ListTheLake"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.raw_prefix, "${var.raw_prefix}*", "${local.runs_prefix}*"]
    }
  }

  statement {
    # Opening the lake proves the bucket is there with one LIST of one key at its root.
    sid       = "CheckTheLakeExists"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = [""]
    }
    condition {
      test     = "NumericLessThanEquals"
      variable = "s3:max-keys"
      values   = ["1"]
    }
  }

  statement {
    sid       = "ReadAndWriteRawOnly"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.raw_arn]
  }

  statement {
    # The cloud's runs (pitchlake plan --run, pitchlake ingest --work): work files, next.json,
    # summaries; never deleted by the task (a lifecycle rule may expire them).
    sid       = "ReadAndWriteTheRunsWork"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.runs_arn]
  }

  statement {
    sid       = "DeleteCheckpointsLeasesAndQuarantinedOnly"
    actions   = ["s3:DeleteObject"]
    resources = ["${local.raw_arn}/_pages/*", "${local.raw_arn}/_lease.json", "${local.raw_arn}/data.json"]
  }

  statement {
    sid       = "QuarantineCorruptObjects"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/_quarantine/${var.raw_prefix}*"]
  }

  statement {
    sid       = "UseTheLakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

# Transform runs dbt on Snowflake, which reads the lake through its own storage integration; the
# task itself may only read raw/ (to list what is new since its last build), never write there. It
# keeps that state in the lake, under state/transform/ (pitchlake.transform.STATE_FOLDER).
data "aws_iam_policy_document" "transform" {
  statement {
    sid       = "ListTheLake"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.raw_prefix, "${var.raw_prefix}*", "state/transform/*"]
    }
  }

  statement {
    sid       = "ReadRawOnly"
    actions   = ["s3:GetObject"]
    resources = [local.raw_arn]
  }

  statement {
    sid       = "KeepTheTransformState"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${var.bucket_arn}/state/transform/*"]
  }

  statement {
    sid       = "DecryptTheLake"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

locals {
  task_policies = {
    ingest    = data.aws_iam_policy_document.ingest.json
    transform = data.aws_iam_policy_document.transform.json
  }
}

resource "aws_iam_role" "task" {
  for_each = local.tasks

  name               = "${var.name}-${each.key}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

resource "aws_iam_role_policy" "task" {
  for_each = local.tasks

  name   = "lake-access"
  role   = aws_iam_role.task[each.key].id
  policy = local.task_policies[each.key]
}
