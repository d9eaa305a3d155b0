"""Durable test function whose only step always raises: the SDK retries it
MAX_ATTEMPTS times (1 s apart), then the execution fails. Each attempt appends
a line to CALL_LOG."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

MAX_ATTEMPTS = 3

RETRY = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=MAX_ATTEMPTS,
        initial_delay=Duration.from_seconds(1),
        max_delay=Duration.from_seconds(1),
    )
)


def _flaky(_) -> None:
    with open(os.environ["CALL_LOG"], "a") as f:
        f.write(f"flaky {os.getpid()}\n")
    raise RuntimeError("the service is still unavailable")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    context.step(_flaky, name="flaky", config=StepConfig(retry_strategy=RETRY))
    return {"unreachable": True}
