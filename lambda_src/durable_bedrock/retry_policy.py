"""The retry policies of the steps that call AWS (Bedrock, S3).

Transient failures (throttling, service unavailable, internal errors,
timeouts, lost connections) are retried with capped exponential backoff and
full jitter, a bounded number of times. Each retry is checkpointed and the
function suspends during the backoff, so waiting costs no compute. Anything
else (ValidationException, AccessDeniedException, ResourceNotFoundException,
ModelErrorException, our own input and configuration errors) fails the step
at once.

Starting a video job also waits out ServiceQuotaExceededException: video
models allow few concurrent jobs per account, and StartAsyncInvoke answers
it while the account is at the limit ("You can resubmit your request later",
botocore bedrock-runtime model); a burst of executions then queues up at no
compute cost instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryDecision, RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.serdes import JsonSerDes
from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

MAX_ATTEMPTS = 5
INITIAL_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 60

# A start refused for the account's job quota is tried again for about an
# hour and a half (with full jitter, half that on average) before it fails.
QUOTA_MAX_ATTEMPTS = 12
QUOTA_INITIAL_DELAY_SECONDS = 30
QUOTA_MAX_DELAY_SECONDS = 600

# Error codes worth another try: Bedrock's transient errors (botocore
# bedrock-runtime 1.44.5: ThrottlingException 429, ServiceUnavailableException
# 503, InternalServerException 500, ModelNotReadyException and
# ModelTimeoutException, both documented as retryable), and the codes
# botocore's standard retry mode treats as throttling or transient
# (botocore/retries/standard.py), which S3 uses (SlowDown, RequestTimeout);
# and SNS Publish's KMSThrottling (a 400 in the botocore sns model: "The
# request was denied due to request throttling"; its own throttling is a 429).
RETRYABLE_ERROR_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelNotReadyException",
        "ModelTimeoutException",
        "Throttling",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "KMSThrottling",
    }
)
# HTTP statuses botocore's standard retry mode retries whatever the code.
RETRYABLE_HTTP_STATUSES = frozenset({429, 500, 502, 503, 504})
QUOTA_ERROR_CODE = "ServiceQuotaExceededException"

# What StepConfig.retry_strategy takes: (the error, attempts made so far) -> retry or not, and when.
RetryStrategy = Callable[[Exception, int], RetryDecision]


def error_code(error: Exception) -> str | None:
    return error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None


def is_transient(error: Exception) -> bool:
    """True for the AWS and network failures worth trying again."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return error_code(error) in RETRYABLE_ERROR_CODES or status in RETRYABLE_HTTP_STATUSES
    # ConnectionError covers EndpointConnectionError and ConnectTimeoutError.
    return isinstance(error, (ConnectionError, ReadTimeoutError))


def _backoff(max_attempts: int, initial_seconds: int, max_seconds: int) -> RetryStrategy:
    return create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=max_attempts,
            initial_delay=Duration.from_seconds(initial_seconds),
            max_delay=Duration.from_seconds(max_seconds),
            backoff_rate=2.0,
            jitter_strategy=JitterStrategy.FULL,
        )
    )


_transient_backoff = _backoff(MAX_ATTEMPTS, INITIAL_DELAY_SECONDS, MAX_DELAY_SECONDS)
_quota_backoff = _backoff(QUOTA_MAX_ATTEMPTS, QUOTA_INITIAL_DELAY_SECONDS, QUOTA_MAX_DELAY_SECONDS)


def bedrock_retry_strategy(error: Exception, attempts_made: int) -> RetryDecision:
    """SDK retry strategy: backoff for transient errors, never retry anything else."""
    if not is_transient(error):
        return RetryDecision.no_retry()
    return _transient_backoff(error, attempts_made)


def async_start_retry_strategy(error: Exception, attempts_made: int) -> RetryDecision:
    """As bedrock_retry_strategy, and a longer, larger budget for the job quota."""
    if error_code(error) == QUOTA_ERROR_CODE:
        return _quota_backoff(error, attempts_made)
    return bedrock_retry_strategy(error, attempts_made)


BEDROCK_STEP = StepConfig(retry_strategy=bedrock_retry_strategy, serdes=JsonSerDes())
"""Step configuration for every step that calls AWS (results are plain JSON)."""

ASYNC_START_STEP = StepConfig(retry_strategy=async_start_retry_strategy, serdes=JsonSerDes())
"""Step configuration for starting an asynchronous Bedrock job."""
