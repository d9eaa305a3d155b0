output "function_name" {
  description = "Name of the durable Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function (durable functions cannot be invoked through it; use alias_arn)."
  value       = aws_lambda_function.this.arn
}

output "version" {
  description = "The version published by the last apply."
  value       = aws_lambda_function.this.version
}

output "qualified_arn" {
  description = "ARN of the published version."
  value       = aws_lambda_function.this.qualified_arn
}

output "alias_arn" {
  description = "ARN of the alias pointing at the published version: what to invoke."
  value       = aws_lambda_alias.live.arn
}

output "role_name" {
  description = "Name of the execution role."
  value       = aws_iam_role.function.name
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.function.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.function.name
}

output "review_topic_arn" {
  description = "SNS topic each waiting review is announced on (review.notification_topic; null otherwise): subscribe the editors to it (email, HTTPS, chat)."
  value       = local.review_topic_arn
}

output "video_output_bucket" {
  description = "Bucket the videos are written to (video_generation only; null otherwise)."
  value       = local.video_bucket_name
}

output "video_output_s3_uri" {
  description = "S3 URI prefix the videos are written under (video_generation only; null otherwise)."
  value       = local.workflow.writes_videos ? local.workflow_environment.OUTPUT_S3_URI : null
}

output "package" {
  description = "The deployed package: local path and base64 SHA-256 (and size, file count and build time when the module built it)."
  value = {
    path          = local.package_path
    base64sha256  = local.package_sha256
    size_bytes    = try(local.built_package.size_bytes, null)
    files         = try(local.built_package.files, null)
    build_seconds = try(local.built_package.build_seconds, null)
  }
}

output "sample_payload" {
  description = "An input that runs the deployed workflow: the sample_payload input, else the built-in workflow's sample ({} for a custom workflow)."
  value       = local.sample_payload
}

output "invoke_command" {
  description = "Ready-to-paste AWS CLI command that starts an execution of the published version asynchronously and prints its durable execution ARN. Needs AWS CLI v2 recent enough to know --durable-execution-name (see README). Pasting it again with the same name returns the same execution: change the name for a new run."
  value = join(" ", [
    "aws lambda invoke",
    "--region ${local.region}",
    "--function-name ${local.alias_arn}",
    "--invocation-type Event",
    "--durable-execution-name first-run",
    "--cli-binary-format raw-in-base64-out",
    # Single-quoted for the shell: a quote inside the payload closes, escapes and reopens the quoting.
    "--payload '${replace(local.sample_payload, "'", "'\\''")}'",
    "--query DurableExecutionArn --output text",
    "/dev/null",
  ])
}

locals {
  sample_payload = var.sample_payload != null ? var.sample_payload : local.workflow.sample_payload
}

output "sqs_trigger_queue_arn" {
  description = "Queue whose messages start executions (sqs_trigger only; null otherwise)."
  value       = local.trigger_queue
}

output "sqs_trigger_queue_url" {
  description = "URL of the queue created for the trigger (null when none was created)."
  value       = local.create_queue ? aws_sqs_queue.trigger[0].url : null
}

output "sqs_starter_timeout" {
  description = "Timeout of the starter function in seconds (sqs_trigger only; null otherwise). A queue given in sqs_trigger.queue_arn needs a visibility timeout of at least this (AWS recommends six times it)."
  value       = local.starter_timeout
}

output "sqs_dead_letter_queue_arn" {
  description = "Dead-letter queue of the created trigger queue (null when none was created)."
  value       = local.create_queue ? aws_sqs_queue.dead_letters[0].arn : null
}

output "reviewer_policy_json" {
  description = "review.mode = \"callback\": an IAM policy document (JSON) for the people who approve or reject reviews with the command line (make approve / make reject): answering this function's review callbacks and reading its executions, nothing else. Attach it to their user or role. null in timer mode."
  value       = var.review.mode == "callback" ? jsonencode(local.reviewer_policy) : null
}

output "review_page_url" {
  description = "URL of the review page (review.page = true; null otherwise). A review's link is <this URL>?execution=<durable execution ARN>&callback=<callback id>; the URL alone shows nothing."
  value       = local.review_page ? aws_lambda_function_url.review_page[0].function_url : null
}

output "failure_alerts_topic_arn" {
  description = "SNS topic failed, timed-out and stopped executions are announced on (failure_alerts; null otherwise): subscribe the people on call to it. Each message is the EventBridge event (JSON; detail.status, detail.durableExecutionArn) or the alarm's notification."
  value       = local.alerts_topic_arn
}

output "failure_alerts_topic_policy_json" {
  description = "failure_alerts: the topic policy that lets only this module's rule (and alarm) publish to the topic. Set on a created topic; for a topic given in failure_alerts.topic_arn, add its statements to that topic's policy. null without failure_alerts."
  value       = local.failure_alerts ? jsonencode(local.alerts_topic_policy) : null
}
