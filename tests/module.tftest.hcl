# Module tests: function, durable settings, IAM, package, video bucket, input
# validation. The AWS provider is mocked: `apply` creates nothing and fills
# computed attributes from the mock (OpenTofu and Terraform alike); the local
# provider is real, so the package is really built.

# One account and region, and well-formed values for attributes the
# provider validates (ARNs).
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

  mock_data "aws_bedrock_inference_profile" {
    defaults = {
      models = [
        { model_arn = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0" },
        { model_arn = "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0" },
        { model_arn = "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0" },
      ]
    }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked-exec" }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn           = "arn:aws:lambda:us-east-1:123456789012:function:mocked"
      qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:mocked:1"
      version       = "1"
    }
  }

  mock_resource "aws_lambda_alias" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:mocked:live" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/mocked" }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:123456789012:mocked-queue"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/mocked-queue"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      bucket = "mocked-videos-20261123000000000000000001"
      arn    = "arn:aws:s3:::mocked-videos-20261123000000000000000001"
    }
  }
}

variables {
  name = "pipeline"
}

run "durable_function_defaults" {
  command = apply

  assert {
    condition     = aws_lambda_function.this.publish == true
    error_message = "the function must publish a version (durable functions are invoked qualified)"
  }
  assert {
    condition     = aws_lambda_function.this.durable_config[0].execution_timeout == 86400 && aws_lambda_function.this.durable_config[0].retention_period == 14
    error_message = "durable_config must carry the execution timeout and retention"
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "python3.13" && aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "defaults must be python3.13 on arm64"
  }
  assert {
    condition     = aws_lambda_function.this.handler == "durable_bedrock.content_pipeline.handler"
    error_message = "content_pipeline must use its handler"
  }
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      BEDROCK_MODEL_ID    = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
      BEDROCK_REGION      = "us-east-1"
      REVIEW_WAIT_SECONDS = "5"
      MAX_TOKENS          = "2048"
    })
    error_message = "content_pipeline environment is wrong: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
  assert {
    condition     = aws_lambda_function.this.timeouts.delete == "60m"
    error_message = "deleting a durable function must be allowed 60 minutes"
  }
  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/pipeline" && aws_cloudwatch_log_group.function.retention_in_days == 30
    error_message = "logs must go to /aws/lambda/<name> with the configured retention"
  }
  assert {
    condition     = aws_lambda_alias.live.name == "live"
    error_message = "the alias must be called live"
  }
  assert {
    condition     = length(aws_s3_bucket.videos) == 0
    error_message = "the content pipeline must not create a video bucket"
  }
  assert {
    condition     = startswith(output.invoke_command, "aws lambda invoke --region us-east-1 --function-name ") && strcontains(output.invoke_command, "--invocation-type Event")
    error_message = "invoke_command must be a ready-to-paste asynchronous invoke: ${output.invoke_command}"
  }
  assert {
    # The same name and payload return the existing execution (botocore
    # lambda model, Invoke: DurableExecutionName), so a retried paste starts nothing.
    condition     = strcontains(output.invoke_command, "--durable-execution-name first-run")
    error_message = "invoke_command must name the execution, so a pasted retry is idempotent: ${output.invoke_command}"
  }
  assert {
    condition     = length(aws_iam_role_policy.xray) == 0
    error_message = "no X-Ray permissions without tracing"
  }
}

# --- Tracing ----------------------------------------------------------------------

run "tracing_grants_xray_to_both_roles" {
  command = apply

  variables {
    tracing_enabled = true
    sqs_trigger     = {}
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && aws_lambda_function.starter[0].tracing_config[0].mode == "Active"
    error_message = "tracing_enabled must turn on active tracing for both functions"
  }
  assert {
    # Lambda rejects active tracing when the role may not send traces.
    condition = alltrue([for policy in [aws_iam_role_policy.xray[0].policy, aws_iam_role_policy.starter_xray[0].policy] : jsondecode(policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid      = "SendTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      }]
    }])
    error_message = "both roles need exactly the X-Ray write permissions"
  }
  assert {
    condition     = aws_iam_role_policy.xray[0].role == aws_iam_role.function.id && aws_iam_role_policy.starter_xray[0].role == aws_iam_role.starter[0].id
    error_message = "each role gets its own X-Ray policy"
  }
}

