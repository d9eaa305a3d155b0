# ---------------------------------------------------------------------------
# Identity and workflow
# ---------------------------------------------------------------------------

variable "name" {
  description = "Name of the Lambda function; also the prefix of the role, log group and bucket names."
  type        = string

  # The longest names derived from it, and AWS's limits on them: the role
  # <name>-exec (IAM role names: 64 characters), the starter's role
  # <name>-sqs-starter-exec, and the bucket_prefix <name>-videos- (the
  # provider allows 37 characters; S3 bucket names start with a letter or
  # digit and never with xn--, sthree- or amzn-s3-demo-).
  # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,59}$", var.name))
    error_message = "name must be 1-59 letters, digits, hyphens or underscores (the execution role is <name>-exec, and IAM role names hold at most 64 characters); got \"${var.name}\" (${length(var.name)} characters)."
  }
  validation {
    condition     = var.sqs_trigger == null || length(var.name) <= 43
    error_message = "name must be at most 43 characters with sqs_trigger: the starter's role <name>-sqs-starter-exec may hold at most 64 characters (IAM); got \"${var.name}\" (${length(var.name)} characters)."
  }
  validation {
    condition = var.workflow != "video_generation" || var.video_output_bucket_name != null || (
      length(var.name) <= 29 && can(regex("^[A-Za-z0-9]", var.name))
      && length([for reserved in ["xn--", "sthree-", "amzn-s3-demo-"] : reserved if startswith(lower(replace(var.name, "_", "-")), reserved)]) == 0
    )
    error_message = "name \"${var.name}\" (${length(var.name)} characters) cannot prefix the video bucket \"<name>-videos-...\": the bucket prefix may hold 37 characters, so name at most 29, starting with a letter or digit, and not starting with xn--, sthree- or amzn-s3-demo- (S3 bucket naming rules). Shorten name or set video_output_bucket_name."
  }
}

variable "workflow" {
  description = "Which workflow to deploy: \"content_pipeline\" (outline, review wait, draft, summary through Converse), \"video_generation\" (StartAsyncInvoke, polled until the video is in S3) or \"custom\" (your own code in source_dir, run by handler, calling model_id). Null: \"custom\" when source_dir is set, else \"content_pipeline\"."
  type        = string
  default     = null

  validation {
    condition     = var.workflow == null || contains(["content_pipeline", "video_generation", "custom"], coalesce(var.workflow, "-"))
    error_message = "workflow must be \"content_pipeline\", \"video_generation\", \"custom\" (your code in source_dir) or null; got \"${coalesce(var.workflow, "null")}\"."
  }
  validation {
    condition     = var.workflow != "custom" || var.source_dir != null
    error_message = "workflow = \"custom\" runs your own code: set source_dir to the folder that holds it (and handler to its durable handler)."
  }
}

variable "model_id" {
  description = "Bedrock model to call (the function reads it from BEDROCK_MODEL_ID; the role may invoke it and nothing else): a model id, a cross-region inference profile id (us., eu., apac., global., ...) or an ARN. Null picks the workflow's default: us.anthropic.claude-haiku-4-5-20251001-v1:0 (content) or luma.ray-v2:0 (video); a custom workflow has none and must set it (or models, for several)."
  type        = string
  default     = null

  validation {
    condition     = var.model_id == null || (can(regex("^[A-Za-z0-9._:/-]+$", var.model_id)) && length(coalesce(var.model_id, "x")) <= 2048)
    error_message = "model_id must be a model id, an inference profile id or an ARN (letters, digits and . _ : / - only), e.g. us.anthropic.claude-haiku-4-5-20251001-v1:0."
  }
}

