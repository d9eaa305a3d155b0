"""The async-job step: one asynchronous Bedrock invocation (StartAsyncInvoke), from start to the object in S3.

    job = async_job(context, "render", model_id=..., model_input={...}, output_s3_uri="s3://bucket/jobs/",
                    schedule=PollSchedule(first_wait_seconds=90, wait_percent=15, max_wait_seconds=300,
                                          deadline_seconds=3600), output_suffix=".mp4")
    job["output_s3_uri"]  # the object the job really wrote

Its durable operations, in order (names from AsyncJobSteps; the video workflow keeps its own):
1. step `<name>-token`: mints the idempotency token. Inside a step, so every replay and every retry of the start
   sends the same clientRequestToken and Bedrock starts one job only.
2. step `<name>-start`: StartAsyncInvoke, writing under `<output_s3_uri><token>/`, a folder of this job's own;
   retried on transient errors and, for a long while, on the account's job quota (ASYNC_START_STEP).
3. wait `<name>-expected-wait`: no check before the job can be done; the function is suspended, not billed.
4. wait_for_condition `<name>-poll`: GetAsyncInvoke, then again a fraction of the time waited later, the last
   exactly at the schedule's deadline (video_polling.PollSchedule); a transient error is checked again later.
5. step `<name>-output`: lists the job's folder and returns the object really there (video_output.find_output).

A Failed job raises AsyncJobFailedError with Bedrock's message; a job still running at the deadline
AsyncJobTimeoutError; a Completed job with nothing in its folder AsyncOutputMissingError. None is retried.
With `billing` (a video job: Bedrock bills its seconds), the budget checks the job's known cost before anything
starts and the ledger records it; without, the budget is checked as before any Bedrock step.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypedDict

from aws_durable_execution_sdk_python import DurableContext, StepContext
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.serdes import JsonSerDes
from aws_durable_execution_sdk_python.types import WaitForConditionCheckContext
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision

from durable_bedrock import bedrock
from durable_bedrock.budget import Budget
from durable_bedrock.errors import AsyncJobFailedError, AsyncJobTimeoutError
from durable_bedrock.ledger import CostLedger
from durable_bedrock.retry_policy import ASYNC_START_STEP, BEDROCK_STEP, is_transient
from durable_bedrock.video_output import find_output
from durable_bedrock.video_polling import PollSchedule


@dataclass(frozen=True)
class AsyncJobSteps:
    """The names of the job's durable operations, as the execution history shows them."""

    token: str
    start: str
    first_wait: str
    poll: str
    output: str

    @classmethod
    def named(cls, name: str) -> AsyncJobSteps:
        return cls(f"{name}-token", f"{name}-start", f"{name}-expected-wait", f"{name}-poll", f"{name}-output")


@dataclass(frozen=True)
class VideoBilling:
    """What Bedrock bills a video job by, with its model: the seconds of video and the resolution."""

    duration_seconds: int
    resolution: str


class AsyncJobResult(TypedDict):
    """The job's outcome (plain JSON, the output step's checkpointed result)."""

    invocation_arn: str
    status: str  # Completed
    output_s3_uri: str  # the object really in S3
    checks: int  # GetAsyncInvoke calls
    waited_seconds: int  # from the start to the last check (modelled, not read from a clock)
    idempotency_token: str


class PollState(TypedDict):
    """The poll's state, checkpointed as JSON after every check."""

    invocation_arn: str
    status: str  # GetAsyncInvoke status: InProgress | Completed | Failed
    checks: int
    waited_seconds: int
    transient_errors: int
    failure_message: str


def _mint_token(_: StepContext) -> str:
    return uuid.uuid4().hex  # noqa: TID251 a step body


