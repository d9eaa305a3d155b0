# The content pipeline's prompt templates (the prompts input): each template's placeholders, which
# variables.tf checks at plan, and the environment carrying the templates the input sets.
# lambda_src/durable_bedrock/prompts.py holds the built-in texts and runs the same checks, with the
# same messages, at a cold start.

locals {
  # The placeholders each template may use, and the one it must: without it the step would
  # ignore the topic, the outline, the reviewer's notes or the draft it is meant to work on.
  prompt_placeholders = {
    outline  = { allowed = ["{topic}"], required = "{topic}" }
    draft    = { allowed = ["{topic}", "{outline}"], required = "{outline}" }
    feedback = { allowed = ["{topic}", "{outline}", "{feedback}"], required = "{feedback}" }
    summary  = { allowed = ["{topic}", "{outline}", "{draft}"], required = "{draft}" }
  }
  # A template's tokens: an escaped brace ({{ or }}), braces around anything but braces, or a brace
  # alone. RE2 and Python's re both take the leftmost alternative that matches, so prompts.py splits
  # a text into the same tokens. (Static: a validation may not use locals derived from its variable.)
  prompt_token = "\\{\\{|\\}\\}|\\{[^{}]*\\}|[{}]"

  # Null: the built-in template, not sent (the environment stays as it was without the input).
  prompt_environment = { for name, template in var.prompts : "PROMPT_${upper(name)}" => template if template != null }
}
