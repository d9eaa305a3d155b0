"""Asynchronous video generation: mint-idempotency-token -> start-async-invoke
-> wait-for-expected-generation -> wait-for-video (polls GetAsyncInvoke) ->
build-result.

The token is made inside a step, so every replay and every retry of
start-async-invoke sends the same clientRequestToken and Bedrock starts one
job only; a start refused for the account's job quota is tried again later.
The first check comes when the job is expected to be done, later ones a
fraction of the time waited apart, the last at POLL_DEADLINE_SECONDS
(video_polling.py); between checks the function is suspended and costs
nothing. build-result returns the video that is really in S3.
Handler: durable_bedrock.video_generation.handler.
"""

from __future__ import annotations

import functools
import logging
import os
import uuid
from collections.abc import Callable
from typing import TypedDict

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.serdes import JsonSerDes
from aws_durable_execution_sdk_python.types import WaitForConditionCheckContext
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision

from durable_bedrock import bedrock
from durable_bedrock.config import VideoSettings
from durable_bedrock.errors import ConfigurationError, VideoGenerationFailedError, VideoGenerationTimeoutError
from durable_bedrock.inputs import parse_video_request
from durable_bedrock.ledger import CostLedger, CostSection
from durable_bedrock.metrics import metrics_when_failing, succeeded_with_metrics
from durable_bedrock.retry_policy import ASYNC_START_STEP, BEDROCK_STEP, is_transient
from durable_bedrock.video_models import VideoJob, VideoModel, video_model_for
from durable_bedrock.video_output import find_video
from durable_bedrock.video_polling import PollSchedule, expected_generation_seconds


class PollState(TypedDict):
    """The wait-for-video state, checkpointed as JSON after every check."""

    invocation_arn: str
    status: str  # GetAsyncInvoke status: InProgress | Completed | Failed
    checks: int
    waited_seconds: int
    transient_errors: int
    failure_message: str


class VideoResult(TypedDict):
    """The execution's result."""

    invocation_arn: str
    status: str
    output_s3_uri: str
    checks: int
    waited_seconds: int
    prompt: str
    model_id: str
    duration_seconds: int
    seed: int | None
    idempotency_token: str


class CostedVideoResult(VideoResult):
    """The execution's result: build-result's, with the cost ledger's section (ledger.py)."""

    cost: CostSection


@functools.cache
def settings() -> VideoSettings:
    # The published version's configuration, the same for every replay (durable executions run on a version).
    return VideoSettings.from_env(os.environ)  # noqa: TID251 configuration, fixed per version


@functools.cache
def video_model() -> VideoModel:
    return video_model_for(settings().model_id)


def poll_schedule(config: VideoSettings, model: VideoModel, job: VideoJob) -> PollSchedule:
    """The schedule for this job: POLL_FIRST_WAIT_SECONDS, or the time the model
    is documented to take for the requested duration, then the tuning inputs."""
    first_wait = config.poll_first_wait_seconds
    if first_wait is None:
        first_wait = expected_generation_seconds(model.family, job.duration_seconds)
    return PollSchedule(
        first_wait_seconds=first_wait,
        wait_percent=config.poll_wait_percent,
        max_wait_seconds=config.poll_max_seconds,
        deadline_seconds=config.poll_deadline_seconds,
    )


def check_video(
    schedule: PollSchedule, bedrock_region: str | None
) -> Callable[[PollState, WaitForConditionCheckContext], PollState]:
    """The wait-for-video check: one GetAsyncInvoke. The state also counts the
    checks and the seconds waited so far (the first wait, then the wait the
    schedule chose after each check), so the deadline does not depend on the clock."""

    def check(state: PollState, check_context: WaitForConditionCheckContext) -> PollState:
        waited = state["waited_seconds"]
        if state["checks"]:
            waited += schedule.wait_after_check_at(waited)
        state = {**state, "checks": state["checks"] + 1, "waited_seconds": waited}
        try:
            job = bedrock.get_async_invoke(state["invocation_arn"], bedrock_region)
        except Exception as error:
            if not is_transient(error):
                raise
            check_context.logger.warning("video status unavailable, will check again", extra={"error": str(error)})
            return {**state, "transient_errors": state["transient_errors"] + 1}
        check_context.logger.info("video status", extra={"status": job.status, "checks": state["checks"]})
        return {**state, "status": job.status, "failure_message": job.failure_message}

    return check