def async_job(
    context: DurableContext,
    name: str,
    *,
    model_id: str,
    model_input: Mapping[str, object],
    output_s3_uri: str,
    schedule: PollSchedule,
    output_suffix: str = "",
    preferred_output: str | None = None,
    region: str | None = None,
    kms_key_id: str | None = None,
    ledger: CostLedger | None = None,
    budget: Budget | None = None,
    billing: VideoBilling | None = None,
    steps: AsyncJobSteps | None = None,
) -> AsyncJobResult:
    """Starts `model_input` on `model_id` once, waits for it on `schedule`, returns the object it wrote.

    output_s3_uri: s3://bucket/prefix/ (the role's output prefix); the job writes under <prefix><token>/.
    output_suffix / preferred_output: which object is the output (e.g. ".mp4" / "output.mp4"); "": any.
    kms_key_id: the key of an SSE-KMS output bucket. `name` names the steps (unless `steps` does) and the
    job in error messages."""
    steps = steps or AsyncJobSteps.named(name)
    spent = ledger or CostLedger()
    if budget is not None and billing is not None:
        budget.before_video_job(spent, steps.start, model_id, billing.duration_seconds)
    elif budget is not None:
        budget.before_step(spent, steps.start)

    token: str = context.step(_mint_token, name=steps.token)
    output_prefix = f"{output_s3_uri}{token}/"

    def start(step: StepContext) -> str:
        arn = bedrock.start_async_invoke(model_id, model_input, output_prefix, token, region, kms_key_id)
        step.logger.info("async job started", extra={"invocation_arn": arn, "output_prefix": output_prefix})
        return arn

    invocation_arn: str = context.step(start, name=steps.start, config=ASYNC_START_STEP)

    first_check_at = schedule.first_check_at()
    context.wait(Duration.from_seconds(first_check_at), name=steps.first_wait)
    final = context.wait_for_condition(
        _check(schedule, region),
        WaitForConditionConfig(
            wait_strategy=_next_check(schedule),
            initial_state=PollState(
                invocation_arn=invocation_arn,
                status="InProgress",
                checks=0,
                waited_seconds=first_check_at,
                transient_errors=0,
                failure_message="",
            ),
            serdes=JsonSerDes(),
        ),
        name=steps.poll,
    )
    if final["status"] == "Failed":
        raise AsyncJobFailedError(f"Bedrock failed the {name} job {invocation_arn}: {final['failure_message']}")
    if final["status"] != "Completed":
        raise AsyncJobTimeoutError(
            f"the {name} job {invocation_arn} was still {final['status']} after waiting "
            f"{final['waited_seconds']} s over {final['checks']} checks (deadline {schedule.deadline_seconds} s)"
        )

    def locate(_: StepContext) -> AsyncJobResult:
        # The job's own folder holds this one job's output, whatever folder and object name the model chose.
        return {
            "invocation_arn": invocation_arn,
            "status": final["status"],
            "output_s3_uri": find_output(output_prefix, output_suffix, preferred_output, region, what=name),
            "checks": final["checks"],
            "waited_seconds": final["waited_seconds"],
            "idempotency_token": token,
        }

    result: AsyncJobResult = context.step(locate, name=steps.output, config=BEDROCK_STEP)
    if ledger is not None and billing is not None:
        ledger.video_job(steps.start, model_id, billing.duration_seconds, billing.resolution)
    return result


def _check(
    schedule: PollSchedule, region: str | None
) -> Callable[[PollState, WaitForConditionCheckContext], PollState]:
    """One GetAsyncInvoke. The state also counts the checks and the seconds waited so far (the first wait,
    then the wait the schedule chose after each check), so the deadline does not depend on the clock."""

    def check(state: PollState, check_context: WaitForConditionCheckContext) -> PollState:
        waited = state["waited_seconds"]
        if state["checks"]:
            waited += schedule.wait_after_check_at(waited)
        state = {**state, "checks": state["checks"] + 1, "waited_seconds": waited}
        try:
            job = bedrock.get_async_invoke(state["invocation_arn"], region)
        except Exception as error:
            if not is_transient(error):
                raise
            check_context.logger.warning("job status unavailable, will check again", extra={"error": str(error)})
            return {**state, "transient_errors": state["transient_errors"] + 1}
        check_context.logger.info("job status", extra={"status": job.status, "checks": state["checks"]})
        return {**state, "status": job.status, "failure_message": job.failure_message}

    return check


def _next_check(schedule: PollSchedule) -> Callable[[PollState, int], WaitForConditionDecision]:
    def decide(state: PollState, attempts_made: int) -> WaitForConditionDecision:
        if state["status"] != "InProgress":
            return WaitForConditionDecision.stop_polling()
        delay = schedule.wait_after_check_at(state["waited_seconds"])
        if delay == 0:
            return WaitForConditionDecision.stop_polling()  # deadline reached; async_job reports it
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(delay))

    return decide
