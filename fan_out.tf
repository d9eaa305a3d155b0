# Fan-out (lambda_src/durable_bedrock/fanout.py): with the fan_out input set, the function may start
# child executions of its own versions and write large item results under one S3 prefix; nothing
# otherwise. The item bound reaches the function as FAN_OUT_MAX_CONCURRENCY, the results location
# as FAN_OUT_RESULTS_S3_URI.

locals {
  fan_out          = var.fan_out != null
  fan_out_children = local.fan_out && try(var.fan_out.child_executions, false)
  fan_out_results  = local.fan_out ? try(regex("^s3://(?P<bucket>[^/]+)/(?P<prefix>.*)$", var.fan_out.results_s3_uri), null) : null

  fan_out_environment = local.fan_out ? merge(
    { FAN_OUT_MAX_CONCURRENCY = tostring(var.fan_out.max_concurrency) },
    local.fan_out_results != null ? { FAN_OUT_RESULTS_S3_URI = var.fan_out.results_s3_uri } : {},
  ) : {}

  fan_out_statement_candidates = [
    {
      # A chained invoke (context.invoke: a CHAINED_INVOKE update of CheckpointDurableExecution,
      # ChainedInvokeOptions.FunctionName in the botocore lambda model) has Lambda invoke the target for
      # the execution; the action for invoking a function is lambda:InvokeFunction (Service Authorization
      # Reference, AWS Lambda: Invoke), and AWS's own pattern for context.invoke (aws-samples/serverless-patterns,
      # lambda-durable-function-chaining-sam/template.yaml) grants the orchestrator's role exactly that on the
      # targets' qualified ARNs (`<arn>:*`). The children run the parent's own version
      # (fanout_children.own_version_arn), so the grant is this function's qualified ARNs only: `:*`
      # matches its versions (and alias; IAM has no pattern for numbers only), never another function.
      include = local.fan_out_children
      statement = {
        Sid      = "FanOutChildExecutions"
        Effect   = "Allow"
        Action   = "lambda:InvokeFunction"
        Resource = "${local.function_arn}:*"
      }
    },
    {
      # Large results are written once each (durable_bedrock/large_results.py); nothing reads them back.
      include = local.fan_out_results != null
      statement = {
        Sid      = "WriteFanOutResultsUnderPrefix"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = local.fan_out_results != null ? "arn:${local.partition}:s3:::${local.fan_out_results.bucket}/${local.fan_out_results.prefix}*" : null
      }
    },
  ]
  fan_out_statements = [for candidate in local.fan_out_statement_candidates : candidate.statement if candidate.include]
}

resource "aws_iam_role_policy" "fan_out" {
  count = length(local.fan_out_statements) > 0 ? 1 : 0

  name   = "fan-out"
  role   = aws_iam_role.function.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.fan_out_statements })
}
