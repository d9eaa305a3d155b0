# Module tests: input validation, one run per rule: the function, its logs and the SQS trigger.

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
