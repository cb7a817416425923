variable "name" {
  description = "Name of the state machine, its roles and its schedule (pitchlake)."
  type        = string
}

variable "kms_key_arn" {
  description = "Encrypts the state machine's log group and the schedule; also the lake's key, to read the runs' work."
  type        = string
}

variable "bucket_name" {
  description = "The lake bucket: the plan task writes each run's work under runs/ there, and the state machine reads it (next.json, the Map's items)."
  type        = string
}

variable "cluster_arn" {
  type = string
}

variable "cluster_name" {
  type = string
}

variable "task_definition_arns" {
  description = "ingest and transform: the only task definitions the state machine may run."
  type        = object({ ingest = string, transform = string })
}

variable "task_role_arns" {
  description = "The task and execution roles of those task definitions: the only roles it may pass to ECS."
  type        = list(string)
}

variable "container_name" {
  type = string
}

variable "subnet_ids" {
  description = "Subnets of the Fargate tasks: private ones with a NAT gateway, or public ones with assign_public_ip."
  type        = list(string)
}

variable "security_group_ids" {
  type = list(string)
}

variable "assign_public_ip" {
  description = "Give each task a public IP (public subnets without a NAT gateway)."
  type        = bool
  default     = false
}

variable "schedule_enabled" {
  description = "Whether the schedule from config/endpoints.json (defaults.schedule) starts the state machine."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  type    = number
  default = 365
}
