output "function_name" {
  description = "Name of the durable function."
  value       = module.content_pipeline.function_name
}

output "alias_arn" {
  description = "What to invoke: the alias of the published version."
  value       = module.content_pipeline.alias_arn
}

output "version" {
  description = "The published version."
  value       = module.content_pipeline.version
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = module.content_pipeline.log_group_name
}

output "review_topic_arn" {
  description = "SNS topic each waiting review is announced on (review.notification_topic; null otherwise): subscribe the editors to it."
  value       = module.content_pipeline.review_topic_arn
}

output "sample_payload" {
  description = "An input that runs the pipeline."
  value       = module.content_pipeline.sample_payload
}

output "invoke_command" {
  description = "Ready-to-paste AWS CLI command that starts an execution."
  value       = module.content_pipeline.invoke_command
}

output "reviewer_policy_json" {
  description = "With review.mode = \"callback\": the IAM policy document for the people who run make approve / make reject (null in timer mode)."
  value       = module.content_pipeline.reviewer_policy_json
}

output "review_page_url" {
  description = "URL of the review page (review.page = true; null otherwise): reviews' links start with it."
  value       = module.content_pipeline.review_page_url
}

output "failure_alerts_topic_arn" {
  description = "SNS topic failed, timed-out and stopped executions are announced on (failure_alerts; null otherwise): subscribe to it."
  value       = module.content_pipeline.failure_alerts_topic_arn
}
