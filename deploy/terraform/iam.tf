# The function's role allows exactly what the binary and Lambda's event source mappings use, on
# those resources only. Its actions are listed once, in role-statements.json (the least-privilege
# check reads that file); this file gives each statement its resources, the setting under which it
# exists, and its condition. A Sid in the JSON without an entry here fails at plan time.

locals {
  role_statements = jsondecode(file("${path.module}/role-statements.json")).policies

  # ARNs spelled from names rather than read from the resources, so the whole policy is known at
  # plan time (`terraform plan` shows it, and tests/terraform checks it for every option).
  failure_queue_arn = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.failure_queue_name}"
  log_group_arn     = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}:*"

  msk_cluster_name = var.msk_cluster_arn == "" ? "" : split("/", var.msk_cluster_arn)[1]
  msk_cluster_uuid = var.msk_cluster_arn == "" ? "" : split("/", var.msk_cluster_arn)[2]
  msk_prefix       = "arn:${local.partition}:kafka:${local.region}:${local.account_id}"
  uses_msk_iam     = var.kafka_sasl_mechanism == "AWS_MSK_IAM"
  has_sasl_secret  = var.sasl_secret_name != ""

  statement_enabled = {
    EventStoreReadEventsWriteMarkers    = true
    OffsetsReadAndCommit                = true
    SaslSecret                          = local.has_sasl_secret
    SaslSecretKey                       = local.has_sasl_secret && var.sasl_secret_kms_key_arn != ""
    SettingsFromSecrets                 = length(var.settings_secret_arns) > 0
    SettingsFromParameters              = length(var.settings_parameter_arns) > 0
    MskConnect                          = local.uses_msk_iam
    MskWriteTopics                      = local.uses_msk_iam
    SweepScansEventStore                = true
    RedriveReadsStream                  = true
    EventSourceMappingReadsStream       = true
    EventSourceMappingOnFailure         = true
    RedriveEventSourceMappingReadsQueue = true
    FunctionLogs                        = true
    VpcNetworkInterfaces                = local.in_vpc
  }

  statement_resources = {
    EventStoreReadEventsWriteMarkers = [local.events_table_arn]
    OffsetsReadAndCommit             = [local.offsets_table_arn]
    SaslSecret                       = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${var.sasl_secret_name}-??????"]
    SaslSecretKey                    = [var.sasl_secret_kms_key_arn]
    SettingsFromSecrets              = var.settings_secret_arns
    SettingsFromParameters           = var.settings_parameter_arns
    MskConnect                       = ["${local.msk_prefix}:cluster/${local.msk_cluster_name}/${local.msk_cluster_uuid}"]
    MskWriteTopics = concat(
      ["${local.msk_prefix}:topic/${local.msk_cluster_name}/${local.msk_cluster_uuid}/${var.msk_topic_name_pattern != "" ? var.msk_topic_name_pattern : var.kafka_topic_output}"],
      var.dead_letter_topic != "" ? ["${local.msk_prefix}:topic/${local.msk_cluster_name}/${local.msk_cluster_uuid}/${var.dead_letter_topic}"] : [],
    )
    # The sweep (scheduled, or the fallback for a redriven range gone from the stream) scans the
    # events table for aggregates behind their offset; its resume token is an offsets item, read
    # and written like the offsets (OffsetsReadAndCommit).
    SweepScansEventStore = [local.events_table_arn]
    # The redrive reads a given-up range back from the stream (GetShardIterator
    # AT_SEQUENCE_NUMBER, GetRecords), on the same streams as the event source mapping.
    RedriveReadsStream = ["${local.events_table_arn}/stream/*"]
    # Every stream of the events table: a re-enabled stream gets a new ARN.
    EventSourceMappingReadsStream       = ["${local.events_table_arn}/stream/*"]
    EventSourceMappingOnFailure         = [local.failure_queue_arn]
    RedriveEventSourceMappingReadsQueue = [local.failure_queue_arn]
    FunctionLogs                        = [local.log_group_arn]
    # Lambda's VPC networking; these EC2 actions do not support resource scoping (as in the
    # managed policy AWSLambdaVPCAccessExecutionRole).
    VpcNetworkInterfaces = ["*"]
  }

  statement_conditions = {
    SaslSecretKey = {
      StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" }
    }
  }

  role_policies = {
    for policy, statements in local.role_statements : policy => jsonencode({
      Version = "2012-10-17"
      Statement = [
        for statement in statements : merge(
          {
            Sid      = statement.sid
            Effect   = "Allow"
            Action   = statement.actions
            Resource = local.statement_resources[statement.sid]
          },
          contains(keys(local.statement_conditions), statement.sid) ? { Condition = local.statement_conditions[statement.sid] } : {},
        ) if local.statement_enabled[statement.sid]
      ]
    })
  }
}

resource "aws_iam_role" "function" {
  name        = local.function_name
  description = "ddb-eventstore-dispatcher ${var.name}: least privilege (deploy/terraform/role-statements.json)"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

# What the dispatcher binary calls.
resource "aws_iam_role_policy" "dispatcher" {
  name   = "dispatcher"
  role   = aws_iam_role.function.id
  policy = local.role_policies["dispatcher"]
}

# What Lambda itself does with the function's role: the event source mappings read the stream and
# the on-failure queue and send given-up ranges to it; the runtime writes the function's logs.
resource "aws_iam_role_policy" "lambda_service" {
  name   = "lambda-service"
  role   = aws_iam_role.function.id
  policy = local.role_policies["lambda-service"]
}