variable "models" {
  description = "Several Bedrock models for a custom workflow, by the name your code uses: a map from a snake_case name to a model id, an inference profile id or an ARN, e.g. { classify = \"us.amazon.nova-micro-v1:0\", write = \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\" }. The function reads them as one JSON object in BEDROCK_MODELS (in Python: durable_bedrock.models.model_id(\"classify\")); the role may invoke exactly these, each granted as model_id is. Instead of model_id, not with it; not for the built-in workflows, which call model_id only. Null: model_id alone."
  type        = map(string)
  default     = null

  validation {
    # The effective workflow, as workflow.tf decides it (null: custom with source_dir). Here, not in
    # model_id: validations referring to each other's variable would form a cycle.
    condition     = var.model_id != null || var.models != null || coalesce(var.workflow, var.source_dir == null ? "content_pipeline" : "custom") != "custom"
    error_message = "model_id (or models) is required for a custom workflow (source_dir set${var.workflow == null ? ", workflow null" : ""}): it names the Bedrock model your code calls (BEDROCK_MODEL_ID) and the only one the role may invoke; no default fits code the module has not seen. E.g. model_id = \"us.anthropic.claude-haiku-4-5-20251001-v1:0\", or models = { classify = \"us.amazon.nova-micro-v1:0\", write = \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\" } for several."
  }
  validation {
    condition     = var.models == null || length(coalesce(var.models, {})) > 0
    error_message = "models must name at least one model, e.g. { classify = \"us.amazon.nova-micro-v1:0\" }; for none, leave it null."
  }
  validation {
    # Lower snake_case, each part starting with a letter: a Python identifier, and one-to-one with
    # the PascalCase suffix of its IAM statement ids (bedrock_model.tf, sid_suffix).
    condition     = alltrue([for name in keys(coalesce(var.models, {})) : can(regex("^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$", name)) && length(name) <= 64])
    error_message = "models names must be snake_case identifiers of at most 64 characters: lower-case letters and digits in parts joined by single underscores, each part starting with a letter (e.g. classify, write_reply); got ${jsonencode(keys(coalesce(var.models, {})))}."
  }
  validation {
    # An ARN must be a whole Bedrock ARN (bedrock_model.tf reads its resource type); anything else
    # is an id, which has no slash. 2048: the longest modelId Converse takes (botocore bedrock-runtime model).
    condition = alltrue([for id in values(coalesce(var.models, {})) : length(id) <= 2048 && (
      can(regex("^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:([0-9]{12})?:[a-z-]+/[A-Za-z0-9._:/-]+$", id)) || can(regex("^[A-Za-z0-9][A-Za-z0-9._:-]*$", id))
    )])
    error_message = "models values must each be a model id (amazon.nova-micro-v1:0), an inference profile id (us.amazon.nova-micro-v1:0) or a Bedrock ARN (arn:aws:bedrock:<region>:<account>:<type>/<id>); got ${jsonencode(coalesce(var.models, {}))}."
  }
  validation {
    # Lambda allows 4 KB of environment variables per function, all of them together
    # (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). PRICES may take
    # 2 KB (variable "prices"); BEDROCK_MODELS 1 KB (about 15 profile ids, or 9 ARNs), which leaves
    # 1 KB for BEDROCK_REGION and environment_variables.
    condition     = length(jsonencode(coalesce(var.models, {}))) <= 1024
    error_message = "models must fit in 1,024 characters as JSON (BEDROCK_MODELS; Lambda allows 4 KB of environment in all, prices may take 2 KB of it); it takes ${length(jsonencode(coalesce(var.models, {})))}: use fewer models, shorter names, or ids instead of ARNs."
  }
  validation {
    # One way to name the models: with both, the role would grant a model the code may not know by name.
    condition     = var.models == null || var.model_id == null
    error_message = "set model_id (one model, BEDROCK_MODEL_ID) or models (several, by name, BEDROCK_MODELS), not both: add model_id's model to models under a name of your choice."
  }
  validation {
    condition     = var.models == null || coalesce(var.workflow, var.source_dir == null ? "content_pipeline" : "custom") == "custom"
    error_message = "models is for custom workflows (your code in source_dir); the built-in ${coalesce(var.workflow, "content_pipeline")} workflow calls model_id only, and the role grants nothing it does not call."
  }
  validation {
    # One routed-model list cannot tell which profile routes to which model.
    condition     = var.models == null || var.foundation_model_arns == null
    error_message = "foundation_model_arns lists the models model_id's profile routes to; with models, each profile's are looked up (bedrock:GetInferenceProfile): leave foundation_model_arns null."
  }
}

variable "bedrock_region" {
  description = "Region the function calls Bedrock in, when the model is not offered in the function's own region (e.g. Luma Ray 2 in us-west-2). The IAM policy, the async-invoke job ARNs and a created video bucket follow it. Null: the provider's region."
  type        = string
  default     = null

  validation {
    condition     = var.bedrock_region == null || can(regex("^[a-z]{2,4}(-[a-z]+)+-[0-9]+$", var.bedrock_region))
    error_message = "bedrock_region must be an AWS region name such as us-west-2, or null for the provider's region; got \"${coalesce(var.bedrock_region, "null")}\"."
  }
}

variable "foundation_model_arns" {
  description = "Foundation-model ARNs an inference profile routes to, for the IAM policy. Null looks them up with the aws_bedrock_inference_profile data source; set it where that lookup is not possible (no bedrock:GetInferenceProfile permission, local emulators)."
  type        = list(string)
  default     = null

  validation {
    condition     = var.foundation_model_arns == null || alltrue([for arn in coalesce(var.foundation_model_arns, []) : can(regex("^arn:aws[a-z-]*:bedrock:[a-z0-9-]*::foundation-model/.+$", arn))])
    error_message = "foundation_model_arns must hold foundation-model ARNs such as arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0."
  }
}

# ---------------------------------------------------------------------------
# Content pipeline settings
# ---------------------------------------------------------------------------

variable "review_wait_seconds" {
  description = "Content pipeline (and custom workflows' run.review), review.mode = \"timer\": length of the review wait (the content pipeline's between outline and draft), in seconds. Waiting costs no compute."
  type        = number
  default     = 5

  validation {
    condition     = var.review_wait_seconds >= 1 && var.review_wait_seconds <= 31622400 && floor(var.review_wait_seconds) == var.review_wait_seconds
    error_message = "review_wait_seconds must be a whole number from 1 to 31622400 (366 days); got ${var.review_wait_seconds}."
  }
}

