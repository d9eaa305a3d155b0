variable "region" {
  description = "AWS region to deploy to (the model or inference profile must be available there)."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the durable function (and prefix of the queues and the starter function)."
  type        = string
  default     = "durable-queued-pipeline"
}

variable "model_id" {
  description = "Any Converse text model or inference profile."
  type        = string
  default     = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
}

variable "review_wait_seconds" {
  description = "Length of the editorial-review wait, in seconds."
  type        = number
  default     = 5
}
