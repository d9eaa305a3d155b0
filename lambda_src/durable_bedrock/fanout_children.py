"""Fan-out over more items than one execution holds: parts run as child executions.

The items are cut into consecutive parts of `items_per_execution()` items (part k:
items [k*size, (k+1)*size)), the same cut on every replay. The parent runs each
part as a chained invoke (`context.invoke`, a CHAINED_INVOKE operation named
`<name>-part-<k>`) of its own function version: the execution's ARN is
`...:function:<name>:<version>/durable-execution/<name>/<id>`, and its qualifier is
always a version or $LATEST (Lambda durable-security.html, "IAM permissions for
durable functions"), so the child runs the very code the parent runs. The
invoke is checkpointed when it starts and when the child ends: a replay returns
the child's recorded result instead of starting it again, so no item runs twice.

Parts run one after the other, each with the whole `max_concurrency`, so the
bound holds across executions; the failure budget left after each part is what
the next may spend, and once it is spent no further part starts (its items are
reported as not started).

The child side: the user's handler hands its event to `run_part` first:

    def handler(event, context):
        if (part := run_part(event, context, {"classify": classify_ticket})) is not None:
            return part
        ...

The chained invoke is authorized as lambda:InvokeFunction on the target
(iam.tf, statement FanOutChildExecutions: this function's versions only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from durable_bedrock.fanout_map import FanOutConfig, FanOutResult, ItemProcessor, map_in_execution

if TYPE_CHECKING:
    from aws_durable_execution_sdk_python import DurableContext

# The key of a child execution's payload; a user's own input never has it.
PART_KEY = "durable_bedrock_fan_out_part"
# A CHAINED_INVOKE operation's payload is at most 1 MB (OperationUpdate.Payload, botocore lambda model).
MAX_PART_PAYLOAD_BYTES = 1024 * 1024
_OWN_VERSION = re.compile(r"^(?P<function>arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:/]+:[^:/]+)/durable-execution/")


def own_version_arn(context: DurableContext) -> str:
    """This execution's function, qualified with the version it runs on."""
    arn = context.execution_context.durable_execution_arn
    match = _OWN_VERSION.match(arn)
    if match is None:
        raise ValueError(
            f"cannot read the function version from execution ARN {arn!r}: set FanOutConfig.child_function"
        )
    return match["function"]


def part_bounds(total: int, size: int) -> list[tuple[int, int]]:
    """[start, end) of each part: consecutive, in item order, covering every item once."""
    return [(start, min(start + size, total)) for start in range(0, total, size)]


def run_in_children(
    context: DurableContext,
    name: str,
    items: Sequence[Any],
    config: FanOutConfig,
    failures_allowed: int,
    processor: str | None = None,
) -> FanOutResult:
    """Runs the parts as child executions. `processor`: what the child needs to find the item function
    (durable_bedrock.workflow names it), sent as the part's "processor"."""
    target = config.child_function or own_version_arn(context)
    merged = FanOutResult(executions=1)
    budget = failures_allowed
    for part_number, (start, end) in enumerate(part_bounds(len(items), config.items_per_execution())):
        if merged.tolerance_exceeded:
            merged.results.extend([None] * (end - start))
            merged.not_finished.extend(range(start, end))
            continue
        payload = {
            PART_KEY: {
                "name": name,
                "offset": start,
                "items": list(items[start:end]),
                "failures_allowed": budget,
                "config": config.to_dict(),
                "processor": processor,
            }
        }
        size = len(json.dumps(payload).encode("utf-8"))
        if size > MAX_PART_PAYLOAD_BYTES:
            raise ValueError(
                f"fan-out '{name}' part {part_number} is {size} bytes; a chained invoke's payload holds at most "
                f"{MAX_PART_PAYLOAD_BYTES}. Pass smaller items (e.g. S3 keys instead of documents)."
            )
        part = FanOutResult.from_dict(context.invoke(target, payload, name=f"{name}-part-{part_number}"))
        merged.extend(part)
        budget -= len(part.failures)
        merged.tolerance_exceeded = budget < 0
    return merged


def run_part(event: Any, context: DurableContext, processors: Mapping[str, ItemProcessor]) -> dict[str, Any] | None:
    """In a child execution, runs its part and returns the part's result; None for any other event."""
    if not isinstance(event, dict) or PART_KEY not in event:
        return None
    part = event[PART_KEY]
    name = str(part["name"])
    if name not in processors:
        raise ValueError(f"fan-out part for '{name}', but this handler knows only {sorted(processors)}")
    result = map_in_execution(
        context,
        name,
        part["items"],
        processors[name],
        FanOutConfig.from_dict(part["config"]),
        offset=int(part["offset"]),
        failures_allowed=int(part["failures_allowed"]),
    )
    return result.to_dict()