variable "review" {
  description = <<-EOT
    Content pipeline: how the outline is reviewed before the draft is written; custom workflows: how
    run.review (durable_bedrock.workflow) waits for a person's decision.
    mode: "timer" waits review_wait_seconds and goes on (no person involved); "callback" waits for a
    reviewer's decision, sent with the callback id (SendDurableExecutionCallbackSuccess, payload
    {"decision": "approve"|"reject", "feedback"?: "...", "reason"?: "..."}); waiting costs no compute.
    timeout_seconds: how long a reviewer has to decide (callback mode; default 23 hours); it must be shorter than
    durable_execution_timeout, leaving time for the steps after the review.
    on_timeout: what a timeout means: "fail" (the execution fails: nobody decided) or "proceed" (the
    draft is written from the outline as it is).
    page: true adds the review page (callback mode, content pipeline only): a small function behind a public function URL
    (output review_page_url) that shows the topic and the outline with Approve / Reject buttons. Its link
    names one execution and its callback; it decides that one review, once, and stops working after.
    notification_topic: announce each waiting review on an SNS topic (callback mode; null: the log only),
    with the topic of the run, an outline excerpt, the deadline and the review link or commands.
    {} creates a topic "<name>-review", encrypted with the AWS managed key alias/aws/sns, or with
    kms_key_arn when given; arn = an existing standard topic instead (kms_key_arn: the customer managed
    key it is encrypted with, if any). Output review_topic_arn: subscribe the editors to it.
  EOT
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
  default  = {}
  nullable = false

  validation {
    condition     = contains(["timer", "callback"], var.review.mode)
    error_message = "review.mode must be \"timer\" (a fixed wait of review_wait_seconds) or \"callback\" (a reviewer's decision); got \"${var.review.mode}\"."
  }
  validation {
    condition     = contains(["proceed", "fail"], var.review.on_timeout)
    error_message = "review.on_timeout must be \"proceed\" (draft from the outline as it is) or \"fail\" (the execution fails); got \"${var.review.on_timeout}\"."
  }
  validation {
    condition     = var.review.timeout_seconds >= 1 && floor(var.review.timeout_seconds) == var.review.timeout_seconds
    error_message = "review.timeout_seconds must be a whole number of seconds, at least 1; got ${var.review.timeout_seconds}."
  }
  validation {
    # The callback's timeout must end inside the execution's, or the execution
    # times out first and on_timeout never applies.
    condition     = var.review.mode != "callback" || var.review.timeout_seconds < var.durable_execution_timeout
    error_message = "review.timeout_seconds (${var.review.timeout_seconds}) must be less than durable_execution_timeout (${var.durable_execution_timeout}): the review must fit inside the durable execution, with time left for the draft and the summary. Shorten the review or raise durable_execution_timeout (at most 31622400, 366 days)."
  }
  validation {
    condition     = !var.review.page || var.review.mode == "callback"
    error_message = "review.page = true needs review.mode = \"callback\": the page sends a reviewer's decision, and timer mode waits for none; got mode \"${var.review.mode}\"."
  }
  validation {
    condition     = !var.review.page || length(var.name) <= 43
    error_message = "name must be at most 43 characters with review.page: the page's role <name>-review-page-exec may hold at most 64 characters (IAM); got \"${var.name}\" (${length(var.name)} characters)."
  }
  validation {
    condition     = var.review.mode != "callback" || coalesce(var.workflow, var.source_dir == null ? "content_pipeline" : "custom") != "video_generation"
    error_message = "review.mode = \"callback\" applies to the content_pipeline workflow and custom workflows (run.review), not to video_generation, which has no review."
  }
  validation {
    # The page shows the content pipeline's topic and outline (review_state.py); a custom workflow's
    # reviewers answer with make approve / make reject or the commands in the notification.
    condition     = !var.review.page || coalesce(var.workflow, var.source_dir == null ? "content_pipeline" : "custom") == "content_pipeline"
    error_message = "review.page = true shows the content pipeline's outline; a custom workflow's reviews are answered with make approve / make reject (or the AWS CLI commands in the notification). Remove page."
  }

  validation {
    condition     = var.review.notification_topic == null || var.review.mode == "callback"
    error_message = "review.notification_topic announces a reviewer's callback, so it needs review.mode = \"callback\"; got mode \"${var.review.mode}\". Set the mode or remove the topic."
  }
  validation {
    # Standard topics only: FIFO topics deliver to SQS queues only, not to the email, SMS or HTTPS
    # endpoints editors use (https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html).
    condition     = try(var.review.notification_topic.arn, null) == null || can(regex("^arn:aws[a-z-]*:sns:[a-z]{2,4}(-[a-z]+)+-[0-9]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.review.notification_topic.arn))
    error_message = "review.notification_topic.arn must be the ARN of a standard (not FIFO) SNS topic, arn:aws:sns:<region>:<account>:<name>, or null to create one; got \"${try(coalesce(var.review.notification_topic.arn, "null"), "null")}\"."
  }
  validation {
    # A key ARN, not an alias: an IAM statement's Resource names the key itself.
    condition     = try(var.review.notification_topic.kms_key_arn, null) == null || can(regex("^arn:aws[a-z-]*:kms:[a-z]{2,4}(-[a-z]+)+-[0-9]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.review.notification_topic.kms_key_arn))
    error_message = "review.notification_topic.kms_key_arn must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias), or null for the AWS managed key alias/aws/sns; got \"${try(coalesce(var.review.notification_topic.kms_key_arn, "null"), "null")}\"."
  }
}

variable "max_tokens" {
  description = "Content pipeline: maximum output tokens per model call. At most 16000, which keeps every step result under the 256 KiB durable checkpoint limit."
  type        = number
  default     = 2048

  validation {
    condition     = var.max_tokens >= 1 && var.max_tokens <= 16000 && floor(var.max_tokens) == var.max_tokens
    error_message = "max_tokens must be a whole number from 1 to 16000; got ${var.max_tokens}."
  }
}

variable "prompts" {
  description = "Content pipeline: prompt templates replacing the built-in ones; null keeps it. Placeholders: outline {topic} (required); draft {outline} (required), {topic}; feedback, appended to the draft prompt when the reviewer approves with notes, {feedback} (required: the notes), {topic}, {outline}; summary {draft} (required), {topic}, {outline}. A literal brace is written {{ or }}. Built in: outline \"Write a concise outline (5-7 bullet points) about: {topic}\", draft \"Expand this outline into a short article:\\n\\n{outline}\", feedback \"\\n\\nThe editor approved the outline with these notes; follow them:\\n\\n{feedback}\", summary \"Summarize this article in two sentences:\\n\\n{draft}\". At most 1024 bytes (UTF-8) in all: they share the function's 4 KB of environment variables."
  type = object({
    outline  = optional(string)
    draft    = optional(string)
    feedback = optional(string)
    summary  = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    # prompts.tf: the tokens and each template's placeholders; prompts.py says the same at a cold start.
    condition = alltrue([for name, template in var.prompts : template == null ? true : (
      alltrue([for token in regexall(local.prompt_token, template) : contains(concat(["{{", "}}"], local.prompt_placeholders[name].allowed), token)])
      && contains(regexall(local.prompt_token, template), local.prompt_placeholders[name].required)
    )])
    error_message = "${join("; ", compact(flatten([for name, template in var.prompts : [
      for unknown in [template == null ? [] : [for token in regexall(local.prompt_token, template) : token if !contains(concat(["{{", "}}"], local.prompt_placeholders[name].allowed), token)]] :
      template == null ? null
      : length(unknown) > 0 ? "prompts.${name} uses unknown placeholder ${join(", ", unknown)}; the ${name} template allows ${join(", ", local.prompt_placeholders[name].allowed)} (a literal brace is written {{ or }})"
      : contains(regexall(local.prompt_token, template), local.prompt_placeholders[name].required) ? null
      : "prompts.${name} must use ${local.prompt_placeholders[name].required}, or the ${name} step would not see it; it allows ${join(", ", local.prompt_placeholders[name].allowed)}"
    ]])))}."
  }

  validation {
    # Lambda quotas (gettingstarted-limits): environment variables, 4 KB in aggregate; PRICES takes up to 2048.
    # UTF-8 bytes, as the limit counts them: base64 writes 3 bytes as 4 characters, less one per "=" of padding.
    condition     = length(base64encode(join("", compact(values(var.prompts))))) / 4 * 3 - length(regexall("=", base64encode(join("", compact(values(var.prompts)))))) <= 1024
    error_message = "prompts take ${length(base64encode(join("", compact(values(var.prompts))))) / 4 * 3 - length(regexall("=", base64encode(join("", compact(values(var.prompts))))))} bytes (UTF-8) in all; at most 1024 fit beside the function's other environment variables (4 KB in all): shorten the templates, or leave unchanged ones null."
  }

  validation {
    condition     = local.content || alltrue([for template in values(var.prompts) : template == null])
    error_message = "prompts sets the content pipeline's templates; this function runs the ${local.workflow_name} workflow: leave prompts unset."
  }
}

