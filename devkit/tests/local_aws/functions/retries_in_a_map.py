"""Durable test function: a map of two branches. Branch 0's step fails its first attempt (a retry after
1 s); branch 1's step takes 3 s, so the invocation is still running when branch 0's delay ends and the
SDK resumes branch 0 in the same invocation (a delayed empty checkpoint whose answer shows the step
READY) instead of suspending. Each attempt is appended to CALL_LOG."""

import os
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, MapConfig, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.types import StepContext

RETRY_AFTER_ONE_SECOND = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)
    )
)


def branch(context: DurableContext, item: int, index: int, _items) -> str:
    def attempt(step: StepContext) -> str:
        with open(os.environ["CALL_LOG"], "a") as log:
            log.write(f"branch-{item}\n")
        if item == 0 and step.attempt <= 1:
            raise RuntimeError("first attempt fails")
        if item == 1:
            time.sleep(3)
        return f"done-{item}"

    return context.step(attempt, name=f"branch-{item}", config=RETRY_AFTER_ONE_SECOND)


@durable_execution
def handler(event: dict, context: DurableContext) -> list:
    return context.map([0, 1], branch, name="branches", config=MapConfig(max_concurrency=2)).get_results()
