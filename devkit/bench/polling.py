"""Section 3, polling cost: GetAsyncInvoke calls and detection delay (time from
job completion to the check that sees it) for our schedule versus the
reference pattern's (first check after 30 s, then every 60 s, at most 10
checks), for simulated job durations. Each of our figures is also confirmed
by running the real video handler on the official local runner, with Bedrock
faked to finish at exactly that check."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "lambda_src"), str(REPO / "tests" / "workflows")]

JOB_SECONDS = [30, 90, 180, 360, 600, 1200]
SEED_FIRST, SEED_EVERY, SEED_MAX_CHECKS = 30, 60, 10


def ours(job_seconds: int, config) -> dict:
    """Check times follow video_generation.poll_delay: at once, then doubling waits."""
    from durable_bedrock.video_generation import poll_delay

    waited, checks = 0, 1
    while waited < job_seconds:
        delay = poll_delay(checks, waited, config)
        if delay == 0:
            return {"calls": checks, "detection_delay": None, "gave_up": True}
        waited, checks = waited + delay, checks + 1
    return {"calls": checks, "detection_delay": waited - job_seconds, "gave_up": False, "detected_at": waited}


def seed(job_seconds: int) -> dict:
    for check in range(1, SEED_MAX_CHECKS + 1):
        at = SEED_FIRST + SEED_EVERY * (check - 1)
        if at >= job_seconds:
            return {"calls": check, "detection_delay": at - job_seconds, "gave_up": False, "detected_at": at}
    return {"calls": SEED_MAX_CHECKS, "detection_delay": None, "gave_up": True}


def confirm_on_runner(expected: dict) -> dict:
    """Runs the video handler; Bedrock says InProgress until the expected check."""
    from bedrock_fake import FakeBedrock, FakeS3
    from durable_bedrock import bedrock, video_generation, video_output
    from durable_runner import run_workflow

    fake = FakeBedrock()
    bedrock.runtime_client = fake.runtime_client
    video_output.s3_client = FakeS3(fake.videos_written).s3_client
    arn = "arn:aws:bedrock:us-west-2:123456789012:async-invoke/bench0000001"
    fake.started(arn)
    for _ in range(expected["calls"] - 1):
        fake.job_status(arn, "InProgress")
    fake.job_status(arn, "Completed")
    result, _ = run_workflow(video_generation.handler, {"prompt": "bench"})
    output = json.loads(result.result)
    return {"checks": output["checks"], "waited_seconds": output["waited_seconds"]}


def run(progress) -> dict:
    os.environ.update(OUTPUT_S3_URI="s3://bench-bucket/videos/")
    from durable_bedrock.config import VideoSettings

    config = VideoSettings.from_env(os.environ)
    rows = []
    for job in JOB_SECONDS:
        progress(f"polling: job of {job} s")
        mine, theirs = ours(job, config), seed(job)
        confirmed = confirm_on_runner(mine)
        if confirmed != {"checks": mine["calls"], "waited_seconds": mine["detected_at"]}:
            raise AssertionError(f"runner disagrees with the schedule for {job} s: {confirmed} vs {mine}")
        rows.append({"job_seconds": job, "ours": mine, "seed": theirs, "confirmed_on_runner": confirmed})
    return {
        "ours_schedule": {
            "initial_seconds": config.poll_initial_seconds,
            "max_seconds": config.poll_max_seconds,
            "deadline_seconds": config.poll_deadline_seconds,
        },
        "seed_schedule": {"first_seconds": SEED_FIRST, "every_seconds": SEED_EVERY, "max_checks": SEED_MAX_CHECKS},
        "jobs": rows,
    }