# ---------------------------------------------------------------------------
# Cost ledger
# ---------------------------------------------------------------------------

variable "prices" {
  description = "Prices for the USD estimate in each result's cost section (lambda_src/durable_bedrock/ledger.py). bedrock: per model id or inference profile id (as model_id names it), USD per 1,000 input, output, cache-read and cache-write tokens and per second of video; none is built in, and a model without the price its calls need gets tokens and operations but no dollar figure (the result says which price is missing). durable: USD per million durable operations and per GB written, by default $8.00 and $0.25 (AWS Lambda pricing page, US East (N. Virginia), read 2026-09-20)."
  type = object({
    bedrock = optional(map(object({
      input_per_1k_tokens       = optional(number)
      output_per_1k_tokens      = optional(number)
      cache_read_per_1k_tokens  = optional(number)
      cache_write_per_1k_tokens = optional(number)
      per_video_second          = optional(number)
    })), {})
    durable = optional(object({
      per_million_operations = optional(number)
      per_gb_written         = optional(number)
    }), {})
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue(concat(
      [for figure in flatten([for model in values(coalesce(var.prices.bedrock, {})) : values(model)]) : coalesce(figure, 0) >= 0],
      [for figure in try(values(var.prices.durable), []) : coalesce(figure, 0) >= 0],
    ))
    error_message = "prices: every price is USD, a number 0 or more; a negative one was given (${jsonencode(var.prices)})."
  }

  validation {
    condition     = alltrue([for model in values(coalesce(var.prices.bedrock, {})) : anytrue([for figure in values(model) : figure != null])])
    error_message = "prices.bedrock: each model gives at least one of input_per_1k_tokens, output_per_1k_tokens, cache_read_per_1k_tokens, cache_write_per_1k_tokens, per_video_second; these give none: ${join(", ", [for id, model in coalesce(var.prices.bedrock, {}) : id if alltrue([for figure in values(model) : figure == null])])}."
  }

  validation {
    condition     = alltrue([for id in keys(coalesce(var.prices.bedrock, {})) : can(regex("^[A-Za-z0-9._:/-]+$", id)) && length(id) <= 2048])
    error_message = "prices.bedrock is keyed by model id, inference profile id or ARN (letters, digits and . _ : / - only), e.g. us.anthropic.claude-haiku-4-5-20251001-v1:0; got ${jsonencode(keys(coalesce(var.prices.bedrock, {})))}."
  }

  validation {
    # PRICES is an environment variable, and a function's variables together hold at most 4 KB
    # (Lambda quotas, gettingstarted-limits: environment variables, 4 KB).
    condition     = length(jsonencode(var.prices)) <= 2048
    error_message = "prices is ${length(jsonencode(var.prices))} characters as JSON; at most 2048 fit beside the function's other environment variables (4 KB in all): price the models this function calls only."
  }
}

variable "budget" {
  description = "A budget per execution, enforced from the cost ledger (lambda_src/durable_bedrock/budget.py): usd (Bedrock dollars, counted with the prices input) and/or tokens (all tokens the calls reported). Before each Bedrock step the function compares what the execution has spent with the limits; once one is reached the step is not started and the execution fails with BudgetExceededError, naming the step, the spending against each limit and the steps that spent. A video job, whose cost is known in advance, is not started if it would take the spending past usd. A usd limit needs prices for every model the function calls (checked at plan and at cold start). Unset (default): no limit."
  type = object({
    usd    = optional(number)
    tokens = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.budget.usd == null || try(var.budget.usd > 0, false)
    error_message = "budget.usd is a limit in USD, a number above 0 (or null for none); got ${jsonencode(var.budget.usd)}."
  }

  validation {
    condition     = var.budget.tokens == null || try(var.budget.tokens >= 1 && floor(var.budget.tokens) == var.budget.tokens, false)
    error_message = "budget.tokens is a whole number of tokens, 1 or more (or null for none); got ${jsonencode(var.budget.tokens)}."
  }

  validation {
    condition     = var.budget.tokens == null || local.workflow_name != "video_generation"
    error_message = "budget.tokens limits text models' tokens; the video_generation workflow counts none (a video job is billed per second): set budget.usd, with the model's per_video_second in prices."
  }

  validation {
    # Without prices a USD limit could not be counted: refused here rather than left unenforced.
    condition     = var.budget.usd == null || length(local.budget_unpriced) == 0
    error_message = "budget.usd needs prices.bedrock for every model the function calls (${local.budget_price_needed}); missing for: ${join(", ", local.budget_unpriced)}."
  }
}

variable "fan_out" {
  description = "Fan-out over many items (lambda_src/durable_bedrock/fanout.py). max_concurrency: items in flight at once (FAN_OUT_MAX_CONCURRENCY). child_executions: above what one execution holds (3,000 durable operations, 100 MB written), the items run in child executions of this function's own version, which needs lambda:InvokeFunction on this function's versions (and nothing else). results_s3_uri: s3://bucket/prefix/ where item results too large for a checkpoint are written (s3:PutObject under that prefix only; FAN_OUT_RESULTS_S3_URI). Null (default): no fan-out permissions."
  type = object({
    max_concurrency  = optional(number, 8)
    child_executions = optional(bool, true)
    results_s3_uri   = optional(string)
  })
  default = null

  validation {
    condition     = var.fan_out == null || try(var.fan_out.max_concurrency >= 1 && var.fan_out.max_concurrency <= 1000 && floor(var.fan_out.max_concurrency) == var.fan_out.max_concurrency, false)
    error_message = "fan_out.max_concurrency is the number of items in flight at once, a whole number from 1 to 1000; got ${jsonencode(try(var.fan_out.max_concurrency, null))}."
  }

  validation {
    # The bucket name as S3 allows it; the prefix, folders ending in "/" (or empty: the whole bucket).
    condition     = try(var.fan_out.results_s3_uri, null) == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^/\\s*]+/)*$", var.fan_out.results_s3_uri))
    error_message = "fan_out.results_s3_uri is s3://<bucket>/<prefix>/ (a valid bucket name, a prefix ending in \"/\", no \"*\"); got ${jsonencode(try(var.fan_out.results_s3_uri, null))}."
  }
}

