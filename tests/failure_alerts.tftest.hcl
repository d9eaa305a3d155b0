# Module tests: failure alerts (failure_alerts): the rule's pattern, the topic, its policy and key policy,
# the alarm, the outputs, exactly; a given topic; and the input's validation.

# AWS is mocked (apply creates nothing): one account and region.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_region" {
    defaults = { region = "us-east-1" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked-exec" }
  }

  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:pipeline-failures" }
  }

  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }
}

variables {
  name = "pipeline"
}

run "without_alerts_nothing_is_created" {
  command = plan

  assert {
    condition = (length(aws_cloudwatch_event_rule.failures) + length(aws_cloudwatch_event_target.failures)
      + length(aws_sns_topic.failure_alerts) + length(aws_sns_topic_policy.failure_alerts)
    + length(aws_kms_key.failure_alerts) + length(aws_cloudwatch_metric_alarm.failed_executions)) == 0
    error_message = "failure_alerts is null: no rule, target, topic, policy, key or alarm"
  }
  assert {
    condition     = output.failure_alerts_topic_arn == null && output.failure_alerts_topic_policy_json == null
    error_message = "the outputs must be null without failure_alerts"
  }
}

run "the_rule_takes_this_functions_failed_timed_out_and_stopped_executions_only" {
  command = apply
  variables {
    failure_alerts = {}
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.failures[0].event_pattern) == {
      source        = ["aws.lambda"]
      "detail-type" = ["Durable Execution Status Change"]
      detail = {
        status = ["FAILED", "TIMED_OUT", "STOPPED"]
        functionArn = [
          "arn:aws:lambda:us-east-1:123456789012:function:pipeline",
          { prefix = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:" },
        ]
      }
    }
    error_message = "unexpected pattern: ${aws_cloudwatch_event_rule.failures[0].event_pattern}"
  }
  assert {
    condition     = aws_cloudwatch_event_rule.failures[0].name == "pipeline-failures"
    error_message = "rule name: ${aws_cloudwatch_event_rule.failures[0].name}"
  }
  assert {
    # No role: the topic's policy authorizes EventBridge.
    condition = (aws_cloudwatch_event_target.failures[0].rule == "pipeline-failures"
      && aws_cloudwatch_event_target.failures[0].arn == "arn:aws:sns:us-east-1:123456789012:pipeline-failures"
    && aws_cloudwatch_event_target.failures[0].role_arn == null)
    error_message = "the target must be the topic, without a role"
  }
}

run "a_created_topic_is_encrypted_with_its_own_key_and_only_the_rule_and_the_alarm_may_publish" {
  command = apply
  variables {
    failure_alerts = {}
  }

  assert {
    condition     = aws_sns_topic.failure_alerts[0].name == "pipeline-failures" && aws_sns_topic.failure_alerts[0].kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "created topic: ${aws_sns_topic.failure_alerts[0].name}, key ${aws_sns_topic.failure_alerts[0].kms_master_key_id}"
  }
  assert {
    condition = jsondecode(aws_sns_topic_policy.failure_alerts[0].policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid       = "FailedExecutionEventsFromTheRule"
          Effect    = "Allow"
          Principal = { Service = "events.amazonaws.com" }
          Action    = "sns:Publish"
          Resource  = "arn:aws:sns:us-east-1:123456789012:pipeline-failures"
          Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:events:us-east-1:123456789012:rule/pipeline-failures" } }
        },
        {
          Sid       = "FailedExecutionsAlarm"
          Effect    = "Allow"
          Principal = { Service = "cloudwatch.amazonaws.com" }
          Action    = "sns:Publish"
          Resource  = "arn:aws:sns:us-east-1:123456789012:pipeline-failures"
          Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:pipeline-failed-executions" } }
        },
      ]
    }
    error_message = "unexpected topic policy: ${aws_sns_topic_policy.failure_alerts[0].policy}"
  }
  assert {
    condition     = output.failure_alerts_topic_policy_json == aws_sns_topic_policy.failure_alerts[0].policy
    error_message = "the output must be the policy set on the topic"
  }
  assert {
    condition = jsondecode(aws_kms_key.failure_alerts[0].policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid       = "AccountAdministersTheKey"
          Effect    = "Allow"
          Principal = { AWS = "arn:aws:iam::123456789012:root" }
          Action    = "kms:*"
          Resource  = "*"
        },
        {
          Sid       = "PublishersEncryptForThisTopic"
          Effect    = "Allow"
          Principal = { Service = ["events.amazonaws.com", "cloudwatch.amazonaws.com"] }
          Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
          Resource  = "*"
          Condition = { StringEquals = { "kms:EncryptionContext:aws:sns:topicArn" = "arn:aws:sns:us-east-1:123456789012:pipeline-failures" } }
        },
      ]
    }
    error_message = "unexpected key policy: ${aws_kms_key.failure_alerts[0].policy}"
  }
  assert {
    condition     = aws_kms_key.failure_alerts[0].enable_key_rotation
    error_message = "the key must rotate"
  }
  assert {
    condition     = output.failure_alerts_topic_arn == "arn:aws:sns:us-east-1:123456789012:pipeline-failures"
    error_message = "output failure_alerts_topic_arn: ${output.failure_alerts_topic_arn}"
  }
}

