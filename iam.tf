# The function's execution role: trust for Lambda in this account only, the
# durable-execution and logging permissions, and exactly the Bedrock (and, for
# videos, S3) access the chosen workflow uses.
#
# Policy documents are plain jsonencode() values: the exact JSON is visible in
# the plan and asserted by the module tests.

locals {
  function_arn  = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${var.name}"
  alias_arn     = "${local.function_arn}:${var.alias_name}"
  log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.name}"

  trust_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaInThisAccount"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  }

  # The managed policy's actions, narrowed to this function and its log group.
  # Durable-execution ARNs are qualified (function:<name>:<version>/durable-execution/...),
  # so the unqualified function ARN would never match; `:*` does.
  # A review callback needs nothing more: the SDK creates it as a CALLBACK START update
  # of CheckpointDurableExecution (its Updates "such as completing a step, starting a
  # callback, or scheduling a timer", botocore lambda model), on the function's own
  # execution; only whoever answers it needs lambda:SendDurableExecutionCallback*.
  durable_scoped_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "DurableExecutionState"
        Effect   = "Allow"
        Action   = ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"]
        Resource = "${local.function_arn}:*"
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${local.log_group_arn}:*"
      },
    ]
  }

  # Converse and StartAsyncInvoke are both authorized as bedrock:InvokeModel. Each model
  # (model_id, or every entry of models: bedrock_model.tf) gets the same statements.
  model_statements = flatten([for name, grant in local.model_grants : [for candidate in [
    {
      include = grant.inference_profile_arn != null
      statement = {
        Sid      = "InvokeThroughInferenceProfile${grant.sid_suffix}"
        Effect   = "Allow"
        Action   = "bedrock:InvokeModel"
        Resource = grant.inference_profile_arn
      }
    },
    {
      include = grant.inference_profile_arn != null && length(grant.profile_model_arns) > 0
      statement = {
        Sid       = "ProfileDestinationModels${grant.sid_suffix}"
        Effect    = "Allow"
        Action    = "bedrock:InvokeModel"
        Resource  = grant.profile_model_arns
        Condition = { StringEquals = { "bedrock:InferenceProfileArn" = grant.inference_profile_arn } }
      }
    },
    {
      include = grant.direct_model_arn != null
      statement = {
        Sid      = "InvokeModel${grant.sid_suffix}"
        Effect   = "Allow"
        Action   = "bedrock:InvokeModel"
        Resource = grant.direct_model_arn
      }
    },
  ] : candidate.statement if candidate.include]])

  bedrock_statement_candidates = [
    {
      # StartAsyncInvoke is also checked as bedrock:InvokeModel on the job it
      # creates, GetAsyncInvoke on the job. Job ids are made by Bedrock, so
      # this account's jobs in this region are the narrowest resource.
      include = local.workflow.writes_videos
      statement = {
        Sid      = "AsyncInvokeJobs"
        Effect   = "Allow"
        Action   = ["bedrock:InvokeModel", "bedrock:GetAsyncInvoke"]
        Resource = "arn:${local.partition}:bedrock:${local.bedrock_region}:${local.account_id}:async-invoke/*"
      }
    },
    {
      # Bedrock writes the video with the caller's permissions.
      include = local.workflow.writes_videos
      statement = {
        Sid      = "WriteVideosUnderPrefix"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = local.video_objects_arn
      }
    },
    {
      # build-result lists the job's folder to return the video really there.
      # ListObjectsV2 is authorized as s3:ListBucket on the bucket; s3:prefix
      # limits it to the output prefix:
      # https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html
      include = local.workflow.writes_videos
      statement = {
        Sid       = "FindVideosUnderPrefix"
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = local.video_bucket_arn
        Condition = { StringLike = { "s3:prefix" = "${var.video_output_prefix}*" } }
      }
    },
    {
      # Writing to an SSE-KMS bucket needs a data key from the bucket's key
      # (and Decrypt for multipart uploads), asked for by S3 on the caller's
      # behalf: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
      include = local.workflow.writes_videos && var.video_output_kms_key_arn != null
      statement = {
        Sid       = "EncryptVideosWithTheBucketKey"
        Effect    = "Allow"
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = var.video_output_kms_key_arn
        Condition = { StringEquals = { "kms:ViaService" = "s3.${local.bedrock_region}.amazonaws.com" } }
      }
    },
  ]
  bedrock_statements = concat(
    local.model_statements,
    [for candidate in local.bedrock_statement_candidates : candidate.statement if candidate.include],
  )
}

resource "aws_iam_role" "function" {
  name               = "${var.name}-exec"
  description        = "Execution role of the durable Lambda function ${var.name}"
  assume_role_policy = jsonencode(local.trust_policy)
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "durable_managed" {
  count = var.durable_permissions == "managed" ? 1 : 0

  role       = aws_iam_role.function.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
}

resource "aws_iam_role_policy" "durable_scoped" {
  count = var.durable_permissions == "scoped" ? 1 : 0

  name   = "durable-execution"
  role   = aws_iam_role.function.id
  policy = jsonencode(local.durable_scoped_policy)
}

# Lambda refuses to create a function with active tracing whose role may not
# send traces. X-Ray's PutTraceSegments and PutTelemetryRecords support no
# resource-level permissions, so "*" is the narrowest resource:
# https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
locals {
  xray_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid      = "SendTraces"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = "*"
    }]
  }
}

resource "aws_iam_role_policy" "xray" {
  count = var.tracing_enabled ? 1 : 0

  name   = "xray"
  role   = aws_iam_role.function.id
  policy = jsonencode(local.xray_policy)
}

resource "aws_iam_role_policy" "bedrock" {
  name   = "bedrock"
  role   = aws_iam_role.function.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.bedrock_statements })
}
