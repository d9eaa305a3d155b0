"""Runs a workflow handler on the official durable testing runner."""

import json

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
