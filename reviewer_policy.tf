# What a person who answers editorial reviews with the command line (make approve / make reject)
# needs, as a policy document to attach to their user or role (review.mode = "callback" only;
# the output reviewer_policy_json in outputs.tf).
#
# Durable-execution actions are authorized on the durable execution's ARN,
# function:<name>:<version>/durable-execution/<execution name>/<id>, which the unqualified
# function ARN never matches; function:<name>:* does ("Security and permissions for Lambda
# durable functions", https://docs.aws.amazon.com/lambda/latest/dg/durable-security.html).
# A callback is authorized on the execution it belongs to (our reading of that page; the
# local AWS patch durable_apis_authorized_as_their_actions enforces it so, and
# devkit/tests/local_aws/test_iam_durable_apis.py shows it).
locals {
  reviewer_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # Approve and reject are both a decision sent as the callback's success (the execution
        # then ends SUCCEEDED with the decision); SendDurableExecutionCallbackFailure would
        # fail the execution instead, and the heartbeat is for callers that send heartbeats:
        # the reviewer needs neither.
        Sid      = "AnswerReviews"
        Effect   = "Allow"
        Action   = "lambda:SendDurableExecutionCallbackSuccess"
        Resource = "${local.function_arn}:*"
      },
      {
        # The CLI reads the execution's status and finds the review's callback id in its history.
        Sid      = "FindPendingReviews"
        Effect   = "Allow"
        Action   = ["lambda:GetDurableExecution", "lambda:GetDurableExecutionHistory"]
        Resource = "${local.function_arn}:*"
      },
      {
        # EXECUTION=<name> lists without a Qualifier (authorized on the function), EXECUTION=last
        # lists the published version's (authorized on that version's ARN): "Actions that operate
        # on a function can be restricted to a specific function by function, version, or alias
        # ARN" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
        Sid      = "FindExecutionsByName"
        Effect   = "Allow"
        Action   = "lambda:ListDurableExecutionsByFunction"
        Resource = [local.function_arn, "${local.function_arn}:*"]
      },
    ]
  }
}
