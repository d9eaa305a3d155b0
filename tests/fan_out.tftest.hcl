# Module tests: the fan_out input (fan_out.tf): its environment, its policy (the function's own versions
# for child executions, one S3 prefix for large results, nothing without the input) and its validation.

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
}

run "no_fan_out_no_policy_no_environment" {
  command = plan

  assert {
    condition     = length(aws_iam_role_policy.fan_out) == 0
    error_message = "without fan_out the role may not invoke anything nor write results"
  }
  assert {
    condition     = length([for name in keys(aws_lambda_function.this.environment[0].variables) : name if startswith(name, "FAN_OUT_")]) == 0
    error_message = "without fan_out no FAN_OUT_ variable: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "children_invoke_only_this_functions_versions_and_results_go_under_one_prefix" {
  command = plan

  variables {
    fan_out = { max_concurrency = 16, results_s3_uri = "s3://team-results/fan-out/" }
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.fan_out[0].policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "FanOutChildExecutions"
          Effect   = "Allow"
          Action   = "lambda:InvokeFunction"
          Resource = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:*"
        },
        {
          Sid      = "WriteFanOutResultsUnderPrefix"
          Effect   = "Allow"
          Action   = "s3:PutObject"
          Resource = "arn:aws:s3:::team-results/fan-out/*"
        },
      ]
    }
    error_message = "unexpected fan-out policy: ${aws_iam_role_policy.fan_out[0].policy}"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["FAN_OUT_MAX_CONCURRENCY"] == "16"
    error_message = "the bound reaches the function"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["FAN_OUT_RESULTS_S3_URI"] == "s3://team-results/fan-out/"
    error_message = "the results location reaches the function"
  }
}

run "without_children_or_results_no_policy" {
  command = plan

  variables {
    fan_out = { child_executions = false }
  }

  assert {
    condition     = length(aws_iam_role_policy.fan_out) == 0
    error_message = "nothing to grant: no child executions, no results bucket"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["FAN_OUT_MAX_CONCURRENCY"] == "8"
    error_message = "the default bound is 8"
  }
}

run "bound_out_of_range_is_refused" {
  command = plan

  variables {
    fan_out = { max_concurrency = 0 }
  }

  expect_failures = [var.fan_out]
}

run "results_location_without_trailing_slash_is_refused" {
  command = plan

  variables {
    fan_out = { results_s3_uri = "s3://team-results/fan-out" }
  }

  expect_failures = [var.fan_out]
}
