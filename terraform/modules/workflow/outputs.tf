output "state_machine_arn" {
  value = aws_sfn_state_machine.ingestion.arn
}

output "schedule_expression" {
  description = "When the schedule starts it, from config/endpoints.json (defaults.schedule)."
  value       = aws_scheduler_schedule.ingestion.schedule_expression
}