run "package_is_built_and_hashed" {
  command = apply

  assert {
    condition     = can(regex("^\\.terraform/durable-bedrock-build/[0-9a-f]{20}\\.zip$", aws_lambda_function.this.filename))
    error_message = "the package must be a content-named zip under the build dir: ${aws_lambda_function.this.filename}"
  }
  assert {
    condition     = aws_lambda_function.this.source_code_hash == output.package.base64sha256 && length(aws_lambda_function.this.source_code_hash) == 44
    error_message = "source_code_hash must be the package's base64 SHA-256"
  }
  assert {
    condition     = output.package.files > 100 && output.package.size_bytes < 20000000
    error_message = "the package must bundle the SDK with botocore pruned (got ${output.package.files} files, ${output.package.size_bytes} bytes)"
  }
}

run "trust_policy_is_lambda_in_this_account" {
  command = apply

  assert {
    condition = jsondecode(aws_iam_role.function.assume_role_policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "LambdaInThisAccount"
        Effect    = "Allow"
        Principal = { Service = "lambda.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
      }]
    }
    error_message = "unexpected trust policy: ${aws_iam_role.function.assume_role_policy}"
  }
}

run "managed_durable_policy_is_attached" {
  command = apply

  assert {
    condition     = aws_iam_role_policy_attachment.durable_managed[0].policy_arn == "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
    error_message = "the AWS managed durable policy (service-role/ path) must be attached"
  }
  assert {
    condition     = length(aws_iam_role_policy.durable_scoped) == 0
    error_message = "no inline durable policy by default"
  }
}

run "bedrock_policy_for_a_cross_region_profile" {
  command = apply

  assert {
    condition = jsondecode(aws_iam_role_policy.bedrock.policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "InvokeThroughInferenceProfile"
          Effect   = "Allow"
          Action   = "bedrock:InvokeModel"
          Resource = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"
        },
        {
          Sid    = "ProfileDestinationModels"
          Effect = "Allow"
          Action = "bedrock:InvokeModel"
          Resource = [
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
            "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
            "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
          ]
          Condition = { StringEquals = { "bedrock:InferenceProfileArn" = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0" } }
        },
      ]
    }
    error_message = "unexpected Bedrock policy: ${aws_iam_role_policy.bedrock.policy}"
  }
}

run "bedrock_policy_for_a_plain_model_id" {
  command = apply

  variables {
    model_id = "amazon.nova-lite-v1:0"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.bedrock.policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid      = "InvokeModel"
        Effect   = "Allow"
        Action   = "bedrock:InvokeModel"
        Resource = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
      }]
    }
    error_message = "unexpected Bedrock policy: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition     = length(data.aws_bedrock_inference_profile.selected) == 0
    error_message = "a plain model id needs no profile lookup"
  }
}

run "global_profile_also_allows_the_region_less_model" {
  command = apply

  variables {
    model_id              = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    foundation_model_arns = ["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"]
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.bedrock.policy).Statement[1].Resource == [
      "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
      "arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
    ]
    error_message = "a global profile needs the region-less foundation-model ARN: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition     = length(data.aws_bedrock_inference_profile.selected) == 0
    error_message = "given foundation_model_arns replace the lookup"
  }
}

run "scoped_durable_permissions" {
  command = apply

  variables {
    durable_permissions = "scoped"
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.durable_managed) == 0
    error_message = "scoped permissions replace the managed policy"
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.durable_scoped[0].policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "DurableExecutionState"
          Effect   = "Allow"
          Action   = ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"]
          Resource = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:*"
        },
        {
          Sid      = "WriteOwnLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipeline:*"
        },
      ]
    }
    error_message = "unexpected scoped durable policy: ${aws_iam_role_policy.durable_scoped[0].policy}"
  }
}

# --- Video generation ----------------------------------------------------------

