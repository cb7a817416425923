output "bucket_name" {
  value = module.lake.bucket_name
}

output "repository_url" {
  description = "Push the pitchlake image here, tagged with var.image_tag."
  value       = module.compute.repository_url
}

output "secret_arns" {
  description = "Fill these in after apply: aws secretsmanager put-secret-value --secret-id <arn> --secret-string ..."
  value       = module.compute.secret_arns
}

output "state_machine_arn" {
  value = module.workflow.state_machine_arn
}

output "schedule_expression" {
  value = module.workflow.schedule_expression
}

output "external_tables" {
  value = module.snowflake.external_tables
}
