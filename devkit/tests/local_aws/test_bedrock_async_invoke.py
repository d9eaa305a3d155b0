"""Bedrock asynchronous invocations write their output as on AWS (gap 8, closed
for the video workflow's build-result step, which lists the job's folder)."""

import boto3

from durable_api import CLIENT_KWARGS


def bedrock_runtime(local_aws, region: str = "us-east-1"):
    return boto3.client("bedrock-runtime", endpoint_url=local_aws.endpoint, **{**CLIENT_KWARGS, "region_name": region})


def test_an_async_job_writes_its_video_into_a_folder_named_after_it(aws, local_aws):
    bedrock = bedrock_runtime(local_aws, "us-west-2")
    s3 = aws("s3")
    s3.create_bucket(Bucket="async-output-probe")

    arn = bedrock.start_async_invoke(
        modelId="luma.ray-v2:0",
        modelInput={"prompt": "a boat", "duration": "5s"},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://async-output-probe/videos/token-1/"}},
    )["invocationArn"]
    job = bedrock.get_async_invoke(invocationArn=arn)

    # AWS reports the job's own folder, <s3Uri>/<invocation id>, and the
    # video is in it (Nova Reel user guide, video-gen-access).
    folder = job["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"]
    assert folder == f"s3://async-output-probe/videos/token-1/{arn.rsplit('/', 1)[-1]}"
    listed = s3.list_objects_v2(Bucket="async-output-probe", Prefix="videos/token-1/")["Contents"]
    assert [item["Key"] for item in listed] == [f"videos/token-1/{arn.rsplit('/', 1)[-1]}/output.mp4"]
    assert job["status"] == "Completed"


def test_an_async_job_that_cannot_write_fails_with_a_message(local_aws):
    bedrock = bedrock_runtime(local_aws)

    arn = bedrock.start_async_invoke(
        modelId="luma.ray-v2:0",
        modelInput={"prompt": "a boat", "duration": "5s"},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://no-such-bucket-for-videos/x/"}},
    )["invocationArn"]
    job = bedrock.get_async_invoke(invocationArn=arn)

    assert job["status"] == "Failed"
    assert "no-such-bucket-for-videos" in job["failureMessage"]
