"""BedrockRun.map: the fan-out block (fanout.py) for a bedrock_workflow, with each item's spending counted.

Each item runs in its own child context with a forked run (workflow.BedrockRun.fork). Its budget checks,
inside its steps, see what the whole execution has spent so far (spending_so_far: before the map, the
items finished before a resume, the running ones as they go). What it spent travels back in the item's
checkpointed result ({"value", "spent"}), so the ledger counts it on every replay, whether the item ran
again or not (SDK 3.0.0: a finished child context returns its checkpointed result).

Child executions (more items than one execution holds) run the same handler: the part's payload names
the item function (`processor`: its name in the workflow's module), and the handler routes the part to
it (run_fan_out_part) instead of running the workflow body. Only a top-level function of the module the
workflow is defined in can be named, so a payload can never reach any other code.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from aws_durable_execution_sdk_python.lambda_service import OperationStatus, OperationType
from aws_durable_execution_sdk_python.serdes import ExtendedTypeSerDes

from durable_bedrock.fanout import FanOutConfig, FanOutFailedError, FanOutResult, ItemProcessor, fan_out, run_part
from durable_bedrock.fanout_children import PART_KEY
from durable_bedrock.large_results import ResultStore
from durable_bedrock.ledger import CostLedger, Spent

if TYPE_CHECKING:
    from aws_durable_execution_sdk_python import DurableContext

    from durable_bedrock.workflow import BedrockRun

# process(run, item, index): the run is the item's own (a fork of the execution's), index its place in the batch.
ItemFunction = Callable[["BedrockRun", Any, int], Any]


_ITEM_SERDES: ExtendedTypeSerDes[Any] = ExtendedTypeSerDes()  # type: ignore[no-untyped-call]  # SDK: unannotated __init__


class _ItemOutcome(TypedDict):
    value: Any
    spent: Spent


def processor_name(process: ItemFunction, workflow_module: str | None) -> str:
    """The name a child execution finds `process` by; TypeError unless it is a top-level function of the
    workflow's module (a lambda or a nested function cannot be found again in another execution)."""
    name = getattr(process, "__qualname__", "")
    module = getattr(process, "__module__", None)
    if not name.isidentifier() or (workflow_module is not None and module != workflow_module):
        raise TypeError(
            f"run.map needs a top-level function of the workflow's module ({workflow_module}) as its item "
            f"function, so that child executions can run it too; got {module}.{name or process!r}"
        )
    return name


def spending_so_far(run: BedrockRun, name: str) -> CostLedger:
    """What the items of the map `name` check the budget against (inside their steps: live_spending in
    converse.py): the execution's spending before the map, what the items that finished before this
    invocation spent (their checkpointed results: a finished item is not run again on replay, SDK 3.0.0
    operation/child.py), and, as they go, what the running items spend."""
    live = run.ledger.fork()
    records = list(run.context.state.operations.values())
    running_maps = {
        op.operation_id
        for op in records
        if op.operation_type is OperationType.CONTEXT and op.name == name and op.status is OperationStatus.STARTED
    }
    for op in records:
        finished = op.operation_type is OperationType.CONTEXT and op.status is OperationStatus.SUCCEEDED
        if finished and op.parent_id in running_maps and op.context_details and op.context_details.result:
            # An item's result as the map checkpointed it: with its default item serdes (fanout_map.py sets
            # none; SDK 3.0.0 MapConfig.item_serdes None: ExtendedTypeSerDes, its typed JSON envelope).
            outcome = _ITEM_SERDES.deserialize(op.context_details.result)
            if isinstance(outcome, dict) and isinstance(outcome.get("spent"), dict):
                live.absorb(outcome["spent"])
    return live


def item_runner(
    parent: BedrockRun, process: ItemFunction, store: ResultStore | None, name: str, live: CostLedger
) -> ItemProcessor:
    """The fan-out's item processor: the item on a forked run; a large value kept by the result store."""

    def run_item(item_context: DurableContext, item: Any, index: int) -> _ItemOutcome:
        run = parent.fork(item_context, live_spending=live)
        value = process(run, item, index)
        if store is not None:
            value = store.keep(item_context, name, index, value)
        return {"value": value, "spent": run.spent()}

    return run_item


def map_items(
    run: BedrockRun,
    name: str,
    items: Sequence[Any],
    process: ItemFunction,
    config: FanOutConfig,
    workflow_module: str | None,
) -> FanOutResult:
    """Runs process on every item (fanout.fan_out); the items' spending goes into run's ledger, in item order.
    FanOutFailedError (past the tolerance) still carries the unwrapped outcome, its spending counted."""
    processor = processor_name(process, workflow_module)
    # The result store is applied to the item's value (in item_runner), not to its {"value", "spent"}.
    extra_operation = 1 if config.results is not None else 0
    plain = dataclasses.replace(config, results=None, operations_per_item=config.operations_per_item + extra_operation)
    try:
        processor_of_items = item_runner(run, process, config.results, name, spending_so_far(run, name))
        outcome = fan_out(run.context, name, items, processor_of_items, plain, processor)
    except FanOutFailedError as error:
        error.outcome = _unwrapped(run, error.outcome)
        raise
    return _unwrapped(run, outcome)


def _unwrapped(run: BedrockRun, outcome: FanOutResult) -> FanOutResult:
    values: list[Any] = []
    for entry in outcome.results:
        if entry is None:
            values.append(None)
            continue
        run.absorb(entry["spent"])
        values.append(entry["value"])
    return dataclasses.replace(outcome, results=values)


def run_fan_out_part(event: Any, run: BedrockRun, workflow_module: str) -> dict[str, Any] | None:
    """In a child execution of a fan-out: runs its part and returns its result; None for any other event."""
    if not isinstance(event, dict) or PART_KEY not in event:
        return None
    part = event[PART_KEY]
    function = getattr(sys.modules[workflow_module], str(part.get("processor")), None)
    if not callable(function):
        raise ValueError(f"a fan-out part names item function {part.get('processor')!r}, not in {workflow_module}")
    processor_name(function, workflow_module)  # the rule map_items applied: a top-level function of this module
    # The same version's environment, so the same result store as the parent's (its config travels without it).
    store = run.config.fan_out.results
    name = str(part["name"])
    return run_part(event, run.context, {name: item_runner(run, function, store, name, spending_so_far(run, name))})
