terraform {
  # 1.9: validation blocks that refer to other variables (Terraform and OpenTofu).
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.25.0 is the first release with durable_config on aws_lambda_function; 6.28.0 the first
      # with invoked_via_function_url on aws_lambda_permission (the review page's URL grant).
      version = ">= 6.28.0"
    }
    local = {
      source = "hashicorp/local"
      # 2.6.0 added the local_command data source that builds the package.
      version = ">= 2.6.0"
    }
  }
}
