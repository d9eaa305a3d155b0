# Module tests: input validation, one run per rule: names and the resource names made from them.

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

run "rejects_a_bad_name" {
  command = plan
  variables {
    name = "has spaces"
  }
  expect_failures = [var.name]
}

run "rejects_a_name_too_long_for_the_review_page_role" {
  command = plan
  variables {
    name   = "a-name-of-forty-four-characters-for-the-page"
    review = { mode = "callback", page = true }
  }
  expect_failures = [var.review]
}

run "rejects_a_bad_bucket_name" {
  command = plan
  variables {
    video_output_bucket_name = "Not_A_Bucket"
  }
  expect_failures = [var.video_output_bucket_name]
}

run "rejects_a_numeric_alias" {
  command = plan
  variables {
    alias_name = "1"
  }
  expect_failures = [var.alias_name]
}
