variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  description = "A tag on every AWS resource."
  type        = string
  default     = "example"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "pitchlake"
}

variable "bucket_name" {
  description = "The lake bucket (globally unique)."
  type        = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  description = "Subnets of the Fargate tasks: private with a NAT gateway (or VPC endpoints and a proxy), or public with assign_public_ip."
  type        = list(string)
}

variable "assign_public_ip" {
  type    = bool
  default = false
}

variable "image_tag" {
  description = "The pitchlake image to run, as pushed to the repository (compute's repository_url output)."
  type        = string
}

variable "snowflake_account" {
  description = "The account dbt connects to (SNOWFLAKE_ACCOUNT of the transform task), e.g. myorg-myaccount."
  type        = string
}

variable "snowflake_user" {
  description = "The user dbt connects as; its password goes in the snowflake_password secret after apply."
  type        = string
}

variable "snowflake_warehouse" {
  type    = string
  default = "TRANSFORMING"
}

variable "snowflake_transformer_role" {
  description = "The existing role dbt runs as."
  type        = string
  default     = "TRANSFORMER"
}

variable "snowflake_admin_role" {
  description = "The role Terraform manages Snowflake as."
  type        = string
  default     = "ACCOUNTADMIN"
}

variable "snowflake_notification_channel" {
  description = "After the first apply: the notification_channel of SHOW EXTERNAL TABLES in the raw schema, so new files refresh the external tables."
  type        = string
  default     = null
}

variable "log_retention_days" {
  type    = number
  default = 365
}
