output "function_arn" {
  description = "ARN of the dispatcher function."
  value       = aws_lambda_function.dispatcher.arn
}

output "function_name" {
  description = "Name of the dispatcher function (<name>-dispatcher)."
  value       = aws_lambda_function.dispatcher.function_name
}

output "function_role_arn" {
  description = "ARN of the function's least-privilege role."
  value       = aws_iam_role.function.arn
}

output "log_group_name" {
  description = "The function's CloudWatch Logs group."
  value       = aws_cloudwatch_log_group.function.name
}

output "stream_event_source_mapping_uuid" {
  description = "UUID of the event source mapping on the events table's stream."
  value       = aws_lambda_event_source_mapping.stream.uuid
}

output "redrive_event_source_mapping_uuid" {
  description = "UUID of the event source mapping on the on-failure queue (the redrive)."
  value       = aws_lambda_event_source_mapping.redrive.uuid
}

output "failure_queue_url" {
  description = "On-failure destination of the stream event source mapping (batches given up)."
  value       = aws_sqs_queue.failure.id
}

output "failure_queue_arn" {
  description = "ARN of the on-failure queue."
  value       = aws_sqs_queue.failure.arn
}

output "last_resort_queue_url" {
  description = "Where an on-failure record goes after redrive_max_receive_count failed redrives."
  value       = aws_sqs_queue.last_resort.id
}

output "events_table_name" {
  description = "The events table."
  value       = var.create_tables ? aws_dynamodb_table.events[0].name : var.events_table_name
}

output "offsets_table_name" {
  description = "The offsets table."
  value       = var.create_tables ? aws_dynamodb_table.offsets[0].name : var.offsets_table_name
}

output "events_table_stream_arn" {
  description = "The stream the dispatcher reads."
  value       = local.events_stream_arn
}

output "alarm_arns" {
  description = "Alarm ARNs by name (IteratorAge, Errors, HeldAtGap, ...)."
  value       = { for name, alarm in aws_cloudwatch_metric_alarm.this : name => alarm.arn }
}

output "sweep_rule_arn" {
  description = "ARN of the scheduled sweep's EventBridge rule; null unless enable_scheduled_sweep."
  value       = var.enable_scheduled_sweep ? aws_cloudwatch_event_rule.sweep[0].arn : null
}