# ---------------------------------------------------------------------------
# Video generation settings
# ---------------------------------------------------------------------------

variable "video_output_bucket_name" {
  description = "Video generation: an existing S3 bucket for the videos. Null creates one (private, encrypted, TLS-only, with an expiration rule)."
  type        = string
  default     = null

  validation {
    condition     = var.video_output_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.video_output_bucket_name))
    error_message = "video_output_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)."
  }
}

variable "video_output_prefix" {
  description = "Video generation: key prefix the videos are written under; the function may write only there. Ends with a slash."
  type        = string
  default     = "videos/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.video_output_prefix))
    error_message = "video_output_prefix must be one or more path segments each ending in a slash, e.g. \"videos/\"; got \"${var.video_output_prefix}\"."
  }
}

variable "video_output_kms_key_arn" {
  description = "Video generation: the KMS key of an SSE-KMS video bucket (given with video_output_bucket_name, or used to encrypt the bucket this module creates). Passed to StartAsyncInvoke as kmsKeyId; the role may use the key only through S3 in the Bedrock region. Null: the bucket uses SSE-S3."
  type        = string
  default     = null

  validation {
    condition     = var.video_output_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.video_output_kms_key_arn))
    error_message = "video_output_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "video_output_expiration_days" {
  description = "Video generation: days after which videos in a bucket created by this module expire."
  type        = number
  default     = 30

  validation {
    condition     = var.video_output_expiration_days >= 1 && floor(var.video_output_expiration_days) == var.video_output_expiration_days
    error_message = "video_output_expiration_days must be a whole number of days, at least 1; got ${var.video_output_expiration_days}."
  }
}

variable "video_output_force_destroy" {
  description = "Video generation: let `destroy` delete a bucket created by this module even when it still holds videos."
  type        = bool
  default     = false
}

variable "poll_deadline_seconds" {
  description = "Video generation: how long to keep polling for the video before the execution fails with a timeout, in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.poll_deadline_seconds >= 1 && var.poll_deadline_seconds <= 31622400 && floor(var.poll_deadline_seconds) == var.poll_deadline_seconds
    error_message = "poll_deadline_seconds must be a whole number from 1 to 31622400; got ${var.poll_deadline_seconds}."
  }
}

