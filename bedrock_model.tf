# Which Bedrock resources the function may invoke, derived from model_id (or from each
# entry of models, granted alike) and bedrock_region (the region the function calls
# Bedrock in; null = its own):
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

  # The models the role may invoke, by the name the code uses: the `models` input, or else
  # model_id (a built-in workflow's default included) as its one entry. variables.tf allows
  # models only for custom workflows and never both, so exactly one of them names the set.
  invoked_models = var.models != null ? var.models : { default = local.model_id }

  bedrock_arn_pattern = "^arn:[^:]+:bedrock:([^:]*):([^:]*):([a-z-]+)/(.+)$"
  # us., eu., apac., jp., au., ca., us-gov., global. ... prefix a system-defined profile id.
  profile_id_pattern = "^[a-z]{2,6}(-[a-z]+)?\\.[a-z0-9-]+\\."

  # What each entry is: an ARN (of which resource type), a system-defined profile id, or a model id.
  model_kinds = { for name, id in local.invoked_models : name => {
    id            = id
    arn_type      = try(regex(local.bedrock_arn_pattern, id)[2], null)
    is_profile_id = !can(regex(local.bedrock_arn_pattern, id)) && can(regex(local.profile_id_pattern, id))
  } }
  model_is_profile = { for name, kind in local.model_kinds : name =>
    kind.is_profile_id || contains(["inference-profile", "application-inference-profile"], coalesce(kind.arn_type, "none"))
  }

  # Per entry, what the policy names (iam.tf): the profile and the models it routes to, or the one model.
  model_grants = { for name, kind in local.model_kinds : name => {
    inference_profile_arn = !local.model_is_profile[name] ? null : (
      kind.is_profile_id
      ? "arn:${local.partition}:bedrock:${local.bedrock_region}:${local.account_id}:inference-profile/${kind.id}"
      : kind.id
    )
    profile_model_arns = !local.model_is_profile[name] ? [] : distinct(concat(
      coalesce(var.foundation_model_arns, try(data.aws_bedrock_inference_profile.selected[kind.id].models[*].model_arn, [])),
      # A global. profile routes anywhere: AWS asks for the region-less model ARN too.
      kind.is_profile_id && startswith(kind.id, "global.") ? ["arn:${local.partition}:bedrock:::foundation-model/${trimprefix(kind.id, "global.")}"] : [],
    ))
    direct_model_arn = local.model_is_profile[name] ? null : (
      kind.arn_type == null ? "arn:${local.partition}:bedrock:${local.bedrock_region}::foundation-model/${kind.id}" : kind.id
    )
    # Statement ids must be unique in a policy and hold only A-Z, a-z, 0-9 (IAM JSON policy
    # reference, "Sid"): model_id keeps its Sids unchanged; an entry of models appends its name in
    # PascalCase, one-to-one for the snake_case names variables.tf allows (each part starts with a letter).
    sid_suffix = var.models == null ? "" : join("", [for part in split("_", name) : title(part)])
  } }
}

# Lists the foundation models (in each destination region) each profile routes to, once per profile.
data "aws_bedrock_inference_profile" "selected" {
  for_each = var.foundation_model_arns != null ? toset([]) : toset([for name, kind in local.model_kinds : kind.id if local.model_is_profile[name]])

  region               = local.bedrock_region
  inference_profile_id = each.key
}
