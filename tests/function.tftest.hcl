# Module tests: the durable function, its version, alias, log group, package and invoke_command output.

# AWS is mocked (apply creates nothing); the local provider is real, so the package is really built.
# The partition and role ARN are set because the provider rejects malformed ARNs.
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { region = "us-east-1" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked-exec" }
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

run "review_by_callback_sets_its_environment" {
  command = apply
  variables {
    review = { mode = "callback", timeout_seconds = 3600, on_timeout = "proceed" }
  }

  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      BEDROCK_MODEL_ID       = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
      BEDROCK_REGION         = "us-east-1"
      REVIEW_MODE            = "callback"
      REVIEW_TIMEOUT_SECONDS = "3600"
      REVIEW_TIMEOUT_MEANS   = "proceed"
      MAX_TOKENS             = "2048"
    })
    error_message = "callback review environment is wrong: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "review_by_callback_defaults_to_23_hours_and_fail" {
  command = apply
  variables {
    review = { mode = "callback" }
  }

  assert {
    condition = (
      aws_lambda_function.this.environment[0].variables["REVIEW_TIMEOUT_SECONDS"] == "82800"
      && aws_lambda_function.this.environment[0].variables["REVIEW_TIMEOUT_MEANS"] == "fail"
    )
    error_message = "callback review defaults are wrong: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "review_by_callback_may_end_just_inside_the_execution" {
  command = plan
  variables {
    review                    = { mode = "callback", timeout_seconds = 3599 }
    durable_execution_timeout = 3600
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["REVIEW_TIMEOUT_SECONDS"] == "3599"
    error_message = "a review timeout shorter than the execution timeout must be accepted"
  }
}

run "prices_reach_the_function_as_json" {
  command = plan
  variables {
    prices = {
      bedrock = { "us.anthropic.claude-haiku-4-5-20251001-v1:0" = { input_per_1k_tokens = 0.001, output_per_1k_tokens = 0.005 } }
      durable = { per_gb_written = 0.3 }
    }
  }

  # The form pricing.py parses: every field present, null where no price was given.
  assert {
    condition = jsondecode(aws_lambda_function.this.environment[0].variables["PRICES"]) == {
      bedrock = {
        "us.anthropic.claude-haiku-4-5-20251001-v1:0" = {
          input_per_1k_tokens       = 0.001
          output_per_1k_tokens      = 0.005
          cache_read_per_1k_tokens  = null
          cache_write_per_1k_tokens = null
          per_video_second          = null
        }
      }
      durable = { per_million_operations = null, per_gb_written = 0.3 }
    }
    error_message = "PRICES is wrong: ${aws_lambda_function.this.environment[0].variables["PRICES"]}"
  }
}
