# Snowflake reads the lake where it lies: a storage integration (and the AWS role it assumes), a
# stage on the bucket, a JSON file format, and one external table per enabled endpoint of
# config/endpoints.json, shaped as the dbt sources expect (dbt/models/staging/_sources.yml): the
# envelope in VALUE, the Hive partition keys, INGESTION_DATE and FILENAME, all partition columns
# computed from METADATA$FILENAME.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  ssot = jsondecode(file(var.ssot_path))
  # What only the endpoint plugins know (location, partition keys), rendered next to this file by
  # `pitchlake render stepfunctions`.
  rendered = jsondecode(file("${path.module}/endpoints.json")).endpoints
  # The SSOT's enabled endpoints by name (a name defaults to the plugin's). An endpoint enabled in
  # the SSOT but missing from the rendered file fails the plan: run the render again.
  endpoints = {
    for entry in local.ssot.endpoints : try(entry.name, entry.plugin) => local.rendered[try(entry.name, entry.plugin)]
    if try(entry.enabled, true)
  }

  # Known before the role exists: the integration names the role, the role trusts the integration.
  role_name = "${var.name}-snowflake"
  role_arn  = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/${local.role_name}"
  lake_url  = "s3://${var.bucket_name}/"
}

resource "snowflake_database" "pitchlake" {
  name    = var.database
  comment = "pitchlake: the raw lake's external tables and the dbt models built on them."
}

resource "snowflake_schema" "raw" {
  database = snowflake_database.pitchlake.name
  name     = var.raw_schema
  comment  = "One external table per enabled endpoint of config/endpoints.json, managed by Terraform."
}

resource "snowflake_storage_integration" "lake" {
  name                      = "${upper(var.name)}_LAKE"
  type                      = "EXTERNAL_STAGE"
  enabled                   = true
  storage_provider          = "S3"
  storage_aws_role_arn      = local.role_arn
  storage_allowed_locations = [local.lake_url]
  comment                   = "Reads s3://${var.bucket_name}/${var.raw_prefix}; the AWS role it assumes allows nothing else."
}

resource "snowflake_file_format" "envelope" {
  database    = snowflake_database.pitchlake.name
  schema      = snowflake_schema.raw.name
  name        = "API_ENVELOPE"
  format_type = "JSON"
  compression = "AUTO"
  # A data.json is one envelope object: one row per file.
  strip_outer_array = false
  comment           = "One API-Football response envelope per data.json."
}

resource "snowflake_stage" "lake" {
  database            = snowflake_database.pitchlake.name
  schema              = snowflake_schema.raw.name
  name                = "LAKE"
  url                 = local.lake_url
  storage_integration = snowflake_storage_integration.lake.name
  comment             = "The root of the pitchlake lake (PITCHLAKE_LAKE)."
}

resource "snowflake_external_table" "endpoint" {
  for_each = local.endpoints

  database = snowflake_database.pitchlake.name
  schema   = snowflake_schema.raw.name
  name     = upper(each.key)
  comment  = "Complete data.json files of endpoint ${each.key} (plugin ${each.value.plugin})."

  location    = "@${snowflake_stage.lake.fully_qualified_name}/${each.value.location}"
  file_format = "FORMAT_NAME = ${snowflake_file_format.envelope.fully_qualified_name}"
  # Only complete partitions: never the _pages/ of a fetch in progress or _out_of_plan.json, nor a
  # folder whose ingestion date is no date (to_date below would fail the whole table's refresh).
  pattern = ".*/ingestion_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/data[.]json"

  # Each Hive segment '/key=value/' of the file's path, typed like the dbt source's column.
  dynamic "column" {
    for_each = each.value.partition_keys
    content {
      name = upper(column.value)
      type = each.value.partition_types[column.value]
      as   = "split_part(split_part(metadata$filename, '/${column.value}=', 2), '/', 1)::${each.value.partition_types[column.value]}"
    }
  }

  column {
    name = "INGESTION_DATE"
    type = "DATE"
    as   = "to_date(split_part(split_part(metadata$filename, '/ingestion_date=', 2), '/', 1))"
  }

  column {
    name = "FILENAME"
    type = "VARCHAR"
    as   = "metadata$filename"
  }

  # Queries that filter on partitions (dbt's incremental lookback on ingestion_date) read only
  # the matching files.
  partition_by = concat([for key in each.value.partition_keys : upper(key)], ["INGESTION_DATE"])

  # New files arrive through the bucket's notifications once the lake module knows Snowflake's
  # queue (snowflake_notification_channel); until then `ALTER EXTERNAL TABLE ... REFRESH`.
  auto_refresh      = true
  refresh_on_create = true
  copy_grants       = true
}

# --- What dbt's role may do ------------------------------------------------------------------

resource "snowflake_grant_privileges_to_account_role" "database" {
  account_role_name = var.transformer_role
  # dbt creates its STAGING, INTERMEDIATE and MARTS schemas itself.
  privileges = ["USAGE", "CREATE SCHEMA"]
  on_account_object {
    object_type = "DATABASE"
    object_name = snowflake_database.pitchlake.name
  }
}

resource "snowflake_grant_privileges_to_account_role" "raw_schema" {
  account_role_name = var.transformer_role
  privileges        = ["USAGE"]
  on_schema {
    schema_name = snowflake_schema.raw.fully_qualified_name
  }
}

resource "snowflake_grant_privileges_to_account_role" "external_table" {
  for_each = snowflake_external_table.endpoint

  account_role_name = var.transformer_role
  privileges        = ["SELECT"]
  on_schema_object {
    object_type = "EXTERNAL TABLE"
    object_name = each.value.fully_qualified_name
  }
}
