output "function_name" {
  description = "Name of the durable function."
  value       = module.video_generation.function_name
}

output "alias_arn" {
  description = "What to invoke: the alias of the published version."
  value       = module.video_generation.alias_arn
}

output "version" {
  description = "The published version."
  value       = module.video_generation.version
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = module.video_generation.log_group_name
}

output "video_output_s3_uri" {
  description = "Where the videos are written."
  value       = module.video_generation.video_output_s3_uri
}

output "sample_payload" {
  description = "An input that generates a video."
  value       = module.video_generation.sample_payload
}

output "invoke_command" {
  description = "Ready-to-paste AWS CLI command that starts an execution."
  value       = module.video_generation.invoke_command
}
