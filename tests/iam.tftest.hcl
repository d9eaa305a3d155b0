# Module tests: the execution role (trust, durable permissions, X-Ray) and its Bedrock policy.

# AWS is mocked (apply creates nothing): one account, region and inference profile.
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
}

variables {
  name = "pipeline"
}

# --- Execution role ---------------------------------------------------------------

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

# --- Tracing ----------------------------------------------------------------------

run "tracing_grants_xray_to_both_roles" {
  command = apply

  variables {
    tracing_enabled = true
    sqs_trigger     = {}
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && module.starter[0].function.tracing == "Active"
    error_message = "tracing_enabled must turn on active tracing for both functions"
  }
  assert {
    # Lambda rejects active tracing when the role may not send traces.
    condition = alltrue([for policy in [aws_iam_role_policy.xray[0].policy, module.starter[0].role_policies.xray.document] : jsondecode(policy) == {
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
    condition     = aws_iam_role_policy.xray[0].role == aws_iam_role.function.id && module.starter[0].role_policies.xray.role == module.starter[0].role.id
    error_message = "each role gets its own X-Ray policy"
  }
}

# --- Bedrock policy ---------------------------------------------------------------

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

run "profile_in_another_region" {
  command = apply

  variables {
    bedrock_region = "us-west-2"
  }

  assert {
    condition     = data.aws_bedrock_inference_profile.selected["us.anthropic.claude-haiku-4-5-20251001-v1:0"].region == "us-west-2"
    error_message = "the profile must be looked up in bedrock_region"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.bedrock.policy).Statement[0].Resource == "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"
    error_message = "the profile ARN must be in bedrock_region: ${aws_iam_role_policy.bedrock.policy}"
  }
}

# --- The reviewers' policy (output) -------------------------------------------------

run "reviewer_policy_answers_this_functions_reviews_only" {
  command = apply

  variables {
    review = { mode = "callback" }
  }

  assert {
    condition = jsondecode(output.reviewer_policy_json) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "AnswerReviews"
          Effect   = "Allow"
          Action   = "lambda:SendDurableExecutionCallbackSuccess"
          Resource = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:*"
        },
        {
          Sid      = "FindPendingReviews"
          Effect   = "Allow"
          Action   = ["lambda:GetDurableExecution", "lambda:GetDurableExecutionHistory"]
          Resource = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:*"
        },
        {
          Sid    = "FindExecutionsByName"
          Effect = "Allow"
          Action = "lambda:ListDurableExecutionsByFunction"
          Resource = [
            "arn:aws:lambda:us-east-1:123456789012:function:pipeline",
            "arn:aws:lambda:us-east-1:123456789012:function:pipeline:*",
          ]
        },
      ]
    }
    error_message = "unexpected reviewer policy: ${output.reviewer_policy_json}"
  }
}

run "no_reviewer_policy_without_callback_reviews" {
  command = apply

  assert {
    condition     = output.reviewer_policy_json == null
    error_message = "timer mode has nobody to review, so no reviewer policy: ${jsonencode(output.reviewer_policy_json)}"
  }
}
