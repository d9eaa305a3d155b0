"""Fan-out: one step function applied to many items, bounded, with a completion policy.

    config = FanOutConfig(max_concurrency=8, tolerated_failures=5, operations_per_item=1)
    outcome = fan_out(context, "classify", tickets, classify_ticket, config)
    outcome.results      # item i's result at i (None where it failed)
    outcome.failures     # [{"index", "error_type", "message"}], within the tolerance

`process_item(context, item, index)` runs in the item's own child context and
makes its Bedrock calls as steps with retry_policy.BEDROCK_STEP, so a throttled
call is retried with backoff (the item keeps its slot meanwhile) instead of
failing the item. Up to `items_per_execution()` items run in this execution
(fanout_map.py); more are split into child executions (fanout_children.py), whose
handler must route their event to `run_part`. Results over the result store's
inline limit go to S3 (large_results.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from durable_bedrock.fanout_children import run_in_children, run_part
from durable_bedrock.fanout_map import FanOutConfig, FanOutResult, ItemFailure, ItemProcessor, map_in_execution
from durable_bedrock.large_results import ResultStore

if TYPE_CHECKING:
    from aws_durable_execution_sdk_python import DurableContext

__all__ = [
    "FanOutConfig",
    "FanOutFailedError",
    "FanOutResult",
    "ItemFailure",
    "ItemProcessor",
    "ResultStore",
    "fan_out",
    "run_part",
]


class FanOutFailedError(RuntimeError):
    """More items failed than the completion policy tolerates."""

    def __init__(self, name: str, outcome: FanOutResult, allowed: int):
        shown = ", ".join(f"{f['index']}: {f['error_type']}: {f['message']}" for f in outcome.failures[:5])
        more = f" and {len(outcome.failures) - 5} more" if len(outcome.failures) > 5 else ""
        super().__init__(
            f"fan-out '{name}': {len(outcome.failures)} items failed, {allowed} tolerated "
            f"({len(outcome.not_finished)} not run). Failed items: {shown}{more}"
        )
        self.outcome = outcome


def fan_out(
    context: DurableContext,
    name: str,
    items: Sequence[Any],
    process_item: ItemProcessor,
    config: FanOutConfig | None = None,
    processor: str | None = None,
) -> FanOutResult:
    """Runs process_item on every item; raises FanOutFailedError past the failure tolerance.
    `processor`: how a child execution finds process_item again (sent in each part's payload)."""
    config = config or FanOutConfig()
    allowed = config.failure_budget(len(items))
    if len(items) <= config.items_per_execution():
        outcome = map_in_execution(context, name, items, process_item, config, failures_allowed=allowed)
    else:
        outcome = run_in_children(context, name, items, config, allowed, processor)
    if outcome.tolerance_exceeded:
        raise FanOutFailedError(name, outcome, allowed)
    return outcome
