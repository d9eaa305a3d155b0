"""Durable test function: a fan-out (lambda_src/durable_bedrock/fanout.py, packaged with this file, see
durable_api.PACKAGES) over the payload's items, one step per item that appends the item to CALL_LOG.
ITEMS_PER_EXECUTION (default 4) sets how many items one execution holds, so a few items already
split into child executions of this function's own version."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.types import StepContext

from durable_bedrock.fanout import FanOutConfig, fan_out, run_part

# Read once at a cold start, as the library's configuration is.
_PER_EXECUTION = int(os.environ.get("ITEMS_PER_EXECUTION", "4"))
CONFIG = FanOutConfig(max_concurrency=2, operations_limit=1 + 2 * _PER_EXECUTION, reserved_operations=0)


def process(context: DurableContext, item: str, index: int) -> str:
    def record(_: StepContext) -> str:
        with open(os.environ["CALL_LOG"], "a") as log:
            log.write(f"{item}\n")
        return item.upper()

    return context.step(record, name=f"process-{index}")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    if (part := run_part(event, context, {"items": process})) is not None:
        return part
    return fan_out(context, "items", event["items"], process, CONFIG).to_dict()