run "video_workflow_with_a_created_bucket" {
  command = apply

  variables {
    workflow = "video_generation"
  }

  assert {
    condition     = aws_lambda_function.this.handler == "durable_bedrock.video_generation.handler"
    error_message = "video_generation must use its handler"
  }
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      BEDROCK_MODEL_ID      = "luma.ray-v2:0"
      BEDROCK_REGION        = "us-east-1"
      OUTPUT_S3_URI         = "s3://mocked-videos-20261123000000000000000001/videos/"
      POLL_DEADLINE_SECONDS = "3600"
      POLL_INITIAL_SECONDS  = "15"
      POLL_MAX_SECONDS      = "120"
    })
    error_message = "video_generation environment is wrong: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
  assert {
    condition     = aws_s3_bucket.videos[0].bucket_prefix == "pipeline-videos-" && aws_s3_bucket.videos[0].force_destroy == false
    error_message = "the bucket must be named after the function and keep its videos on destroy by default"
  }
  assert {
    condition = (
      aws_s3_bucket_public_access_block.videos[0].block_public_acls && aws_s3_bucket_public_access_block.videos[0].block_public_policy
      && aws_s3_bucket_public_access_block.videos[0].ignore_public_acls && aws_s3_bucket_public_access_block.videos[0].restrict_public_buckets
    )
    error_message = "public access must be blocked"
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.videos[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "the bucket must be encrypted"
  }
  assert {
    condition     = jsondecode(aws_s3_bucket_policy.videos[0].policy).Statement[0].Condition == { Bool = { "aws:SecureTransport" = "false" } }
    error_message = "the bucket policy must deny requests without TLS"
  }
  assert {
    condition     = [for rule in aws_s3_bucket_lifecycle_configuration.videos[0].rule : rule.expiration[0].days if rule.id == "expire-videos"] == [30]
    error_message = "videos must expire after video_output_expiration_days"
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.bedrock.policy).Statement == [
      {
        Sid      = "InvokeModel"
        Effect   = "Allow"
        Action   = "bedrock:InvokeModel"
        Resource = "arn:aws:bedrock:us-east-1::foundation-model/luma.ray-v2:0"
      },
      {
        Sid      = "AsyncInvokeJobs"
        Effect   = "Allow"
        Action   = ["bedrock:InvokeModel", "bedrock:GetAsyncInvoke"]
        Resource = "arn:aws:bedrock:us-east-1:123456789012:async-invoke/*"
      },
      {
        Sid      = "WriteVideosUnderPrefix"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = "arn:aws:s3:::mocked-videos-20261123000000000000000001/videos/*"
      },
      {
        Sid       = "FindVideosUnderPrefix"
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = "arn:aws:s3:::mocked-videos-20261123000000000000000001"
        Condition = { StringLike = { "s3:prefix" = "videos/*" } }
      },
    ]
    error_message = "unexpected Bedrock policy: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition     = output.video_output_s3_uri == "s3://mocked-videos-20261123000000000000000001/videos/"
    error_message = "the output URI must name the bucket and prefix"
  }
}

run "video_workflow_with_a_given_bucket" {
  command = apply

  variables {
    workflow                 = "video_generation"
    video_output_bucket_name = "team-videos"
    video_output_prefix      = "durable/jobs/"
  }

  assert {
    condition     = length(aws_s3_bucket.videos) == 0 && length(aws_s3_bucket_policy.videos) == 0
    error_message = "a given bucket must not be created or changed"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.bedrock.policy).Statement[2].Resource == "arn:aws:s3:::team-videos/durable/jobs/*"
    error_message = "the role may write only under the prefix: ${aws_iam_role_policy.bedrock.policy}"
  }
}

run "bedrock_in_another_region" {
  command = apply

  variables {
    workflow       = "video_generation"
    bedrock_region = "us-west-2"
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables.BEDROCK_REGION == "us-west-2"
    error_message = "the function must call Bedrock in bedrock_region"
  }
  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.bedrock.policy).Statement : statement.Resource if contains(["InvokeModel", "AsyncInvokeJobs"], statement.Sid)] == [
      "arn:aws:bedrock:us-west-2::foundation-model/luma.ray-v2:0",
      "arn:aws:bedrock:us-west-2:123456789012:async-invoke/*",
    ]
    error_message = "model and job ARNs must be in bedrock_region: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition = alltrue([
      aws_s3_bucket.videos[0].region == "us-west-2", aws_s3_bucket_policy.videos[0].region == "us-west-2",
      aws_s3_bucket_public_access_block.videos[0].region == "us-west-2", aws_s3_bucket_ownership_controls.videos[0].region == "us-west-2",
      aws_s3_bucket_server_side_encryption_configuration.videos[0].region == "us-west-2", aws_s3_bucket_lifecycle_configuration.videos[0].region == "us-west-2",
    ])
    error_message = "the created video bucket must live in bedrock_region, next to the model"
  }
}

