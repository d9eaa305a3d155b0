# Video generation only: the bucket Bedrock writes the videos to, created here
# unless video_output_bucket_name names an existing one. Private, encrypted,
# TLS-only, ownership enforced, and videos expire. It lives in the Bedrock
# region (the provider's per-resource `region`, hashicorp/aws 6.0+), next to
# the model that writes to it.

locals {
  create_video_bucket = local.workflow.writes_videos && var.video_output_bucket_name == null
  video_bucket_name = (
    !local.workflow.writes_videos ? null
    : local.create_video_bucket ? aws_s3_bucket.videos[0].bucket : var.video_output_bucket_name
  )
  video_bucket_arn  = local.workflow.writes_videos ? "arn:${local.partition}:s3:::${local.video_bucket_name}" : null
  video_objects_arn = local.workflow.writes_videos ? "${local.video_bucket_arn}/${var.video_output_prefix}*" : null
}

resource "aws_s3_bucket" "videos" {
  #checkov:skip=CKV_AWS_18:Generated videos that expire; access logging needs a separate log bucket, which is an account-level choice.
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket events; the execution result reports each video's URI.
  #checkov:skip=CKV_AWS_144:Regenerable, expiring output; cross-region replication would double storage for no recovery need.
  #checkov:skip=CKV_AWS_21:Objects are written once and expire; versioning would only keep expired videos longer.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256, bucket key) by default; video_output_kms_key_arn switches to SSE-KMS with that key.
  count = local.create_video_bucket ? 1 : 0

  region        = var.bedrock_region
  bucket_prefix = "${lower(replace(var.name, "_", "-"))}-videos-"
  force_destroy = var.video_output_force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "videos" {
  count = local.create_video_bucket ? 1 : 0

  region                  = var.bedrock_region
  bucket                  = aws_s3_bucket.videos[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "videos" {
  count = local.create_video_bucket ? 1 : 0

  region = var.bedrock_region
  bucket = aws_s3_bucket.videos[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "videos" {
  count = local.create_video_bucket ? 1 : 0

  region = var.bedrock_region
  bucket = aws_s3_bucket.videos[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.video_output_kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.video_output_kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "videos" {
  count = local.create_video_bucket ? 1 : 0

  region = var.bedrock_region
  bucket = aws_s3_bucket.videos[0].id
  rule {
    id     = "expire-videos"
    status = "Enabled"
    filter {
      prefix = var.video_output_prefix
    }
    expiration {
      days = var.video_output_expiration_days
    }
  }
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "videos" {
  count = local.create_video_bucket ? 1 : 0

  region = var.bedrock_region
  bucket = aws_s3_bucket.videos[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.videos[0].arn, "${aws_s3_bucket.videos[0].arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.videos]
}
