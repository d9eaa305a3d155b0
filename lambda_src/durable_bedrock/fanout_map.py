"""Fan-out inside one execution: the SDK's `context.map` with a bound and a completion policy.

Each item runs in a child context of its own (one CONTEXT operation, named
`<name>-<index>`), so whatever it checkpoints (its steps' results, then its own
result) is replayed, never recomputed. The SDK 3.0.0 map keeps an item's
concurrency slot while the item is suspended (a retry backoff after a
ThrottlingException, a wait): "Suspended branches keep their slot: in_flight
only decreases on terminal events" (concurrency/executor.py), so at most
`max_concurrency` items are ever between their start and their end. Older SDKs
freed the slot on suspension and started every item at once;
tests/workflows/test_fanout.py counts the Converse calls in flight to pin this.

A failed item (its error after the retry policy gave up) is reported with its
index and error; once more items fail than the policy tolerates, the map starts
no further items and the ones it never started are listed, not lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from aws_durable_execution_sdk_python.concurrency.models import BatchResult
from aws_durable_execution_sdk_python.config import BatchItemStatus, CompletionConfig, MapConfig

from durable_bedrock.large_results import ResultStore

if TYPE_CHECKING:
    from aws_durable_execution_sdk_python import DurableContext

# One durable execution holds at most 3,000 operations and writes at most 100 MB
# (Lambda quotas, durable functions: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
MAX_OPERATIONS_PER_EXECUTION = 3_000
MAX_BYTES_WRITTEN_PER_EXECUTION = 100 * 1024 * 1024

# process_item(context, item, index) -> a JSON value; `index` is the item's place in the whole batch.
ItemProcessor = Callable[["DurableContext", Any, int], Any]


class ItemFailure(TypedDict):
    index: int
    error_type: str | None
    message: str | None


@dataclass(frozen=True)
class FanOutConfig:
    """How a fan-out runs.

    max_concurrency: items in flight at once, across every execution of the fan-out.
    tolerated_failures / tolerated_failure_percent: the completion policy. The fan-out
    fails (FanOutFailedError) once more items failed than the smaller of the two allows;
    up to that, failed items are reported in the result. Default: no failure tolerated.
    operations_per_item: the durable operations `process_item` creates for one item (its
    steps, waits, ...; a step's retries are attempts of the same operation). The fan-out
    adds one per item for the item's context, and one when a large result is stored.
    bytes_per_item: an upper estimate of what one item checkpoints (its steps' results and
    its own result, which a result store keeps under its inline limit).
    operations_limit / bytes_limit: one execution's quotas; reserved_operations and
    reserved_bytes are left for the rest of the workflow. Above what fits, the items are
    split into child executions (fanout_children.py).
    child_function: the function (qualified ARN) the child executions run; None: this
    execution's own version, read from its ARN.
    results: where results over its inline limit go (None: results stay inline).
    """

    max_concurrency: int = 8
    tolerated_failures: int = 0
    tolerated_failure_percent: float | None = None
    operations_per_item: int = 1
    bytes_per_item: int = 64 * 1024
    operations_limit: int = MAX_OPERATIONS_PER_EXECUTION
    bytes_limit: int = MAX_BYTES_WRITTEN_PER_EXECUTION
    reserved_operations: int = 100
    reserved_bytes: int = 4 * 1024 * 1024
    child_function: str | None = None
    results: ResultStore | None = None

    def __post_init__(self) -> None:
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {self.max_concurrency}")
        if self.tolerated_failures < 0:
            raise ValueError(f"tolerated_failures must be 0 or more, got {self.tolerated_failures}")
        if self.tolerated_failure_percent is not None and not 0 <= self.tolerated_failure_percent <= 100:
            raise ValueError(f"tolerated_failure_percent must be 0 to 100, got {self.tolerated_failure_percent}")
        if self.operations_per_item < 0 or self.bytes_per_item < 1:
            raise ValueError("operations_per_item must be 0 or more and bytes_per_item at least 1")
        if self.items_per_execution() < 1:
            raise ValueError("the reserves leave no room for a single item in one execution")

    def failure_budget(self, total: int) -> int:
        """How many of `total` items may fail."""
        if self.tolerated_failure_percent is None:
            return self.tolerated_failures
        return min(self.tolerated_failures, math.floor(total * self.tolerated_failure_percent / 100))

    def operations_for_item(self) -> int:
        return self.operations_per_item + 1 + (1 if self.results is not None else 0)

    def items_per_execution(self) -> int:
        """The most items one execution holds: its map (one operation) and each item's operations
        and bytes, within the quotas less the reserves."""
        by_operations = (self.operations_limit - self.reserved_operations - 1) // self.operations_for_item()
        by_bytes = (self.bytes_limit - self.reserved_bytes) // self.bytes_per_item
        return min(by_operations, by_bytes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["results"] = self.results.to_dict() if self.results is not None else None
        return data

    @classmethod
    def from_environment(cls, env: Mapping[str, str], **settings: Any) -> FanOutConfig:
        """The module's fan_out input (fan_out.tf: FAN_OUT_MAX_CONCURRENCY, FAN_OUT_RESULTS_S3_URI) with the
        code's own settings (operations_per_item, the tolerance, ...); `env` is the environment read once at
        a cold start (as config.py reads it), never inside a replayed handler."""
        if "FAN_OUT_MAX_CONCURRENCY" in env:
            settings.setdefault("max_concurrency", int(env["FAN_OUT_MAX_CONCURRENCY"]))
        if env.get("FAN_OUT_RESULTS_S3_URI"):
            settings.setdefault("results", ResultStore.from_s3_uri(env["FAN_OUT_RESULTS_S3_URI"]))
        return cls(**settings)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FanOutConfig:
        results = data.get("results")
        return cls(**{**data, "results": ResultStore.from_dict(results) if results else None})


@dataclass
class FanOutResult:
    """Every item accounted for, in item order: `results[i]` is item i's result (None unless it
    succeeded), `failures` the items that failed, `not_finished` those the policy stopped (running
    or never started) once the tolerance was exceeded. `executions`: this one plus the child executions used."""

    results: list[Any] = field(default_factory=list)
    failures: list[ItemFailure] = field(default_factory=list)
    not_finished: list[int] = field(default_factory=list)
    executions: int = 1
    tolerance_exceeded: bool = False

    @property
    def succeeded(self) -> int:
        return len(self.results) - len(self.failures) - len(self.not_finished)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FanOutResult:
        return cls(**data)

    def extend(self, part: FanOutResult) -> None:
        """Appends the next part's items (their indexes are already global)."""
        self.results.extend(part.results)
        self.failures.extend(part.failures)
        self.not_finished.extend(part.not_finished)
        self.executions += part.executions
        self.tolerance_exceeded = self.tolerance_exceeded or part.tolerance_exceeded


