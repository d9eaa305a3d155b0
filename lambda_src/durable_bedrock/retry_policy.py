"""The one retry policy every Bedrock step uses.

Transient failures (throttling, service unavailable, internal errors,
timeouts, lost connections) are retried with capped exponential backoff and
full jitter, a bounded number of times. Each retry is checkpointed and the
function suspends during the backoff, so waiting costs no compute. Anything
else (ValidationException, AccessDeniedException, ResourceNotFoundException,
our own input and configuration errors) fails the step at once.
"""

from __future__ import annotations

from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryDecision, RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.serdes import JsonSerDes
from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

MAX_ATTEMPTS = 5
INITIAL_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 60

RETRYABLE_ERROR_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelNotReadyException",
        "ModelTimeoutException",
    }
)


def is_transient(error: Exception) -> bool:
    """True for the Bedrock and network failures worth trying again."""
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in RETRYABLE_ERROR_CODES
    # ConnectionError covers EndpointConnectionError and ConnectTimeoutError.
    return isinstance(error, (ConnectionError, ReadTimeoutError))


_backoff = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=MAX_ATTEMPTS,
        initial_delay=Duration.from_seconds(INITIAL_DELAY_SECONDS),
        max_delay=Duration.from_seconds(MAX_DELAY_SECONDS),
        backoff_rate=2.0,
        jitter_strategy=JitterStrategy.FULL,
    )
)


def bedrock_retry_strategy(error: Exception, attempts_made: int) -> RetryDecision:
    """SDK retry strategy: backoff for transient errors, never retry anything else."""
    if not is_transient(error):
        return RetryDecision.no_retry()
    return _backoff(error, attempts_made)


BEDROCK_STEP = StepConfig(retry_strategy=bedrock_retry_strategy, serdes=JsonSerDes())
"""Step configuration for every step that calls Bedrock (results are plain JSON)."""
