# Module tests: a custom workflow as a new user deploys one: a folder with a durable handler
# (tests/fixtures/tiny_workflow), a handler and a model. Its package holds the user's code, the
# library and the pinned SDK and boto3; its environment, description, IAM and sample input are its own.

# AWS is mocked; the local provider is real, so the package is really built.
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
  name       = "tiny"
  source_dir = "tests/fixtures/tiny_workflow"
  handler    = "tiny_workflow.handler"
  model_id   = "amazon.nova-micro-v1:0"
}

run "a_custom_package_holds_the_users_code_the_library_and_the_pinned_dependencies" {
  command = plan

  assert {
    condition = local.built_package.modules == [
      "aws_durable_execution_sdk_python", "aws_lambda_powertools", "boto3", "botocore", "dateutil",
      "durable_bedrock", "jmespath", "s3transfer", "six", "tiny_workflow", "typing_extensions", "urllib3",
    ]
    error_message = "a custom package must hold the user's code, durable_bedrock and the module's pins, nothing else; holds ${jsonencode(try(local.built_package.modules, local.built_package))}"
  }
}

run "the_users_requirements_empty_string_still_opts_out_of_all_dependencies" {
  command = plan

  variables {
    requirements_file = ""
  }

  assert {
    condition     = local.built_package.modules == ["durable_bedrock", "tiny_workflow"]
    error_message = "requirements_file = \"\" bundles no dependency; got ${jsonencode(local.built_package.modules)}"
  }
}

run "the_sqs_starter_of_a_custom_workflow_is_checked_in_its_package" {
  command = plan

  variables {
    sqs_trigger = {}
  }

  assert {
    condition     = module.starter[0].function.handler == "durable_bedrock.sqs_starter.handler" && contains(local.packaged_handlers, module.starter[0].function.handler)
    error_message = "the builder must check the starter's handler is in the package: checks ${jsonencode(try(local.packaged_handlers, []))}"
  }
  assert {
    condition     = contains(local.built_package.modules, "durable_bedrock")
    error_message = "the starter runs durable_bedrock.sqs_starter: the custom package must hold the library"
  }
}

run "a_custom_workflow_says_so_and_gets_its_model_and_the_review_settings_only" {
  command = apply

  assert {
    condition     = aws_lambda_function.this.handler == "tiny_workflow.handler" && aws_lambda_function.this.description == "Durable Bedrock workflow: custom (tiny_workflow.handler)"
    error_message = "a custom workflow must run its handler and say so: ${aws_lambda_function.this.handler}, \"${aws_lambda_function.this.description}\""
  }
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      BEDROCK_MODEL_ID    = "amazon.nova-micro-v1:0"
      BEDROCK_REGION      = "us-east-1"
      REVIEW_WAIT_SECONDS = "5"
    })
    error_message = "a custom workflow gets the model, the region and what run.review reads, none of the content pipeline's settings (MAX_TOKENS, prompts): ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.bedrock.policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid      = "InvokeModel"
        Effect   = "Allow"
        Action   = "bedrock:InvokeModel"
        Resource = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
      }]
    }
    error_message = "the role may invoke the custom workflow's model only: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition     = output.sample_payload == "{}" && strcontains(output.invoke_command, "--payload '{}'")
    error_message = "without sample_payload a custom workflow is sent {}, not the content pipeline's topic: ${output.invoke_command}"
  }
}

run "the_sample_payload_input_is_what_invoke_sends" {
  command = apply

  variables {
    sample_payload = jsonencode({ question = "Isn't a durable function just a retry?" })
  }

  assert {
    condition     = output.sample_payload == "{\"question\":\"Isn't a durable function just a retry?\"}"
    error_message = "sample_payload must be the input: ${output.sample_payload}"
  }
  assert {
    condition     = strcontains(output.invoke_command, "--payload '{\"question\":\"Isn'\\''t a durable function just a retry?\"}'")
    error_message = "invoke_command must quote the payload for the shell: ${output.invoke_command}"
  }
}

run "workflow_custom_may_be_named" {
  command = plan

  variables {
    workflow = "custom"
  }

  assert {
    condition     = local.workflow_name == "custom" && aws_lambda_function.this.handler == "tiny_workflow.handler"
    error_message = "workflow = \"custom\" must deploy the user's handler"
  }
}

run "a_built_in_workflow_with_extra_code_keeps_its_handler_environment_and_sample" {
  command = plan

  variables {
    workflow = "content_pipeline"
    handler  = null
    model_id = null
  }

  assert {
    condition     = aws_lambda_function.this.handler == "durable_bedrock.content_pipeline.handler" && aws_lambda_function.this.description == "Durable Bedrock workflow: content_pipeline"
    error_message = "a named built-in workflow runs its handler: ${aws_lambda_function.this.handler}"
  }
  assert {
    condition     = contains(local.built_package.modules, "tiny_workflow") && contains(keys(aws_lambda_function.this.environment[0].variables), "MAX_TOKENS")
    error_message = "the extra code is packaged and the content pipeline keeps its environment"
  }
  assert {
    condition     = jsondecode(output.sample_payload) == { topic = "Why durable functions suit multi-step AI workflows" }
    error_message = "the content pipeline's sample stays: ${output.sample_payload}"
  }
}

run "rejects_a_source_dir_without_a_handler" {
  command = plan
  variables {
    handler = null
  }
  expect_failures = [var.handler]
}

run "rejects_a_custom_workflow_without_a_model" {
  command = plan
  variables {
    model_id = null
  }
  # Checked on models (model_id or models is needed): validations may not refer to each other.
  expect_failures = [var.models]
}

run "rejects_workflow_custom_without_source_dir" {
  command = plan
  variables {
    workflow   = "custom"
    source_dir = null
  }
  expect_failures = [var.workflow]
}

run "a_custom_workflows_review_by_callback_gets_its_settings_and_topic" {
  command = plan
  variables {
    review = { mode = "callback", timeout_seconds = 3600, on_timeout = "proceed", notification_topic = {} }
  }

  assert {
    condition = (
      [for key in ["REVIEW_MODE", "REVIEW_TIMEOUT_SECONDS", "REVIEW_TIMEOUT_MEANS"] : aws_lambda_function.this.environment[0].variables[key]] == ["callback", "3600", "proceed"]
      && endswith(aws_lambda_function.this.environment[0].variables["REVIEW_TOPIC_ARN"], ":sns:us-east-1:${data.aws_caller_identity.current.account_id}:tiny-review")
    )
    error_message = "run.review reads the callback settings and the topic: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
  assert {
    condition     = length(aws_iam_role_policy.review_notification) == 1
    error_message = "a custom workflow's review may publish to its topic"
  }
}

run "rejects_the_review_page_for_a_custom_workflow" {
  command = plan
  variables {
    review = { mode = "callback", page = true }
  }
  expect_failures = [var.review]
}

run "rejects_a_review_callback_for_the_video_workflow" {
  command = plan
  variables {
    source_dir = null
    handler    = null
    model_id   = null
    workflow   = "video_generation"
    review     = { mode = "callback" }
  }
  expect_failures = [var.review]
}

run "rejects_a_sample_payload_that_is_not_json" {
  command = plan
  variables {
    sample_payload = "{question: 1}"
  }
  expect_failures = [var.sample_payload]
}
