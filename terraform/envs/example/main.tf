# An example environment: every module wired together. Copy this folder per environment (and
# add a backend "s3" block for shared state); nothing here is environment-specific but variables.

locals {
  # The SSOT, read where Terraform runs: the repository's config/endpoints.json.
  ssot_path = "${path.root}/../../../config/endpoints.json"
  # Everything pitchlake writes starts with the layout's first segment (raw/{endpoint}/...): the
  # only prefix the ingest task may write and Snowflake may read.
  raw_prefix = "${split("/", try(jsondecode(file(local.ssot_path)).lake.layout, "raw/"))[0]}/"
}

module "lake" {
  source = "../../modules/lake"

  name                           = var.name
  bucket_name                    = var.bucket_name
  raw_prefix                     = local.raw_prefix
  snowflake_notification_channel = var.snowflake_notification_channel
}

module "compute" {
  source = "../../modules/compute"

  name               = var.name
  vpc_id             = var.vpc_id
  bucket_name        = module.lake.bucket_name
  bucket_arn         = module.lake.bucket_arn
  raw_prefix         = local.raw_prefix
  kms_key_arn        = module.lake.kms_key_arn
  image_tag          = var.image_tag
  log_retention_days = var.log_retention_days
  snowflake = {
    account    = var.snowflake_account
    user       = var.snowflake_user
    role       = var.snowflake_transformer_role
    database   = module.snowflake.database
    warehouse  = var.snowflake_warehouse
    raw_schema = module.snowflake.raw_schema
  }
}

module "workflow" {
  source = "../../modules/workflow"

  name                 = var.name
  kms_key_arn          = module.lake.kms_key_arn
  bucket_name          = module.lake.bucket_name
  cluster_arn          = module.compute.cluster_arn
  cluster_name         = module.compute.cluster_name
  task_definition_arns = module.compute.task_definition_arns
  task_role_arns       = module.compute.task_role_arns
  container_name       = module.compute.container_name
  subnet_ids           = var.subnet_ids
  security_group_ids   = [module.compute.security_group_id]
  assign_public_ip     = var.assign_public_ip
  log_retention_days   = var.log_retention_days
}

module "snowflake" {
  source = "../../modules/snowflake"

  name             = var.name
  ssot_path        = local.ssot_path
  bucket_name      = module.lake.bucket_name
  bucket_arn       = module.lake.bucket_arn
  raw_prefix       = local.raw_prefix
  kms_key_arn      = module.lake.kms_key_arn
  transformer_role = var.snowflake_transformer_role
}