def next_check(schedule: PollSchedule) -> Callable[[PollState, int], WaitForConditionDecision]:
    def decide(state: PollState, attempts_made: int) -> WaitForConditionDecision:
        if state["status"] != "InProgress":
            return WaitForConditionDecision.stop_polling()
        delay = schedule.wait_after_check_at(state["waited_seconds"])
        if delay == 0:
            return WaitForConditionDecision.stop_polling()  # deadline reached; the handler reports it
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(delay))

    return decide


@durable_execution
def handler(event: object, context: DurableContext) -> CostedVideoResult:
    config = settings()
    model = video_model()
    ledger = CostLedger()
    # One set of metrics per execution (metrics.py): on success below, on a failure here.
    with metrics_when_failing(context, lambda: ledger.section(context, config.prices)):
        return generate_video(event, context, config, model, ledger)


def generate_video(
    event: object, context: DurableContext, config: VideoSettings, model: VideoModel, ledger: CostLedger
) -> CostedVideoResult:
    request = parse_video_request(event)
    job = model.job(request)
    context.logger.info("video generation started", extra={"model_id": config.model_id})
    # The job's cost is known before it starts (model, duration): over the budget, nothing is started.
    ledger = CostLedger()
    config.budget.before_video_job(ledger, "start-async-invoke", config.model_id, job.duration_seconds)

    token = context.step(lambda _: uuid.uuid4().hex, name="mint-idempotency-token")  # noqa: TID251 a step body
    output_prefix = f"{config.output_s3_uri}{token}/"

    def start(step: StepContext) -> str:
        arn = bedrock.start_async_invoke(
            config.model_id, job.model_input, output_prefix, token, config.bedrock_region, config.output_kms_key_id
        )
        step.logger.info("video job started", extra={"invocation_arn": arn, "output_prefix": output_prefix})
        return arn

    invocation_arn = context.step(start, name="start-async-invoke", config=ASYNC_START_STEP)

    # No check before the job can be done: suspended (and not billed) until then.
    schedule = poll_schedule(config, model, job)
    first_check_at = schedule.first_check_at()
    context.wait(Duration.from_seconds(first_check_at), name="wait-for-expected-generation")

    final = context.wait_for_condition(
        check_video(schedule, config.bedrock_region),
        WaitForConditionConfig(
            wait_strategy=next_check(schedule),
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
        name="wait-for-video",
    )
    if final["status"] == "Failed":
        raise VideoGenerationFailedError(f"Bedrock failed the video job {invocation_arn}: {final['failure_message']}")
    if final["status"] != "Completed":
        raise VideoGenerationTimeoutError(
            f"the video job {invocation_arn} was still {final['status']} after waiting "
            f"{final['waited_seconds']} s over {final['checks']} checks "
            f"(POLL_DEADLINE_SECONDS={config.poll_deadline_seconds})"
        )

    def build_result(_: StepContext) -> VideoResult:
        # The execution's own prefix holds this one job's output, whatever
        # folder and object name the model chose.
        return {
            "invocation_arn": invocation_arn,
            "status": final["status"],
            "output_s3_uri": find_video(output_prefix, config.bedrock_region),
            "checks": final["checks"],
            "waited_seconds": final["waited_seconds"],
            "prompt": request.prompt,
            "model_id": config.model_id,
            "duration_seconds": job.duration_seconds,
            "seed": job.seed,
            "idempotency_token": token,
        }

    result = context.step(build_result, name="build-result", config=BEDROCK_STEP)
    # The job is billed by model, duration and resolution, all fixed by the validated request.
    ledger.video_job("start-async-invoke", config.model_id, job.duration_seconds, job.resolution)
    return {**result, "cost": succeeded_with_metrics(context, ledger, config.prices)}


# Validate the configuration and the model family once per cold start (see
# content_pipeline.py for why the handler raises it again).
try:
    video_model()
except ConfigurationError as error:
    logging.getLogger(__name__).error("invalid configuration: %s", error)
