# Module tests: the optional SQS trigger (queues, starter function, its role and event source mapping).

# AWS is mocked (apply creates nothing): one account and region, and a fixed queue ARN.
# The partition and role ARN are set because the provider rejects malformed ARNs.
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

  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:mocked-queue" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked-exec" }
  }
}

variables {
  name = "pipeline"
}

run "no_trigger_by_default" {
  command = apply

  assert {
    condition     = length(aws_lambda_event_source_mapping.trigger) == 0 && length(aws_sqs_queue.trigger) == 0 && length(aws_sqs_queue_redrive_policy.trigger) == 0 && length(module.starter) == 0
    error_message = "no trigger resources unless sqs_trigger is set"
  }
  assert {
    condition     = contains(data.local_command.package[0].arguments, "bedrock-runtime,lambda,s3")
    error_message = "without the trigger the package keeps the default botocore models only"
  }
}

run "sqs_trigger_starts_executions_through_the_starter" {
  command = apply

  variables {
    sqs_trigger = { minimum_pollers = 2, maximum_pollers = 20, max_receive_count = 5 }
  }

  assert {
    condition     = aws_lambda_event_source_mapping.trigger[0].function_name == module.starter[0].function_arn && aws_lambda_event_source_mapping.trigger[0].function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "the queue must feed the starter, reporting failures per message"
  }
  assert {
    condition     = module.starter[0].function.environment.DURABLE_FUNCTION_ARN == "arn:aws:lambda:us-east-1:123456789012:function:pipeline:live"
    error_message = "the starter must invoke the durable function through its alias (a qualified ARN)"
  }
  assert {
    condition     = !module.starter[0].function.durable && module.starter[0].function.handler == "durable_bedrock.sqs_starter.handler"
    error_message = "the starter is a plain function running durable_bedrock.sqs_starter"
  }
  assert {
    condition     = contains(data.local_command.package[0].arguments, "bedrock-runtime,lambda,s3,sqs")
    error_message = "the package must keep botocore's sqs model: the starter deletes the messages it started"
  }
  assert {
    condition     = one(aws_lambda_event_source_mapping.trigger[0].provisioned_poller_config).minimum_pollers == 2 && one(aws_lambda_event_source_mapping.trigger[0].provisioned_poller_config).maximum_pollers == 20
    error_message = "provisioned pollers must follow the inputs"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_policy.trigger[0].redrive_policy) == { deadLetterTargetArn = "arn:aws:sqs:us-east-1:123456789012:mocked-queue", maxReceiveCount = 5 }
    error_message = "the queue must redrive to its dead-letter queue after max_receive_count deliveries"
  }
  assert {
    condition     = aws_sqs_queue.trigger[0].sqs_managed_sse_enabled && aws_sqs_queue.dead_letters[0].sqs_managed_sse_enabled && aws_sqs_queue.trigger[0].visibility_timeout_seconds == 6 * module.starter[0].function.timeout
    error_message = "queues must be encrypted, and the visibility timeout six times the starter's timeout"
  }
  assert {
    condition = jsondecode(module.starter[0].role_policies["sqs-starter"].document).Statement == [
      {
        Sid      = "ConsumeTheQueue"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = "arn:aws:sqs:us-east-1:123456789012:mocked-queue"
      },
      {
        Sid      = "StartDurableExecutions"
        Effect   = "Allow"
        Action   = "lambda:InvokeFunction"
        Resource = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:live"
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipeline-sqs-starter:*"
      },
    ]
    error_message = "unexpected starter policy: ${module.starter[0].role_policies["sqs-starter"].document}"
  }
}

run "sqs_trigger_on_a_given_queue" {
  command = apply

  variables {
    sqs_trigger = { queue_arn = "arn:aws:sqs:us-east-1:123456789012:team-requests" }
  }

  assert {
    condition     = length(aws_sqs_queue.trigger) == 0 && length(aws_sqs_queue_redrive_policy.trigger) == 0 && aws_lambda_event_source_mapping.trigger[0].event_source_arn == "arn:aws:sqs:us-east-1:123456789012:team-requests"
    error_message = "a given queue must be used, not created"
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.trigger[0].provisioned_poller_config) == 0
    error_message = "no provisioned pollers unless asked for"
  }
}

run "starter_is_sized_to_its_batch" {
  command = apply

  variables {
    sqs_trigger = { batch_size = 10000, maximum_batching_window_seconds = 5 }
  }

  assert {
    # 10,000 starts, 16 at a time: 625 rounds of at most a second, plus 30 s.
    condition     = module.starter[0].function.timeout == 655 && module.starter[0].function.environment.STARTS_IN_PARALLEL == "16"
    error_message = "the starter's timeout must cover its largest batch (got ${module.starter[0].function.timeout} s)"
  }
  assert {
    condition     = aws_sqs_queue.trigger[0].visibility_timeout_seconds == 3930 && output.sqs_starter_timeout == 655
    error_message = "the visibility timeout must be six times the starter's timeout"
  }
}
