# Optional (failure_alerts): executions that end FAILED, TIMED_OUT or STOPPED reach an SNS topic, through an
# EventBridge rule on Lambda's durable execution status-change events, and a CloudWatch alarm on Lambda's
# DurableExecutionFailed metric notifies the same topic.
#
# Lambda developer guide, durable-monitoring.html: "Lambda emits an event to EventBridge whenever a durable
# execution changes status", source aws.lambda, detail-type "Durable Execution Status Change", detail.status
# RUNNING | SUCCEEDED | FAILED | TIMED_OUT | STOPPED, detail.functionArn the function's ARN with the version
# that runs the execution (e.g. function:my-function:2); and DurableExecutionFailed, "Number of durable
# executions that completed with a failure", among the metrics Lambda emits, named there for an alarm
# ("DurableExecutionFailed increases above a threshold").

locals {
  failure_alerts      = var.failure_alerts != null
  create_alerts_topic = local.failure_alerts && try(var.failure_alerts.topic_arn, null) == null
  create_alerts_key   = local.create_alerts_topic && try(var.failure_alerts.kms_key_arn, null) == null
  failure_alarm       = local.failure_alerts && try(var.failure_alerts.alarm, false)

  # Every ARN is known before anything exists, so each policy is complete in the plan.
  failures_rule_name   = "${var.name}-failures"
  failures_rule_arn    = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.failures_rule_name}"
  failure_alarm_name   = "${var.name}-failed-executions"
  failure_alarm_arn    = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${local.failure_alarm_name}"
  alerts_topic_name    = "${var.name}-failures"
  alerts_topic_created = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.alerts_topic_name}"
  alerts_topic_arn     = !local.failure_alerts ? null : coalesce(try(var.failure_alerts.topic_arn, null), local.alerts_topic_created)

  # This function's executions, whatever the version or alias that runs them: functionArn is qualified,
  # and a bare prefix match on the unqualified ARN would also take function "<name>-other".
  failures_pattern = {
    source        = ["aws.lambda"]
    "detail-type" = ["Durable Execution Status Change"]
    detail = {
      status      = ["FAILED", "TIMED_OUT", "STOPPED"]
      functionArn = [local.function_arn, { prefix = "${local.function_arn}:" }]
    }
  }

  # Who may publish: this rule and this alarm, each named by aws:SourceArn (EventBridge user guide,
  # eb-use-resource-based.html, "Amazon SNS permissions"; CloudWatch user guide, AlarmThatSendsEmail.html).
  alerts_publishers = concat(
    [{ sid = "FailedExecutionEventsFromTheRule", service = "events.amazonaws.com", source = local.failures_rule_arn }],
    local.failure_alarm ? [{ sid = "FailedExecutionsAlarm", service = "cloudwatch.amazonaws.com", source = local.failure_alarm_arn }] : [],
  )
  alerts_topic_policy = {
    Version = "2012-10-17"
    Statement = [for publisher in local.alerts_publishers : {
      Sid       = publisher.sid
      Effect    = "Allow"
      Principal = { Service = publisher.service }
      Action    = "sns:Publish"
      Resource  = local.alerts_topic_arn
      Condition = { ArnEquals = { "aws:SourceArn" = publisher.source } }
    }]
  }

  # The created key: the account administers it through IAM (the default key policy's statement), and
  # EventBridge and CloudWatch may use it for this topic only. A service that publishes to an encrypted
  # topic needs kms:GenerateDataKey* and kms:Decrypt in the key policy (SNS developer guide,
  # sns-key-management.html, "Enable compatibility between event sources from AWS services and encrypted
  # topics"); SNS encrypts with the encryption context aws:sns:topicArn, which narrows the grant to this topic.
  alerts_key_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "PublishersEncryptForThisTopic"
        Effect    = "Allow"
        Principal = { Service = [for publisher in local.alerts_publishers : publisher.service] }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "kms:EncryptionContext:aws:sns:topicArn" = local.alerts_topic_created } }
      },
    ]
  }
}

resource "aws_cloudwatch_event_rule" "failures" {
  count = local.failure_alerts ? 1 : 0

  name          = local.failures_rule_name
  description   = "Executions of ${var.name} that end FAILED, TIMED_OUT or STOPPED"
  event_pattern = jsonencode(local.failures_pattern)
  tags          = var.tags
}

# No role_arn: SNS targets are authorized by the topic's policy, and a role breaks delivery to encrypted
# topics (EventBridge user guide, eb-use-resource-based.html).
resource "aws_cloudwatch_event_target" "failures" {
  count = local.failure_alerts ? 1 : 0

  rule      = aws_cloudwatch_event_rule.failures[0].name
  target_id = "failure-alerts"
  arn       = local.alerts_topic_arn
}

resource "aws_kms_key" "failure_alerts" {
  count = local.create_alerts_key ? 1 : 0

  description             = "Encrypts the failure alerts of ${var.name} (SNS topic ${local.alerts_topic_name})"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = jsonencode(local.alerts_key_policy)
  tags                    = var.tags
}

resource "aws_sns_topic" "failure_alerts" {
  count = local.create_alerts_topic ? 1 : 0

  name              = local.alerts_topic_name
  display_name      = "Failed executions"
  kms_master_key_id = local.create_alerts_key ? aws_kms_key.failure_alerts[0].arn : var.failure_alerts.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "failure_alerts" {
  count = local.create_alerts_topic ? 1 : 0

  arn    = aws_sns_topic.failure_alerts[0].arn
  policy = jsonencode(local.alerts_topic_policy)
}

# Lambda's metric counts executions, whichever version ran them: the FunctionName dimension, as for
# Lambda's other per-function metrics (monitoring-metrics-types.html). Missing data (no execution ended)
# is not a failure.
resource "aws_cloudwatch_metric_alarm" "failed_executions" {
  count = local.failure_alarm ? 1 : 0

  alarm_name          = local.failure_alarm_name
  alarm_description   = "Durable executions of ${var.name} ended FAILED in the last 5 minutes"
  namespace           = "AWS/Lambda"
  metric_name         = "DurableExecutionFailed"
  dimensions          = { FunctionName = var.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.alerts_topic_arn]
  tags                = var.tags

  depends_on = [aws_sns_topic_policy.failure_alerts]
}
