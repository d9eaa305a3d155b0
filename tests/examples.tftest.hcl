# Module tests: each example folder plans, loaded as the root module with this file's mocks and variables.

# AWS is mocked. The partition and role ARN are set because the provider rejects malformed
# ARNs (OpenTofu fills computed values with mocks at plan time, Terraform leaves them unknown).
mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked-exec" }
  }
}

# Passed to each example's own variables.
variables {
  name = "pipeline"
}

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
