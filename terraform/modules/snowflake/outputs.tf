output "external_tables" {
  description = "Endpoint name -> fully qualified external table."
  value       = { for name, table in snowflake_external_table.endpoint : name => table.fully_qualified_name }
}

output "storage_integration_role_arn" {
  description = "The AWS role Snowflake assumes to read the lake."
  value       = aws_iam_role.snowflake.arn
}

output "database" {
  value = snowflake_database.pitchlake.name
}

output "raw_schema" {
  value = snowflake_schema.raw.name
}
