output "function_name" {
  description = "Name of the durable function."
  value       = module.queued_pipeline.function_name
}

output "alias_arn" {
  description = "The alias the starter invokes (and what to invoke directly)."
  value       = module.queued_pipeline.alias_arn
}

output "version" {
  description = "The published version."
  value       = module.queued_pipeline.version
}

output "queue_url" {
  description = "Send a message here to start an execution."
  value       = module.queued_pipeline.sqs_trigger_queue_url
}

output "dead_letter_queue_arn" {
  description = "Messages that could not start an execution end here."
  value       = module.queued_pipeline.sqs_dead_letter_queue_arn
}

output "sample_payload" {
  description = "A message body that runs the pipeline."
  value       = module.queued_pipeline.sample_payload
}

output "send_message_command" {
  description = "Ready-to-paste AWS CLI command that queues one request."
  value       = "aws sqs send-message --region ${var.region} --queue-url ${module.queued_pipeline.sqs_trigger_queue_url} --message-body '${module.queued_pipeline.sample_payload}'"
}

output "invoke_command" {
  description = "Ready-to-paste AWS CLI command that starts an execution directly."
  value       = module.queued_pipeline.invoke_command
}
