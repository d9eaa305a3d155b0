"""Durable test function: a content pipeline's outline step, then its editorial review by callback
(durable_bedrock.review.await_review, as content_pipeline.py runs it), with no Bedrock call.
Returns the review's record."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.serdes import JsonSerDes

from durable_bedrock.review import ReviewSettings, await_review

OUTLINE = '- Warm the pot <b>first</b>\n- Steep "3 minutes" & pour'


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    # The outline step's result has the shape and serialization of content_pipeline's ModelReply.
    usage = {"input_tokens": 1, "output_tokens": 1, "cache_read_input_tokens": 0, "cache_write_input_tokens": 0}
    reply = {"text": OUTLINE, "usage": usage | {"latency_ms": 1}, "stop_reason": "end_turn"}
    outline = context.step(lambda _: reply, name="generate-outline", config=StepConfig(serdes=JsonSerDes()))
    review = await_review(
        context,
        title=event["topic"],
        text=outline["text"],
        settings=ReviewSettings(mode="callback", timeout_seconds=50, on_timeout="fail"),
    )
    return {"review": review}
