"""The cost ledger: a reusable block that turns what a workflow used into its result's `cost` section.

    ledger = CostLedger()
    outline = context.step(ask_model(...), name="generate-outline")
    ledger.model_call("generate-outline", model_id, outline["usage"])   # what Bedrock reported
    ...
    return {..., "cost": ledger.section(context, prices)}

A workflow records each Bedrock call with the usage its step returned (Converse
`usage` and `metrics.latencyMs`, kept in the step's checkpointed result), and
each video job with its model, duration and resolution. The ledger lives in
memory and is built anew by every invocation while the handler replays: a
replayed step hands back its checkpointed result, so each call is recorded
once however often the function is re-invoked, and nothing is counted twice.

Durable operations are counted from the execution's own checkpoint log, not
from the workflow's structure: `context.state.operations` (SDK 3.0.0 state.py,
ExecutionState.operations) holds one record per operation Lambda stored, the
ones replayed from GetDurableExecutionState and the ones this invocation
checkpointed, including those of blocks the workflow did not write (the
review's clock steps, callback and child context). A step's record carries
its Attempt, which the service increments for every RETRY, SUCCEED and FAIL
it is sent, so retries and wait_for_condition checks are there too, and a
replay adds no record. AWS meters "1 operation" per retried step attempt
(Lambda developer guide, durable-execution-sdk-retries: "Metering impact"),
and prices "durable operations" such as starting an execution, completing a
step and creating a wait. Child contexts are counted as operations of their
own (they are records in the log); `contexts` shows how many.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING, TypedDict

from aws_durable_execution_sdk_python.lambda_service import Operation, OperationSubType, OperationType

from durable_bedrock.pricing import PRICES_SOURCE, Prices

if TYPE_CHECKING:
    from aws_durable_execution_sdk_python import DurableContext

# The bytes in a GB, for the per-GB-written price.
BYTES_PER_GB = 1_000_000_000


class ModelUsage(TypedDict):
    """What Bedrock reported for one Converse call: ConverseResponse.usage (inputTokens, outputTokens,
    cacheReadInputTokens, cacheWriteInputTokens) and metrics.latencyMs (botocore bedrock-runtime model)."""

    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int
    cache_write_input_tokens: int
    latency_ms: int


class ModelCall(ModelUsage):
    step: str
    model_id: str


class VideoJob(TypedDict):
    step: str
    model_id: str
    duration_seconds: int
    resolution: str


class TokenTotals(TypedDict):
    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int
    cache_write_input_tokens: int


class OperationCounts(TypedDict):
    """Durable operations by kind: a step's first attempt in `steps`, its other attempts in `retries`,
    every wait_for_condition check in `polls`."""

    executions: int
    steps: int
    retries: int
    polls: int
    waits: int
    callbacks: int
    contexts: int
    invokes: int
    total: int


class UsdEstimate(TypedDict):
    """None where a price is missing (`not_priced` says which)."""

    bedrock: float | None
    durable: float
    total: float | None


class CostSection(TypedDict):
    model_calls: list[ModelCall]
    video_jobs: list[VideoJob]
    tokens: TokenTotals
    operations: OperationCounts
    data_written_bytes: int  # estimate: the payloads the checkpoint log holds, each poll's state once per check
    usd: UsdEstimate
    not_priced: list[str]
    prices: str  # where the prices come from


# Which price each kind of token is charged at (pricing.ModelPrice, the prices input's field).
TOKEN_PRICES = {
    "input_tokens": "input_per_1k_tokens",
    "output_tokens": "output_per_1k_tokens",
    "cache_read_input_tokens": "cache_read_per_1k_tokens",
    "cache_write_input_tokens": "cache_write_per_1k_tokens",
}


def tokens_of(call: ModelUsage) -> dict[str, int]:
    """The token counts of a call, by kind."""
    return {
        "input_tokens": call["input_tokens"],
        "output_tokens": call["output_tokens"],
        "cache_read_input_tokens": call["cache_read_input_tokens"],
        "cache_write_input_tokens": call["cache_write_input_tokens"],
    }


class Spent(TypedDict):
    """A ledger's entries as plain JSON: what a child context carries back in its checkpointed result."""

    model_calls: list[ModelCall]
    video_jobs: list[VideoJob]


