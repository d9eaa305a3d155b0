# The deployment package: built at plan time by packaging/build_lambda_zip.py
# (python3, standard library only) into a zip that is byte-identical on every
# machine, named by its content hash, so an unchanged source never shows a
# diff. Or a prebuilt zip (package_file), deployed as it is.

locals {
  build_package = var.package_file == null
  source_dir    = coalesce(var.source_dir, "${path.module}/lambda_src")
  requirements = (
    var.requirements_file != null ? var.requirements_file
    : var.source_dir == null ? "${path.module}/lambda_src/requirements.txt" : ""
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
  arguments = [
    "${path.module}/packaging/build_lambda_zip.py",
    "--source-dir", local.source_dir,
    "--requirements", local.requirements,
    "--out-dir", var.build_dir,
    "--botocore-services", join(",", local.botocore_services),
  ]
}

locals {
  built_package = local.build_package ? jsondecode(data.local_command.package[0].stdout) : null

  package_path   = local.build_package ? local.built_package.path : var.package_file
  package_sha256 = local.build_package ? local.built_package.base64sha256 : filebase64sha256(var.package_file)
}
