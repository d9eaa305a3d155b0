# Module tests: input validation, one run per rule: the workflow: model, region, review, tokens, video output and polling.

# AWS is mocked, for any run that plans fully. The partition and role ARN are set because the
# provider rejects malformed ARNs (OpenTofu fills computed values with mocks at plan time).
mock_provider "aws" {
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

run "rejects_an_unknown_review_mode" {
  command = plan
  variables {
    review = { mode = "human" }
  }
  expect_failures = [var.review]
}

run "rejects_an_unknown_review_timeout_policy" {
  command = plan
  variables {
    review = { mode = "callback", on_timeout = "retry" }
  }
  expect_failures = [var.review]
}

run "rejects_a_review_timeout_that_is_not_a_whole_positive_number" {
  command = plan
  variables {
    review = { mode = "callback", timeout_seconds = 0.5 }
  }
  expect_failures = [var.review]
}

run "rejects_a_review_timeout_that_does_not_fit_the_execution" {
  command = plan
  variables {
    review                    = { mode = "callback", timeout_seconds = 3600 }
    durable_execution_timeout = 3600
  }
  expect_failures = [var.review]
}

run "rejects_a_review_callback_for_the_video_workflow" {
  command = plan
  variables {
    workflow = "video_generation"
    review   = { mode = "callback" }
  }
  expect_failures = [var.review]
}

run "rejects_environment_that_sets_the_review_mode" {
  command = plan
  variables {
    environment_variables = { REVIEW_MODE = "callback" }
  }
  expect_failures = [var.environment_variables]
}

run "rejects_max_tokens_over_the_checkpoint_bound" {
  command = plan
  variables {
    max_tokens = 16001
  }
  expect_failures = [var.max_tokens]
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

run "rejects_a_poll_first_wait_out_of_range" {
  command = plan
  variables {
    poll_first_wait_seconds = 0
  }
  expect_failures = [var.poll_first_wait_seconds]
}

run "rejects_a_fractional_poll_first_wait" {
  command = plan
  variables {
    poll_first_wait_seconds = 1.5
  }
  expect_failures = [var.poll_first_wait_seconds]
}

run "rejects_a_poll_wait_percent_out_of_range" {
  command = plan
  variables {
    poll_wait_percent = 101
  }
  expect_failures = [var.poll_wait_percent]
}

run "rejects_a_poll_max_below_the_shortest_wait" {
  command = plan
  variables {
    poll_max_seconds = 9
  }
  expect_failures = [var.poll_max_seconds]
}

run "rejects_a_review_page_in_timer_mode" {
  command = plan
  variables {
    review = { page = true }
  }
  expect_failures = [var.review]
}

run "accepts_a_review_page_in_callback_mode" {
  command = plan
  variables {
    name   = "a-name-of-forty-three-characters-for-a-page"
    review = { mode = "callback", page = true }
  }
}

run "rejects_a_negative_price" {
  command = plan
  variables {
    prices = { bedrock = { "luma.ray-v2:0" = { per_video_second = -0.5 } } }
  }
  expect_failures = [var.prices]
}

run "rejects_a_model_price_without_any_figure" {
  command = plan
  variables {
    prices = { bedrock = { "luma.ray-v2:0" = {} } }
  }
  expect_failures = [var.prices]
}

run "rejects_prices_keyed_by_something_else_than_a_model" {
  command = plan
  variables {
    prices = { bedrock = { "Claude Haiku" = { input_per_1k_tokens = 0.001 } } }
  }
  expect_failures = [var.prices]
}

run "rejects_prices_too_large_for_the_environment" {
  command = plan
  variables {
    prices = { bedrock = { for n in range(40) : "us.anthropic.claude-model-number-${n}-v1:0" => { input_per_1k_tokens = 0.001 } } }
  }
  expect_failures = [var.prices]
}

run "rejects_prices_set_as_an_environment_variable" {
  command = plan
  variables {
    environment_variables = { PRICES = "{}" }
  }
  expect_failures = [var.environment_variables]
}
