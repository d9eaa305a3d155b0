# Module tests: input validation, one run per rule.

# AWS is mocked, for the one run that plans fully. The partition and role ARN are set because
# the provider rejects malformed ARNs (OpenTofu fills computed values with mocks at plan time).
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

run "rejects_a_review_page_in_timer_mode" {
  command = plan
  variables {
    review = { page = true }
  }
  expect_failures = [var.review]
}

run "rejects_a_name_too_long_for_the_review_page_role" {
  command = plan
  variables {
    name   = "a-name-of-forty-four-characters-for-the-page"
    review = { mode = "callback", page = true }
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
