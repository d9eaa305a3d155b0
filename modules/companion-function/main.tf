# Internal module: a plain (not durable) function that works beside the durable
# function, such as the SQS starter and the review page. It gets its own log
# group, an execution role holding the caller's statements plus the right to
# write its own logs (and traces, when tracing is on), and runs a handler of
# the module's package. The caller adds what triggers it.

locals {
  log_group_arn = "arn:${var.shared.partition}:logs:${var.shared.region}:${var.shared.account_id}:log-group:/aws/lambda/${var.name}"

  role_policy = {
    Version = "2012-10-17"
    Statement = concat(var.statements, [{
      Sid    = "WriteOwnLogs"
      Effect = "Allow"
      Action = ["logs:CreateLogStream", "logs:PutLogEvents"]
      # Log streams are authorized on log-group:<name>:log-stream:<stream> (CloudWatch Logs
      # actions reference, "Resource types"), which this pattern covers.
      Resource = "${local.log_group_arn}:*"
    }])
  }
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's log_retention_days input, as for the durable function.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.shared.log_retention_days
  kms_key_id        = var.shared.log_kms_key_arn
  tags              = var.shared.tags
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-exec"
  description        = "Execution role of ${var.name}"
  assume_role_policy = var.shared.trust_policy_json
  tags               = var.shared.tags
}

resource "aws_iam_role_policy" "this" {
  name   = var.policy_name
  role   = aws_iam_role.this.id
  policy = jsonencode(local.role_policy)
}

resource "aws_iam_role_policy" "xray" {
  count = var.shared.xray_policy_json == null ? 0 : 1

  name   = "xray"
  role   = aws_iam_role.this.id
  policy = var.shared.xray_policy_json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Companion functions are called synchronously (function URL) or by an event source mapping whose queue has a dead-letter queue; an async dead-letter queue would never receive anything.
  #checkov:skip=CKV_AWS_117:Calls only AWS APIs; a VPC would add NAT or endpoints and no isolation.
  #checkov:skip=CKV_AWS_272:Same package as the durable function, built reproducibly from pinned, hash-checked inputs.
  #checkov:skip=CKV_AWS_173:The environment holds ARNs and settings, no secret.
  #checkov:skip=CKV_AWS_115:Reserved concurrency would take from the account's unreserved pool (new accounts have only 10); the caller's trigger bounds concurrency.
  #checkov:skip=CKV_AWS_50:Tracing follows the caller's tracing_enabled, as for the durable function.
  function_name    = var.name
  description      = var.description
  role             = aws_iam_role.this.arn
  runtime          = var.shared.runtime
  architectures    = [var.shared.architecture]
  handler          = var.handler
  memory_size      = 256
  timeout          = var.timeout_seconds
  filename         = var.shared.package_path
  source_code_hash = var.shared.package_sha256

  environment {
    variables = var.environment
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = var.shared.xray_policy_json == null ? "PassThrough" : "Active"
  }

  tags       = var.shared.tags
  depends_on = [aws_iam_role_policy.this, aws_iam_role_policy.xray]
}
