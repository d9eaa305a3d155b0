"""Content pipeline: generate-outline -> editorial-review -> expand-draft -> summarize.

Each Bedrock call runs in its own checkpointed step through the Converse API,
so any text model works. The prompts are templates (prompts.py): built in, or the
module's prompts input. The editorial review (review.py) is a fixed wait, or a
reviewer's decision: an approval's feedback goes into the draft prompt (the feedback template); a
rejection ends the run, SUCCEEDED, with the outline and the reason but no
draft (a rejection is an editorial outcome, not an error: a FAILED execution
would raise failure alarms and send SQS-started runs to the dead-letter queue).

Written on the library's public API (workflow.py: bedrock_workflow, BedrockRun): its first user. After a resume,
finished steps return their checkpointed replies: Bedrock is called once per step, however often the function is
re-invoked. Handler: durable_bedrock.content_pipeline.handler.
"""

from __future__ import annotations

import functools
import os
from typing import Any, NotRequired, TypedDict

from durable_bedrock.config import ContentSettings
from durable_bedrock.converse import ModelReply
from durable_bedrock.inputs import ContentRequest, parse_content_request
from durable_bedrock.models import DEFAULT_NAME, Models
from durable_bedrock.review import ReviewRecord
from durable_bedrock.workflow import BedrockRun, WorkflowConfig, bedrock_workflow, notifier_for

SYSTEM_PROMPT = (
    "You are a precise technical writer. Answer with the requested text only: no preamble, no closing remarks."
)


class ContentResult(TypedDict):
    """The execution's result (bedrock_workflow adds `cost`). A rejected outline has no draft and no summary."""

    topic: str
    outline: str
    review: ReviewRecord
    draft: NotRequired[str]
    summary: NotRequired[str]
    model_id: str
    truncated_steps: list[str]


@functools.cache
def settings() -> ContentSettings:
    # The published version's configuration, the same for every replay (durable executions run on a version).
    return ContentSettings.from_env(os.environ)  # noqa: TID251 configuration, fixed per version


def workflow_config() -> WorkflowConfig:
    """The pipeline's settings as the library takes them (from the cached settings, each invocation): its one
    model is the model named "default"."""
    config = settings()
    return WorkflowConfig(
        models=Models({DEFAULT_NAME: config.model_id}),
        prices=config.prices,
        budget=config.budget,
        review=config.review,
        notifier=notifier_for(config.review_topic_arn, config.review_page_url),
        region=config.bedrock_region,
        max_tokens=config.max_tokens,
    )


@bedrock_workflow(config=workflow_config)
def handler(event: dict[str, Any], run: BedrockRun) -> ContentResult:
    request = parse_content_request(event)
    run.context.logger.info("content pipeline started", extra={"model_id": run.model(DEFAULT_NAME)})
    prompts = settings().prompts

    def ask(step_name: str, prompt: str) -> ModelReply:
        return run.converse(step_name, prompt, model=DEFAULT_NAME, system=SYSTEM_PROMPT)

    outline = ask("generate-outline", prompts.outline_prompt(request.topic))
    review = run.review(request.topic, outline["text"], name="editorial-review")
    if review["decision"] == "rejected":
        return _result(request, outline, review, run)

    draft = ask("expand-draft", prompts.draft_prompt(request.topic, outline["text"], review["feedback"]))
    summary = ask("summarize", prompts.summary_prompt(request.topic, outline["text"], draft["text"]))
    return _result(request, outline, review, run, draft, summary)


def _result(
    request: ContentRequest,
    outline: ModelReply,
    review: ReviewRecord,
    run: BedrockRun,
    draft: ModelReply | None = None,
    summary: ModelReply | None = None,
) -> ContentResult:
    """The result, in the order things happened; without draft and summary when the outline was rejected."""
    steps = {"generate-outline": outline, "expand-draft": draft, "summarize": summary}
    replies = {name: reply for name, reply in steps.items() if reply is not None}
    truncated = [name for name, reply in replies.items() if reply["stop_reason"] == "max_tokens"]
    if draft is None or summary is None:
        return {
            "topic": request.topic,
            "outline": outline["text"],
            "review": review,
            "model_id": run.model(DEFAULT_NAME),
            "truncated_steps": truncated,
        }
    return {
        "topic": request.topic,
        "outline": outline["text"],
        "review": review,
        "draft": draft["text"],
        "summary": summary["text"],
        "model_id": run.model(DEFAULT_NAME),
        "truncated_steps": truncated,
    }
