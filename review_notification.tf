# Optional (review.notification_topic, callback mode): each waiting review is
# announced on an SNS topic that the editors subscribe to. The function
# publishes from inside the review callback's submitter step
# (durable_bedrock.review_sns), so a replay never announces it twice.

locals {
  review_notification = var.review.mode == "callback" ? var.review.notification_topic : null
  notify_review       = local.review_notification != null
  create_review_topic = local.notify_review && try(local.review_notification.arn, null) == null
  review_topic_kms    = try(local.review_notification.kms_key_arn, null)

  # A created topic's ARN is known before it exists (arn:<partition>:sns:<region>:<account>:<name>),
  # so the environment and the policy are complete in the plan.
  review_topic_name = "${var.name}-review"
  review_topic_arn = !local.notify_review ? null : (
    local.create_review_topic
    ? "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.review_topic_name}"
    : local.review_notification.arn
  )
  review_topic_region = local.notify_review ? split(":", local.review_topic_arn)[3] : null

  review_notification_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "AnnounceReviews"
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = local.review_topic_arn
      }],
      # A topic encrypted with a customer managed key: "the publisher must have the
      # kms:GenerateDataKey* and kms:Decrypt permissions for the AWS KMS key" (SNS developer
      # guide, sns-key-management.html, "Allow a user to send messages to a topic with SSE");
      # SNS asks for the data key on the publisher's behalf, so kms:ViaService limits the
      # grant to SNS in the topic's region. The AWS managed key (alias/aws/sns) needs no grant:
      # its key policy, which nobody can change, already lets every principal of the account
      # use it through SNS.
      local.review_topic_kms == null ? [] : [{
        Sid       = "EncryptAnnouncementsWithTheTopicKey"
        Effect    = "Allow"
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = local.review_topic_kms
        Condition = { StringEquals = { "kms:ViaService" = "sns.${local.review_topic_region}.amazonaws.com" } }
      }],
    )
  }
}

# Encrypted at rest (checkov CKV_AWS_26 asks for kms_master_key_id): with the
# given customer managed key, else the AWS managed SNS key. The managed key
# costs nothing to set up and suits editors' email and HTTPS subscriptions;
# its key policy cannot be changed, so an AWS service (EventBridge,
# CloudWatch alarms) could not publish here: give a customer managed key for that.
resource "aws_sns_topic" "review" {
  count = local.create_review_topic ? 1 : 0

  name              = local.review_topic_name
  display_name      = "Editorial review"
  kms_master_key_id = coalesce(local.review_topic_kms, "alias/aws/sns")
  tags              = var.tags
}

resource "aws_iam_role_policy" "review_notification" {
  count = local.notify_review ? 1 : 0

  name   = "review-notification"
  role   = aws_iam_role.function.id
  policy = jsonencode(local.review_notification_policy)
}
