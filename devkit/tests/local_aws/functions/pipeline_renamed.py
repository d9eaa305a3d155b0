"""A later revision of pipeline.py whose steps have other names: resuming an
execution started on the old code with this code is non-deterministic."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution

VARIANT = "v2"


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    first = context.step(lambda _: "one", name="one")
    second = context.step(lambda _: "two", name="two")
    return {"variant": VARIANT, "steps": [first, second]}