def map_in_execution(
    context: DurableContext,
    name: str,
    items: Sequence[Any],
    process_item: ItemProcessor,
    config: FanOutConfig,
    *,
    offset: int = 0,
    failures_allowed: int,
) -> FanOutResult:
    """Runs items[0:] (batch indexes offset, offset+1, ...) in this execution; never raises for an item."""

    def run_item(item_context: DurableContext, item: Any, position: int, _: Sequence[Any]) -> Any:
        index = offset + position
        value = process_item(item_context, item, index)
        return config.results.keep(item_context, name, index, value) if config.results is not None else value

    batch: BatchResult[Any] = context.map(
        items,
        run_item,
        name=name,
        config=MapConfig(
            max_concurrency=config.max_concurrency,
            completion_config=CompletionConfig(tolerated_failure_count=failures_allowed),
            item_namer=lambda _item, position: f"{name}-{offset + position}",
        ),
    )
    outcome = FanOutResult(results=[None] * len(items))
    seen: set[int] = set()
    for entry in batch.all:
        seen.add(entry.index)
        if entry.status is BatchItemStatus.SUCCEEDED:
            outcome.results[entry.index] = entry.result
        elif entry.status is BatchItemStatus.FAILED:
            error = entry.error
            outcome.failures.append(
                {
                    "index": offset + entry.index,
                    "error_type": error.type if error else None,
                    "message": error.message if error else None,
                }
            )
        else:  # STARTED: the policy stopped the batch while it ran
            outcome.not_finished.append(offset + entry.index)
    outcome.not_finished.extend(offset + position for position in range(len(items)) if position not in seen)
    outcome.not_finished.sort()
    outcome.failures.sort(key=lambda failure: failure["index"])
    outcome.tolerance_exceeded = len(outcome.failures) > failures_allowed
    return outcome
