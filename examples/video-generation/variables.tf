variable "region" {
  description = "AWS region of the durable function (and its role, logs and alias). It must offer Lambda durable functions."
  type        = string
  default     = "us-east-1"
}

variable "bedrock_region" {
  description = "Region the video model runs in, where the output bucket is created too: Luma Ray 2 runs in us-west-2; Nova Reel 1.1 (end of life 2026-09-30) ran in us-east-1. Null: the function's region."
  type        = string
  default     = "us-west-2"
}

variable "name" {
  description = "Name of the Lambda function (and prefix of the video bucket)."
  type        = string
  default     = "durable-video-generation"
}

variable "model_id" {
  description = "Text-to-video model: luma.ray-v2:0 (Active) or amazon.nova-reel-v1:0 / v1:1 (Legacy, for accounts that still have access)."
  type        = string
  default     = "luma.ray-v2:0"
}

variable "poll_deadline_seconds" {
  description = "How long to wait for the video before failing, in seconds."
  type        = number
  default     = 3600
}

variable "poll_first_wait_seconds" {
  description = "Wait before the first status check, in seconds. Null: the model's documented generation time for the requested duration. On local AWS, whose video jobs are done at once, 1 keeps runs short."
  type        = number
  default     = null
}

variable "force_destroy_videos" {
  description = "Let destroy delete the bucket with the videos in it."
  type        = bool
  default     = true
}

variable "prices" {
  description = "Prices for the cost estimate in each result (USD): see the module's prices input. Example: { bedrock = { \"<model_id>\" = { input_per_1k_tokens = 0.001, output_per_1k_tokens = 0.005 } } }, with your model's figures from the Amazon Bedrock pricing page."
  type        = any
  default     = {}
}
