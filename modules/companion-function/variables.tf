# Internal module: the root module validates its own inputs; these arrive already checked.

variable "name" {
  description = "Function name; also names its log group and its role (<name>-exec)."
  type        = string
}

variable "description" {
  description = "Function description."
  type        = string
}

variable "handler" {
  description = "Handler in the package, e.g. durable_bedrock.sqs_starter.handler."
  type        = string
}

variable "timeout_seconds" {
  description = "Function timeout in seconds."
  type        = number
}

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
}

variable "policy_name" {
  description = "Name of the role's inline policy."
  type        = string
}

variable "statements" {
  description = "IAM policy statements for what the function does; the module adds WriteOwnLogs."
  type        = any
}

variable "trust_policy_json" {
  description = "Trust policy of the execution role."
  type        = string
}

variable "xray_policy_json" {
  description = "Policy that lets the function send traces; null turns tracing off."
  type        = string
}

variable "package_path" {
  description = "Path of the deployment package (the module's zip)."
  type        = string
}

variable "package_sha256" {
  description = "Base64 SHA-256 of the package."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
}

variable "architecture" {
  description = "Instruction set architecture."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the function's log group in days."
  type        = number
}

variable "log_kms_key_arn" {
  description = "KMS key that encrypts the log group, or null."
  type        = string
}

variable "partition" {
  description = "AWS partition, for the log group's ARN."
  type        = string
}

variable "region" {
  description = "AWS Region, for the log group's ARN."
  type        = string
}

variable "account_id" {
  description = "AWS account ID, for the log group's ARN."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
}
