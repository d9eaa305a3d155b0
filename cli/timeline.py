"""One readable line per durable-execution history event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement)
    from mypy_boto3_lambda.type_defs import (
        CallbackFailedDetailsTypeDef,
        EventTypeDef,
        ExecutionFailedDetailsTypeDef,
        ExecutionStoppedDetailsTypeDef,
        ExecutionTimedOutDetailsTypeDef,
        StepFailedDetailsTypeDef,
    )

    # The details of the events that may carry an error.
    ErrorDetails = (
        StepFailedDetailsTypeDef
        | CallbackFailedDetailsTypeDef
        | ExecutionFailedDetailsTypeDef
        | ExecutionTimedOutDetailsTypeDef
        | ExecutionStoppedDetailsTypeDef
    )


def _seconds_since(start: datetime, moment: datetime) -> str:
    return f"+{(moment - start).total_seconds():6.1f}s"


def _error_text(details: ErrorDetails) -> str:
    """The error as ': ErrorType: message', or '' when the event carries no
    error payload (a history read with IncludeExecutionData=false leaves
    payloads out)."""
    error = (details.get("Error") or {}).get("Payload") or {}
    if not error:
        return ""
    return f": {error.get('ErrorType', 'Error')}: {error.get('ErrorMessage', '')}".rstrip()


def describe(event: EventTypeDef) -> str | None:
    """What happened, in words; None for events not worth a line."""
    kind, name = event["EventType"], event.get("Name") or ""
    poll = event.get("SubType") == "WaitForCondition"
    if kind == "ExecutionStarted":
        return "execution started"
    if kind == "StepStarted":
        return f"{'check' if poll else 'step'} {name} started"
    if kind == "StepSucceeded":
        retry = event.get("StepSucceededDetails", {}).get("RetryDetails") or {}
        if retry.get("NextAttemptDelaySeconds") is not None:
            return (
                f"check {retry.get('CurrentAttempt', '?')} of {name}: not ready, "
                f"next check in {retry['NextAttemptDelaySeconds']} s"
            )
        return f"{'check' if poll else 'step'} {name} succeeded"
    if kind == "StepFailed":
        details = event.get("StepFailedDetails", {})
        retry = details.get("RetryDetails") or {}
        if retry.get("NextAttemptDelaySeconds") is not None:
            return (
                f"step {name} failed (attempt {retry.get('CurrentAttempt', '?')}), "
                f"retrying in {retry['NextAttemptDelaySeconds']} s{_error_text(details)}"
            )
        return f"step {name} failed{_error_text(details)}"
    if kind == "WaitStarted":
        wait = event.get("WaitStartedDetails", {})
        until = wait.get("ScheduledEndTimestamp")
        until_text = f" until {until:%H:%M:%S}" if isinstance(until, datetime) else ""
        return f"wait {name}{until_text} ({wait.get('Duration', '?')} s, no compute while waiting)"
    if kind == "WaitSucceeded":
        return f"wait {name} over"
    if kind == "CallbackStarted":
        return f"callback {name} waiting for an answer (no compute while waiting)"
    if kind == "CallbackSucceeded":
        return f"callback {name} answered"
    if kind == "CallbackFailed":
        return f"callback {name} answered with a failure{_error_text(event.get('CallbackFailedDetails', {}))}"
    if kind == "CallbackTimedOut":
        return f"callback {name} timed out: nobody answered in time"
    if kind == "InvocationCompleted":
        completed = event.get("InvocationCompletedDetails")
        error = completed.get("Error") if completed else None
        return "invocation crashed, the service retries it" if error else "invocation ended"
    if kind == "ExecutionSucceeded":
        return "execution SUCCEEDED"
    if kind in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionStopped"):
        ended: dict[str, ErrorDetails] = {  # the event's {kind}Details
            "ExecutionFailed": event.get("ExecutionFailedDetails", {}),
            "ExecutionTimedOut": event.get("ExecutionTimedOutDetails", {}),
            "ExecutionStopped": event.get("ExecutionStoppedDetails", {}),
        }
        return f"execution {kind.removeprefix('Execution').upper()}{_error_text(ended[kind])}"
    return None


def lines(events: Sequence[EventTypeDef], start: datetime) -> list[str]:
    """Timeline lines, each prefixed with the seconds since `start`."""
    out = []
    for event in events:
        text = describe(event)
        if text:
            out.append(f"  {_seconds_since(start, event['EventTimestamp'])}  {text}")
    return out
