"""Runs a workflow handler on the official durable testing runner."""

import json
from collections.abc import Iterator
from contextlib import contextmanager

import history_operations
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

# The runner skips time: waits and backoffs are modelled, not slept, so the
# execution may span (modelled) hours; the wall-clock bound stays small.
MODELLED_EXECUTION_TIMEOUT_SECONDS = 7 * 24 * 3600
WALL_CLOCK_TIMEOUT_SECONDS = 60


def run_workflow(handler, payload) -> tuple:
    """Runs one execution to its end; returns (result, history events)."""
    with DurableFunctionTestRunner(handler=handler) as runner:
        arn = runner.run_async(input=json.dumps(payload), execution_timeout=MODELLED_EXECUTION_TIMEOUT_SECONDS)
        result = runner.wait_for_result(arn, timeout=WALL_CLOCK_TIMEOUT_SECONDS)
        events = runner.get_execution_history(arn).events
    return result, events


@contextmanager
def started_workflow(handler, payload) -> Iterator[tuple[DurableFunctionTestRunner, str]]:
    """Starts one execution and hands over the runner and its ARN, e.g. to answer a callback."""
    with DurableFunctionTestRunner(handler=handler) as runner:
        arn = runner.run_async(input=json.dumps(payload), execution_timeout=MODELLED_EXECUTION_TIMEOUT_SECONDS)
        yield runner, arn


def finished(runner: DurableFunctionTestRunner, arn: str) -> tuple:
    """Waits for the execution's end; returns (result, history events)."""
    result = runner.wait_for_result(arn, timeout=WALL_CLOCK_TIMEOUT_SECONDS)
    return result, runner.get_execution_history(arn).events


def pending_callback(runner: DurableFunctionTestRunner, arn: str) -> str:
    """The id of the callback the execution waits on, once the invocation that created it has ended."""
    return runner.wait_for_callback(arn, timeout=WALL_CLOCK_TIMEOUT_SECONDS)


def decide(runner: DurableFunctionTestRunner, callback_id: str, **decision) -> None:
    """Answers a review callback as a reviewer would (SendDurableExecutionCallbackSuccess with a JSON payload)."""
    runner.send_callback_success(callback_id, json.dumps(decision).encode())


def review_callback_id(result, name: str = "editorial-review") -> str:
    """The id of the callback a review named `name` created (wait_for_callback's child context holds it)."""
    return result.get_context(name).get_callback(f"{name} create callback id").callback_id


# The cost section's token totals when no call used the prompt cache (the fake reports none).
TOKENS = {"input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": 0, "cache_write_input_tokens": 0}


def operations_in_history(events) -> dict[str, int]:
    """The runner's history events counted as history_operations counts the API's."""
    shaped = [{"EventType": e.event_type, "SubType": e.sub_type, "Id": e.operation_id} for e in events]
    return history_operations.operations_in_history(shaped)
