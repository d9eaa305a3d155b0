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

variable "shared" {
  description = "What every companion function of the root module shares with the durable function: the role's trust policy, the X-Ray policy (null turns tracing off), the package, runtime and architecture, log retention and key, the ARN parts of its log group, tags."
  type = object({
    trust_policy_json  = string
    xray_policy_json   = string
    package_path       = string
    package_sha256     = string
    runtime            = string
    architecture       = string
    log_retention_days = number
    log_kms_key_arn    = string
    partition          = string
    region             = string
    account_id         = string
    tags               = map(string)
  })
}
