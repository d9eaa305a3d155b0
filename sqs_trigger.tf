# Optional: SQS messages start durable executions, through a small starter
# function (durable_bedrock.sqs_starter) that invokes the alias asynchronously
# with the message id as the durable execution name. An event source mapping
# straight onto the durable function would invoke it synchronously (15-minute
# cap for the whole execution) and start a new execution on every redelivery.

locals {
  trigger       = var.sqs_trigger != null
  create_queue  = local.trigger && try(var.sqs_trigger.queue_arn, null) == null
  trigger_queue = !local.trigger ? null : local.create_queue ? aws_sqs_queue.trigger[0].arn : var.sqs_trigger.queue_arn
  starter_name  = "${var.name}-sqs-starter"
  # The starter starts a batch's executions this many at a time (each start
  # is one asynchronous Invoke, well under a second), and gets a second per
  # round on top of 30 s, so a batch of up to 10,000 messages fits in time.
  starts_in_parallel = 16
  starter_timeout    = local.trigger ? min(900, 30 + ceil(var.sqs_trigger.batch_size / local.starts_in_parallel)) : null
}

resource "aws_sqs_queue" "dead_letters" {
  count = local.create_queue ? 1 : 0

  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "trigger" {
  count = local.create_queue ? 1 : 0

  name = "${var.name}-requests"
  # AWS recommends a visibility timeout of at least six times the function timeout:
  # https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
  visibility_timeout_seconds = 6 * local.starter_timeout
  sqs_managed_sse_enabled    = true
  tags                       = var.tags
}

# The redrive policy is its own resource, so the two queues do not depend on
# each other: Terraform creates and deletes them at the same time. Deleting a
# queue is the slow part of a destroy (AWS may take 60 s, and the provider
# confirms with 15 not-found reads in a row: about two minutes per queue).
resource "aws_sqs_queue_redrive_policy" "trigger" {
  count = local.create_queue ? 1 : 0

  queue_url = aws_sqs_queue.trigger[0].id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters[0].arn
    maxReceiveCount     = var.sqs_trigger.max_receive_count
  })
}

resource "aws_cloudwatch_log_group" "starter" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days input, as for the durable function.
  count = local.trigger ? 1 : 0

  name              = "/aws/lambda/${local.starter_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_iam_role" "starter" {
  count = local.trigger ? 1 : 0

  name               = "${local.starter_name}-exec"
  description        = "Execution role of ${local.starter_name}"
  assume_role_policy = jsonencode(local.trust_policy)
  tags               = var.tags
}

resource "aws_iam_role_policy" "starter" {
  count = local.trigger ? 1 : 0

  name = "sqs-starter"
  role = aws_iam_role.starter[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # What the event source mapping reads with this role (Lambda developer guide, with-sqs.html,
        # "Execution role permissions"; CreateEventSourceMapping checks them) and the starter's own
        # early DeleteMessage. No sqs:ChangeMessageVisibility: neither calls it.
        Sid      = "ConsumeTheQueue"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = local.trigger_queue
      },
      {
        Sid      = "StartDurableExecutions"
        Effect   = "Allow"
        Action   = "lambda:InvokeFunction"
        Resource = local.alias_arn
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${local.starter_name}:*"
      },
    ]
  })
}

resource "aws_iam_role_policy" "starter_xray" {
  count = local.trigger && var.tracing_enabled ? 1 : 0

  name   = "xray"
  role   = aws_iam_role.starter[0].id
  policy = jsonencode(local.xray_policy)
}

resource "aws_lambda_function" "starter" {
  #checkov:skip=CKV_AWS_116:Failed messages go to the queue's dead-letter queue (redrive policy).
  #checkov:skip=CKV_AWS_117:Calls only the Lambda API; a VPC would add NAT or endpoints and no isolation.
  #checkov:skip=CKV_AWS_272:Same package as the durable function, built reproducibly from pinned, hash-checked inputs.
  #checkov:skip=CKV_AWS_173:The environment holds one function ARN, no secret.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the event source mapping's pollers.
  #checkov:skip=CKV_AWS_50:Tracing follows tracing_enabled, as for the durable function.
  count = local.trigger ? 1 : 0

  function_name    = local.starter_name
  description      = "Starts one durable execution of ${var.name} per SQS message"
  role             = aws_iam_role.starter[0].arn
  runtime          = var.runtime
  architectures    = [var.architecture]
  handler          = "durable_bedrock.sqs_starter.handler"
  memory_size      = 256
  timeout          = local.starter_timeout
  filename         = local.package_path
  source_code_hash = local.package_sha256

  environment {
    variables = { DURABLE_FUNCTION_ARN = local.alias_arn, STARTS_IN_PARALLEL = tostring(local.starts_in_parallel) }
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.starter[0].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.starter, aws_iam_role_policy.starter_xray]
}

resource "aws_lambda_event_source_mapping" "trigger" {
  count = local.trigger ? 1 : 0

  event_source_arn                   = local.trigger_queue
  function_name                      = aws_lambda_function.starter[0].arn
  batch_size                         = var.sqs_trigger.batch_size
  maximum_batching_window_in_seconds = var.sqs_trigger.maximum_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  dynamic "provisioned_poller_config" {
    for_each = var.sqs_trigger.minimum_pollers == null ? [] : [1]
    content {
      minimum_pollers = var.sqs_trigger.minimum_pollers
      maximum_pollers = var.sqs_trigger.maximum_pollers
    }
  }

  # No message is consumed before a failing one can reach the dead-letter queue.
  depends_on = [aws_sqs_queue_redrive_policy.trigger]
}
