"""Execution metrics: a reusable block that publishes one set of CloudWatch metrics per finished execution.

    ledger = CostLedger()
    with metrics_when_failing(context, lambda: ledger.section(context, prices)):
        ...the workflow...
        return {..., "cost": succeeded_with_metrics(context, ledger, prices)}

The metrics come from the cost section (ledger.py) and go out in CloudWatch's
embedded metric format (EMF): one JSON record on standard output, which
Lambda sends to the function's log group and CloudWatch Logs turns into
metrics, with no PutMetricData call and no permission beyond writing logs
(CloudWatch user guide, CloudWatch_Embedded_Metric_Format_Lambda). The record
is written by Powertools for AWS Lambda's Metrics (aws_lambda_powertools), the
maintained library for the format.

Once per execution, never again on replay: the record is written inside a
step, `execution-metrics`. A replay hands back the step's checkpointed result
without running it. The step is AT_MOST_ONCE_PER_RETRY without retries: its
START is checkpointed before the record is written, so an invocation cut off
between writing the record and checkpointing its end cannot write it a second
time; that rare execution loses its metrics instead (a logged warning), and
the workflow goes on as if they had been written.

Namespace DurableBedrock (POWERTOOLS_METRICS_NAMESPACE overrides it), one
dimension, FunctionName (the function's AWS_LAMBDA_FUNCTION_NAME):

    InputTokens, OutputTokens, CacheReadInputTokens, CacheWriteInputTokens  Count
    BedrockCalls   Count  model calls and video jobs the ledger recorded
    Retries        Count  step attempts after the first (ledger operations.retries)
    WallTime       Milliseconds  from the execution's start to the metrics step
    EstimatedCostUSD  None  the ledger's usd.total; left out when a price is missing
    Succeeded, Failed  Count  1 for the execution's outcome, 0 for the other

plus, as plain properties of the record (searchable in Logs Insights, not
metrics): outcome and durableExecutionArn. A TIMED_OUT or STOPPED execution
runs no more code, so nothing here sees it: Lambda's own DurableExecutionTimedOut
and DurableExecutionStopped metrics, and the module's failure_alerts, do.
The step comes last, so its own operation is in the result's cost section
but not in the figures it publishes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, TypedDict

from aws_durable_execution_sdk_python.config import StepConfig, StepSemantics
from aws_durable_execution_sdk_python.exceptions import StepError, UnrecoverableError
from aws_durable_execution_sdk_python.lambda_service import OperationType
from aws_durable_execution_sdk_python.retries import RetryDecision
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from durable_bedrock.ledger import CostLedger, CostSection
from durable_bedrock.pricing import Prices

if TYPE_CHECKING:
    from aws_durable_execution_sdk_python import DurableContext, StepContext

NAMESPACE = "DurableBedrock"
STEP_NAME = "execution-metrics"
# Labels the step in the history (StepConfig.sub_type), so tools can tell it from the workflow's own steps.
STEP_SUB_TYPE = "ExecutionMetrics"

Outcome = Literal["SUCCEEDED", "FAILED"]

_log = logging.getLogger(__name__)


class PublishedMetrics(TypedDict):
    """The metrics step's checkpointed result: what it published."""

    outcome: Outcome
    metrics: dict[str, float]


def _never_retry(_error: Exception, _attempts: int) -> RetryDecision:
    return RetryDecision.no_retry()


# Written once or not at all (see the module docstring).
METRICS_STEP = StepConfig(
    retry_strategy=_never_retry, step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY, sub_type=STEP_SUB_TYPE
)