run "profile_in_another_region" {
  command = apply

  variables {
    bedrock_region = "us-west-2"
  }

  assert {
    condition     = data.aws_bedrock_inference_profile.selected[0].region == "us-west-2"
    error_message = "the profile must be looked up in bedrock_region"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.bedrock.policy).Statement[0].Resource == "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"
    error_message = "the profile ARN must be in bedrock_region: ${aws_iam_role_policy.bedrock.policy}"
  }
}

run "video_bucket_encrypted_with_a_customer_key" {
  command = apply

  variables {
    workflow                 = "video_generation"
    video_output_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables.OUTPUT_KMS_KEY_ID == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "the key must reach StartAsyncInvoke (kmsKeyId) through the environment"
  }
  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.bedrock.policy).Statement : statement if statement.Sid == "EncryptVideosWithTheBucketKey"] == [{
      Sid       = "EncryptVideosWithTheBucketKey"
      Effect    = "Allow"
      Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource  = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      Condition = { StringEquals = { "kms:ViaService" = "s3.us-east-1.amazonaws.com" } }
    }]
    error_message = "the role may use the key only through S3: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition = one(one(aws_s3_bucket_server_side_encryption_configuration.videos[0].rule).apply_server_side_encryption_by_default) == {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
    error_message = "a created bucket must be encrypted with the given key"
  }
}

# --- SQS trigger -----------------------------------------------------------------

run "no_trigger_by_default" {
  command = apply

  assert {
    condition     = length(aws_lambda_event_source_mapping.trigger) == 0 && length(aws_sqs_queue.trigger) == 0 && length(aws_lambda_function.starter) == 0
    error_message = "no trigger resources unless sqs_trigger is set"
  }
}

run "sqs_trigger_starts_executions_through_the_starter" {
  command = apply

  variables {
    sqs_trigger = { minimum_pollers = 2, maximum_pollers = 20, max_receive_count = 5 }
  }

  assert {
    condition     = aws_lambda_event_source_mapping.trigger[0].function_name == aws_lambda_function.starter[0].arn && aws_lambda_event_source_mapping.trigger[0].function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "the queue must feed the starter, reporting failures per message"
  }
  assert {
    condition     = aws_lambda_function.starter[0].environment[0].variables.DURABLE_FUNCTION_ARN == "arn:aws:lambda:us-east-1:123456789012:function:pipeline:live"
    error_message = "the starter must invoke the durable function through its alias (a qualified ARN)"
  }
  assert {
    condition     = length(aws_lambda_function.starter[0].durable_config) == 0 && aws_lambda_function.starter[0].handler == "durable_bedrock.sqs_starter.handler"
    error_message = "the starter is a plain function running durable_bedrock.sqs_starter"
  }
  assert {
    condition     = one(aws_lambda_event_source_mapping.trigger[0].provisioned_poller_config).minimum_pollers == 2 && one(aws_lambda_event_source_mapping.trigger[0].provisioned_poller_config).maximum_pollers == 20
    error_message = "provisioned pollers must follow the inputs"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.trigger[0].redrive_policy) == { deadLetterTargetArn = "arn:aws:sqs:us-east-1:123456789012:mocked-queue", maxReceiveCount = 5 }
    error_message = "the queue must redrive to its dead-letter queue after max_receive_count deliveries"
  }
  assert {
    condition     = aws_sqs_queue.trigger[0].sqs_managed_sse_enabled && aws_sqs_queue.dead_letters[0].sqs_managed_sse_enabled && aws_sqs_queue.trigger[0].visibility_timeout_seconds == 6 * aws_lambda_function.starter[0].timeout
    error_message = "queues must be encrypted, and the visibility timeout six times the starter's timeout"
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.starter[0].policy).Statement == [
      {
        Sid      = "ConsumeTheQueue"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
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
    error_message = "unexpected starter policy: ${aws_iam_role_policy.starter[0].policy}"
  }
}

run "sqs_trigger_on_a_given_queue" {
  command = apply

  variables {
    sqs_trigger = { queue_arn = "arn:aws:sqs:us-east-1:123456789012:team-requests" }
  }

  assert {
    condition     = length(aws_sqs_queue.trigger) == 0 && aws_lambda_event_source_mapping.trigger[0].event_source_arn == "arn:aws:sqs:us-east-1:123456789012:team-requests"
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
    condition     = aws_lambda_function.starter[0].timeout == 655 && aws_lambda_function.starter[0].environment[0].variables.STARTS_IN_PARALLEL == "16"
    error_message = "the starter's timeout must cover its largest batch (got ${aws_lambda_function.starter[0].timeout} s)"
  }
  assert {
    condition     = aws_sqs_queue.trigger[0].visibility_timeout_seconds == 3930 && output.sqs_starter_timeout == 655
    error_message = "the visibility timeout must be six times the starter's timeout"
  }
}

