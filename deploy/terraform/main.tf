# ddb-eventstore-dispatcher as a Terraform module: the same resources and settings as
# deploy/template.yaml (the SAM template), named from var.name instead of the stack name.
# docs/deploy.md explains the settings; README.md beside this file lists inputs and outputs.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition          = data.aws_partition.current.partition
  region             = data.aws_region.current.name
  account_id         = data.aws_caller_identity.current.account_id
  function_name      = "${var.name}-dispatcher"
  log_group_name     = "/aws/lambda/${local.function_name}"
  failure_queue_name = "${local.function_name}-failures"

  events_table_arn  = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${var.events_table_name}"
  offsets_table_arn = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${var.offsets_table_name}"
  events_stream_arn = var.create_tables ? aws_dynamodb_table.events[0].stream_arn : var.events_table_stream_arn

  in_vpc = length(var.subnet_ids) > 0

  environment = merge(var.extra_environment, {
    KAFKA_BOOTSTRAP_SERVERS      = var.kafka_bootstrap_servers
    KAFKA_CLIENT_ID              = var.kafka_client_id
    KAFKA_TOPIC_OUTPUT           = var.kafka_topic_output
    KAFKA_SECURITY_PROTOCOL      = var.kafka_security_protocol
    KAFKA_SASL_MECHANISM         = var.kafka_sasl_mechanism
    SASL_SECRET_NAME             = var.sasl_secret_name
    EVENTS_TABLE_NAME            = var.events_table_name
    OFFSETS_TABLE_NAME           = var.offsets_table_name
    DISPATCHER_POISON_POLICY     = var.poison_policy
    DISPATCHER_DEAD_LETTER_TOPIC = var.dead_letter_topic
    LOG_LEVEL                    = var.log_level
    POWERTOOLS_SERVICE_NAME      = var.service_name
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
  })
}

resource "aws_cloudwatch_log_group" "function" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "dispatcher" {
  function_name    = local.function_name
  description      = "ddb-eventstore-dispatcher (DynamoDB event store -> Kafka, ordered per aggregate)"
  filename         = var.package_zip
  source_code_hash = filebase64sha256(var.package_zip)
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  role             = aws_iam_role.function.arn
  tags             = var.tags

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  dynamic "vpc_config" {
    for_each = local.in_vpc ? [1] : []
    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_group_ids
    }
  }

  environment {
    variables = local.environment
  }

  # The settings that only make sense together (the template's Rules).
  lifecycle {
    precondition {
      condition     = var.create_tables || var.events_table_stream_arn != ""
      error_message = "events_table_stream_arn is required when create_tables is false."
    }
    precondition {
      condition     = var.events_table_name != var.offsets_table_name
      error_message = "events_table_name and offsets_table_name must differ."
    }
    precondition {
      condition     = var.kafka_sasl_mechanism != "AWS_MSK_IAM" || (var.msk_cluster_arn != "" && var.sasl_secret_name == "")
      error_message = "kafka_sasl_mechanism = AWS_MSK_IAM needs msk_cluster_arn and an empty sasl_secret_name (it signs with the function's role)."
    }
    precondition {
      condition     = var.poison_policy != "dead-letter" || var.dead_letter_topic != ""
      error_message = "dead_letter_topic is required with poison_policy = dead-letter."
    }
    precondition {
      condition     = var.redrive_visibility_timeout >= var.timeout
      error_message = "redrive_visibility_timeout must be at least timeout (Lambda refuses the redrive event source otherwise)."
    }
    precondition {
      condition     = !local.in_vpc || length(var.security_group_ids) > 0
      error_message = "security_group_ids is required with subnet_ids."
    }
  }

  # The event source mappings are created after the role may read the stream and the queues.
  depends_on = [aws_iam_role_policy.dispatcher, aws_iam_role_policy.lambda_service]
}

# ----------------------------------------------------------------------------- stream event source
resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn = local.events_stream_arn
  function_name    = aws_lambda_function.dispatcher.arn
  # Every record ever written must ring its aggregate's doorbell at least once.
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  parallelization_factor             = var.parallelization_factor
  # The dispatcher reports exactly the records whose aggregates failed.
  function_response_types        = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error = true
  maximum_retry_attempts         = var.maximum_retry_attempts
  maximum_record_age_in_seconds  = var.maximum_record_age_in_seconds

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failure.arn
    }
  }
}

# ----------------------------------------------------------------------------- redrive event source
# The same function reads the on-failure queue: each record names a given-up range of a shard,
# which it reads back from the stream and rings (issue 12, docs/operations.md). Partial batch
# responses acknowledge only the records it acted on.
resource "aws_lambda_event_source_mapping" "redrive" {
  event_source_arn        = aws_sqs_queue.failure.arn
  function_name           = aws_lambda_function.dispatcher.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}
