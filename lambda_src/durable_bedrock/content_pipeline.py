"""Content pipeline: generate-outline -> editorial-review -> expand-draft -> summarize.

Each Bedrock call runs in its own checkpointed step through the Converse API,
so any text model works. The prompts are templates (prompts.py): built in, or the
module's prompts input. The editorial review (review.py) is a fixed wait, or a
reviewer's decision: an approval's feedback goes into the draft prompt (the feedback template); a
rejection ends the run, SUCCEEDED, with the outline and the reason but no
draft (a rejection is an editorial outcome, not an error: a FAILED execution
would raise failure alarms and send SQS-started runs to the dead-letter queue).

After a resume, finished steps return their checkpointed replies: Bedrock is called once per step, however often the
function is re-invoked. Handler: durable_bedrock.content_pipeline.handler.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import NotRequired, TypedDict

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step

from durable_bedrock import bedrock
from durable_bedrock.checkpoint import ensure_fits_checkpoint
from durable_bedrock.config import ContentSettings
from durable_bedrock.errors import ConfigurationError
from durable_bedrock.inputs import ContentRequest, parse_content_request
from durable_bedrock.ledger import CostLedger, CostSection, ModelUsage
from durable_bedrock.metrics import metrics_when_failing, succeeded_with_metrics
from durable_bedrock.retry_policy import BEDROCK_STEP
from durable_bedrock.review import Notifier, ReviewRecord, await_review, log_review_request
from durable_bedrock.review_sns import SnsReviewNotifier

SYSTEM_PROMPT = (
    "You are a precise technical writer. Answer with the requested text only: no preamble, no closing remarks."
)


class ModelReply(TypedDict):
    """One step's result: the model's reply and what Bedrock reported for it (plain JSON)."""

    text: str
    usage: ModelUsage
    stop_reason: str


class ContentResult(TypedDict):
    """The execution's result. A rejected outline has no draft and no summary."""

    topic: str
    outline: str
    review: ReviewRecord
    draft: NotRequired[str]
    summary: NotRequired[str]
    model_id: str
    truncated_steps: list[str]
    cost: CostSection  # tokens per call and in total, durable operations, USD estimate (ledger.py)


@functools.cache
def settings() -> ContentSettings:
    # The published version's configuration, the same for every replay (durable executions run on a version).
    return ContentSettings.from_env(os.environ)  # noqa: TID251 configuration, fixed per version


@durable_step
def ask_model(step: StepContext, step_name: str, prompt: str, config: ContentSettings) -> ModelReply:
    """A step body that sends one prompt to the model and returns the reply
    with what Bedrock reported (plain JSON, checked against the checkpoint limit).
    Through durable_step, ask_model(step_name, prompt, config) gives the function context.step runs."""
    reply = bedrock.converse(config.model_id, SYSTEM_PROMPT, prompt, config.max_tokens, config.bedrock_region)
    step.logger.info(
        "model replied",
        extra={
            "step": step_name,
            "model_id": config.model_id,
            "input_tokens": reply.usage["input_tokens"],
            "output_tokens": reply.usage["output_tokens"],
            "reply_chars": len(reply.text),
            "stop_reason": reply.stop_reason,
        },
    )
    result: ModelReply = {"text": reply.text, "usage": reply.usage, "stop_reason": reply.stop_reason}
    return ensure_fits_checkpoint(result, step_name)


@durable_execution
def handler(event: object, context: DurableContext) -> ContentResult:
    config = settings()
    ledger = CostLedger()
    # One set of metrics per execution (metrics.py): on success below, on a failure here.
    with metrics_when_failing(context, lambda: ledger.section(context, config.prices)):
        return run_pipeline(event, context, config, ledger)


def run_pipeline(event: object, context: DurableContext, config: ContentSettings, ledger: CostLedger) -> ContentResult:
    request = parse_content_request(event)
    context.logger.info("content pipeline started", extra={"model_id": config.model_id})

    def ask(step_name: str, prompt: str) -> ModelReply:
        """One Bedrock step; its checkpointed usage goes into the ledger (once, however often it replays).
        Not started once the budget is reached (BudgetExceededError ends the execution FAILED)."""
        config.budget.before_step(ledger, step_name)
        reply = context.step(ask_model(step_name, prompt, config), name=step_name, config=BEDROCK_STEP)
        ledger.model_call(step_name, config.model_id, reply["usage"])
        return reply

    prompts = config.prompts
    outline = ask("generate-outline", prompts.outline_prompt(request.topic))
    review = await_review(
        context, title=request.topic, text=outline["text"], settings=config.review, notify=review_notifier(config)
    )
    if review["decision"] == "rejected":
        return _result(request, outline, review, config, succeeded_with_metrics(context, ledger, config.prices))

    draft = ask("expand-draft", prompts.draft_prompt(request.topic, outline["text"], review["feedback"]))
    summary = ask("summarize", prompts.summary_prompt(request.topic, outline["text"], draft["text"]))
    cost = succeeded_with_metrics(context, ledger, config.prices)
    return _result(request, outline, review, config, cost, draft, summary)


def review_notifier(config: ContentSettings) -> Notifier:
    """How a reviewer learns of a waiting review: the SNS topic when one is configured, else the log."""
    if config.review_topic_arn:
        return SnsReviewNotifier(config.review_topic_arn, config.review_page_url)
    return log_review_request


def _result(
    request: ContentRequest,
    outline: ModelReply,
    review: ReviewRecord,
    config: ContentSettings,
    cost: CostSection,
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
            "model_id": config.model_id,
            "truncated_steps": truncated,
            "cost": cost,
        }
    return {
        "topic": request.topic,
        "outline": outline["text"],
        "review": review,
        "draft": draft["text"],
        "summary": summary["text"],
        "model_id": config.model_id,
        "truncated_steps": truncated,
        "cost": cost,
    }


# Validate the configuration once per cold start, so a misconfigured function
# says so in its log at once; the handler raises the same error into the
# execution, which then fails with it.
try:
    settings()
except ConfigurationError as error:
    logging.getLogger(__name__).error("invalid configuration: %s", error)