variable "poll_first_wait_seconds" {
  description = "Video generation: wait before the first status check, in seconds. Null: the time AWS documents the model taking for the requested duration (Nova Reel: about 90 s for 6 s, 14 min for 2 min; Luma Ray 2 has no documented figure and is given Nova Reel's for the same length). Set it to what your jobs really take."
  type        = number
  default     = null

  validation {
    condition     = var.poll_first_wait_seconds == null || try(var.poll_first_wait_seconds >= 1 && var.poll_first_wait_seconds <= 31622400 && floor(var.poll_first_wait_seconds) == var.poll_first_wait_seconds, false)
    error_message = "poll_first_wait_seconds must be null (the model's documented generation time) or a whole number from 1 to 31622400; got ${coalesce(var.poll_first_wait_seconds, "null")}."
  }
}

variable "poll_wait_percent" {
  description = "Video generation: after each status check that finds the job still running, wait this percentage of the time waited so far (at least 10 s, at most poll_max_seconds). A job slower than expected is found at most this fraction of its duration late."
  type        = number
  default     = 15

  validation {
    condition     = var.poll_wait_percent >= 1 && var.poll_wait_percent <= 100 && floor(var.poll_wait_percent) == var.poll_wait_percent
    error_message = "poll_wait_percent must be a whole number from 1 to 100; got ${var.poll_wait_percent}."
  }
}

variable "poll_max_seconds" {
  description = "Video generation: longest wait between two status checks, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.poll_max_seconds >= 10 && var.poll_max_seconds <= 3600 && floor(var.poll_max_seconds) == var.poll_max_seconds
    error_message = "poll_max_seconds must be a whole number from 10 (the shortest wait between checks) to 3600; got ${var.poll_max_seconds}."
  }
}

# ---------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------

variable "runtime" {
  description = "Lambda runtime. Durable functions support python3.13 and python3.14."
  type        = string
  default     = "python3.13"

  validation {
    condition     = contains(["python3.13", "python3.14"], var.runtime)
    error_message = "runtime must be \"python3.13\" or \"python3.14\" (the Python runtimes that support durable functions); got \"${var.runtime}\"."
  }
}

variable "architecture" {
  description = "Instruction set of the function: arm64 (cheaper per GB-second) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"; got \"${var.architecture}\"."
  }
}

variable "timeout" {
  description = "Timeout of one invocation, in seconds (at most 900). It must cover the longest step, i.e. one Bedrock call (the client's read timeout is 300 s); waits do not count."
  type        = number
  default     = 360

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900; got ${var.timeout}."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240; got ${var.memory_size}."
  }
}

variable "durable_execution_timeout" {
  description = "Longest a whole durable execution may run, waits included, in seconds (up to 366 days). Executions over 15 minutes must be started asynchronously."
  type        = number
  default     = 86400

  validation {
    condition     = var.durable_execution_timeout >= 1 && var.durable_execution_timeout <= 31622400 && floor(var.durable_execution_timeout) == var.durable_execution_timeout
    error_message = "durable_execution_timeout must be a whole number of seconds from 1 to 31622400 (366 days); got ${var.durable_execution_timeout}."
  }
}

variable "durable_retention_days" {
  description = "Days the durable execution history is kept after an execution ends."
  type        = number
  default     = 14

  validation {
    condition     = var.durable_retention_days >= 1 && var.durable_retention_days <= 90 && floor(var.durable_retention_days) == var.durable_retention_days
    error_message = "durable_retention_days must be a whole number from 1 to 90; got ${var.durable_retention_days}."
  }
}

variable "alias_name" {
  description = "Alias pointing at the published version; invoke the function through it (durable functions need a qualified ARN)."
  type        = string
  default     = "live"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_-]{0,127}$", var.alias_name))
    error_message = "alias_name must start with a letter and hold at most 128 letters, digits, hyphens or underscores (a number would look like a version); got \"${var.alias_name}\"."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for (and capping) the function. Null leaves it unreserved."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 0 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions, false)
    error_message = "reserved_concurrent_executions must be null or a whole number, 0 or more."
  }
}

variable "environment_variables" {
  description = "Extra environment variables for the function. The workflow's own variables (BEDROCK_MODEL_ID, ...) come from the inputs above and cannot be set here."
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.environment_variables), [
      "BEDROCK_MODEL_ID", "BEDROCK_REGION", "REVIEW_WAIT_SECONDS", "REVIEW_MODE", "REVIEW_TIMEOUT_SECONDS",
      "REVIEW_TIMEOUT_MEANS", "MAX_TOKENS", "OUTPUT_S3_URI", "OUTPUT_KMS_KEY_ID",
      "POLL_DEADLINE_SECONDS", "POLL_FIRST_WAIT_SECONDS", "POLL_WAIT_PERCENT", "POLL_MAX_SECONDS", "PRICES",
      "PROMPT_OUTLINE", "PROMPT_DRAFT", "PROMPT_FEEDBACK", "PROMPT_SUMMARY", "BEDROCK_MODELS", "BUDGET",
    ])) == 0
    error_message = "environment_variables must not set the workflow's own variables (BEDROCK_MODEL_ID, BEDROCK_MODELS, BEDROCK_REGION, REVIEW_*, MAX_TOKENS, OUTPUT_S3_URI, OUTPUT_KMS_KEY_ID, POLL_*, PRICES, PROMPT_*, BUDGET): use the module inputs for them."
  }
}

