variable "region" {
  description = "AWS region to deploy to (the model or inference profile must be available there)."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the Lambda function."
  type        = string
  default     = "durable-content-pipeline"
}

variable "model_id" {
  description = "Any Converse text model or inference profile; the default is Claude Haiku 4.5 through the US cross-region profile."
  type        = string
  default     = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
}

variable "review_wait_seconds" {
  description = "Length of the editorial-review wait, in seconds."
  type        = number
  default     = 5
}

variable "review" {
  description = "How the outline is reviewed: mode \"timer\" (the fixed wait above) or \"callback\" (a reviewer's decision within timeout_seconds; on_timeout \"fail\" or \"proceed\"); page = true adds the review page (callback only); notification_topic = {} announces each review on a new SNS topic, output review_topic_arn. See the module's review input."
  type = object({
    mode            = optional(string, "timer")
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

variable "max_tokens" {
  description = "Maximum output tokens per model call."
  type        = number
  default     = 2048
}

variable "prices" {
  description = "Prices for the cost estimate in each result (USD): see the module's prices input. Example: { bedrock = { \"<model_id>\" = { input_per_1k_tokens = 0.001, output_per_1k_tokens = 0.005 } } }, with your model's figures from the Amazon Bedrock pricing page."
  type        = any
  default     = {}
}

variable "failure_alerts" {
  description = "Failed, timed-out and stopped executions announced on an SNS topic, plus an alarm on failed executions (null: none); {} creates the topic, output failure_alerts_topic_arn. See the module's failure_alerts input."
  type = object({
    topic_arn   = optional(string)
    kms_key_arn = optional(string)
    alarm       = optional(bool, true)
  })
  default = null
}
