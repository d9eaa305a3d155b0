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

# The package builder checks the handler (triage.handler) is in the package at plan: planning proves it.
run "custom_workflow_plans_its_code_beside_the_library" {
  command = plan
  module {
    source = "./examples/custom-workflow"
  }
  assert {
    condition     = module.ticket_triage.function_name == var.name && jsondecode(module.ticket_triage.sample_payload).tickets[0].id == "T-1001"
    error_message = "the custom workflow example must plan its function, with the sample tickets as what make invoke sends"
  }
}
