# Module tests: the review notification topic (review.notification_topic): the created or given topic,
# the function's environment, its publish policy exactly, the output, and the input's validation.

# AWS is mocked (apply creates nothing): one account and region.
# The partition and role ARN are set because the provider rejects malformed ARNs.
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

run "without_a_topic_nothing_is_created_or_granted" {
  command = apply
  variables {
    review = { mode = "callback" }
  }

  assert {
    condition     = length(aws_sns_topic.review) == 0 && length(aws_iam_role_policy.review_notification) == 0
    error_message = "no notification topic was asked for: no topic and no publish policy"
  }
  assert {
    condition     = !contains(keys(aws_lambda_function.this.environment[0].variables), "REVIEW_TOPIC_ARN")
    error_message = "REVIEW_TOPIC_ARN set without a topic"
  }
  assert {
    condition     = output.review_topic_arn == null
    error_message = "review_topic_arn must be null without a topic"
  }
  assert {
    condition     = contains(data.local_command.package[0].arguments, "bedrock-runtime,lambda,s3")
    error_message = "without a topic the package keeps the default botocore models only"
  }
}

run "a_created_topic_uses_the_aws_managed_key_and_only_it_may_be_published_to" {
  command = apply
  variables {
    review = { mode = "callback", notification_topic = {} }
  }

  assert {
    condition     = aws_sns_topic.review[0].name == "pipeline-review" && aws_sns_topic.review[0].kms_master_key_id == "alias/aws/sns"
    error_message = "created topic: ${aws_sns_topic.review[0].name}, key ${aws_sns_topic.review[0].kms_master_key_id}"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["REVIEW_TOPIC_ARN"] == "arn:aws:sns:us-east-1:123456789012:pipeline-review"
    error_message = "environment: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
  assert {
    # The AWS managed key's own policy lets the account's principals use it through SNS: no KMS grant.
    condition = jsondecode(aws_iam_role_policy.review_notification[0].policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid      = "AnnounceReviews"
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = "arn:aws:sns:us-east-1:123456789012:pipeline-review"
      }]
    }
    error_message = "unexpected publish policy: ${aws_iam_role_policy.review_notification[0].policy}"
  }
  assert {
    condition     = aws_iam_role_policy.review_notification[0].name == "review-notification"
    error_message = "the policy belongs on the function's role as review-notification"
  }
  assert {
    condition     = output.review_topic_arn == "arn:aws:sns:us-east-1:123456789012:pipeline-review"
    error_message = "review_topic_arn: ${output.review_topic_arn}"
  }
  assert {
    condition     = contains(data.local_command.package[0].arguments, "bedrock-runtime,lambda,s3,sns")
    error_message = "the package must keep botocore's sns model: the function publishes the announcement"
  }
}

run "a_created_topic_with_a_customer_managed_key_grants_its_use_through_sns" {
  command = apply
  variables {
    review = {
      mode               = "callback"
      notification_topic = { kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
    }
  }

  assert {
    condition     = aws_sns_topic.review[0].kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "the topic must be encrypted with the given key"
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.review_notification[0].policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "AnnounceReviews"
          Effect   = "Allow"
          Action   = "sns:Publish"
          Resource = "arn:aws:sns:us-east-1:123456789012:pipeline-review"
        },
        {
          Sid       = "EncryptAnnouncementsWithTheTopicKey"
          Effect    = "Allow"
          Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
          Resource  = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
          Condition = { StringEquals = { "kms:ViaService" = "sns.us-east-1.amazonaws.com" } }
        },
      ]
    }
    error_message = "unexpected publish policy: ${aws_iam_role_policy.review_notification[0].policy}"
  }
}

run "a_given_topic_is_used_as_it_is_in_its_own_region" {
  command = apply
  variables {
    review = {
      mode = "callback"
      notification_topic = {
        arn         = "arn:aws:sns:eu-west-1:210987654321:editors"
        kms_key_arn = "arn:aws:kms:eu-west-1:210987654321:key/abcd"
      }
    }
  }

  assert {
    condition     = length(aws_sns_topic.review) == 0
    error_message = "a given topic must not be created"
  }
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      BEDROCK_MODEL_ID       = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
      BEDROCK_REGION         = "us-east-1"
      REVIEW_MODE            = "callback"
      REVIEW_TIMEOUT_SECONDS = "82800"
      REVIEW_TIMEOUT_MEANS   = "fail"
      REVIEW_TOPIC_ARN       = "arn:aws:sns:eu-west-1:210987654321:editors"
      MAX_TOKENS             = "2048"
    })
    error_message = "environment: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.review_notification[0].policy).Statement == [
      {
        Sid      = "AnnounceReviews"
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = "arn:aws:sns:eu-west-1:210987654321:editors"
      },
      {
        Sid       = "EncryptAnnouncementsWithTheTopicKey"
        Effect    = "Allow"
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "arn:aws:kms:eu-west-1:210987654321:key/abcd"
        Condition = { StringEquals = { "kms:ViaService" = "sns.eu-west-1.amazonaws.com" } }
      },
    ]
    error_message = "unexpected publish policy: ${aws_iam_role_policy.review_notification[0].policy}"
  }
  assert {
    condition     = output.review_topic_arn == "arn:aws:sns:eu-west-1:210987654321:editors"
    error_message = "review_topic_arn: ${output.review_topic_arn}"
  }
}

# --- Validation ----------------------------------------------------------------------

run "rejects_a_topic_in_timer_mode" {
  command = plan
  variables {
    review = { notification_topic = {} }
  }
  expect_failures = [var.review]
}

run "rejects_a_topic_arn_that_is_not_an_sns_topic" {
  command = plan
  variables {
    review = { mode = "callback", notification_topic = { arn = "arn:aws:sqs:us-east-1:123456789012:editors" } }
  }
  expect_failures = [var.review]
}

run "rejects_a_fifo_topic" {
  command = plan
  variables {
    review = { mode = "callback", notification_topic = { arn = "arn:aws:sns:us-east-1:123456789012:editors.fifo" } }
  }
  expect_failures = [var.review]
}

run "rejects_a_key_alias_instead_of_a_key_arn" {
  command = plan
  variables {
    review = { mode = "callback", notification_topic = { kms_key_arn = "alias/editors" } }
  }
  expect_failures = [var.review]
}
