"""async_job (async_invoke.py), the public async-job block, on a bare DurableContext on the official testing runner,
with a job that is not a video: one job across retries and replays (one token), the checks on the schedule,
the object really in S3 returned, the ledger and budget with and without billing."""

import json

import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution

from durable_bedrock import AsyncJobSteps, Budget, CostLedger, PollSchedule, VideoBilling, async_job
from durable_bedrock.pricing import parse_prices
from durable_runner import run_workflow

MODEL = "amazon.example-async-v1:0"
JOB_ARN = "arn:aws:bedrock:us-west-2:123456789012:async-invoke/job42"
OUTPUT = "s3://jobs-bucket/out/"
# Checks at 30 s, then half the time waited later: 45, 67, 100 (at least 10 s apart, deadline 1000 s).
SCHEDULE = PollSchedule(first_wait_seconds=30, wait_percent=50, max_wait_seconds=600, deadline_seconds=1000)


@pytest.fixture(autouse=True)
def objects_in_s3(fake_s3):
    return fake_s3


def render(billing: VideoBilling | None = None, budget: Budget | None = None):
    @durable_execution
    def handler(event: dict, context: DurableContext) -> dict:
        ledger = CostLedger()
        job = async_job(
            context,
            "render",
            model_id=MODEL,
            model_input={"task": "summarise", "documents": event["documents"]},
            output_s3_uri=OUTPUT,
            schedule=SCHEDULE,
            output_suffix=".json",
            ledger=ledger,
            budget=budget,
            billing=billing,
        )
        return {**job, "video_jobs": ledger.video_jobs}

    return handler


def in_progress_then_completed(fake, in_progress: int) -> None:
    fake.started(JOB_ARN)
    for _ in range(in_progress):
        fake.job_status(JOB_ARN, "InProgress")
    fake.job_status(JOB_ARN, "Completed")


def started_steps(events) -> list[str]:
    return [e.name for e in events if e.event_type == "StepStarted"]


def test_one_job_across_a_retried_start_and_the_replays_of_every_check(configure, fake_bedrock, objects_in_s3):
    configure()
    fake_bedrock.video_names = ["log.txt", "result.json"]
    fake_bedrock.fail("start_async_invoke", "ThrottlingException", 429)
    in_progress_then_completed(fake_bedrock, 3)

    result, events = run_workflow(render(), {"documents": ["a", "b"]})

    assert result.status.value == "SUCCEEDED", result.error
    output = json.loads(result.result)
    token = output["idempotency_token"]
    first, second = fake_bedrock.calls_to("StartAsyncInvoke")
    assert (
        first
        == second
        == {
            "modelId": MODEL,
            "modelInput": {"task": "summarise", "documents": ["a", "b"]},
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": f"{OUTPUT}{token}/"}},
            "clientRequestToken": token,
        }
    )
    assert started_steps(events).count("render-token") == 1  # minted once, replayed after
    assert output == {
        "invocation_arn": JOB_ARN,
        "status": "Completed",
        "output_s3_uri": f"{OUTPUT}{token}/job42/result.json",  # the object with the suffix, really listed
        "checks": 4,
        "waited_seconds": 100,  # checks at 30, 45, 67, 100
        "idempotency_token": token,
        "video_jobs": [],  # no billing: nothing for the ledger to price
    }
    assert objects_in_s3.listed == [{"Bucket": "jobs-bucket", "Prefix": f"out/{token}/"}]
    (wait,) = [e for e in events if e.name == "render-expected-wait" and e.event_type == "WaitStarted"]
    assert wait.wait_started_details.duration == 30
    assert len(fake_bedrock.calls_to("GetAsyncInvoke")) == 4


def test_the_steps_are_named_after_the_job_unless_named_otherwise():
    assert AsyncJobSteps.named("render") == AsyncJobSteps(
        "render-token", "render-start", "render-expected-wait", "render-poll", "render-output"
    )


def test_a_job_that_fails_raises_with_bedrocks_message(configure, fake_bedrock):
    configure()
    fake_bedrock.started(JOB_ARN)
    fake_bedrock.job_status(JOB_ARN, "Failed", failure="Input too long.")

    result, _ = run_workflow(render(), {"documents": ["a"]})

    assert result.error.type.endswith("AsyncJobFailedError")
    assert result.error.message == f"Bedrock failed the render job {JOB_ARN}: Input too long."


def test_a_completed_job_with_no_matching_object_fails_naming_the_folder(configure, fake_bedrock, objects_in_s3):
    configure()
    fake_bedrock.video_names = ["log.txt"]
    in_progress_then_completed(fake_bedrock, 0)

    result, _ = run_workflow(render(), {"documents": ["a"]})

    assert result.status.value == "FAILED"
    assert "the render job reported Completed, but s3://jobs-bucket/out/" in result.error.message
    assert "holds no .json file" in result.error.message


def test_billing_goes_to_the_ledger_and_the_budget_checks_the_known_cost_first(configure, fake_bedrock):
    configure()
    in_progress_then_completed(fake_bedrock, 0)
    fake_bedrock.video_names = ["result.json"]

    result, _ = run_workflow(render(billing=VideoBilling(6, "720p")), {"documents": ["a"]})

    assert json.loads(result.result)["video_jobs"] == [
        {"step": "render-start", "model_id": MODEL, "duration_seconds": 6, "resolution": "720p"}
    ]

    prices = parse_prices({"bedrock": {MODEL: {"per_video_second": 1.0}}})
    over, _ = run_workflow(render(VideoBilling(6, "720p"), Budget(usd=5.0, prices=prices)), {"documents": ["a"]})

    assert over.error.type.endswith("BudgetExceededError")
    assert "step 'render-start' not started: its video job" in over.error.message
    assert len(fake_bedrock.calls_to("StartAsyncInvoke")) == 1  # the first run's only
