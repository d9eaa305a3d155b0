# Asynchronous video generation (StartAsyncInvoke, polled until the video is
# in S3) as a durable Lambda function, with a private output bucket. The
# function runs in one region and calls the video model in another.

provider "aws" {
  region = var.region
}

module "video_generation" {
  source = "../.."

  name                       = var.name
  workflow                   = "video_generation"
  model_id                   = var.model_id
  bedrock_region             = var.bedrock_region
  video_output_force_destroy = var.force_destroy_videos
  poll_deadline_seconds      = var.poll_deadline_seconds
  poll_first_wait_seconds    = var.poll_first_wait_seconds
  prices                     = var.prices
  tags                       = { example = "video-generation" }
}