# --- Examples: each one plans, loaded as the root module with the mocks above ----
# (the file's variables, such as name, are passed to the example's own).

run "content_pipeline_plans" {
  command = plan
  module {
    source = "./examples/content-pipeline"
  }
  assert {
    condition     = module.content_pipeline.function_name == var.name
    error_message = "the content pipeline example must plan its durable function"
  }
}

run "video_generation_plans" {
  command = plan
  module {
    source = "./examples/video-generation"
  }
  assert {
    condition     = module.video_generation.function_name == var.name
    error_message = "the video example must plan its durable function"
  }
}

run "sqs_trigger_plans" {
  command = plan
  module {
    source = "./examples/sqs-trigger"
  }
  assert {
    condition     = module.queued_pipeline.function_name == var.name
    error_message = "the SQS example must plan its durable function"
  }
}

# --- Input validation: one run per rule -----------------------------------------

run "rejects_a_name_too_long_for_the_role" {
  command = plan
  variables {
    name = "a-name-that-is-far-too-long-for-an-iam-role-once-exec-is-added"
  }
  expect_failures = [var.name]
}

run "rejects_a_name_too_long_for_the_video_bucket" {
  command = plan
  variables {
    name     = "thirty-characters-long-name-xx"
    workflow = "video_generation"
  }
  expect_failures = [var.name]
}

run "rejects_a_name_that_cannot_start_a_bucket_name" {
  command = plan
  variables {
    name     = "_videos"
    workflow = "video_generation"
  }
  expect_failures = [var.name]
}

run "rejects_a_name_with_a_reserved_bucket_prefix" {
  command = plan
  variables {
    name     = "xn--pipeline"
    workflow = "video_generation"
  }
  expect_failures = [var.name]
}

run "accepts_a_long_name_with_a_given_bucket" {
  command = plan
  variables {
    name                     = "thirty-characters-long-name-xx"
    workflow                 = "video_generation"
    video_output_bucket_name = "team-videos"
  }
}

run "rejects_a_name_too_long_for_the_starter_role" {
  command = plan
  variables {
    name        = "forty-four-characters-long-name-for-triggers"
    sqs_trigger = {}
  }
  expect_failures = [var.name]
}

run "rejects_a_large_batch_without_a_window" {
  command = plan
  variables {
    sqs_trigger = { batch_size = 100 }
  }
  expect_failures = [var.sqs_trigger]
}

run "rejects_a_large_batch_from_a_fifo_queue" {
  command = plan
  variables {
    sqs_trigger = { queue_arn = "arn:aws:sqs:us-east-1:123456789012:orders.fifo", batch_size = 20, maximum_batching_window_seconds = 1 }
  }
  expect_failures = [var.sqs_trigger]
}

run "rejects_a_malformed_bedrock_region" {
  command = plan
  variables {
    bedrock_region = "US West 2"
  }
  expect_failures = [var.bedrock_region]
}

run "rejects_a_video_key_that_is_not_a_kms_arn" {
  command = plan
  variables {
    workflow                 = "video_generation"
    video_output_kms_key_arn = "alias/videos"
  }
  expect_failures = [var.video_output_kms_key_arn]
}

run "rejects_a_bad_name" {
  command = plan
  variables {
    name = "has spaces"
  }
  expect_failures = [var.name]
}

run "rejects_an_unknown_workflow" {
  command = plan
  variables {
    workflow = "image_generation"
  }
  expect_failures = [var.workflow]
}

run "rejects_a_malformed_model_id" {
  command = plan
  variables {
    model_id = "claude sonnet"
  }
  expect_failures = [var.model_id]
}

run "rejects_foundation_model_arns_that_are_not_model_arns" {
  command = plan
  variables {
    foundation_model_arns = ["arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x"]
  }
  expect_failures = [var.foundation_model_arns]
}

run "rejects_a_review_wait_out_of_range" {
  command = plan
  variables {
    review_wait_seconds = 0
  }
  expect_failures = [var.review_wait_seconds]
}

run "rejects_max_tokens_over_the_checkpoint_bound" {
  command = plan
  variables {
    max_tokens = 16001
  }
  expect_failures = [var.max_tokens]
}

