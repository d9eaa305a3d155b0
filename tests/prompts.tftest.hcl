# Module tests: the prompts input (prompts.tf): the environment it sets, and its validation
# (placeholders each template allows and needs, literal braces, size, content pipeline only).

# AWS is mocked (apply creates nothing); the partition, region and role ARN are set because the
# provider rejects malformed values.
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
  name = "pipeline"
}

run "built_in_prompts_add_nothing_to_the_environment" {
  command = plan

  assert {
    condition     = length([for variable in keys(aws_lambda_function.this.environment[0].variables) : variable if startswith(variable, "PROMPT_")]) == 0
    error_message = "without the input the function uses its built-in prompts: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "the_templates_given_reach_the_environment_as_written" {
  command = plan
  variables {
    prompts = {
      outline  = "List {{three}} points on {topic}."
      feedback = "\nReviewer's notes on the outline for {topic}: {feedback}"
    }
  }

  assert {
    condition = { for variable, value in aws_lambda_function.this.environment[0].variables : variable => value if startswith(variable, "PROMPT_") } == {
      PROMPT_OUTLINE  = "List {{three}} points on {topic}."
      PROMPT_FEEDBACK = "\nReviewer's notes on the outline for {topic}: {feedback}"
    }
    error_message = "only the templates given, unchanged (braces are the function's to read): ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "every_template_may_use_every_placeholder_it_allows" {
  command = plan
  variables {
    prompts = {
      outline  = "{topic}"
      draft    = "{topic}: {outline}"
      feedback = "{topic} {outline} {feedback}"
      summary  = "{{{topic}}} {outline} {draft} as JSON {{\"summary\": \"...\"}}"
    }
  }

  assert {
    condition     = length(keys(aws_lambda_function.this.environment[0].variables)) == 8
    error_message = "four templates on top of the four default variables: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "rejects_a_placeholder_the_template_does_not_have" {
  command = plan
  variables {
    prompts = { draft = "Expand {outline} for {audience}" }
  }
  expect_failures = [var.prompts]
}

run "rejects_the_feedback_in_the_draft_template" {
  command = plan
  variables {
    prompts = { draft = "Expand {outline}. Notes: {feedback}" }
  }
  expect_failures = [var.prompts]
}

run "rejects_a_format_spec_or_index" {
  command = plan
  variables {
    prompts = { outline = "About {topic!r} and {0}" }
  }
  expect_failures = [var.prompts]
}

run "rejects_a_brace_left_alone" {
  command = plan
  variables {
    prompts = { summary = "Summarize {draft} as JSON {\"summary\": ...}" }
  }
  expect_failures = [var.prompts]
}

run "rejects_an_outline_template_without_the_topic" {
  command = plan
  variables {
    prompts = { outline = "Write an outline." }
  }
  expect_failures = [var.prompts]
}

run "rejects_a_feedback_template_without_the_notes" {
  command = plan
  variables {
    prompts = { feedback = "\n\nThe editor approved." }
  }
  expect_failures = [var.prompts]
}

run "rejects_templates_over_1024_bytes_counting_utf8" {
  command = plan
  variables {
    # 521 characters but 1,034 bytes: the 4 KB environment limit counts bytes.
    prompts = { outline = "${join("", [for _ in range(513) : "é"])} {topic}" }
  }
  expect_failures = [var.prompts]
}

run "accepts_1024_bytes" {
  command = plan
  variables {
    prompts = { outline = "${join("", [for _ in range(508) : "é"])} {topic}" }
  }
}

run "rejects_prompts_for_the_video_workflow" {
  command = plan
  variables {
    workflow = "video_generation"
    prompts  = { outline = "About {topic}" }
  }
  expect_failures = [var.prompts]
}
