variable "region" {
  description = "AWS region to deploy to (both models or their inference profiles must be available there)."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the Lambda function."
  type        = string
  default     = "durable-ticket-triage"
}

variable "classify_model_id" {
  description = "The small, fast model that labels each ticket (code name \"classify\"): Amazon Nova Micro through the US cross-region profile."
  type        = string
  default     = "us.amazon.nova-micro-v1:0"
}

variable "write_model_id" {
  description = "The larger model that drafts replies and sums up the batch (code name \"write\"): Claude Haiku 4.5 through the US cross-region profile."
  type        = string
  default     = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
}

variable "review" {
  description = "How the drafted replies are approved: mode \"callback\" waits for a person's decision (make approve / make reject, or the review page with page = true) within timeout_seconds; \"timer\" waits review_wait_seconds and goes on. See the module's review input."
  type = object({
    mode            = optional(string, "callback")
    timeout_seconds = optional(number, 82800)
    on_timeout      = optional(string, "fail")
    page            = optional(bool, false)
    notification_topic = optional(object({
      arn         = optional(string)
      kms_key_arn = optional(string)
    }))
  })
  default = {}
}

variable "fan_out" {
  description = "How many tickets are triaged at once (max_concurrency), whether batches larger than one execution holds run in child executions, and where results too large for a checkpoint go (results_s3_uri). See the module's fan_out input."
  type = object({
    max_concurrency  = optional(number, 8)
    child_executions = optional(bool, true)
    results_s3_uri   = optional(string)
  })
  default = {}
}

variable "prices" {
  description = "Prices for the cost estimate in each result (USD), per model id: see the module's prices input, with your models' figures from the Amazon Bedrock pricing page."
  type        = any
  default     = {}
}

variable "budget" {
  description = "A limit per execution (usd and/or tokens; {}: none): a Bedrock step that would start past it is not started and the run fails naming what was spent. See the module's budget input."
  type = object({
    usd    = optional(number)
    tokens = optional(number)
  })
  default = {}
}
