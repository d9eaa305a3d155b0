# Module tests: the video_generation workflow's output bucket, its encryption and region, the role's access to it,
# and the function's polling environment.

# AWS is mocked (apply creates nothing): one account and region, and a fixed bucket name.
# The partition and role ARN are set because the provider rejects malformed ARNs.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_region" {
    defaults = { region = "us-east-1" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = { bucket = "mocked-videos-20261123000000000000000001" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked-exec" }
  }
}

variables {
  name = "pipeline"
}

run "video_workflow_with_a_created_bucket" {
  command = apply

  variables {
    workflow = "video_generation"
  }

  assert {
    condition     = aws_lambda_function.this.handler == "durable_bedrock.video_generation.handler"
    error_message = "video_generation must use its handler"
  }
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      BEDROCK_MODEL_ID      = "luma.ray-v2:0"
      BEDROCK_REGION        = "us-east-1"
      OUTPUT_S3_URI         = "s3://mocked-videos-20261123000000000000000001/videos/"
      POLL_DEADLINE_SECONDS = "3600"
      POLL_WAIT_PERCENT     = "15"
      POLL_MAX_SECONDS      = "300"
    })
    error_message = "video_generation environment is wrong: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
  assert {
    condition     = aws_s3_bucket.videos[0].bucket_prefix == "pipeline-videos-" && aws_s3_bucket.videos[0].force_destroy == false
    error_message = "the bucket must be named after the function and keep its videos on destroy by default"
  }
  assert {
    condition = (
      aws_s3_bucket_public_access_block.videos[0].block_public_acls && aws_s3_bucket_public_access_block.videos[0].block_public_policy
      && aws_s3_bucket_public_access_block.videos[0].ignore_public_acls && aws_s3_bucket_public_access_block.videos[0].restrict_public_buckets
    )
    error_message = "public access must be blocked"
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.videos[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "the bucket must be encrypted"
  }
  assert {
    condition     = jsondecode(aws_s3_bucket_policy.videos[0].policy).Statement[0].Condition == { Bool = { "aws:SecureTransport" = "false" } }
    error_message = "the bucket policy must deny requests without TLS"
  }
  assert {
    condition     = [for rule in aws_s3_bucket_lifecycle_configuration.videos[0].rule : rule.expiration[0].days if rule.id == "expire-videos"] == [30]
    error_message = "videos must expire after video_output_expiration_days"
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.bedrock.policy).Statement == [
      {
        Sid      = "InvokeModel"
        Effect   = "Allow"
        Action   = "bedrock:InvokeModel"
        Resource = "arn:aws:bedrock:us-east-1::foundation-model/luma.ray-v2:0"
      },
      {
        Sid      = "AsyncInvokeJobs"
        Effect   = "Allow"
        Action   = ["bedrock:InvokeModel", "bedrock:GetAsyncInvoke"]
        Resource = "arn:aws:bedrock:us-east-1:123456789012:async-invoke/*"
      },
      {
        Sid      = "WriteVideosUnderPrefix"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = "arn:aws:s3:::mocked-videos-20261123000000000000000001/videos/*"
      },
      {
        Sid       = "FindVideosUnderPrefix"
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = "arn:aws:s3:::mocked-videos-20261123000000000000000001"
        Condition = { StringLike = { "s3:prefix" = "videos/*" } }
      },
    ]
    error_message = "unexpected Bedrock policy: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition     = output.video_output_s3_uri == "s3://mocked-videos-20261123000000000000000001/videos/"
    error_message = "the output URI must name the bucket and prefix"
  }
}

run "video_workflow_with_a_given_bucket" {
  command = apply

  variables {
    workflow                 = "video_generation"
    video_output_bucket_name = "team-videos"
    video_output_prefix      = "durable/jobs/"
  }

  assert {
    condition     = length(aws_s3_bucket.videos) == 0 && length(aws_s3_bucket_policy.videos) == 0
    error_message = "a given bucket must not be created or changed"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.bedrock.policy).Statement[2].Resource == "arn:aws:s3:::team-videos/durable/jobs/*"
    error_message = "the role may write only under the prefix: ${aws_iam_role_policy.bedrock.policy}"
  }
}

run "a_first_wait_reaches_the_function_only_when_set" {
  command = apply

  variables {
    workflow                = "video_generation"
    poll_first_wait_seconds = 240
    poll_wait_percent       = 25
    poll_max_seconds        = 60
  }

  assert {
    condition = {
      for name, value in aws_lambda_function.this.environment[0].variables : name => value if startswith(name, "POLL_")
      } == {
      POLL_DEADLINE_SECONDS = "3600", POLL_FIRST_WAIT_SECONDS = "240", POLL_WAIT_PERCENT = "25", POLL_MAX_SECONDS = "60"
    }
    error_message = "the polling inputs must reach the function: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

run "bedrock_in_another_region" {
  command = apply

  variables {
    workflow       = "video_generation"
    bedrock_region = "us-west-2"
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables.BEDROCK_REGION == "us-west-2"
    error_message = "the function must call Bedrock in bedrock_region"
  }
  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.bedrock.policy).Statement : statement.Resource if contains(["InvokeModel", "AsyncInvokeJobs"], statement.Sid)] == [
      "arn:aws:bedrock:us-west-2::foundation-model/luma.ray-v2:0",
      "arn:aws:bedrock:us-west-2:123456789012:async-invoke/*",
    ]
    error_message = "model and job ARNs must be in bedrock_region: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition = alltrue([
      aws_s3_bucket.videos[0].region == "us-west-2", aws_s3_bucket_policy.videos[0].region == "us-west-2",
      aws_s3_bucket_public_access_block.videos[0].region == "us-west-2", aws_s3_bucket_ownership_controls.videos[0].region == "us-west-2",
      aws_s3_bucket_server_side_encryption_configuration.videos[0].region == "us-west-2", aws_s3_bucket_lifecycle_configuration.videos[0].region == "us-west-2",
    ])
    error_message = "the created video bucket must live in bedrock_region, next to the model"
  }
}

run "video_bucket_encrypted_with_a_customer_key" {
  command = apply

  variables {
    workflow                 = "video_generation"
    video_output_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables.OUTPUT_KMS_KEY_ID == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "the key must reach StartAsyncInvoke (kmsKeyId) through the environment"
  }
  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.bedrock.policy).Statement : statement if statement.Sid == "EncryptVideosWithTheBucketKey"] == [{
      Sid       = "EncryptVideosWithTheBucketKey"
      Effect    = "Allow"
      Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource  = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      Condition = { StringEquals = { "kms:ViaService" = "s3.us-east-1.amazonaws.com" } }
    }]
    error_message = "the role may use the key only through S3: ${aws_iam_role_policy.bedrock.policy}"
  }
  assert {
    condition = one(one(aws_s3_bucket_server_side_encryption_configuration.videos[0].rule).apply_server_side_encryption_by_default) == {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
    error_message = "a created bucket must be encrypted with the given key"
  }
}