def metric_values(cost: CostSection, outcome: Outcome, wall_time_ms: int) -> dict[str, tuple[float, MetricUnit]]:
    """The metrics of one execution, by name: value and unit."""
    tokens = cost["tokens"]
    values: dict[str, tuple[float, MetricUnit]] = {
        "InputTokens": (tokens["input_tokens"], MetricUnit.Count),
        "OutputTokens": (tokens["output_tokens"], MetricUnit.Count),
        "CacheReadInputTokens": (tokens["cache_read_input_tokens"], MetricUnit.Count),
        "CacheWriteInputTokens": (tokens["cache_write_input_tokens"], MetricUnit.Count),
        "BedrockCalls": (len(cost["model_calls"]) + len(cost["video_jobs"]), MetricUnit.Count),
        "Retries": (cost["operations"]["retries"], MetricUnit.Count),
        "WallTime": (wall_time_ms, MetricUnit.Milliseconds),
        "Succeeded": (1 if outcome == "SUCCEEDED" else 0, MetricUnit.Count),
        "Failed": (1 if outcome == "FAILED" else 0, MetricUnit.Count),
    }
    if cost["usd"]["total"] is not None:
        values["EstimatedCostUSD"] = (cost["usd"]["total"], MetricUnit.NoUnit)
    return values


def publish(values: dict[str, tuple[float, MetricUnit]], outcome: Outcome, execution_arn: str) -> None:
    """Writes one EMF record to standard output through Powertools."""
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE)  # noqa: TID251 in a step
    metrics.add_dimension(name="FunctionName", value=os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "unknown")  # noqa: TID251 in a step
    for name, (value, unit) in values.items():
        metrics.add_metric(name=name, unit=unit, value=value)
    metrics.add_metadata(key="outcome", value=outcome)
    metrics.add_metadata(key="durableExecutionArn", value=execution_arn)
    metrics.flush_metrics()


def execution_started_at(context: DurableContext) -> datetime | None:
    """The execution's start, from its EXECUTION record in the checkpoint log."""
    for record in context.state.operations.values():
        if record.operation_type is OperationType.EXECUTION and record.start_timestamp:
            return record.start_timestamp
    return None


def publish_execution_metrics(context: DurableContext, cost: CostSection, outcome: Outcome) -> None:
    """Publishes the execution's metrics inside the `execution-metrics` step: once, never on replay.
    Call it once per execution, with the cost section as it stands when the workflow is done."""
    started = execution_started_at(context)
    execution_arn = context.state.durable_execution_arn

    def write(step: StepContext) -> PublishedMetrics:
        now = datetime.now(UTC)  # noqa: TID251 a step body
        wall_time_ms = 0 if started is None else max(0, int((now - _aware(started)).total_seconds() * 1000))
        values = metric_values(cost, outcome, wall_time_ms)
        try:
            publish(values, outcome, execution_arn)
        except Exception as error:  # metrics must never fail the workflow they describe
            step.logger.warning("execution metrics not written", extra={"error": repr(error)})
            return {"outcome": outcome, "metrics": {}}
        return {"outcome": outcome, "metrics": {name: value for name, (value, _unit) in values.items()}}

    try:
        context.step(write, name=STEP_NAME, config=METRICS_STEP)
    except StepError as error:
        # Only an interrupted attempt gets here (write itself does not raise): its record may or may not be out.
        _log.warning("execution metrics lost: the metrics step was interrupted", extra={"error": str(error)})


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def succeeded_with_metrics(context: DurableContext, ledger: CostLedger, prices: Prices) -> CostSection:
    """Publishes a succeeding execution's metrics; returns the result's cost section (with the metrics step)."""
    publish_execution_metrics(context, ledger.section(context, prices), "SUCCEEDED")
    return ledger.section(context, prices)


@contextmanager
def metrics_when_failing(context: DurableContext, cost: Callable[[], CostSection]) -> Iterator[None]:
    """Publishes a failing execution's metrics, then lets its error fail the execution.

    A failed execution has no result, but its handler still runs when the error
    is raised: the error passes through here, the metrics step runs (checkpointed
    like any step, so the invocation that fails the execution writes it once),
    and the error goes on. The SDK's own errors (UnrecoverableError: a broken
    checkpoint, a non-deterministic replay, an invocation Lambda retries) and
    its suspensions (SuspendExecution, a BaseException) pass through untouched:
    the execution is not failing on them, or cannot checkpoint any more."""
    try:
        yield
    except UnrecoverableError:
        raise
    except Exception:
        publish_execution_metrics(context, cost(), "FAILED")
        raise
