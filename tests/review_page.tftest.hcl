# Module tests: the optional review page (review.page = true): its function, role, public function URL
# and the grants the URL needs, and the page URL passed to the durable function.

# AWS is mocked (apply creates nothing): one account and region, a fixed role ARN and function URL.
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

  mock_resource "aws_lambda_function_url" {
    defaults = { function_url = "https://mockedurlid.lambda-url.us-east-1.on.aws/" }
  }
}

variables {
  name = "pipeline"
}

run "no_page_by_default" {
  command = apply

  variables {
    review = { mode = "callback" }
  }

  assert {
    condition     = length(module.review_page) == 0 && length(aws_lambda_function_url.review_page) == 0 && length(aws_lambda_permission.review_page_url) == 0
    error_message = "no review page resources unless review.page is true"
  }
  assert {
    condition     = !contains(keys(aws_lambda_function.this.environment[0].variables), "REVIEW_PAGE_URL") && output.review_page_url == null
    error_message = "without the page there is no page URL"
  }
}

run "page_serves_reviews_of_this_function" {
  command = apply

  variables {
    review = { mode = "callback", page = true }
  }

  assert {
    condition     = module.review_page[0].function_name == "pipeline-review-page" && module.review_page[0].function.handler == "durable_bedrock.review_page.handler" && !module.review_page[0].function.durable
    error_message = "the page is a plain function running durable_bedrock.review_page"
  }
  assert {
    condition     = length(module.review_page[0].function.environment) == 1 && module.review_page[0].function.environment.DURABLE_FUNCTION_ARN == "arn:aws:lambda:us-east-1:123456789012:function:pipeline"
    error_message = "the page must know the durable function by its unqualified ARN: ${jsonencode(module.review_page[0].function.environment)}"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables.REVIEW_PAGE_URL == "https://mockedurlid.lambda-url.us-east-1.on.aws/" && output.review_page_url == "https://mockedurlid.lambda-url.us-east-1.on.aws/"
    error_message = "the durable function and the output must carry the page's URL"
  }
  assert {
    condition     = module.review_page[0].role.name == "pipeline-review-page-exec" && jsondecode(module.review_page[0].role.trust_policy) == jsondecode(aws_iam_role.function.assume_role_policy)
    error_message = "the page's role must trust Lambda in this account only, like the function's"
  }
  assert {
    condition = jsondecode(module.review_page[0].role_policies["review-page"].document) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "ReadReviewsOfThisFunction"
          Effect   = "Allow"
          Action   = "lambda:GetDurableExecutionHistory"
          Resource = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:*/durable-execution/*"
        },
        {
          Sid      = "DecideReviewsOfThisFunction"
          Effect   = "Allow"
          Action   = "lambda:SendDurableExecutionCallbackSuccess"
          Resource = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:*/durable-execution/*"
        },
        {
          Sid      = "WriteOwnLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipeline-review-page:*"
        },
      ]
    }
    error_message = "unexpected review page policy: ${module.review_page[0].role_policies["review-page"].document}"
  }
  assert {
    condition     = !contains(keys(module.review_page[0].role_policies), "xray")
    error_message = "no trace grant unless tracing_enabled"
  }
  assert {
    condition     = aws_lambda_function_url.review_page[0].function_name == "pipeline-review-page" && aws_lambda_function_url.review_page[0].authorization_type == "NONE" && aws_lambda_function_url.review_page[0].qualifier == null && length(aws_lambda_function_url.review_page[0].cors) == 0
    error_message = "the page's URL must be public (AuthType NONE), on the function itself, without CORS"
  }
  assert {
    condition = (
      aws_lambda_permission.review_page_url[0].action == "lambda:InvokeFunctionUrl"
      && aws_lambda_permission.review_page_url[0].principal == "*"
      && aws_lambda_permission.review_page_url[0].function_url_auth_type == "NONE"
      && aws_lambda_permission.review_page_url[0].function_name == "pipeline-review-page"
      && aws_lambda_permission.review_page_url[0].invoked_via_function_url == null
    )
    error_message = "the URL grant must be InvokeFunctionUrl for anyone, conditioned on AuthType NONE"
  }
  assert {
    condition = (
      aws_lambda_permission.review_page_invoke[0].action == "lambda:InvokeFunction"
      && aws_lambda_permission.review_page_invoke[0].principal == "*"
      && aws_lambda_permission.review_page_invoke[0].invoked_via_function_url == true
      && aws_lambda_permission.review_page_invoke[0].function_url_auth_type == null
      && aws_lambda_permission.review_page_invoke[0].function_name == "pipeline-review-page"
    )
    error_message = "the invoke grant must be InvokeFunction for anyone, only through the function URL"
  }
}

run "page_role_may_send_traces_when_tracing" {
  command = apply

  variables {
    review          = { mode = "callback", page = true }
    tracing_enabled = true
  }

  assert {
    condition     = module.review_page[0].role_policies.xray.role == module.review_page[0].role.id && module.review_page[0].function.tracing == "Active"
    error_message = "with tracing the page traces and may send them"
  }
}
