"""The state of one review, read from its execution's history: what the review
page shows (topic and outline) and whether the callback in a review link is
still waiting for a decision.

GetDurableExecutionHistory with IncludeExecutionData=true returns the step
results and callback payloads with the events (botocore lambda model,
2015-03-31: GetDurableExecutionHistoryRequest.IncludeExecutionData; Events,
NextMarker, MaxItems at most 1000). The events used (EventType enum, same model):
ExecutionStarted (ExecutionStartedDetails.Input.Payload: the execution's input),
StepSucceeded (StepSucceededDetails.Result.Payload: a step's result),
CallbackStarted (CallbackStartedDetails.CallbackId), then one of
CallbackSucceeded / CallbackFailed / CallbackTimedOut with the same operation Id,
and ExecutionSucceeded / Failed / TimedOut / Stopped when the execution ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from durable_bedrock.errors import ReviewDecisionError
from durable_bedrock.review import parse_decision

# The content pipeline's outline step (content_pipeline.py) and its review's callback:
# await_review(name="editorial-review") -> wait_for_callback(name=...) creates the callback
# as "<name> create callback id" (SDK operation/callback.py, wait_for_callback_handler).
OUTLINE_STEP = "generate-outline"
REVIEW_CALLBACK_NAME = "editorial-review create callback id"

State = Literal["pending", "decided", "expired", "closed"]

_CALLBACK_END: dict[str, State] = {
    "CallbackSucceeded": "decided",
    "CallbackFailed": "decided",
    "CallbackTimedOut": "expired",
}
_EXECUTION_END = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionStopped"})
# A content pipeline's history is a few dozen events; more pages than this is not one of ours.
_MAX_PAGES = 10


class HistoryReader(Protocol):
    def get_durable_execution_history(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ReviewState:
    """One review as the page shows it."""

    state: State
    topic: str
    outline: str
    outline_truncated: bool
    verdict: str | None = None  # decided: "approve" / "reject" when the payload says so


def _payload(details: object, field: str) -> tuple[str | None, bool]:
    """(payload text, truncated flag) of an event's Input or Result."""
    holder = details.get(field) if isinstance(details, dict) else None
    if not isinstance(holder, dict):
        return None, False
    payload = holder.get("Payload")
    return (payload if isinstance(payload, str) else None), bool(holder.get("Truncated"))


def _topic(input_payload: str | None) -> str:
    try:
        data = json.loads(input_payload or "")
    except json.JSONDecodeError:
        return ""
    topic = data.get("topic") if isinstance(data, dict) else None
    return topic.strip() if isinstance(topic, str) else ""


def _outline(result_payload: str | None) -> str:
    """The model's text from the outline step's ModelReply (plain JSON: BEDROCK_STEP uses JsonSerDes)."""
    try:
        data = json.loads(result_payload or "")
    except json.JSONDecodeError:
        return ""
    text = data.get("text") if isinstance(data, dict) else None
    return text if isinstance(text, str) else ""


def _verdict(result_payload: str | None) -> str | None:
    try:
        return parse_decision(result_payload).verdict
    except ReviewDecisionError:
        return None


def _events(client: HistoryReader, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    request: dict[str, Any] = {"DurableExecutionArn": execution_arn, "IncludeExecutionData": True, "MaxItems": 1000}
    for _ in range(_MAX_PAGES):
        page = client.get_durable_execution_history(**request)
        events.extend(page.get("Events", []))
        if not page.get("NextMarker"):
            break
        request["Marker"] = page["NextMarker"]
    return events


def read_review(client: HistoryReader, execution_arn: str, callback_id: str) -> ReviewState | None:
    """The review whose callback is `callback_id` in this execution; None when the execution has no
    such review callback. Errors of the call (no such execution, access denied) are the caller's."""
    events = _events(client, execution_arn)
    topic, outline, truncated = "", "", False
    operation_id: str | None = None
    state: State = "pending"
    verdict: str | None = None
    for event in events:
        kind = event.get("EventType")
        if kind == "ExecutionStarted":
            payload, _ = _payload(event.get("ExecutionStartedDetails"), "Input")
            topic = _topic(payload)
        elif kind == "StepSucceeded" and event.get("Name") == OUTLINE_STEP:
            payload, truncated = _payload(event.get("StepSucceededDetails"), "Result")
            outline = _outline(payload)
        elif kind == "CallbackStarted" and event.get("Name") == REVIEW_CALLBACK_NAME:
            details = event.get("CallbackStartedDetails") or {}
            if details.get("CallbackId") == callback_id:
                operation_id = event.get("Id")
        elif kind in _CALLBACK_END and operation_id is not None and event.get("Id") == operation_id:
            state = _CALLBACK_END[kind]
            if kind == "CallbackSucceeded":
                verdict = _verdict(_payload(event.get("CallbackSucceededDetails"), "Result")[0])
        elif kind in _EXECUTION_END and operation_id is not None and state == "pending":
            # Stopped (or failed) while waiting: the callback can no longer be answered.
            state = "closed"
    if operation_id is None:
        return None
    return ReviewState(state=state, topic=topic, outline=outline, outline_truncated=truncated, verdict=verdict)