class CostLedger:
    """What one execution used, recorded from checkpointed results while the handler (re)plays.

    Safe to record into from several threads (map items run in threads of their own). A forked ledger
    (fork) sees what was spent before the fork, records its own entries apart (spent), and its parent
    takes them in (absorb) once the child context returns: a completed child context is not re-run on
    replay (SDK 3.0.0 operation/child.py: a SUCCEEDED context returns its checkpointed result), so its
    entries must travel in that result to be counted again on every replay."""

    def __init__(self, spent_before: Spent | None = None) -> None:
        self._lock = threading.Lock()
        self._before: Spent = spent_before or {"model_calls": [], "video_jobs": []}
        self._own: Spent = {"model_calls": [], "video_jobs": []}

    @property
    def model_calls(self) -> list[ModelCall]:
        """Every Bedrock call, those before the fork first (a copy)."""
        with self._lock:
            return [*self._before["model_calls"], *self._own["model_calls"]]

    @property
    def video_jobs(self) -> list[VideoJob]:
        with self._lock:
            return [*self._before["video_jobs"], *self._own["video_jobs"]]

    def model_call(self, step: str, model_id: str, usage: ModelUsage) -> None:
        """Records a Bedrock call: pass the usage from the step's returned (checkpointed) result."""
        with self._lock:
            self._own["model_calls"].append({"step": step, "model_id": model_id, **usage})

    def video_job(self, step: str, model_id: str, duration_seconds: int, resolution: str) -> None:
        """Records an asynchronous video job: what Bedrock bills it by."""
        job: VideoJob = {
            "step": step,
            "model_id": model_id,
            "duration_seconds": duration_seconds,
            "resolution": resolution,
        }
        with self._lock:
            self._own["video_jobs"].append(job)

    def fork(self) -> CostLedger:
        """A ledger for a child context: it counts everything spent so far, and records apart."""
        return CostLedger({"model_calls": self.model_calls, "video_jobs": self.video_jobs})

    def spent(self) -> Spent:
        """This ledger's own entries (not those before its fork), as plain JSON."""
        with self._lock:
            return {"model_calls": list(self._own["model_calls"]), "video_jobs": list(self._own["video_jobs"])}

    def absorb(self, spent: Spent) -> None:
        """Records a child's entries (its spent()), as returned by the child context."""
        with self._lock:
            self._own["model_calls"].extend(spent["model_calls"])
            self._own["video_jobs"].extend(spent["video_jobs"])

    def section(self, context: DurableContext, prices: Prices) -> CostSection:
        """The result's `cost` section; call it last, once every operation has returned."""
        records = list(context.state.operations.values())
        return cost_section(self.model_calls, self.video_jobs, records, prices)


def cost_section(
    model_calls: list[ModelCall], video_jobs: list[VideoJob], records: Iterable[Operation], prices: Prices
) -> CostSection:
    records = list(records)
    operations = count_operations(records)
    written = data_written_bytes(records)
    bedrock, not_priced = bedrock_usd(model_calls, video_jobs, prices)
    durable = (
        operations["total"] / 1_000_000 * prices.durable.per_million_operations
        + written / BYTES_PER_GB * prices.durable.per_gb_written
    )
    return {
        "model_calls": model_calls,
        "video_jobs": video_jobs,
        "tokens": {
            "input_tokens": sum(call["input_tokens"] for call in model_calls),
            "output_tokens": sum(call["output_tokens"] for call in model_calls),
            "cache_read_input_tokens": sum(call["cache_read_input_tokens"] for call in model_calls),
            "cache_write_input_tokens": sum(call["cache_write_input_tokens"] for call in model_calls),
        },
        "operations": operations,
        "data_written_bytes": written,
        "usd": {
            "bedrock": None if bedrock is None else _usd(bedrock),
            "durable": _usd(durable),
            "total": None if bedrock is None else _usd(bedrock + durable),
        },
        "not_priced": not_priced,
        "prices": PRICES_SOURCE,
    }


