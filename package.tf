# The deployment package: built at plan time by packaging/build_lambda_zip.py
# (python3, standard library only) into a zip that is byte-identical on every
# machine, named by its content hash, so an unchanged source never shows a
# diff. Or a prebuilt zip (package_file), deployed as it is.

locals {
  build_package = var.package_file == null
  # The library (durable_bedrock: the built-in workflows, the SQS starter, the review page) is in
  # every package; the user's source_dir is added beside it, never instead of it.
  source_dirs = concat(["${path.module}/lambda_src"], var.source_dir == null ? [] : [var.source_dir])
  # The library's pins, plus the user's (a distribution pinned two ways fails the build); "" opts out of both.
  requirements = var.requirements_file == "" ? [] : concat(
    ["${path.module}/lambda_src/requirements.txt"], var.requirements_file == null ? [] : [var.requirements_file]
  )
  # Every handler a function of this module runs from the package: the builder checks each is there.
  packaged_handlers = concat(
    [local.handler],
    local.trigger ? [local.starter_handler] : [],
    local.review_page ? [local.review_page_handler] : [],
  )
  # The SQS starter deletes each message it started (sqs_starter.delete_started): without the
  # sqs model in the package that call fails with "Unknown service: 'sqs'".
  keep_sqs_model = local.trigger && !contains(var.botocore_services, "*")
  # The review notification publishes to SNS (review_notification.tf): without the sns model the
  # submitter step fails with "Unknown service: 'sns'" and the review with it.
  keep_sns_model = local.notify_review && !contains(var.botocore_services, "*")
  botocore_services = (local.keep_sqs_model || local.keep_sns_model
    ? distinct(concat(var.botocore_services, local.keep_sqs_model ? ["sqs"] : [], local.keep_sns_model ? ["sns"] : []))
    : var.botocore_services
  )
}

data "local_command" "package" {
  count = local.build_package ? 1 : 0

  command = "python3"
  arguments = concat(
    ["${path.module}/packaging/build_lambda_zip.py", "--out-dir", var.build_dir],
    ["--botocore-services", join(",", local.botocore_services)],
    flatten([for dir in local.source_dirs : ["--source-dir", dir]]),
    flatten([for file in local.requirements : ["--requirements", file]]),
    flatten([for handler in local.packaged_handlers : ["--handler", handler]]),
  )
}

locals {
  built_package = local.build_package ? jsondecode(data.local_command.package[0].stdout) : null

  package_path   = local.build_package ? local.built_package.path : var.package_file
  package_sha256 = local.build_package ? local.built_package.base64sha256 : filebase64sha256(var.package_file)
}
