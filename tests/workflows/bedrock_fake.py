"""Bedrock runtime and S3 fakes at the client boundary: real boto3 clients whose
responses come from botocore's Stubber (Bedrock) or from the objects Bedrock
wrote (S3), recording every call they are asked to make."""

from __future__ import annotations

from collections.abc import Callable

import boto3
from botocore.stub import Stubber


def _client(service: str):
    # Test credentials; the fakes answer before anything is sent.
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


class FakeBedrock:
    def __init__(self) -> None:
        self.client = _client("bedrock-runtime")
        self.stubber = Stubber(self.client)
        self.calls: list[tuple[str, dict]] = []
        self.regions: list[str | None] = []  # the region of every client the code asked for
        self.job_ids: list[str] = []
        # The files each video job writes into its folder (named after its invocation id).
        self.video_names: list[str] = ["output.mp4"]
        self.client.meta.events.register("provide-client-params.bedrock-runtime", self._record)
        self.stubber.activate()

    def runtime_client(self, region: str | None = None):
        """Stands in for durable_bedrock.bedrock.runtime_client."""
        self.regions.append(region)
        return self.client

    def _record(self, params, model, **_):
        self.calls.append((model.name, dict(params)))

    def calls_to(self, operation: str) -> list[dict]:
        return [params for name, params in self.calls if name == operation]

    def reply(
        self,
        text: str,
        input_tokens: int = 11,
        output_tokens: int = 7,
        stop_reason: str = "end_turn",
        *,
        cache_read: int | None = None,
        cache_write: int | None = None,
        latency_ms: int = 5,
    ):
        usage = {"inputTokens": input_tokens, "outputTokens": output_tokens}
        usage["totalTokens"] = input_tokens + output_tokens
        if cache_read is not None:  # optional members of TokenUsage: absent unless the prompt used the cache
            usage["cacheReadInputTokens"] = cache_read
        if cache_write is not None:
            usage["cacheWriteInputTokens"] = cache_write
        self.stubber.add_response(
            "converse",
            {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": stop_reason,
                "usage": usage,
                "metrics": {"latencyMs": latency_ms},
            },
        )

    def fail(self, operation: str, code: str, status: int, message: str = "") -> None:
        self.stubber.add_client_error(
            operation, service_error_code=code, service_message=message or code, http_status_code=status
        )

    def started(self, invocation_arn: str) -> None:
        self.job_ids.append(invocation_arn.rsplit("/", 1)[-1])
        self.stubber.add_response("start_async_invoke", {"invocationArn": invocation_arn})

    def job_status(self, invocation_arn: str, status: str, failure: str = "") -> None:
        response = {
            "invocationArn": invocation_arn,
            "modelArn": "arn:aws:bedrock:us-west-2::foundation-model/luma.ray-v2:0",
            "status": status,
            "submitTime": "2026-11-23T10:00:00Z",
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://videos/out/"}},
        }
        if failure:
            response["failureMessage"] = failure
        self.stubber.add_response("get_async_invoke", response)

    def videos_written(self) -> list[str]:
        """The S3 URIs of what the started jobs wrote under their output prefixes."""
        starts = self.calls_to("StartAsyncInvoke")
        prefixes = dict.fromkeys(start["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"] for start in starts)
        return [f"{prefix}{job}/{name}" for prefix in prefixes for job in self.job_ids for name in self.video_names]

    def assert_all_answers_used(self) -> None:
        self.stubber.assert_no_pending_responses()


class _Answer:
    status_code = 200


class FakeS3:
    """ListObjectsV2 answered from `objects()` (S3 URIs), one page per call."""

    def __init__(self, objects: Callable[[], list[str]]) -> None:
        self.client = _client("s3")
        self.objects = objects
        self.listed: list[dict] = []
        self.regions: list[str | None] = []
        self.client.meta.events.register("provide-client-params.s3.ListObjectsV2", self._record)
        self.client.meta.events.register("before-call.s3.ListObjectsV2", self._answer)

    def s3_client(self, region: str | None = None):
        """Stands in for durable_bedrock.video_output.s3_client."""
        self.regions.append(region)
        return self.client

    def _record(self, params, **_):
        self.listed.append({"Bucket": params["Bucket"], "Prefix": params.get("Prefix", "")})

    def _answer(self, **_):
        asked = self.listed[-1]
        wanted = f"s3://{asked['Bucket']}/{asked['Prefix']}"
        keys = sorted(uri.split("/", 3)[3] for uri in self.objects() if uri.startswith(wanted))
        # Returning a response from before-call answers the call without sending it.
        return _Answer(), {"Contents": [{"Key": key, "Size": 1} for key in keys], "KeyCount": len(keys)}
