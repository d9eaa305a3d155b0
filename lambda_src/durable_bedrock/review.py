"""Editorial review: a reusable block that makes a workflow wait for a person's decision.

    review = await_review(context, title=topic, text=outline, settings=settings)

In `timer` mode it is a fixed durable wait (no person involved). In `callback`
mode it creates a durable callback and suspends, at no compute cost, until a
reviewer sends a decision with the callback id, or the review timeout passes:

    SendDurableExecutionCallbackSuccess(CallbackId=<id>, Result='{"decision": "approve", "feedback": "..."}')
    SendDurableExecutionCallbackSuccess(CallbackId=<id>, Result='{"decision": "reject", "reason": "..."}')

The decision payload: {"decision": "approve" | "reject", "feedback"?: str (with
approve), "reason"?: str (with reject), "by"?: "cli" | "page"}; anything else
fails the execution with a ReviewDecisionError naming the problem.

The reviewer is told through `notify`, a callable run inside the callback's
submitter step: a finished step is never run again on replay, so a
notification is sent once per review (see log_review_request, the default, and
review_sns.SnsReviewNotifier, which also publishes it to an SNS topic).

Operations in the execution history (callback mode, name "editorial-review"):
step `editorial-review-requested`, child context `editorial-review` holding
the callback `editorial-review create callback id` and the step
`editorial-review submitter`, then step `editorial-review-decided`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict

from aws_durable_execution_sdk_python import DurableContext, StepContext
from aws_durable_execution_sdk_python.config import Duration, StepConfig, WaitForCallbackConfig
from aws_durable_execution_sdk_python.exceptions import CallbackExternalError, CallbackTimeoutError
from aws_durable_execution_sdk_python.serdes import JsonSerDes
from aws_durable_execution_sdk_python.types import LoggerInterface, WaitForCallbackContext

from durable_bedrock.errors import ReviewCallbackFailedError, ReviewDecisionError, ReviewTimeoutError
from durable_bedrock.retry_policy import bedrock_retry_strategy

ReviewMode = Literal["timer", "callback"]
TimeoutPolicy = Literal["proceed", "fail"]
Verdict = Literal["approve", "reject"]
Sender = Literal["cli", "page"]
Outcome = Literal["approved", "rejected", "timed_out_proceeded", "timer_elapsed"]

REVIEW_MODES: tuple[ReviewMode, ...] = ("timer", "callback")
TIMEOUT_POLICIES: tuple[TimeoutPolicy, ...] = ("proceed", "fail")
VERDICTS: tuple[Verdict, ...] = ("approve", "reject")
SENDERS: tuple[Sender, ...] = ("cli", "page")

# Feedback becomes part of a prompt and the result; a reason is only recorded.
MAX_FEEDBACK_CHARS = 4000
MAX_REASON_CHARS = 2000
_DECISION_FIELDS = frozenset({"decision", "feedback", "reason", "by"})


@dataclass(frozen=True)
class ReviewSettings:
    """How the workflow waits for its review."""

    mode: ReviewMode = "timer"
    wait_seconds: int = 5  # timer mode: the fixed wait
    timeout_seconds: int = 82_800  # callback mode: how long a reviewer has to decide (23 h)
    on_timeout: TimeoutPolicy = "fail"  # callback mode: what a timeout means


@dataclass(frozen=True)
class ReviewRequest:
    """What the notifier tells a reviewer: the callback to answer and what to decide on."""

    callback_id: str
    execution_arn: str  # the durable execution that waits (a review link names it beside the callback id)
    title: str
    text: str
    timeout_seconds: int
    on_timeout: TimeoutPolicy


Notifier = Callable[[ReviewRequest, LoggerInterface], None]
"""Tells a reviewer that a review waits; runs once per review, inside the submitter step
(its errors are retried like an AWS call's: transient ones with backoff, others fail the review)."""


class ReviewRecord(TypedDict):
    """The review's outcome, as it goes into the workflow's result (plain JSON)."""

    decision: Outcome
    by: Sender | None  # who sent the decision, when the reviewer said so
    feedback: str | None  # approve only: notes for the writer
    reason: str | None  # reject only
    waited_seconds: int


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision, parsed from the callback's payload."""

    verdict: Verdict
    feedback: str | None = None
    reason: str | None = None
    by: Sender | None = None


def decision_commands(callback_id: str, region: str | None = None) -> dict[Verdict, str]:
    """AWS CLI commands that answer the callback (the CLI sends Result as a blob: raw-in-base64-out keeps it JSON)."""
    base = "aws lambda send-durable-execution-callback-success" + (f" --region {region}" if region else "")
    base += f" --callback-id {callback_id} --cli-binary-format raw-in-base64-out"
    return {
        "approve": f"""{base} --result '{{"decision": "approve", "feedback": "optional notes for the writer"}}'""",
        "reject": f"""{base} --result '{{"decision": "reject", "reason": "why"}}'""",
    }


def log_review_request(request: ReviewRequest, logger: LoggerInterface) -> None:
    """The default notifier: logs the callback id and how to approve or reject (neither title nor text:
    the logs never hold what goes into a prompt)."""
    # Notifiers run inside the callback's submitter step; AWS_REGION is set by Lambda.
    commands = decision_commands(request.callback_id, os.environ.get("AWS_REGION"))  # noqa: TID251 in a step
    logger.info(
        "waiting for review",
        extra={
            "callback_id": request.callback_id,
            "timeout_seconds": request.timeout_seconds,
            "on_timeout": request.on_timeout,
            "approve_command": commands["approve"],
            "reject_command": commands["reject"],
        },
    )


def _optional_text(payload: Mapping[str, object], field: str, max_chars: int) -> str | None:
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReviewDecisionError(f"'{field}' must be a string, got {type(value).__name__}")
    if len(value) > max_chars:
        raise ReviewDecisionError(f"'{field}' is {len(value)} characters long; at most {max_chars} are allowed")
    return value.strip() or None


_EXAMPLES = (
    'send a JSON object such as {"decision": "approve", "feedback": "..."} or {"decision": "reject", "reason": "..."}'
)


def parse_decision(payload: object) -> Decision:
    """The decision in a callback's payload (the JSON text the reviewer sent); ReviewDecisionError otherwise."""
    if not isinstance(payload, str) or not payload.strip():
        raise ReviewDecisionError(f"the callback carried no decision; {_EXAMPLES}")
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as error:
        raise ReviewDecisionError(f"the callback's payload is not JSON ({error.msg}); {_EXAMPLES}") from None
    if not isinstance(data, dict):
        raise ReviewDecisionError(f"the payload must be a JSON object, got {type(data).__name__}; {_EXAMPLES}")
    unknown = sorted(set(data) - _DECISION_FIELDS)
    if unknown:
        allowed = sorted(_DECISION_FIELDS)
        raise ReviewDecisionError(f"field '{unknown[0]}' is not accepted; allowed fields are {allowed}")
    verdict = next((v for v in VERDICTS if v == data.get("decision")), None)
    if verdict is None:
        raise ReviewDecisionError(f'\'decision\' must be "approve" or "reject", got {data.get("decision")!r}')
    by = next((s for s in SENDERS if s == data.get("by")), None)
    if by is None and data.get("by") is not None:
        raise ReviewDecisionError(f'\'by\' must be "cli" or "page" when given, got {data.get("by")!r}')
    feedback = _optional_text(data, "feedback", MAX_FEEDBACK_CHARS)
    reason = _optional_text(data, "reason", MAX_REASON_CHARS)
    if verdict == "approve" and reason is not None:
        raise ReviewDecisionError("'reason' goes with a rejection; an approval carries 'feedback' for the writer")
    if verdict == "reject" and feedback is not None:
        raise ReviewDecisionError("'feedback' goes with an approval; a rejection carries a 'reason'")
    return Decision(verdict=verdict, feedback=feedback, reason=reason, by=by)


def _clock(_: StepContext) -> float:
    """A step body reading the clock: checkpointed, so a replay sees the same reading."""
    return time.time()  # noqa: TID251 a step body


# The clock steps cannot fail; their float is plain JSON.
_CLOCK_STEP = StepConfig(serdes=JsonSerDes())


def await_review(
    context: DurableContext,
    *,
    title: str,
    text: str,
    settings: ReviewSettings,
    notify: Notifier = log_review_request,
    name: str = "editorial-review",
) -> ReviewRecord:
    """Waits for the review of `text` (about `title`) and returns its outcome.

    An approval or rejection returns the decision; so does a timeout under the
    `proceed` policy ("timed_out_proceeded"). A timeout under `fail` raises
    ReviewTimeoutError; a malformed decision ReviewDecisionError; a callback
    answered with SendDurableExecutionCallbackFailure ReviewCallbackFailedError.
    None of them is retried: raised outside any step, each fails the execution.
    """
    if settings.mode == "timer":
        context.wait(Duration.from_seconds(settings.wait_seconds), name=name)
        return _record("timer_elapsed", settings.wait_seconds)

    requested_at: float = context.step(_clock, name=f"{name}-requested", config=_CLOCK_STEP)
    # The SDK hands every DurableContext its execution's ARN as read-only metadata
    # (SDK 3.0.0 context.py: ExecutionContext.durable_execution_arn, set by
    # DurableContext.from_lambda_context from the invocation's DurableExecutionArn).
    execution_arn = context.execution_context.durable_execution_arn

    def submit(callback_id: str, callback_context: WaitForCallbackContext) -> None:
        # wait_for_callback runs the submitter as a step after creating the
        # callback (SDK operation/callback.py, wait_for_callback_handler): once per review.
        request = ReviewRequest(
            callback_id=callback_id,
            execution_arn=execution_arn,
            title=title,
            text=text,
            timeout_seconds=settings.timeout_seconds,
            on_timeout=settings.on_timeout,
        )
        notify(request, callback_context.logger)

    # CallbackConfig: timeout 0 means none, so the review always has one; no
    # heartbeat timeout (a person sends no heartbeats). serdes None hands back the
    # payload as sent, without JSON parsing (SDK config.py, CallbackConfig), so
    # parse_decision can say what is wrong with it. The retry strategy applies to
    # the submitter step, i.e. to the notifier.
    config = WaitForCallbackConfig(
        timeout=Duration.from_seconds(settings.timeout_seconds), retry_strategy=bedrock_retry_strategy
    )
    try:
        payload = context.wait_for_callback(submit, name=name, config=config)
        timed_out = False
    except CallbackTimeoutError:  # the callback reached TIMED_OUT (SDK context.py, Callback.result)
        payload, timed_out = None, True
    except CallbackExternalError as error:  # SendDurableExecutionCallbackFailure
        raise ReviewCallbackFailedError(
            f"the review callback was answered with a failure instead of a decision: {error.message}"
        ) from error

    decision = None if timed_out else parse_decision(payload)
    decided_at: float = context.step(_clock, name=f"{name}-decided", config=_CLOCK_STEP)
    waited_seconds = max(0, round(decided_at - requested_at))

    if decision is None:
        if settings.on_timeout == "fail":
            raise ReviewTimeoutError(
                f"review of {title!r}: no decision within {settings.timeout_seconds} s, and a timeout means fail "
                "(on_timeout policy); nobody approved or rejected it"
            )
        return _record("timed_out_proceeded", waited_seconds)
    if decision.verdict == "reject":
        return _record("rejected", waited_seconds, by=decision.by, reason=decision.reason)
    return _record("approved", waited_seconds, by=decision.by, feedback=decision.feedback)


def _record(
    decision: Outcome,
    waited_seconds: int,
    *,
    by: Sender | None = None,
    feedback: str | None = None,
    reason: str | None = None,
) -> ReviewRecord:
    return {"decision": decision, "by": by, "feedback": feedback, "reason": reason, "waited_seconds": waited_seconds}