run "the_alarm_watches_lambdas_failed_executions_of_this_function" {
  command = apply
  variables {
    failure_alerts = {}
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.failed_executions[0].alarm_name == "pipeline-failed-executions"
      && aws_cloudwatch_metric_alarm.failed_executions[0].namespace == "AWS/Lambda"
      && aws_cloudwatch_metric_alarm.failed_executions[0].metric_name == "DurableExecutionFailed"
      && aws_cloudwatch_metric_alarm.failed_executions[0].dimensions == tomap({ FunctionName = "pipeline" })
      && aws_cloudwatch_metric_alarm.failed_executions[0].statistic == "Sum"
      && aws_cloudwatch_metric_alarm.failed_executions[0].period == 300
      && aws_cloudwatch_metric_alarm.failed_executions[0].evaluation_periods == 1
      && aws_cloudwatch_metric_alarm.failed_executions[0].threshold == 1
      && aws_cloudwatch_metric_alarm.failed_executions[0].comparison_operator == "GreaterThanOrEqualToThreshold"
      && aws_cloudwatch_metric_alarm.failed_executions[0].treat_missing_data == "notBreaching"
      && aws_cloudwatch_metric_alarm.failed_executions[0].alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:pipeline-failures"])
    )
    error_message = "unexpected alarm: ${jsonencode(aws_cloudwatch_metric_alarm.failed_executions[0])}"
  }
}

run "without_the_alarm_only_the_rule_may_publish_and_use_the_key" {
  command = apply
  variables {
    failure_alerts = { alarm = false }
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.failed_executions) == 0
    error_message = "alarm = false: no alarm"
  }
  assert {
    condition     = [for s in jsondecode(aws_sns_topic_policy.failure_alerts[0].policy).Statement : s.Sid] == ["FailedExecutionEventsFromTheRule"]
    error_message = "without the alarm only the rule may publish: ${aws_sns_topic_policy.failure_alerts[0].policy}"
  }
  assert {
    condition     = jsondecode(aws_kms_key.failure_alerts[0].policy).Statement[1].Principal == { Service = ["events.amazonaws.com"] }
    error_message = "without the alarm only EventBridge may use the key: ${aws_kms_key.failure_alerts[0].policy}"
  }
}

run "a_given_key_encrypts_the_created_topic_and_no_key_is_made" {
  command = apply
  variables {
    failure_alerts = { kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/abcdef01-2345-6789-abcd-ef0123456789" }
  }

  assert {
    condition     = length(aws_kms_key.failure_alerts) == 0 && aws_sns_topic.failure_alerts[0].kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/abcdef01-2345-6789-abcd-ef0123456789"
    error_message = "the given key must encrypt the topic, and no key be created"
  }
}

run "a_given_topic_is_the_target_and_is_left_alone" {
  command = apply
  variables {
    failure_alerts = { topic_arn = "arn:aws:sns:us-east-1:123456789012:on-call" }
  }

  assert {
    condition = (length(aws_sns_topic.failure_alerts) + length(aws_sns_topic_policy.failure_alerts)
    + length(aws_kms_key.failure_alerts)) == 0
    error_message = "a given topic: no topic, topic policy or key created"
  }
  assert {
    condition = (aws_cloudwatch_event_target.failures[0].arn == "arn:aws:sns:us-east-1:123456789012:on-call"
    && aws_cloudwatch_metric_alarm.failed_executions[0].alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:on-call"]))
    error_message = "the rule and the alarm must notify the given topic"
  }
  assert {
    condition     = [for s in jsondecode(output.failure_alerts_topic_policy_json).Statement : s.Resource] == ["arn:aws:sns:us-east-1:123456789012:on-call", "arn:aws:sns:us-east-1:123456789012:on-call"]
    error_message = "the statements to add must name the given topic: ${output.failure_alerts_topic_policy_json}"
  }
}

run "a_fifo_topic_is_refused" {
  command = plan
  variables {
    failure_alerts = { topic_arn = "arn:aws:sns:us-east-1:123456789012:alerts.fifo" }
  }
  expect_failures = [var.failure_alerts]
}

run "a_key_alias_is_refused" {
  command = plan
  variables {
    failure_alerts = { kms_key_arn = "arn:aws:kms:us-east-1:123456789012:alias/alerts" }
  }
  expect_failures = [var.failure_alerts]
}

run "a_given_topic_with_a_key_is_refused" {
  command = plan
  variables {
    failure_alerts = {
      topic_arn   = "arn:aws:sns:us-east-1:123456789012:on-call"
      kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/abcdef01-2345-6789-abcd-ef0123456789"
    }
  }
  expect_failures = [var.failure_alerts]
}

run "a_name_too_long_for_the_rule_is_refused" {
  command = plan
  variables {
    name           = "a-function-name-of-fifty-six-characters-is-one-too-long1"
    failure_alerts = {}
  }
  expect_failures = [var.failure_alerts]
}
