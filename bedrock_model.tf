# Which Bedrock resources the function may invoke, derived from model_id and
# bedrock_region (the region the function calls Bedrock in; null = its own):
#
# - a foundation model id or ARN: that one model (in the Bedrock region for an id);
# - a cross-region (system-defined) inference profile id, or a profile ARN:
#   the profile in this account and the Bedrock region, plus the foundation models it
#   routes to in every destination region (AWS requires both), the latter
#   only when called through the profile (bedrock:InferenceProfileArn).
#   A global. profile also needs the region-less foundation-model ARN.
# https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  # Bedrock may live in another region than the function: video models are
  # offered in few regions (Luma Ray 2 in us-west-2, Nova Reel 1.1 in us-east-1).
  bedrock_region = coalesce(var.bedrock_region, local.region)

  model_arn_parts = try(regex("^arn:[^:]+:bedrock:([^:]*):([^:]*):([a-z-]+)/(.+)$", local.model_id), null)
  model_arn_type  = local.model_arn_parts == null ? null : local.model_arn_parts[2]
  # us., eu., apac., jp., au., ca., us-gov., global. ... prefix a system-defined profile id.
  model_is_profile_id = local.model_arn_parts == null && can(regex("^[a-z]{2,6}(-[a-z]+)?\\.[a-z0-9-]+\\.", local.model_id))
  model_is_profile    = local.model_is_profile_id || contains(["inference-profile", "application-inference-profile"], coalesce(local.model_arn_type, "none"))

  inference_profile_arn = !local.model_is_profile ? null : (
    local.model_is_profile_id
    ? "arn:${local.partition}:bedrock:${local.bedrock_region}:${local.account_id}:inference-profile/${local.model_id}"
    : local.model_id
  )

  # A global. profile routes anywhere: AWS asks for the region-less model ARN too.
  global_profile_model = local.model_is_profile_id && startswith(local.model_id, "global.") ? trimprefix(local.model_id, "global.") : null

  profile_model_arns = !local.model_is_profile ? [] : distinct(concat(
    coalesce(var.foundation_model_arns, try(data.aws_bedrock_inference_profile.selected[0].models[*].model_arn, [])),
    local.global_profile_model == null ? [] : ["arn:${local.partition}:bedrock:::foundation-model/${local.global_profile_model}"],
  ))

  direct_model_arn = local.model_is_profile ? null : (
    local.model_arn_parts == null
    ? "arn:${local.partition}:bedrock:${local.bedrock_region}::foundation-model/${local.model_id}"
    : local.model_id
  )
}

# Lists the foundation models (in each destination region) a profile routes to.
data "aws_bedrock_inference_profile" "selected" {
  count = local.model_is_profile && var.foundation_model_arns == null ? 1 : 0

  region               = local.bedrock_region
  inference_profile_id = local.model_id
}
