# Your own workflow on the module: a support-ticket triage written only against the
# durable_bedrock public API (ticket_triage/triage.py). A small model labels each
# ticket, a larger one drafts replies for the ones that need a person soon and sums
# up the batch, and a person approves the replies before they go out.

provider "aws" {
  region = var.region
}

module "ticket_triage" {
  source = "../.."

  name       = var.name
  source_dir = "${path.module}/ticket_triage"
  handler    = "triage.handler"
  models = {
    classify = var.classify_model_id
    write    = var.write_model_id
  }
  review         = var.review
  fan_out        = var.fan_out
  prices         = var.prices
  budget         = var.budget
  sample_payload = file("${path.module}/sample_tickets.json")
  tags           = { example = "custom-workflow" }
}
