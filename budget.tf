# The budget per execution (lambda_src/durable_bedrock/budget.py): the limits reach the function as
# one small JSON object in BUDGET, and a USD limit needs a price for every model the function calls.

locals {
  # The limits set, without the unset ones (null); empty: no budget, no variable.
  budget_limits      = { for kind, limit in var.budget : kind => limit if limit != null }
  budget_environment = length(local.budget_limits) > 0 ? { BUDGET = jsonencode(local.budget_limits) } : {}

  # The models a USD limit is counted for, and the ones without the prices it needs: a text model's
  # input and output tokens, a video model's seconds; a custom workflow's model either (its kind is its code's).
  budget_models = var.models != null ? values(var.models) : compact([local.model_id])
  budget_prices = { for id in local.budget_models : id => lookup(coalesce(var.prices.bedrock, {}), id, null) }
  budget_priced = { for id, price in local.budget_prices : id => {
    text  = try(price.input_per_1k_tokens != null && price.output_per_1k_tokens != null, false)
    video = try(price.per_video_second != null, false)
  } }
  budget_unpriced = [for id, priced in local.budget_priced : id if !(
    local.workflow_name == "video_generation" ? priced.video
    : local.content ? priced.text
    : priced.text || priced.video
  )]
  budget_price_needed = (
    local.workflow_name == "video_generation" ? "per_video_second"
    : local.content ? "input_per_1k_tokens and output_per_1k_tokens"
    : "input_per_1k_tokens and output_per_1k_tokens, or per_video_second"
  )
}
