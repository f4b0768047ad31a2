# Optional scheduled reconciliation (enable_scheduled_sweep): an EventBridge rule invokes the
# function with a sweep payload; the sweep is incremental and resumes from its token in the
# offsets table, so each run stays within one invocation's time budget (docs/deploy.md).

locals {
  # The invocation payload the function recognises as a sweep (the template's SweepScheduleRule).
  sweep_payload = jsonencode({ sweep = { rate = var.sweep_rate, pageSize = var.sweep_page_size } })
}

resource "aws_cloudwatch_event_rule" "sweep" {
  count               = var.enable_scheduled_sweep ? 1 : 0
  name                = "${local.function_name}-sweep"
  description         = "ddb-eventstore-dispatcher ${var.name}: scheduled sweep (reconciliation of lost doorbells)"
  schedule_expression = var.sweep_schedule
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "sweep" {
  count     = var.enable_scheduled_sweep ? 1 : 0
  rule      = aws_cloudwatch_event_rule.sweep[0].name
  target_id = "sweep"
  arn       = aws_lambda_function.dispatcher.arn
  input     = local.sweep_payload
}

# EventBridge invokes the function through its resource policy, from this rule only.
resource "aws_lambda_permission" "sweep" {
  count         = var.enable_scheduled_sweep ? 1 : 0
  statement_id  = "scheduled-sweep"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.dispatcher.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.sweep[0].arn
}
