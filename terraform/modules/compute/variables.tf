variable "name" {
  description = "Prefix of every resource name (pitchlake)."
  type        = string
}

variable "vpc_id" {
  description = "The VPC the Fargate tasks run in."
  type        = string
}

variable "bucket_name" {
  description = "The lake bucket (PITCHLAKE_LAKE=s3://<bucket_name>)."
  type        = string
}

variable "bucket_arn" {
  type = string
}

variable "raw_prefix" {
  description = "Where in the bucket pitchlake writes (the fixed start of lake.layout): the ingest task may write nowhere else."
  type        = string
}

variable "kms_key_arn" {
  description = "The key that encrypts the lake, the logs, the secrets and the images."
  type        = string
}

variable "image_tag" {
  description = "Tag of the pitchlake image in the repository this module creates (tags are immutable: a new build is a new tag)."
  type        = string
}

variable "container_name" {
  description = "The container of both task definitions; the state machine overrides its command."
  type        = string
  default     = "pitchlake"
}

variable "ingest_cpu" {
  description = "Fargate CPU units of an ingest task: it waits on the API most of the time."
  type        = number
  default     = 256
}

variable "ingest_memory" {
  description = "MiB of an ingest task; a large paginated partition is merged in memory."
  type        = number
  default     = 1024
}

variable "transform_cpu" {
  description = "Fargate CPU units of the transform task (dbt; Snowflake does the heavy lifting)."
  type        = number
  default     = 512
}

variable "transform_memory" {
  type    = number
  default = 2048
}

variable "log_retention_days" {
  description = "Days the task logs are kept."
  type        = number
  default     = 365
}

variable "snowflake" {
  description = "Where the transform task's dbt connects (dbt/profiles.yml, target snowflake); the password goes in the secret this module creates, never here."
  type = object({
    account    = string
    user       = string
    role       = string
    database   = string
    warehouse  = string
    raw_schema = string
  })
}
