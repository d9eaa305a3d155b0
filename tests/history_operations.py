"""Durable operations counted from an execution's history (GetDurableExecutionHistory events, as the API
shapes them: EventType, SubType, Id), to check the cost ledger's count, which reads the checkpoint log
instead (lambda_src/durable_bedrock/ledger.py). Shared by the workflow tests (official runner) and the end
to end tests (local AWS)."""

from collections import Counter
from collections.abc import Iterable, Mapping

KINDS = ("executions", "steps", "retries", "polls", "waits", "callbacks", "contexts", "invokes")
# History events that start an operation of each kind (one per operation).
_STARTS = {
    "ExecutionStarted": "executions",
    "WaitStarted": "waits",
    "CallbackStarted": "callbacks",
    "ContextStarted": "contexts",
    "ChainedInvokeStarted": "invokes",
}


def operations_in_history(events: Iterable[Mapping[str, object]]) -> dict[str, int]:
    """Each step attempt ends in one StepSucceeded or StepFailed event: the first of an operation
    is its step and the others its retries, or each is a poll for a wait_for_condition."""
    counts: Counter[str] = Counter()
    attempted: set[object] = set()
    for event in events:
        kind = event["EventType"]
        if kind in _STARTS:
            counts[_STARTS[str(kind)]] += 1
        elif kind in ("StepSucceeded", "StepFailed") and event.get("SubType") == "WaitForCondition":
            counts["polls"] += 1
        elif kind in ("StepSucceeded", "StepFailed"):
            counts["retries" if event["Id"] in attempted else "steps"] += 1
            attempted.add(event["Id"])
    return {kind: counts[kind] for kind in KINDS} | {"total": sum(counts.values())}
