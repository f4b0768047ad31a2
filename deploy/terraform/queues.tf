# The on-failure queue receives, for a batch Lambda gave up on after maximum_retry_attempts /
# maximum_record_age_in_seconds, the shard and sequence-number range (not the records). The
# function redrives it; a record that keeps failing moves to the last-resort queue, where it
# waits for an operator (an alarm says so).

resource "aws_sqs_queue" "last_resort" {
  name                      = "${local.function_name}-failures-last-resort"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "failure" {
  name                      = local.failure_queue_name
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  # Lambda requires at least the function's timeout; six times it, as AWS advises for SQS event
  # sources, lets a throttled invocation's batch come back before it counts as a new receive.
  visibility_timeout_seconds = min(6 * var.timeout, 43200)
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.last_resort.arn
    maxReceiveCount     = var.redrive_max_receive_count
  })
  tags = var.tags
}
