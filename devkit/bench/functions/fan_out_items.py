"""Bench function (devkit/bench/fan_out.py): a fan-out (durable_bedrock.fanout) over the payload's items, one
Converse step per item with the shared retry policy, as a user's workflow would write it. The result says
how many items came back with their own reply, in order, instead of the replies themselves."""

import os
from dataclasses import asdict

from aws_durable_execution_sdk_python import DurableContext, durable_execution

from durable_bedrock import bedrock
from durable_bedrock.fanout import FanOutConfig, fan_out, run_part
from durable_bedrock.retry_policy import BEDROCK_STEP

# Read once at a cold start (FAN_OUT_MAX_CONCURRENCY, as the module's fan_out input sets it).
CONFIG = FanOutConfig.from_environment(os.environ, operations_per_item=1)
MODEL = os.environ.get("BEDROCK_MODEL_ID", "amazon.nova-micro-v1:0")


def summarise(context: DurableContext, item: str, index: int) -> str:
    def call(_) -> dict:
        return asdict(bedrock.converse(MODEL, "Summarise.", item, 64))

    return context.step(call, name=f"summarise-{index}", config=BEDROCK_STEP)["text"]


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    if (part := run_part(event, context, {"items": summarise})) is not None:
        return part
    items = event["items"]
    outcome = fan_out(context, "items", items, summarise, CONFIG)
    wrong = [
        i for i, (item, reply) in enumerate(zip(items, outcome.results, strict=True)) if reply != f"reply for {item}"
    ]
    return {
        "items": len(items),
        "results_in_order": len(items) - len(wrong),
        "wrong_or_missing": wrong[:20],
        "failures": outcome.failures[:20],
        "executions": outcome.executions,
        "items_per_execution": CONFIG.items_per_execution(),
    }
