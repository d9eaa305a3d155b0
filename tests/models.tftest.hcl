# Module tests: several models per custom workflow (the `models` input): the Bedrock policy grants
# each exactly as model_id is granted, the function reads them from BEDROCK_MODELS, and what
# cannot work is refused at plan.

# AWS is mocked; the local provider is real, so the custom package is really built.
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

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked-exec" }
  }
}

# Every profile lookup (GetInferenceProfile, one per profile) answers alike: OpenTofu's override_data
# takes a data source, not one of its instances. The global. profile's statement still differs (the
# region-less ARN), and a lookup read under the wrong key would leave its statement out.
override_data {
  target = data.aws_bedrock_inference_profile.selected
  values = {
    models = [
      { model_arn = "arn:aws:bedrock:us-east-1::foundation-model/routed.model-v1:0" },
      { model_arn = "arn:aws:bedrock:us-west-2::foundation-model/routed.model-v1:0" },
    ]
  }
}

variables {
  name       = "triage"
  source_dir = "tests/fixtures/tiny_workflow"
  handler    = "tiny_workflow.handler"
  models = {
    classify    = "us.amazon.nova-micro-v1:0"
    write_reply = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
    summarise   = "amazon.nova-lite-v1:0"
  }
}

run "each_model_is_granted_as_model_id_would_be_and_nothing_else" {
  command = apply

  assert {
    # Statements by name, in name order; Sids end with the name in PascalCase.
    condition = jsondecode(aws_iam_role_policy.bedrock.policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "InvokeThroughInferenceProfileClassify"
          Effect   = "Allow"
          Action   = "bedrock:InvokeModel"
          Resource = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-micro-v1:0"
        },
        {
          Sid    = "ProfileDestinationModelsClassify"
          Effect = "Allow"
          Action = "bedrock:InvokeModel"
          Resource = [
            "arn:aws:bedrock:us-east-1::foundation-model/routed.model-v1:0",
            "arn:aws:bedrock:us-west-2::foundation-model/routed.model-v1:0",
          ]
          Condition = { StringEquals = { "bedrock:InferenceProfileArn" = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-micro-v1:0" } }
        },
        {
          Sid      = "InvokeModelSummarise"
          Effect   = "Allow"
          Action   = "bedrock:InvokeModel"
          Resource = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
        },
        {
          Sid      = "InvokeThroughInferenceProfileWriteReply"
          Effect   = "Allow"
          Action   = "bedrock:InvokeModel"
          Resource = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0"
        },
        {
          Sid    = "ProfileDestinationModelsWriteReply"
          Effect = "Allow"
          Action = "bedrock:InvokeModel"
          # A global profile also needs the region-less model ARN.
          Resource = [
            "arn:aws:bedrock:us-east-1::foundation-model/routed.model-v1:0",
            "arn:aws:bedrock:us-west-2::foundation-model/routed.model-v1:0",
            "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
          ]
          Condition = { StringEquals = { "bedrock:InferenceProfileArn" = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0" } }
        },
      ]
    }
    error_message = "unexpected Bedrock policy: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition     = keys(data.aws_bedrock_inference_profile.selected) == ["global.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.amazon.nova-micro-v1:0"]
    error_message = "each profile (and only profiles) must be looked up once: ${jsonencode(keys(data.aws_bedrock_inference_profile.selected))}"
  }
}

run "the_function_reads_the_models_by_name_from_one_json_variable" {
  command = apply

  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      BEDROCK_MODELS = jsonencode({
        classify    = "us.amazon.nova-micro-v1:0"
        summarise   = "amazon.nova-lite-v1:0"
        write_reply = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
      })
      BEDROCK_REGION      = "us-east-1"
      REVIEW_WAIT_SECONDS = "5" # what run.review reads (custom workflows may review)
    })
    error_message = "the environment must hold BEDROCK_MODELS (and no BEDROCK_MODEL_ID): ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "a_profile_arn_and_a_model_arn_are_granted_as_given" {
  command = apply

  variables {
    models = {
      tagged = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
      tuned  = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/xyz789"
    }
  }

  override_data {
    target = data.aws_bedrock_inference_profile.selected
    values = { models = [{ model_arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0" }] }
  }

  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.bedrock.policy).Statement : [statement.Sid, statement.Resource]] == [
      ["InvokeThroughInferenceProfileTagged", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"],
      ["ProfileDestinationModelsTagged", ["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"]],
      ["InvokeModelTuned", "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/xyz789"],
    ]
    error_message = "unexpected Bedrock policy: ${aws_iam_role_policy.bedrock.policy}"
  }
}

# --- Validation ---------------------------------------------------------------------

run "rejects_an_empty_map" {
  command = plan
  variables {
    models = {}
  }
  expect_failures = [var.models]
}

run "rejects_names_that_are_not_snake_case_identifiers" {
  command = plan
  variables {
    models = { Classify = "amazon.nova-micro-v1:0", "2nd" = "amazon.nova-micro-v1:0", "a__b" = "amazon.nova-micro-v1:0" }
  }
  expect_failures = [var.models]
}

run "rejects_a_name_part_starting_with_a_digit" {
  # a_1 and a1 would share the Sid suffix A1.
  command = plan
  variables {
    models = { a_1 = "amazon.nova-micro-v1:0" }
  }
  expect_failures = [var.models]
}

run "rejects_values_that_are_neither_ids_nor_bedrock_arns" {
  command = plan
  variables {
    models = { notes = "arn:aws:s3:::bucket/key", draft = "anthropic/claude" }
  }
  expect_failures = [var.models]
}

run "rejects_models_too_large_for_the_environment" {
  command = plan
  variables {
    models = { for index in range(40) : "model${index}" => "us.anthropic.claude-sonnet-4-5-20250929-v1:0" }
  }
  expect_failures = [var.models]
}

run "rejects_models_beside_model_id" {
  command = plan
  variables {
    model_id = "amazon.nova-micro-v1:0"
  }
  expect_failures = [var.models]
}

run "rejects_models_for_a_built_in_workflow" {
  command = plan
  variables {
    workflow = "content_pipeline"
  }
  expect_failures = [var.models]
}

run "rejects_models_with_foundation_model_arns" {
  command = plan
  variables {
    foundation_model_arns = ["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"]
  }
  expect_failures = [var.models]
}

run "a_custom_workflow_still_needs_model_id_or_models" {
  command = plan
  variables {
    models = null
  }
  expect_failures = [var.models]
}

run "rejects_bedrock_models_set_as_an_environment_variable" {
  command = plan
  variables {
    environment_variables = { BEDROCK_MODELS = "{}" }
  }
  expect_failures = [var.environment_variables]
}
