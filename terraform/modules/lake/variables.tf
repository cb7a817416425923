variable "name" {
  description = "Prefix of every resource name (pitchlake)."
  type        = string
}

variable "bucket_name" {
  description = "The lake bucket; pitchlake writes under raw/ (PITCHLAKE_LAKE=s3://<bucket_name>)."
  type        = string
}

variable "raw_prefix" {
  description = "The fixed start of lake.layout in config/endpoints.json: everything pitchlake writes is under it."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted object version is kept before it expires."
  type        = number
  default     = 90
}

variable "access_log_days" {
  description = "Days S3 server access logs of the lake are kept."
  type        = number
  default     = 365
}

variable "snowflake_notification_channel" {
  description = "ARN of the SQS queue Snowflake gives its external tables (SHOW EXTERNAL TABLES, notification_channel); when set, new data.json files refresh them. Known only after the first apply: leave null until then."
  type        = string
  default     = null
}

variable "runs_days" {
  description = "Days the work files and summaries of each state machine execution (runs/) are kept."
  type        = number
  default     = 30
}
