# Optional (review.page = true, callback mode): the review page, a plain function
# (durable_bedrock.review_page, same package) behind a public function URL. A
# reviewer opens page_url?execution=<ARN>&callback=<id>, reads the outline, and
# approves or rejects it; the page sends SendDurableExecutionCallbackSuccess.
#
# No dependency cycle: the durable function's environment names the page's URL
# (REVIEW_PAGE_URL), while the page names the durable function only by the ARN
# built from var.name (local.function_arn), never by the resource.
#
# Why a public URL (AuthType NONE) is acceptable: reviewers are people without
# AWS credentials, and the URL gives nothing by itself. Every request needs a
# link naming an execution of this function and its pending review callback;
# the callback id is an unguessable token only that review has, the page
# answers nothing else (the role allows reading and answering this function's
# executions only), and a decided or expired callback cannot be answered again.

locals {
  review_page      = var.review.mode == "callback" && var.review.page
  review_page_name = "${var.name}-review-page"
  # In the library, which every package holds (package.tf checks it is there).
  review_page_handler = "durable_bedrock.review_page.handler"

  # Resource ARN forms: the durable APIs are authorized on the durable execution ARN,
  # function:<name>:<version>/durable-execution/<execution name>/<id>, and a callback on the
  # execution it belongs to (Lambda developer guide, durable-security.html; as enforced on local
  # AWS by devkit/local_aws/compat_iam_lambda.py, durable_apis_authorized_as_their_actions, and
  # devkit/tests/local_aws/test_iam_durable_apis.py). The page sends only CallbackSuccess: a
  # rejection is a successful callback carrying {"decision": "reject"}.
  review_page_statements = [
    {
      Sid      = "ReadReviewsOfThisFunction"
      Effect   = "Allow"
      Action   = "lambda:GetDurableExecutionHistory"
      Resource = "${local.function_arn}:*/durable-execution/*"
    },
    {
      Sid      = "DecideReviewsOfThisFunction"
      Effect   = "Allow"
      Action   = "lambda:SendDurableExecutionCallbackSuccess"
      Resource = "${local.function_arn}:*/durable-execution/*"
    },
  ]
}

module "review_page" {
  source = "./modules/companion-function"
  count  = local.review_page ? 1 : 0

  name            = local.review_page_name
  description     = "Review page of ${var.name}: shows an outline and sends the reviewer's decision"
  handler         = local.review_page_handler
  timeout_seconds = 15
  environment     = { DURABLE_FUNCTION_ARN = local.function_arn }
  policy_name     = "review-page"
  statements      = local.review_page_statements
  shared          = local.companion_shared
}

resource "aws_lambda_function_url" "review_page" {
  #checkov:skip=CKV_AWS_258:Reviewers are people without AWS credentials; each request needs a review's callback id (see the top of this file).
  count = local.review_page ? 1 : 0

  function_name      = module.review_page[0].function_name
  authorization_type = "NONE"
}

# With AuthType NONE "your function's resource-based policy is always in effect and must grant
# public access before your function URL can receive requests", and since October 2025 new function
# URLs need both lambda:InvokeFunctionUrl and lambda:InvokeFunction (Lambda developer guide,
# urls-auth.html). Each grant is conditioned so it opens the URL and nothing else: InvokeFunctionUrl
# only for AuthType NONE (lambda:FunctionUrlAuthType), InvokeFunction only through a function URL
# (lambda:InvokedViaFunctionUrl; provider argument invoked_via_function_url, AWS provider 6.28.0).
resource "aws_lambda_permission" "review_page_url" {
  #checkov:skip=CKV_AWS_301:The review page is public by design: reviewers have no AWS credentials, and each request needs a review's callback id.
  count = local.review_page ? 1 : 0

  statement_id           = "PublicReviewPageUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = module.review_page[0].function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_lambda_permission" "review_page_invoke" {
  #checkov:skip=CKV_AWS_301:Only invocations through the function URL (invoked_via_function_url), which is public by design.
  count = local.review_page ? 1 : 0

  statement_id             = "InvokeOnlyThroughTheUrl"
  action                   = "lambda:InvokeFunction"
  function_name            = module.review_page[0].function_name
  principal                = "*"
  invoked_via_function_url = true
}
