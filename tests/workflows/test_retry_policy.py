"""The shared retry policy classifies errors as the issue demands."""

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from durable_bedrock.errors import InputError
from durable_bedrock.retry_policy import MAX_ATTEMPTS, MAX_DELAY_SECONDS, bedrock_retry_strategy


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "Converse")


@pytest.mark.parametrize(
    "error",
    [
        client_error("ThrottlingException"),
        client_error("ServiceUnavailableException"),
        client_error("InternalServerException"),
        client_error("ModelNotReadyException"),
        client_error("ModelTimeoutException"),
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
        InputError("topic", "must not be empty"),
        ValueError("ThrottlingException mentioned in a message is not a throttle"),
    ],
    ids=str,
)
def test_other_errors_are_never_retried(error):
    assert not bedrock_retry_strategy(error, 1).should_retry
