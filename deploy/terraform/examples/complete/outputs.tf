output "function_arn" {
  value = module.dispatcher.function_arn
}

output "failure_queue_url" {
  value = module.dispatcher.failure_queue_url
}

output "events_table_stream_arn" {
  value = module.dispatcher.events_table_stream_arn
}

output "function_role_arn" {
  value = module.dispatcher.function_role_arn
}

output "last_resort_queue_url" {
  value = module.dispatcher.last_resort_queue_url
}

output "alarm_arns" {
  value = module.dispatcher.alarm_arns
}
