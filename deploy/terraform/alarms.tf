# The template's alarms (docs/deploy.md, Alarms; what to do for each: docs/operations.md), plus
# the self-healing ones: an on-failure record waiting too long, a record that reached the
# last-resort queue, and a range the redrive could not read back any more.

locals {
  alarm_actions = var.alarm_topic_arn == "" ? [] : [var.alarm_topic_arn]

  # Defaults shared by every alarm; each entry below overrides what differs.
  alarms = {
    IteratorAge = {
      description = "The event source mapping is behind the events table's stream (docs/operations.md, Alarms)."
      namespace   = "AWS/Lambda"
      metric      = "IteratorAge"
      dimensions  = { FunctionName = aws_lambda_function.dispatcher.function_name }
      statistic   = "Maximum"
      period      = 60
      evaluations = 5
      threshold   = var.iterator_age_alarm_milliseconds
    }
    Errors = {
      description = "The function failed invocations (Kafka or DynamoDB unreachable, init errors)."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.dispatcher.function_name }
      statistic   = "Sum"
      period      = 60
      evaluations = 1
      threshold   = 0
    }
    # A gap between concurrent writers closes within seconds; only a gap held for 15 minutes is news.
    HeldAtGap = {
      description = "Aggregates held at a missing version for 15 minutes (bootstrap status; docs/operations.md)."
      namespace   = var.metrics_namespace
      metric      = "AggregatesHeldAtGap"
      dimensions  = { service = var.service_name }
      statistic   = "Maximum"
      period      = 300
      evaluations = 3
      threshold   = 0
    }
    HeldAtPoison = {
      description = "An aggregate is held before an event that cannot be published; it needs an operator (docs/operations.md, Poison events)."
      namespace   = var.metrics_namespace
      metric      = "AggregatesHeldAtPoison"
      dimensions  = { service = var.service_name }
      statistic   = "Maximum"
      period      = 60
      evaluations = 1
      threshold   = 0
    }
    DeadLettered = {
      description = "Events went to the dead-letter topic (docs/operations.md, Poison events)."
      namespace   = var.metrics_namespace
      metric      = "EventsDeadLettered"
      dimensions  = { service = var.service_name }
      statistic   = "Sum"
      period      = 60
      evaluations = 1
      threshold   = 0
    }
    FailedAggregates = {
      description = "Aggregates kept failing for 15 minutes; Lambda retries them (docs/operations.md, Alarms)."
      namespace   = var.metrics_namespace
      metric      = "AggregatesFailed"
      dimensions  = { service = var.service_name }
      statistic   = "Sum"
      period      = 300
      evaluations = 3
      threshold   = 0
    }
    DispatchLag = {
      description = "Events reach Kafka more than 30 s after they were written (docs/operations.md, Alarms)."
      namespace   = var.metrics_namespace
      metric      = "DispatchLagMax"
      dimensions  = { service = var.service_name }
      statistic   = "Maximum"
      period      = 60
      evaluations = 5
      threshold   = 30000
    }
    FailureQueueAge = {
      description = "A given-up range has waited in the on-failure queue longer than failure_queue_age_alarm_seconds: the redrive is failing or not keeping up (docs/operations.md)."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = aws_sqs_queue.failure.name }
      statistic   = "Maximum"
      period      = 60
      evaluations = 5
      threshold   = var.failure_queue_age_alarm_seconds
    }
    LastResortQueueDepth = {
      description = "A given-up range failed redrive_max_receive_count redrives and reached the last-resort queue; it needs an operator (docs/operations.md)."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.last_resort.name }
      statistic   = "Maximum"
      period      = 60
      evaluations = 1
      threshold   = 0
    }
    RedriveRangeTrimmed = {
      description = "A given-up range was no longer in the stream; the redrive fell back to a bounded sweep (docs/operations.md)."
      namespace   = var.metrics_namespace
      metric      = "RedriveRangeTrimmed"
      dimensions  = { service = var.service_name }
      statistic   = "Sum"
      period      = 60
      evaluations = 1
      threshold   = 0
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.function_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.evaluations
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