def _usd(amount: float) -> float:
    return round(amount, 8)


def _attempts(record: Operation) -> int:
    """A step's attempts: its Attempt, at least 1 (the record exists, so one attempt ran or runs)."""
    return max(1, record.step_details.attempt if record.step_details else 0)


# The count each kind of record adds to; a step's depends on its subtype and attempts (count_operations).
_KIND_COUNTS = {
    OperationType.EXECUTION: "executions",
    OperationType.WAIT: "waits",
    OperationType.CALLBACK: "callbacks",
    OperationType.CONTEXT: "contexts",
    OperationType.CHAINED_INVOKE: "invokes",
}


def count_operations(records: Iterable[Operation]) -> OperationCounts:
    counts = dict.fromkeys(("executions", "steps", "retries", "polls", "waits", "callbacks", "contexts", "invokes"), 0)
    for record in records:
        if record.operation_type is not OperationType.STEP:
            counts[_KIND_COUNTS[record.operation_type]] += 1
        elif record.sub_type == OperationSubType.WAIT_FOR_CONDITION:
            counts["polls"] += _attempts(record)
        else:
            counts["steps"] += 1
            counts["retries"] += _attempts(record) - 1
    return {
        "executions": counts["executions"],
        "steps": counts["steps"],
        "retries": counts["retries"],
        "polls": counts["polls"],
        "waits": counts["waits"],
        "callbacks": counts["callbacks"],
        "contexts": counts["contexts"],
        "invokes": counts["invokes"],
        "total": sum(counts.values()),
    }


def data_written_bytes(records: Iterable[Operation]) -> int:
    """The payloads the checkpoint log holds (input, results, errors), in UTF-8 bytes; a
    wait_for_condition's state counted once per check, as each check writes it."""
    total = 0
    for record in records:
        size = sum(len(payload.encode("utf-8")) for payload in _payloads(record))
        total += size * (_attempts(record) if record.sub_type == OperationSubType.WAIT_FOR_CONDITION else 1)
    return total


def _payloads(record: Operation) -> Iterator[str]:
    if record.execution_details and record.execution_details.input_payload:
        yield record.execution_details.input_payload
    results = (record.step_details, record.context_details, record.callback_details, record.chained_invoke_details)
    for details in results:
        if details and details.result:
            yield details.result
        if details and details.error:
            yield json.dumps(asdict(details.error))


def bedrock_usd(
    model_calls: list[ModelCall], video_jobs: list[VideoJob], prices: Prices
) -> tuple[float | None, list[str]]:
    """The Bedrock estimate, or None with the reasons when a price it needs is missing."""
    total, missing = 0.0, []
    for call in model_calls:
        price = prices.bedrock.get(call["model_id"])
        for kind, count in tokens_of(call).items():
            figure = price.per_1k(kind) if price else None
            if count and figure is None:
                missing.append(_no_price(call["model_id"], TOKEN_PRICES[kind], price is None, "tokens"))
            elif count and figure is not None:
                total += count / 1000 * figure
    for job in video_jobs:
        price = prices.bedrock.get(job["model_id"])
        if price is None or price.per_video_second is None:
            missing.append(_no_price(job["model_id"], "per_video_second", price is None, "video seconds"))
        else:
            total += job["duration_seconds"] * price.per_video_second
    missing = list(dict.fromkeys(missing))
    return (None if missing else total), missing


def _no_price(model_id: str, figure: str, no_entry: bool, counted: str) -> str:
    if no_entry:
        return f"{model_id}: no price in the prices input (prices.bedrock); {counted} counted, no dollar figure"
    return f"{model_id}: prices.bedrock gives no {figure}; {counted} counted, no dollar figure"
