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
Written on the library's public API: bedrock_workflow and BedrockRun.async_job
(async_invoke.py), the video's model input from its family's adapter (video_models.py).
Handler: durable_bedrock.video_generation.handler.
"""

from __future__ import annotations

import functools
import os
from typing import Any, TypedDict

from durable_bedrock.async_invoke import AsyncJobSteps, VideoBilling
from durable_bedrock.config import VideoSettings
from durable_bedrock.errors import (
    AsyncJobFailedError,
    AsyncJobTimeoutError,
    VideoGenerationFailedError,
    VideoGenerationTimeoutError,
)
from durable_bedrock.inputs import parse_video_request
from durable_bedrock.models import DEFAULT_NAME, Models
from durable_bedrock.video_models import VideoJob, VideoModel, video_model_for
from durable_bedrock.video_output import PREFERRED_NAME, VIDEO_SUFFIX
from durable_bedrock.video_polling import PollSchedule, expected_generation_seconds
from durable_bedrock.workflow import BedrockRun, WorkflowConfig, bedrock_workflow

# The names the execution history has always shown for the job's operations.
VIDEO_STEPS = AsyncJobSteps(
    token="mint-idempotency-token",
    start="start-async-invoke",
    first_wait="wait-for-expected-generation",
    poll="wait-for-video",
    output="build-result",
)


class VideoResult(TypedDict):
    """The execution's result (bedrock_workflow adds `cost`, the cost ledger's section)."""

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


@functools.cache
def settings() -> VideoSettings:
    # The published version's configuration, the same for every replay (durable executions run on a version).
    return VideoSettings.from_env(os.environ)  # noqa: TID251 configuration, fixed per version


@functools.cache
def video_model() -> VideoModel:
    return video_model_for(settings().model_id)


def workflow_config() -> WorkflowConfig:
    """The library's configuration, checking the model family too (at cold start and in each execution)."""
    config = settings()
    video_model()
    return WorkflowConfig(
        models=Models({DEFAULT_NAME: config.model_id}),
        prices=config.prices,
        budget=config.budget,
        region=config.bedrock_region,
    )


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


@bedrock_workflow(config=workflow_config)
def handler(event: dict[str, Any], run: BedrockRun) -> VideoResult:
    config, model = settings(), video_model()
    request = parse_video_request(event)
    job = model.job(request)
    run.context.logger.info("video generation started", extra={"model_id": config.model_id})
    try:
        # The job's cost is known before it starts (model, duration, resolution): over the budget, nothing starts.
        done = run.async_job(
            "video",
            model=DEFAULT_NAME,
            model_input=job.model_input,
            output_s3_uri=config.output_s3_uri,
            schedule=poll_schedule(config, model, job),
            output_suffix=VIDEO_SUFFIX,
            preferred_output=PREFERRED_NAME,
            kms_key_id=config.output_kms_key_id,
            billing=VideoBilling(job.duration_seconds, job.resolution),
            steps=VIDEO_STEPS,
        )
    except AsyncJobFailedError as error:
        raise VideoGenerationFailedError(str(error)) from error
    except AsyncJobTimeoutError as error:
        raise VideoGenerationTimeoutError(f"{error}; POLL_DEADLINE_SECONDS sets the deadline") from error
    return {
        "invocation_arn": done["invocation_arn"],
        "status": done["status"],
        "output_s3_uri": done["output_s3_uri"],
        "checks": done["checks"],
        "waited_seconds": done["waited_seconds"],
        "prompt": request.prompt,
        "model_id": config.model_id,
        "duration_seconds": job.duration_seconds,
        "seed": job.seed,
        "idempotency_token": done["idempotency_token"],
    }
