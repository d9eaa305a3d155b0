# What each workflow needs: handler, default model, environment, and whether
# it writes videos to S3. Everything workflow-specific is decided here.

locals {
  workflows = {
    content_pipeline = {
      handler          = "durable_bedrock.content_pipeline.handler"
      default_model_id = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
      writes_videos    = false
      sample_payload   = jsonencode({ topic = "Why durable functions suit multi-step AI workflows" })
    }
    video_generation = {
      handler          = "durable_bedrock.video_generation.handler"
      default_model_id = "luma.ray-v2:0"
      writes_videos    = true
      sample_payload   = jsonencode({ prompt = "A paper boat drifting down a rainy city street, cinematic" })
    }
    # The user's code in source_dir: handler and model_id (or models) are theirs (variables.tf requires them),
    # and its environment holds only what the library reads: models, region, review settings, prices, budget.
    custom = {
      handler          = null
      default_model_id = null
      writes_videos    = false
      sample_payload   = jsonencode({})
    }
  }
  # Null: custom when source_dir is set (a new user's own code), else the content pipeline.
  workflow_name = coalesce(var.workflow, var.source_dir == null ? "content_pipeline" : "custom")
  workflow      = local.workflows[local.workflow_name]
  content       = local.workflow_name == "content_pipeline"
  # The workflows that may wait for a review: the content pipeline's editorial review, and custom code's
  # run.review (durable_bedrock.workflow), which reads the same settings.
  reviews = local.workflow_name != "video_generation"

  model_id = var.model_id != null ? var.model_id : local.workflow.default_model_id
  handler  = var.handler != null ? var.handler : local.workflow.handler

  workflow_environment = merge(
    { BEDROCK_REGION = local.bedrock_region },
    local.model_id != null ? { BEDROCK_MODEL_ID = local.model_id } : {},
    # Several models, by name, as one JSON object: durable_bedrock/models.py reads it. One variable
    # whatever the number of models (no name-mangling into variable names); its size is bounded
    # in variables.tf so that the whole environment stays within Lambda's 4 KB.
    var.models != null ? { BEDROCK_MODELS = jsonencode(var.models) } : {},
    local.workflow.writes_videos ? {
      OUTPUT_S3_URI         = "s3://${local.video_bucket_name}/${var.video_output_prefix}"
      POLL_DEADLINE_SECONDS = tostring(var.poll_deadline_seconds)
      POLL_WAIT_PERCENT     = tostring(var.poll_wait_percent)
      POLL_MAX_SECONDS      = tostring(var.poll_max_seconds)
    } : {},
    local.content ? { MAX_TOKENS = tostring(var.max_tokens) } : {},
    # Timer mode keeps the environment it always had; callback mode says so and sets its timeout.
    local.reviews && var.review.mode == "timer" ? {
      REVIEW_WAIT_SECONDS = tostring(var.review_wait_seconds)
    } : {},
    local.reviews && var.review.mode == "callback" ? {
      REVIEW_MODE            = "callback"
      REVIEW_TIMEOUT_SECONDS = tostring(var.review.timeout_seconds)
      REVIEW_TIMEOUT_MEANS   = var.review.on_timeout
    } : {},
    # The page's URL, for the review links (review_link.py); see review_page.tf for why this is no cycle.
    local.review_page ? { REVIEW_PAGE_URL = aws_lambda_function_url.review_page[0].function_url } : {},
    # review_notification.tf: the topic a waiting review is announced on.
    local.notify_review ? { REVIEW_TOPIC_ARN = local.review_topic_arn } : {},
    local.workflow.writes_videos && var.video_output_kms_key_arn != null ? { OUTPUT_KMS_KEY_ID = var.video_output_kms_key_arn } : {},
    # Unset: the function waits the model's documented generation time (video_polling.py).
    local.workflow.writes_videos && var.poll_first_wait_seconds != null ? { POLL_FIRST_WAIT_SECONDS = tostring(var.poll_first_wait_seconds) } : {},
    # The cost ledger's prices (pricing.py), when any is given; without them, the durable defaults and no model prices.
    local.prices_given ? { PRICES = jsonencode(var.prices) } : {},
    # budget.tf: the limits checked before each Bedrock step, when any is set.
    local.budget_environment,
    # prompts.tf: the templates the prompts input sets (the function has the others built in).
    local.content ? local.prompt_environment : {},
    # fan_out.tf: the fan-out bound and where large item results go.
    local.fan_out_environment,
  )
  prices_given = length(coalesce(var.prices.bedrock, {})) > 0 || anytrue([for figure in try(values(var.prices.durable), []) : figure != null])
}
