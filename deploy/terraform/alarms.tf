# The template's alarms (docs/deploy.md, Alarms; what to do for each: docs/operations.md),
# including the self-healing ones: an on-failure record waiting too long, a record that reached
# the last-resort queue, redrive records not acknowledged, a range no longer in the stream.

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
    # Redrive records normally leave the queue within seconds; one that stays is not being healed.
    FailureQueueAge = {
      description = "An on-failure record (a batch Lambda gave up on) has waited too long to be redriven (docs/operations.md, When Lambda gives up on a batch)."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = aws_sqs_queue.failure.name }
      statistic   = "Maximum"
      period      = 300
      evaluations = 1
      threshold   = var.redrive_age_alarm_seconds
    }
    # Anything here needs a person: self-healing gave up on it.
    LastResortQueueDepth = {
      description = "On-failure records that could not be redriven reached the last-resort queue; an operator must act (docs/operations.md, runbook)."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.last_resort.name }
      statistic   = "Maximum"
      period      = 300
      evaluations = 1
      threshold   = 0
    }
    RedriveFailures = {
      description = "Redrive records were not acknowledged for 15 minutes (they are retried; docs/operations.md)."
      namespace   = var.metrics_namespace
      metric      = "RedriveFailures"
      dimensions  = { service = var.service_name }
      statistic   = "Sum"
      period      = 300
      evaluations = 3
      threshold   = 0
    }
    # A range past the stream's 24 h retention heals by a sweep, but it means Lambda was behind
    # for a day: worth a look.
    RedriveTrimmedRange = {
      description = "A given-up range was no longer in the stream; a sweep covers it (docs/operations.md)."
      namespace   = var.metrics_namespace
      metric      = "RedriveRangesTrimmed"
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
