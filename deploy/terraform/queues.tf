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
  # Lambda refuses an SQS event source whose queue hides messages for less than the timeout.
  visibility_timeout_seconds = var.redrive_visibility_timeout
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.last_resort.arn
    maxReceiveCount     = var.redrive_max_receive_count
  })
  tags = var.tags
}
