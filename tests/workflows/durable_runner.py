"""Runs a workflow handler on the official durable testing runner."""

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

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

# History events that start an operation of each kind (one per operation).
_STARTS = {
    "ExecutionStarted": "executions",
    "WaitStarted": "waits",
    "CallbackStarted": "callbacks",
    "ContextStarted": "contexts",
    "ChainedInvokeStarted": "invokes",
}


def operations_in_history(events) -> dict[str, int]:
    """Durable operations counted from the history, independently of the ledger (which reads the
    checkpoint log): each step attempt ends in one StepSucceeded or StepFailed event, the first of an
    operation is its step and the others its retries, or each is a poll for a wait_for_condition."""
    counts: Counter[str] = Counter()
    attempted: set[str] = set()
    for event in events:
        if event.event_type in _STARTS:
            counts[_STARTS[event.event_type]] += 1
        elif event.event_type in ("StepSucceeded", "StepFailed") and event.sub_type == "WaitForCondition":
            counts["polls"] += 1
        elif event.event_type in ("StepSucceeded", "StepFailed"):
            counts["retries" if event.operation_id in attempted else "steps"] += 1
            attempted.add(event.operation_id)
    kinds = ("executions", "steps", "retries", "polls", "waits", "callbacks", "contexts", "invokes")
    return {kind: counts[kind] for kind in kinds} | {"total": sum(counts.values())}
