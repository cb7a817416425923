output "cluster_arn" {
  value = aws_ecs_cluster.pitchlake.arn
}

output "cluster_name" {
  value = aws_ecs_cluster.pitchlake.name
}

output "task_definition_arns" {
  description = "ingest and transform: the task definitions the state machine runs."
  value       = { for task, definition in aws_ecs_task_definition.task : task => definition.arn }
}

output "task_role_arns" {
  description = "The roles the state machine passes to ECS: each task's task role and execution role."
  value = concat(
    [for role in aws_iam_role.task : role.arn],
    [for role in aws_iam_role.execution : role.arn],
  )
}

output "security_group_id" {
  value = aws_security_group.tasks.id
}

output "container_name" {
  value = var.container_name
}

output "repository_url" {
  description = "Push the pitchlake image here (docker push <url>:<image_tag>)."
  value       = aws_ecr_repository.pitchlake.repository_url
}

output "secret_arns" {
  description = "Secrets to fill in after apply (aws secretsmanager put-secret-value): the API key and the Snowflake password."
  value       = { for name, secret in aws_secretsmanager_secret.secret : name => secret.arn }
}
