"""Item results too large to keep in a checkpoint go to S3; the result holds their key.

A fan-out writes every item's result into the execution's checkpoints (the item's
own context, then the map's batch result), and one execution may write at most
100 MB (Lambda quotas, durable functions:
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). A result
whose JSON is over `inline_limit_bytes` is written to
`s3://<bucket>/<prefix><execution id>/<fan-out name>/<index>.json` in a step of
its own and replaced by `{"s3_uri": ..., "bytes": ...}`. The key depends only on
the execution and the item's index, so a retried or replayed step writes the same
object again instead of a second one. The role may write only under `prefix`
(iam.tf, statement WriteFanOutResultsUnderPrefix).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

import boto3
from botocore.config import Config

from durable_bedrock.retry_policy import BEDROCK_STEP

if TYPE_CHECKING:
    from aws_durable_execution_sdk_python import DurableContext
    from aws_durable_execution_sdk_python.types import StepContext
    from mypy_boto3_s3 import S3Client

# Well under the 256 KiB a checkpoint holds (CHECKPOINT_SIZE_LIMIT_BYTES): the
# item's result is checkpointed by the item's context and again in the batch result.
DEFAULT_INLINE_LIMIT_BYTES = 32 * 1024

_S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<prefix>(?:[^/\s]+/)*)$")
# The last two segments of a durable execution ARN (…/durable-execution/<name>/<id>, ARN pattern of
# ChainedInvokeStartedDetails.DurableExecutionArn in the Lambda API reference); any other shape
# (the testing runner's ids) is used whole, with its slashes kept as folders.
_EXECUTION = re.compile(r"/durable-execution/(?P<name>[^/]+)/(?P<id>[^/]+)$")


class StoredResult(TypedDict):
    s3_uri: str
    bytes: int


@functools.cache
def s3_client() -> S3Client:
    # Retries belong to the durable step (retry_policy.BEDROCK_STEP retries SlowDown and 5xx): one attempt here.
    return boto3.client("s3", config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


@dataclass(frozen=True)
class ResultStore:
    """Where large item results go: a bucket and the prefix the function may write under."""

    bucket: str
    prefix: str
    inline_limit_bytes: int = DEFAULT_INLINE_LIMIT_BYTES

    @classmethod
    def from_s3_uri(cls, uri: str, inline_limit_bytes: int = DEFAULT_INLINE_LIMIT_BYTES) -> ResultStore:
        """s3://bucket/prefix/ (the prefix ends with a slash, or is empty)."""
        match = _S3_URI.match(uri)
        if match is None:
            raise ValueError(f"results location {uri!r}: expected s3://<bucket>/<prefix>/ (prefix ending in '/')")
        return cls(match["bucket"], match["prefix"], inline_limit_bytes)

    def key_for(self, execution_arn: str, fan_out_name: str, index: int) -> str:
        match = _EXECUTION.search(execution_arn)
        execution = f"{match['name']}/{match['id']}" if match else execution_arn.strip("/")
        return f"{self.prefix}{execution}/{fan_out_name}/{index:06d}.json"

    def keep(self, context: DurableContext, fan_out_name: str, index: int, value: Any) -> Any:
        """`value` itself when small enough, else (after one checkpointed PutObject) where it was stored."""
        body = json.dumps(value).encode("utf-8")
        if len(body) <= self.inline_limit_bytes:
            return value
        key = self.key_for(context.execution_context.durable_execution_arn, fan_out_name, index)

        def put(_: StepContext) -> StoredResult:
            s3_client().put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")
            return {"s3_uri": f"s3://{self.bucket}/{key}", "bytes": len(body)}

        stored: StoredResult = context.step(put, name=f"store-result-{index}", config=BEDROCK_STEP)
        return stored

    def to_dict(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "prefix": self.prefix, "inline_limit_bytes": self.inline_limit_bytes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultStore:
        return cls(str(data["bucket"]), str(data["prefix"]), int(data["inline_limit_bytes"]))
