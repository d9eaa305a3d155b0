"""Finds the output an asynchronous job really wrote (the video of a video job).

Only Nova Reel documents its object name (output.mp4 in the job's folder);
other models may name it otherwise. So the result never guesses: it lists the
job's own folder (each execution writes under a prefix of its own) and
returns the MP4 that is there, preferring output.mp4 when several are.
Listing needs only s3:ListBucket, limited by the s3:prefix condition.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from durable_bedrock.errors import AsyncOutputMissingError, VideoMissingError

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement); not bundled
    from mypy_boto3_s3 import S3Client

VIDEO_SUFFIX = ".mp4"
PREFERRED_NAME = "output.mp4"


@functools.cache
def s3_client(region: str | None = None) -> S3Client:
    # Retries belong to the durable step (retry_policy.py), as for Bedrock: one attempt (see bedrock.runtime_client).
    return boto3.client("s3", region_name=region, config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def find_output(
    folder_uri: str, suffix: str = "", preferred_name: str | None = None, region: str | None = None, what: str = "async"
) -> str:
    """The s3:// URI of the object under folder_uri whose name ends with `suffix` (preferring
    `preferred_name`, then the first by key), or AsyncOutputMissingError naming the `what` job."""
    bucket, prefix = split_s3_uri(folder_uri.rstrip("/") + "/")
    keys: list[str] = []
    for page in s3_client(region).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", []) if item["Key"].endswith(suffix)]
    if not keys:
        raise AsyncOutputMissingError(
            f"the {what} job reported Completed, but s3://{bucket}/{prefix} holds no {suffix or 'object'}"
            f"{' file' if suffix else ''}: check the bucket's lifecycle rules and that nothing else deletes "
            "under that prefix"
        )
    preferred = [key for key in keys if key.rsplit("/", 1)[-1] == preferred_name]
    return f"s3://{bucket}/{min(preferred or keys)}"


def find_video(folder_uri: str, region: str | None = None) -> str:
    """The s3:// URI of the video under folder_uri, or VideoMissingError."""
    try:
        return find_output(folder_uri, VIDEO_SUFFIX, PREFERRED_NAME, region, what="video")
    except AsyncOutputMissingError as error:
        raise VideoMissingError(str(error)) from None
