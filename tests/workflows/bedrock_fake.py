"""A Bedrock runtime fake at the client boundary: a real boto3 client whose
responses come from botocore's Stubber, recording every call it is asked to make."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber


class FakeBedrock:
    def __init__(self) -> None:
        # Test credentials; the Stubber answers before anything is sent.
        self.client = boto3.client(
            "bedrock-runtime", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )
        self.stubber = Stubber(self.client)
        self.calls: list[tuple[str, dict]] = []
        self.client.meta.events.register("provide-client-params.bedrock-runtime", self._record)
        self.stubber.activate()

    def _record(self, params, model, **_):
        self.calls.append((model.name, dict(params)))

    def calls_to(self, operation: str) -> list[dict]:
        return [params for name, params in self.calls if name == operation]

    def reply(self, text: str, input_tokens: int = 11, output_tokens: int = 7, stop_reason: str = "end_turn"):
        self.stubber.add_response(
            "converse",
            {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": stop_reason,
                "usage": {
                    "inputTokens": input_tokens,
                    "outputTokens": output_tokens,
                    "totalTokens": input_tokens + output_tokens,
                },
                "metrics": {"latencyMs": 5},
            },
        )

    def fail(self, operation: str, code: str, status: int, message: str = "") -> None:
        self.stubber.add_client_error(
            operation, service_error_code=code, service_message=message or code, http_status_code=status
        )

    def started(self, invocation_arn: str) -> None:
        self.stubber.add_response("start_async_invoke", {"invocationArn": invocation_arn})

    def job_status(self, invocation_arn: str, status: str, output_folder: str = "", failure: str = "") -> None:
        response = {
            "invocationArn": invocation_arn,
            "modelArn": "arn:aws:bedrock:us-west-2::foundation-model/luma.ray-v2:0",
            "status": status,
            "submitTime": "2026-11-23T10:00:00Z",
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": output_folder or "s3://videos/out/"}},
        }
        if failure:
            response["failureMessage"] = failure
        self.stubber.add_response("get_async_invoke", response)

    def assert_all_answers_used(self) -> None:
        self.stubber.assert_no_pending_responses()
