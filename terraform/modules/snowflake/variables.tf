variable "name" {
  description = "Prefix of the AWS role Snowflake assumes (pitchlake)."
  type        = string
}

variable "ssot_path" {
  description = "config/endpoints.json: the external tables are its enabled endpoints."
  type        = string
}

variable "bucket_name" {
  type = string
}

variable "bucket_arn" {
  type = string
}

variable "raw_prefix" {
  description = "Where in the bucket the lake's partitions are (the fixed start of lake.layout): all Snowflake may read."
  type        = string
}

variable "kms_key_arn" {
  description = "The lake's key: Snowflake decrypts what it reads with it."
  type        = string
}

variable "database" {
  description = "The database pitchlake's dbt project builds in (SNOWFLAKE_DATABASE of the transform task)."
  type        = string
  default     = "PITCHLAKE"
}

variable "raw_schema" {
  description = "The schema of the external tables (PITCHLAKE_RAW_SCHEMA of the transform task)."
  type        = string
  default     = "RAW"
}

variable "transformer_role" {
  description = "The existing Snowflake role dbt runs as (SNOWFLAKE_ROLE): it reads the external tables and creates its schemas."
  type        = string
}
