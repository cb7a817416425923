# The ingestion workflow: the state machine `pitchlake render stepfunctions` rendered from
# config/endpoints.json (state_machine.asl.json, committed; never edited by hand), the role it runs
# as, its logs, and the schedule that starts it. The definition names no partition: a plan task
# writes each run's work to the lake (runs/<execution name>/), and the state machine reads it there.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  # Schedule and Map modes, rendered from the SSOT next to the definition.
  rendered = jsondecode(file("${path.module}/workflow.json"))
  # Known before the state machine exists, so that its own role can name it without a cycle.
  state_machine_arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${var.name}"
  execution_arns    = "arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${var.name}/*"
  # Where the plan task writes each run's work: the state machine reads next.json and the Map's items there.
  runs_arn = "arn:${local.partition}:s3:::${var.bucket_name}/${local.rendered.runs_folder}/*"
}

resource "aws_cloudwatch_log_group" "state_machine" {
  # The /aws/vendedlogs/ prefix keeps CloudWatch's resource policy small however many state
  # machines log (AWS's recommendation for Step Functions).
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_sfn_state_machine" "ingestion" {
  name     = var.name
  type     = "STANDARD"
  role_arn = aws_iam_role.state_machine.arn

  # Placeholders are JSON strings in the rendered file; lists go in comma-separated and the
  # definition splits them (States.StringSplit). Decoding and encoding again checks the JSON at
  # plan time and sends it minified, which is the size the renderer checks against the 1 MiB quota.
  definition = jsonencode(jsondecode(templatefile("${path.module}/state_machine.asl.json", {
    cluster_arn                   = var.cluster_arn
    ingest_task_definition_arn    = var.task_definition_arns.ingest
    transform_task_definition_arn = var.task_definition_arns.transform
    subnet_ids                    = join(",", var.subnet_ids)
    security_group_ids            = join(",", var.security_group_ids)
    assign_public_ip              = var.assign_public_ip ? "ENABLED" : "DISABLED"
    container_name                = var.container_name
    bucket_name                   = var.bucket_name
  })))

  # ERROR logs every failed task, caught ones included, with its input (the partition); ALL would
  # log every transition of every partition.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }
}

# --- Schedule --------------------------------------------------------------------------------

resource "aws_scheduler_schedule" "ingestion" {
  name                         = var.name
  description                  = "Starts ${var.name} on config/endpoints.json's defaults.schedule (${local.rendered.schedule_cron}, UTC)."
  schedule_expression          = local.rendered.schedule_expression
  schedule_expression_timezone = "UTC"
  state                        = var.schedule_enabled ? "ENABLED" : "DISABLED"
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.ingestion.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({})

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }
  }
}
