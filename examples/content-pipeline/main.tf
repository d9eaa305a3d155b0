# The content pipeline (outline -> review wait -> draft -> summary) as a
# durable Lambda function calling Claude through a cross-region inference profile.

provider "aws" {
  region = var.region
}

module "content_pipeline" {
  source = "../.."

  name                = var.name
  workflow            = "content_pipeline"
  model_id            = var.model_id
  review_wait_seconds = var.review_wait_seconds
  review              = var.review
  max_tokens          = var.max_tokens
  prices              = var.prices
  failure_alerts      = var.failure_alerts
  tags                = { example = "content-pipeline" }
}
