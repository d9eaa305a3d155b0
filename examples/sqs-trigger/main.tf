# Messages on an SQS queue start content-pipeline executions, one per message,
# through the module's starter function (idempotent on redelivery).

provider "aws" {
  region = var.region
}

module "queued_pipeline" {
  source = "../.."

  name                = var.name
  workflow            = "content_pipeline"
  model_id            = var.model_id
  review_wait_seconds = var.review_wait_seconds
  sqs_trigger         = { batch_size = 5 }
  tags                = { example = "sqs-trigger" }
}