run "rejects_a_bad_bucket_name" {
  command = plan
  variables {
    video_output_bucket_name = "Not_A_Bucket"
  }
  expect_failures = [var.video_output_bucket_name]
}

run "rejects_a_prefix_without_trailing_slash" {
  command = plan
  variables {
    video_output_prefix = "videos"
  }
  expect_failures = [var.video_output_prefix]
}

run "rejects_a_zero_expiration" {
  command = plan
  variables {
    video_output_expiration_days = 0
  }
  expect_failures = [var.video_output_expiration_days]
}

run "rejects_a_poll_deadline_out_of_range" {
  command = plan
  variables {
    poll_deadline_seconds = 31622401
  }
  expect_failures = [var.poll_deadline_seconds]
}

run "rejects_a_poll_initial_out_of_range" {
  command = plan
  variables {
    poll_initial_seconds = 0
  }
  expect_failures = [var.poll_initial_seconds]
}

run "rejects_a_poll_max_below_the_initial_wait" {
  command = plan
  variables {
    poll_initial_seconds = 60
    poll_max_seconds     = 30
  }
  expect_failures = [var.poll_max_seconds]
}

run "rejects_an_unsupported_runtime" {
  command = plan
  variables {
    runtime = "python3.12"
  }
  expect_failures = [var.runtime]
}

run "rejects_an_unknown_architecture" {
  command = plan
  variables {
    architecture = "aarch64"
  }
  expect_failures = [var.architecture]
}

run "rejects_a_timeout_over_15_minutes" {
  command = plan
  variables {
    timeout = 901
  }
  expect_failures = [var.timeout]
}

run "rejects_memory_out_of_range" {
  command = plan
  variables {
    memory_size = 64
  }
  expect_failures = [var.memory_size]
}

run "rejects_an_execution_timeout_over_366_days" {
  command = plan
  variables {
    durable_execution_timeout = 31622401
  }
  expect_failures = [var.durable_execution_timeout]
}

run "rejects_a_retention_over_90_days" {
  command = plan
  variables {
    durable_retention_days = 91
  }
  expect_failures = [var.durable_retention_days]
}

run "rejects_a_numeric_alias" {
  command = plan
  variables {
    alias_name = "1"
  }
  expect_failures = [var.alias_name]
}

run "rejects_negative_reserved_concurrency" {
  command = plan
  variables {
    reserved_concurrent_executions = -1
  }
  expect_failures = [var.reserved_concurrent_executions]
}

run "rejects_environment_that_overrides_the_workflow" {
  command = plan
  variables {
    environment_variables = { MAX_TOKENS = "99999" }
  }
  expect_failures = [var.environment_variables]
}

run "rejects_a_log_retention_cloudwatch_does_not_offer" {
  command = plan
  variables {
    log_retention_days = 10
  }
  expect_failures = [var.log_retention_days]
}

run "rejects_a_log_key_that_is_not_a_kms_arn" {
  command = plan
  variables {
    log_kms_key_arn = "alias/logs"
  }
  expect_failures = [var.log_kms_key_arn]
}

run "rejects_unknown_durable_permissions" {
  command = plan
  variables {
    durable_permissions = "none"
  }
  expect_failures = [var.durable_permissions]
}

run "rejects_a_package_that_is_not_a_zip" {
  command = plan
  variables {
    package_file = "build/function.tar.gz"
  }
  expect_failures = [var.package_file]
}

run "rejects_a_malformed_handler" {
  command = plan
  variables {
    handler = "handler"
  }
  expect_failures = [var.handler]
}

run "rejects_a_trigger_queue_that_is_not_an_sqs_arn" {
  command = plan
  variables {
    sqs_trigger = { queue_arn = "https://sqs.us-east-1.amazonaws.com/123456789012/q" }
  }
  expect_failures = [var.sqs_trigger]
}

run "rejects_a_trigger_batch_size_out_of_range" {
  command = plan
  variables {
    sqs_trigger = { batch_size = 0 }
  }
  expect_failures = [var.sqs_trigger]
}

run "rejects_half_a_poller_configuration" {
  command = plan
  variables {
    sqs_trigger = { minimum_pollers = 2 }
  }
  expect_failures = [var.sqs_trigger]
}

run "rejects_a_zero_max_receive_count" {
  command = plan
  variables {
    sqs_trigger = { max_receive_count = 0 }
  }
  expect_failures = [var.sqs_trigger]
}
