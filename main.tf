# The durable function, its published version and alias, and its log group.

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days input; 30 days suits workflow logs, compliance setups raise it.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Failures are recorded in the durable execution history (retained durable_retention_days); an async DLQ would only repeat them.
  #checkov:skip=CKV_AWS_117:The function calls only AWS APIs (Bedrock, Lambda durable state); a VPC would add NAT or endpoints and no isolation.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the module cannot assume; the package is built reproducibly from pinned, hash-checked inputs.
  #checkov:skip=CKV_AWS_173:The environment holds no secrets (model id, timings, output prefix); Lambda encrypts it at rest with an AWS managed key.
  function_name = var.name
  description   = local.workflow_name == "custom" ? "Durable Bedrock workflow: custom (${local.handler})" : "Durable Bedrock workflow: ${local.workflow_name}"
  role          = aws_iam_role.function.arn
  runtime       = var.runtime
  architectures = [var.architecture]
  handler       = local.handler
  memory_size   = var.memory_size
  timeout       = var.timeout

  filename         = local.package_path
  source_code_hash = local.package_sha256

  # Durable functions are invoked through a version or alias; publish one with every change.
  publish = true

  # Durability can only be chosen when a function is created: the provider
  # plans a replacement if this block is ever added to or removed from an
  # existing function; changing its values is an in-place update.
  durable_config {
    execution_timeout = var.durable_execution_timeout
    retention_period  = var.durable_retention_days
  }

  reserved_concurrent_executions = coalesce(var.reserved_concurrent_executions, -1)

  environment {
    variables = merge(var.environment_variables, local.workflow_environment)
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.function.name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  tags = var.tags

  # Before DeleteFunction the AWS provider stops RUNNING executions
  # (internal/service/lambda/function.go: resourceFunctionDelete ->
  # stopDurableExecutions): it lists them with ListDurableExecutionsByFunction
  # without a Qualifier, stops them one by one and waits for each to be STOPPED
  # (2 s polls, within this delete timeout). Unqualified, that list is $LATEST
  # only by the provider's SDK docs (aws-sdk-go-v2 lambda v1.91.0) but every
  # version by botocore 1.44.5's; PAUSED executions are never stopped. This
  # module's executions run on published versions, so `make destroy` first
  # stops them version by version, as `make stop-executions` does.
  timeouts {
    delete = "60m"
  }

  depends_on = [
    aws_iam_role_policy_attachment.durable_managed,
    aws_iam_role_policy.durable_scoped,
    aws_iam_role_policy.bedrock,
    aws_iam_role_policy.xray,
    aws_iam_role_policy.review_notification,
  ]
}

resource "aws_lambda_alias" "live" {
  name             = var.alias_name
  description      = "The published version to invoke"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

# What the companion functions (modules/companion-function: the SQS starter, the review page)
# share with this function: runtime, package, logging, tracing, tags.
locals {
  companion_shared = {
    trust_policy_json  = jsonencode(local.trust_policy)
    xray_policy_json   = var.tracing_enabled ? jsonencode(local.xray_policy) : null
    package_path       = local.package_path
    package_sha256     = local.package_sha256
    runtime            = var.runtime
    architecture       = var.architecture
    log_retention_days = var.log_retention_days
    log_kms_key_arn    = var.log_kms_key_arn
    partition          = local.partition
    region             = local.region
    account_id         = local.account_id
    tags               = var.tags
  }
}
