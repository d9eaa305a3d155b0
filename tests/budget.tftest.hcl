# Module tests: the budget input (budget.tf): the BUDGET variable it sets, and its validation (limits above
# zero, whole tokens, no token limit for videos, a USD limit only with the prices of every model called).

# AWS is mocked (apply creates nothing); the local provider is real, so the custom package is really built.
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

variables {
  name = "pipeline"
  prices = {
    bedrock = {
      "us.anthropic.claude-haiku-4-5-20251001-v1:0" = { input_per_1k_tokens = 0.001, output_per_1k_tokens = 0.005 }
    }
  }
}

run "no_budget_sets_no_variable" {
  command = plan

  assert {
    condition     = !contains(keys(aws_lambda_function.this.environment[0].variables), "BUDGET")
    error_message = "without limits the function has no BUDGET: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "both_limits_reach_the_function_as_one_json_object" {
  command = plan
  variables {
    budget = { usd = 0.5, tokens = 20000 }
  }

  assert {
    condition     = jsondecode(aws_lambda_function.this.environment[0].variables["BUDGET"]) == { usd = 0.5, tokens = 20000 }
    error_message = "BUDGET must hold the limits as given: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "a_token_limit_alone_needs_no_prices" {
  command = plan
  variables {
    prices = {}
    budget = { tokens = 1000 }
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["BUDGET"] == "{\"tokens\":1000}"
    error_message = "only the limit set, the unset one left out: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "rejects_a_usd_limit_without_the_models_price" {
  command = plan
  variables {
    prices = {}
    budget = { usd = 1 }
  }
  expect_failures = [var.budget]
}

run "rejects_a_usd_limit_with_the_input_price_only" {
  command = plan
  variables {
    prices = { bedrock = { "us.anthropic.claude-haiku-4-5-20251001-v1:0" = { input_per_1k_tokens = 0.001 } } }
    budget = { usd = 1 }
  }
  expect_failures = [var.budget]
}

run "rejects_a_usd_limit_of_zero" {
  command = plan
  variables {
    budget = { usd = 0 }
  }
  expect_failures = [var.budget]
}

run "rejects_a_fraction_of_a_token" {
  command = plan
  variables {
    budget = { tokens = 1.5 }
  }
  expect_failures = [var.budget]
}

run "rejects_budget_in_environment_variables" {
  command = plan
  variables {
    environment_variables = { BUDGET = "{\"usd\":100}" }
  }
  expect_failures = [var.environment_variables]
}

run "a_video_usd_limit_with_its_per_second_price" {
  command = plan
  variables {
    workflow = "video_generation"
    prices   = { bedrock = { "luma.ray-v2:0" = { per_video_second = 0.5 } } }
    budget   = { usd = 5 }
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["BUDGET"] == "{\"usd\":5}"
    error_message = "the video function gets its USD limit: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "rejects_a_video_usd_limit_with_token_prices_only" {
  command = plan
  variables {
    workflow = "video_generation"
    prices   = { bedrock = { "luma.ray-v2:0" = { input_per_1k_tokens = 0.5 } } }
    budget   = { usd = 5 }
  }
  expect_failures = [var.budget]
}

run "rejects_a_token_limit_for_videos" {
  command = plan
  variables {
    workflow = "video_generation"
    prices   = { bedrock = { "luma.ray-v2:0" = { per_video_second = 0.5 } } }
    budget   = { tokens = 1000 }
  }
  expect_failures = [var.budget]
}

run "a_custom_workflow_prices_each_of_its_models_as_text_or_video" {
  command = plan
  variables {
    source_dir = "tests/fixtures/tiny_workflow"
    handler    = "tiny_workflow.handler"
    models     = { classify = "amazon.nova-micro-v1:0", render = "luma.ray-v2:0" }
    prices = { bedrock = {
      "amazon.nova-micro-v1:0" = { input_per_1k_tokens = 0.0001, output_per_1k_tokens = 0.0002 }
      "luma.ray-v2:0"          = { per_video_second = 0.5 }
    } }
    budget = { usd = 2 }
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["BUDGET"] == "{\"usd\":2}"
    error_message = "the custom function gets BUDGET: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "rejects_a_custom_usd_limit_with_an_unpriced_model" {
  command = plan
  variables {
    source_dir = "tests/fixtures/tiny_workflow"
    handler    = "tiny_workflow.handler"
    models     = { classify = "amazon.nova-micro-v1:0", write = "amazon.nova-pro-v1:0" }
    prices     = { bedrock = { "amazon.nova-micro-v1:0" = { input_per_1k_tokens = 0.0001, output_per_1k_tokens = 0.0002 } } }
    budget     = { usd = 2 }
  }
  expect_failures = [var.budget]
}