variable "tracing_enabled" {
  description = "Turn on AWS X-Ray active tracing."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; got ${var.log_retention_days}."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN to encrypt the function's log group with. Null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "durable_permissions" {
  description = "How the role gets the durable-execution and logging permissions: \"managed\" attaches the AWS managed policy AWSLambdaBasicDurableExecutionRolePolicy (its actions on all resources); \"scoped\" attaches an equivalent inline policy limited to this function and its log group."
  type        = string
  default     = "managed"

  validation {
    condition     = contains(["managed", "scoped"], var.durable_permissions)
    error_message = "durable_permissions must be \"managed\" or \"scoped\"; got \"${var.durable_permissions}\"."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------
# Package
# ---------------------------------------------------------------------------

variable "package_file" {
  description = "A prebuilt deployment zip to deploy as it is (e.g. built by a CI pipeline). Null builds the package from source_dir at plan time."
  type        = string
  default     = null

  validation {
    condition     = var.package_file == null || endswith(coalesce(var.package_file, "x"), ".zip")
    error_message = "package_file must be the path of a .zip file."
  }
}

variable "source_dir" {
  description = "Your code: a folder packaged beside this module's library (durable_bedrock) and its pinned dependencies, so your handler can import both. Linked folders inside it are packaged as copies; links out of it are refused. With workflow null or \"custom\" it holds your workflow (set handler and model_id); with a built-in workflow, code that workflow loads (e.g. a durable execution SDK plugin). Null: the built-in workflows only."
  type        = string
  default     = null
}

variable "handler" {
  description = "Handler of the function, module.function in the package. Required for a custom workflow (e.g. my_workflow.handler for the handler function of my_workflow.py in source_dir); null picks a built-in workflow's (durable_bedrock.content_pipeline.handler or durable_bedrock.video_generation.handler). Checked at plan: the module must be in the package and define the function."
  type        = string
  default     = null

  validation {
    condition     = var.handler == null || can(regex("^[A-Za-z_][A-Za-z0-9_.]*\\.[A-Za-z_][A-Za-z0-9_]*$", var.handler))
    error_message = "handler must look like module.path.function, e.g. my_package.workflow.handler."
  }
  validation {
    # The effective workflow, as workflow.tf decides it (null: custom with source_dir).
    condition     = var.handler != null || coalesce(var.workflow, var.source_dir == null ? "content_pipeline" : "custom") != "custom"
    error_message = "handler is required with source_dir (a custom workflow): name your durable handler as module.function inside source_dir, e.g. my_workflow.handler for the handler function of my_workflow.py. To run a built-in workflow with extra code from source_dir instead, set workflow = \"content_pipeline\" or \"video_generation\"."
  }
}

variable "requirements_file" {
  description = "Your pinned requirements (name==version --hash=sha256:..., pure-Python wheels), bundled in addition to this module's lambda_src/requirements.txt (the durable SDK and boto3, as AWS recommends); a distribution pinned differently in both fails the plan. Null: the module's pins only; \"\" bundles no dependencies at all and relies on the runtime's copies."
  type        = string
  default     = null
}

variable "sample_payload" {
  description = "An input for your workflow, as JSON text (e.g. jsonencode({ question = \"...\" })): the sample_payload and invoke_command outputs send it, and so does make invoke. Null: a built-in workflow's sample input; {} for a custom workflow."
  type        = string
  default     = null

  validation {
    condition     = var.sample_payload == null || can(jsondecode(var.sample_payload))
    error_message = "sample_payload must be JSON text, e.g. jsonencode({ question = \"What is a durable function?\" }); got ${jsonencode(var.sample_payload)}."
  }
}

variable "botocore_services" {
  description = "botocore service models kept in the package (the rest are pruned to shrink it): Bedrock runtime, Lambda (the SQS starter) and S3 (finding the video); with sqs_trigger set, SQS is added (the starter deletes the messages it started); with review.notification_topic, SNS (the review is announced). [\"*\"] keeps all, e.g. when your own code calls other services."
  type        = list(string)
  default     = ["bedrock-runtime", "lambda", "s3"]
}

variable "build_dir" {
  description = "Directory the package zip is written to (relative paths are from the root module). Files are named by content hash."
  type        = string
  default     = ".terraform/durable-bedrock-build"
}

# ---------------------------------------------------------------------------
# Optional SQS trigger
# ---------------------------------------------------------------------------

variable "sqs_trigger" {
  description = <<-EOT
    Start one durable execution per SQS message (the message body is the input). Null: no trigger.
    A small starter function sits between the queue and the durable function: it starts each execution
    asynchronously with the message id as the durable execution name (idempotent on redelivery), so
    executions may run longer than the 15 minutes an event source mapping's synchronous invoke allows.
    queue_arn: an existing queue (null creates one, encrypted, with a dead-letter queue).
    batch_size, maximum_batching_window_seconds: event source mapping batching (over 10 messages a
    batch needs a window of at least 1 s). The starter's timeout grows with batch_size (output
    sqs_starter_timeout); a given queue's visibility timeout must be at least that (AWS recommends six times it).
    minimum_pollers, maximum_pollers: provisioned poller mode (both or neither).
    max_receive_count: deliveries before a message moves to the dead-letter queue (created queue only).
  EOT
  type = object({
    queue_arn                       = optional(string)
    batch_size                      = optional(number, 10)
    maximum_batching_window_seconds = optional(number, 0)
    minimum_pollers                 = optional(number)
    maximum_pollers                 = optional(number)
    max_receive_count               = optional(number, 3)
  })
  default = null

  validation {
    condition     = var.sqs_trigger == null || try(var.sqs_trigger.queue_arn == null || can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+$", var.sqs_trigger.queue_arn)), false)
    error_message = "sqs_trigger.queue_arn must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>) or null to create a queue."
  }
  # https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
  # (BatchSize: up to 10,000 for standard queues, 10 for FIFO; above 10 a
  # batching window of at least 1 second is required).
  validation {
    condition     = var.sqs_trigger == null || try(var.sqs_trigger.batch_size >= 1 && var.sqs_trigger.batch_size <= 10000 && var.sqs_trigger.maximum_batching_window_seconds >= 0 && var.sqs_trigger.maximum_batching_window_seconds <= 300, false)
    error_message = "sqs_trigger.batch_size must be 1-10000 and maximum_batching_window_seconds 0-300."
  }
  validation {
    condition     = var.sqs_trigger == null || try(var.sqs_trigger.batch_size <= 10 || var.sqs_trigger.maximum_batching_window_seconds >= 1, false)
    error_message = "sqs_trigger.batch_size over 10 needs maximum_batching_window_seconds of at least 1 (a Lambda rule for SQS event source mappings); got batch_size ${try(var.sqs_trigger.batch_size, "?")} with a window of ${try(var.sqs_trigger.maximum_batching_window_seconds, "?")}."
  }
  validation {
    condition     = var.sqs_trigger == null || try(!endswith(coalesce(var.sqs_trigger.queue_arn, "x"), ".fifo") || var.sqs_trigger.batch_size <= 10, false)
    error_message = "sqs_trigger.batch_size must be at most 10 for a FIFO queue (.fifo)."
  }
  validation {
    condition = var.sqs_trigger == null ? true : try(
      var.sqs_trigger.minimum_pollers == null
      ? var.sqs_trigger.maximum_pollers == null
      : (var.sqs_trigger.minimum_pollers >= 2 && var.sqs_trigger.minimum_pollers <= 200 && var.sqs_trigger.maximum_pollers >= var.sqs_trigger.minimum_pollers && var.sqs_trigger.maximum_pollers <= 2000),
      false
    )
    error_message = "sqs_trigger.minimum_pollers and maximum_pollers go together: minimum 2-200, maximum from the minimum up to 2000."
  }
  validation {
    condition     = var.sqs_trigger == null || try(var.sqs_trigger.max_receive_count >= 1 && var.sqs_trigger.max_receive_count <= 1000, false)
    error_message = "sqs_trigger.max_receive_count must be 1-1000."
  }
}

# ---------------------------------------------------------------------------
# Optional failure alerts
# ---------------------------------------------------------------------------

variable "failure_alerts" {
  description = <<-EOT
    Tell someone when an execution of this function ends FAILED, TIMED_OUT or STOPPED (null: no alerts).
    An EventBridge rule "<name>-failures" on Lambda's "Durable Execution Status Change" events of this function
    only sends each such event (its JSON) to an SNS topic; with alarm = true (the default) a CloudWatch alarm
    "<name>-failed-executions" on Lambda's DurableExecutionFailed metric of the function (at least one failed
    execution in 5 minutes) notifies the same topic when it goes into ALARM.
    topic_arn: null creates the topic "<name>-failures", encrypted with kms_key_arn, or, when that is null too,
    with a key the module creates for it (the AWS managed alias/aws/sns cannot be used: its key policy does not
    let EventBridge or CloudWatch use it); its policy lets only this rule and this alarm publish.
    Or an existing standard topic: the module leaves its policy and key alone; add the statements of output
    failure_alerts_topic_policy_json to its policy (and, if it is encrypted with a customer managed key, let
    events.amazonaws.com and cloudwatch.amazonaws.com use the key for it).
    Output failure_alerts_topic_arn: subscribe the people on call to it.
  EOT
  type = object({
    topic_arn   = optional(string)
    kms_key_arn = optional(string)
    alarm       = optional(bool, true)
  })
  default = null

  validation {
    # Standard topics only: EventBridge publishes to a FIFO topic only with a message group id set on
    # the target, and FIFO topics deliver to SQS queues only, not to email or chat endpoints
    # (https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html).
    condition     = try(var.failure_alerts.topic_arn, null) == null || can(regex("^arn:aws[a-z-]*:sns:[a-z]{2,4}(-[a-z]+)+-[0-9]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.failure_alerts.topic_arn))
    error_message = "failure_alerts.topic_arn must be the ARN of a standard (not FIFO) SNS topic, arn:aws:sns:<region>:<account>:<name>, or null to create one; got \"${try(coalesce(var.failure_alerts.topic_arn, "null"), "null")}\"."
  }
  validation {
    condition     = try(var.failure_alerts.kms_key_arn, null) == null || can(regex("^arn:aws[a-z-]*:kms:[a-z]{2,4}(-[a-z]+)+-[0-9]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.failure_alerts.kms_key_arn))
    error_message = "failure_alerts.kms_key_arn must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias), or null; got \"${try(coalesce(var.failure_alerts.kms_key_arn, "null"), "null")}\"."
  }
  validation {
    condition     = try(var.failure_alerts.topic_arn, null) == null || try(var.failure_alerts.kms_key_arn, null) == null
    error_message = "failure_alerts.kms_key_arn encrypts the topic the module creates; a given topic_arn keeps its own encryption. Set one of topic_arn and kms_key_arn, not both."
  }
  validation {
    # EventBridge rule names hold at most 64 characters (PutRule Name, botocore events model).
    condition     = var.failure_alerts == null || length(var.name) <= 55
    error_message = "name must be at most 55 characters with failure_alerts: the rule <name>-failures may hold at most 64 characters (EventBridge); got \"${var.name}\" (${length(var.name)} characters)."
  }
}
