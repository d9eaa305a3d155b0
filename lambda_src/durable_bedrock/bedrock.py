"""The Bedrock runtime client and the three calls the workflows make.

The client uses boto3's standard configuration and endpoint resolution, so
AWS_ENDPOINT_URL_BEDROCK_RUNTIME or AWS_ENDPOINT_URL redirect it. botocore's
own retries are off: retries belong to the durable steps (retry_policy.py),
where each attempt is checkpointed and the backoff costs no compute.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from durable_bedrock.ledger import ModelUsage
from durable_bedrock.model_access import explained_model_access

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement); not bundled
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_bedrock_runtime.type_defs import (
        AsyncInvokeS3OutputDataConfigTypeDef,
        ConverseRequestTypeDef,
        ConverseResponseTypeDef,
    )

# Long enough for a maximal Converse reply; the function timeout must exceed it.
READ_TIMEOUT_SECONDS = 300


@functools.cache
def runtime_client(region: str | None = None) -> BedrockRuntimeClient:
    """The client for `region` (None: the function's own region, AWS_REGION)."""
    return boto3.client(
        "bedrock-runtime",
        region_name=region,
        config=Config(
            # One attempt: botocore reads a client config's max_attempts as retries after the first
            # (botocore/args.py, _compute_retry_max_attempts: total = max_attempts + 1), total_max_attempts as all.
            retries={"mode": "standard", "total_max_attempts": 1},
            connect_timeout=10,
            read_timeout=READ_TIMEOUT_SECONDS,
            user_agent_extra="durable-bedrock",
        ),
    )


@dataclass(frozen=True)
class Reply:
    text: str
    usage: ModelUsage  # what Bedrock reported, for the cost ledger
    stop_reason: str


def converse(model_id: str, system: str | None, prompt: str, max_tokens: int, region: str | None = None) -> Reply:
    """One Converse call: works for any text model Bedrock serves (Claude, Nova, Llama, ...).
    system None: no system prompt (Converse's `system` is optional in the botocore bedrock-runtime model)."""
    with explained_model_access(model_id, region):
        request: ConverseRequestTypeDef = {
            "modelId": model_id,
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": max_tokens},
        }
        if system is not None:
            request["system"] = [{"text": system}]
        response = runtime_client(region).converse(**request)
    blocks = response["output"]["message"]["content"]
    return Reply(
        text="".join(block["text"] for block in blocks if "text" in block),
        usage=converse_usage(response),
        stop_reason=response.get("stopReason", ""),
    )


def converse_usage(response: ConverseResponseTypeDef) -> ModelUsage:
    """ConverseResponse.usage and metrics (both required by the botocore bedrock-runtime model; the cache
    counts are optional members of TokenUsage, absent when the prompt used no cache)."""
    usage, metrics = response.get("usage", {}), response.get("metrics", {})
    return {
        "input_tokens": int(usage.get("inputTokens", 0)),
        "output_tokens": int(usage.get("outputTokens", 0)),
        "cache_read_input_tokens": int(usage.get("cacheReadInputTokens", 0)),
        "cache_write_input_tokens": int(usage.get("cacheWriteInputTokens", 0)),
        "latency_ms": int(metrics.get("latencyMs", 0)),
    }


def start_async_invoke(
    model_id: str,
    model_input: Mapping[str, object],
    output_s3_uri: str,
    client_token: str,
    region: str | None = None,
    kms_key_id: str | None = None,
) -> str:
    """Starts an asynchronous invocation; returns its ARN. Bedrock treats a
    repeated client token as the same request, so a retried step does not
    start a second job. kms_key_id: the key of an SSE-KMS output bucket
    (AsyncInvokeS3OutputDataConfig.kmsKeyId, botocore bedrock-runtime model)."""
    s3_output: AsyncInvokeS3OutputDataConfigTypeDef = {"s3Uri": output_s3_uri}
    if kms_key_id:
        s3_output["kmsKeyId"] = kms_key_id
    with explained_model_access(model_id, region):
        response = runtime_client(region).start_async_invoke(
            modelId=model_id,
            modelInput=model_input,
            outputDataConfig={"s3OutputDataConfig": s3_output},
            clientRequestToken=client_token,
        )
    return response["invocationArn"]


@dataclass(frozen=True)
class AsyncStatus:
    status: str  # InProgress | Completed | Failed
    failure_message: str


def get_async_invoke(invocation_arn: str, region: str | None = None) -> AsyncStatus:
    response = runtime_client(region).get_async_invoke(invocationArn=invocation_arn)
    return AsyncStatus(
        status=response["status"],
        failure_message=response.get("failureMessage", ""),
    )
