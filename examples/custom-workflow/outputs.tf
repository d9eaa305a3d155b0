output "function_name" {
  description = "Name of the durable function."
  value       = module.ticket_triage.function_name
}

output "alias_arn" {
  description = "What to invoke: the alias of the published version."
  value       = module.ticket_triage.alias_arn
}

output "version" {
  description = "The published version."
  value       = module.ticket_triage.version
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = module.ticket_triage.log_group_name
}

output "sample_payload" {
  description = "A batch of tickets that runs the workflow (sample_tickets.json)."
  value       = module.ticket_triage.sample_payload
}

output "invoke_command" {
  description = "Ready-to-paste AWS CLI command that starts an execution."
  value       = module.ticket_triage.invoke_command
}

output "reviewer_policy_json" {
  description = "With review.mode = \"callback\": the IAM policy document for the people who run make approve / make reject (null in timer mode)."
  value       = module.ticket_triage.reviewer_policy_json
}

output "review_page_url" {
  description = "URL of the review page (review.page = true; null otherwise)."
  value       = module.ticket_triage.review_page_url
}

output "review_topic_arn" {
  description = "SNS topic each waiting review is announced on (review.notification_topic; null otherwise)."
  value       = module.ticket_triage.review_topic_arn
}
