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
  # In the library, which every package holds (package.tf checks it is there).
  starter_handler = "durable_bedrock.sqs_starter.handler"
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

module "starter" {
  source = "./modules/companion-function"
  count  = local.trigger ? 1 : 0

  name            = local.starter_name
  description     = "Starts one durable execution of ${var.name} per SQS message"
  handler         = local.starter_handler
  timeout_seconds = local.starter_timeout
  environment     = { DURABLE_FUNCTION_ARN = local.alias_arn, STARTS_IN_PARALLEL = tostring(local.starts_in_parallel) }
  policy_name     = "sqs-starter"
  statements = [
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
  ]
  shared = local.companion_shared
}

resource "aws_lambda_event_source_mapping" "trigger" {
  count = local.trigger ? 1 : 0

  event_source_arn                   = local.trigger_queue
  function_name                      = module.starter[0].function_arn
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

