"""Durable test function: outline -> the editorial review block (callback mode) -> result.

The review is lambda_src/durable_bedrock/review.py itself (packaged with this
file, see durable_api.PACKAGES), so the history holds exactly the operations
`make approve` looks for. REVIEW_TIMEOUT (seconds, default 40) and ON_TIMEOUT
(fail | proceed, default fail) set the review's timeout and policy.
"""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution

from durable_bedrock.review import ReviewSettings, await_review


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    topic = event["topic"]
    outline = context.step(lambda _: f"outline of {topic}", name="outline")
    settings = ReviewSettings(
        mode="callback",
        timeout_seconds=int(os.environ.get("REVIEW_TIMEOUT", "40")),
        on_timeout="proceed" if os.environ.get("ON_TIMEOUT") == "proceed" else "fail",
    )
    review = await_review(context, title=topic, text=outline, settings=settings)
    return {"topic": topic, "outline": outline, "review": review}
