"""The shared retry policy classifies errors as the issue demands."""

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from durable_bedrock.errors import InputError, ModelAccessError, VideoMissingError
from durable_bedrock.retry_policy import (
    INITIAL_DELAY_SECONDS,
    MAX_ATTEMPTS,
    MAX_DELAY_SECONDS,
    QUOTA_INITIAL_DELAY_SECONDS,
    QUOTA_MAX_ATTEMPTS,
    QUOTA_MAX_DELAY_SECONDS,
    async_start_retry_strategy,
    bedrock_retry_strategy,
)


def client_error(code: str, status: int | None = None) -> ClientError:
    response = {"Error": {"Code": code, "Message": code}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return ClientError(response, "Converse")


@pytest.mark.parametrize(
    "error",
    [
        client_error("ThrottlingException"),
        client_error("ServiceUnavailableException"),
        client_error("InternalServerException"),
        client_error("ModelNotReadyException"),
        client_error("ModelTimeoutException"),
        client_error("SlowDown", 503),  # S3 (ListObjectsV2 of the video folder)
        client_error("InternalError", 500),
        client_error("SomethingNew", 502),  # any 5xx, as botocore's standard retry mode
        client_error("", 429),
        client_error("KMSThrottling", 400),  # SNS Publish to a topic encrypted with a KMS key
        client_error("Throttled", 429),  # SNS's own throttling
        EndpointConnectionError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
    ],
    ids=lambda e: type(e).__name__ if not isinstance(e, ClientError) else e.response["Error"]["Code"],
)
def test_transient_errors_are_retried_with_bounded_backoff(error):
    for attempt in range(1, MAX_ATTEMPTS):
        decision = bedrock_retry_strategy(error, attempt)
        assert decision.should_retry
        assert 1 <= decision.delay_seconds <= MAX_DELAY_SECONDS
    assert not bedrock_retry_strategy(error, MAX_ATTEMPTS).should_retry


@pytest.mark.parametrize(
    "error",
    [
        client_error("ValidationException"),
        client_error("AccessDeniedException"),
        client_error("ResourceNotFoundException"),
        client_error("ThrottlingException-lookalike"),
        client_error("ModelErrorException", 424),  # a client fault in the botocore model
        client_error("ConflictException", 400),
        client_error("ServiceQuotaExceededException", 400),
        client_error("AuthorizationError", 403),  # SNS: the role may not publish to the topic
        client_error("KMSAccessDenied", 400),
        client_error("NotFound", 404),  # SNS: no such topic
        InputError("topic", "must not be empty"),
        ModelAccessError("Bedrock denied access"),
        VideoMissingError("no video"),
        ValueError("ThrottlingException mentioned in a message is not a throttle"),
    ],
    ids=str,
)
def test_other_errors_are_never_retried(error):
    assert not bedrock_retry_strategy(error, 1).should_retry


def test_a_job_start_waits_out_the_quota_with_a_longer_larger_budget():
    quota = client_error("ServiceQuotaExceededException", 400)
    delays = []
    for attempt in range(1, QUOTA_MAX_ATTEMPTS):
        decision = async_start_retry_strategy(quota, attempt)
        assert decision.should_retry
        assert 1 <= decision.delay_seconds <= QUOTA_MAX_DELAY_SECONDS
        delays.append(decision.delay_seconds)
    assert not async_start_retry_strategy(quota, QUOTA_MAX_ATTEMPTS).should_retry
    assert QUOTA_MAX_ATTEMPTS > MAX_ATTEMPTS and QUOTA_INITIAL_DELAY_SECONDS > INITIAL_DELAY_SECONDS
    # Full jitter draws each delay below its cap; the caps double up to the maximum.
    assert max(delays) > MAX_DELAY_SECONDS


def test_a_job_start_still_retries_throttling_and_nothing_permanent():
    assert async_start_retry_strategy(client_error("ThrottlingException", 429), 1).should_retry
    assert not async_start_retry_strategy(client_error("ThrottlingException", 429), MAX_ATTEMPTS).should_retry
    assert not async_start_retry_strategy(client_error("ValidationException", 400), 1).should_retry
