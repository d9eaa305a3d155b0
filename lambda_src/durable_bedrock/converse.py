"""The Converse step: one prompt to one Bedrock text model, as one checkpointed durable step.

    reply = converse_step(context, "classify", prompt, model_id=model_id("classify"), ledger=ledger, budget=budget)
    reply["text"], reply["usage"], reply["stop_reason"]

What it adds to a bare context.step around bedrock.converse:
- the budget (budget.py): checked before the step; once reached, the step is not started (BudgetExceededError);
  in a fan-out item (live_spending) it is checked inside the step, against what every item has spent so far;
- the retry policy (retry_policy.BEDROCK_STEP): throttling and other transient errors retried with backoff,
  each attempt checkpointed, anything else failing at once;
- the checkpoint guard (checkpoint.py): a reply too large for a checkpoint fails naming the step and the fix;
- the cost ledger (ledger.py): the call's usage recorded from the step's checkpointed result, so once per
  execution however often the handler replays (a replayed step returns its result without calling Bedrock).
"""

from __future__ import annotations

from typing import TypedDict

from aws_durable_execution_sdk_python import DurableContext, StepContext

from durable_bedrock import bedrock
from durable_bedrock.budget import Budget
from durable_bedrock.checkpoint import ensure_fits_checkpoint
from durable_bedrock.ledger import CostLedger, ModelUsage
from durable_bedrock.retry_policy import BEDROCK_STEP

# Enough for a page of text, far below what a checkpoint holds (the module's max_tokens default).
DEFAULT_MAX_TOKENS = 2048


class ModelReply(TypedDict):
    """One step's result: the model's reply and what Bedrock reported for it (plain JSON)."""

    text: str
    usage: ModelUsage
    stop_reason: str  # Converse stopReason: end_turn, max_tokens (the reply was cut short), ...


def converse_step(
    context: DurableContext,
    name: str,
    prompt: str,
    *,
    model_id: str,
    system: str | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    region: str | None = None,
    ledger: CostLedger | None = None,
    budget: Budget | None = None,
    live_spending: CostLedger | None = None,
) -> ModelReply:
    """Sends `prompt` to `model_id` in the durable step `name` and returns the reply.

    region: where Bedrock is called (None: the function's own). ledger: records the call's usage.
    budget: checked against `ledger` before the step (BudgetExceededError: not started); without a ledger
    it sees nothing spent, so pass both (BedrockRun.converse does).
    live_spending: in a fan-out item, what the whole execution has spent so far, siblings included (they
    spend at the same time, in an order no replay repeats): the budget is then checked inside the step,
    where its outcome is checkpointed (a step over the budget fails with BudgetExceededError, calling
    nothing, and fails the same way on every replay), and the call is recorded there too."""
    if budget is not None and live_spending is None:
        budget.before_step(ledger or CostLedger(), name)

    def ask(step: StepContext) -> ModelReply:
        if budget is not None and live_spending is not None:
            budget.before_step(live_spending, name)
        reply = bedrock.converse(model_id, system, prompt, max_tokens, region)
        step.logger.info(
            "model replied",
            extra={
                "step": name,
                "model_id": model_id,
                "input_tokens": reply.usage["input_tokens"],
                "output_tokens": reply.usage["output_tokens"],
                "reply_chars": len(reply.text),
                "stop_reason": reply.stop_reason,
            },
        )
        result: ModelReply = {"text": reply.text, "usage": reply.usage, "stop_reason": reply.stop_reason}
        return ensure_fits_checkpoint(result, name)

    result: ModelReply = context.step(ask, name=name, config=BEDROCK_STEP)
    for spending in (ledger, live_spending):
        if spending is not None:
            spending.model_call(name, model_id, result["usage"])
    return result
