"""The video workflow on the official testing runner, with Bedrock faked at the client."""

import json
from itertools import accumulate, pairwise

import pytest

from durable_bedrock import video_generation
from durable_runner import run_workflow

SUCCEEDED, FAILED = "SUCCEEDED", "FAILED"
OUTPUT_S3_URI = "s3://videos-bucket/generated/"
JOB_ARN = "arn:aws:bedrock:us-west-2:123456789012:async-invoke/abcdef123456"


@pytest.fixture(autouse=True)
def videos_in_s3(fake_s3):
    """Every test here sees S3 holding what the fake jobs wrote."""
    return fake_s3


@pytest.fixture
def video(configure, fake_bedrock):
    """Luma Ray 2 with the default schedule: first check at 83 s (a 5 s clip), then 15 % of the time waited."""
    configure(OUTPUT_S3_URI=OUTPUT_S3_URI)
    return fake_bedrock


def poll_delays(events) -> list[int]:
    """The waits the durable service was asked to make between video checks."""
    return [
        e.step_succeeded_details.retry_details.next_attempt_delay_seconds
        for e in events
        if e.name == "wait-for-video"
        and e.event_type == "StepSucceeded"
        and e.step_succeeded_details.retry_details is not None
    ]


def check_times(events) -> list[int]:
    """Seconds after the job's start of every GetAsyncInvoke: the first wait, then each delay, added up."""
    (first,) = [
        e.wait_started_details.duration
        for e in events
        if e.name == "wait-for-expected-generation" and e.event_type == "WaitStarted"
    ]
    return list(accumulate(poll_delays(events), initial=first))


def job_in_progress_then(fake, in_progress: int, final: str = "Completed", failure: str = "") -> None:
    fake.started(JOB_ARN)
    for _ in range(in_progress):
        fake.job_status(JOB_ARN, "InProgress")
    fake.job_status(JOB_ARN, final, failure=failure)


def test_the_seed_scenario_two_in_progress_then_completed(video):
    job_in_progress_then(video, 2)

    result, events = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == SUCCEEDED, result.error
    assert [(op.name, op.status.value) for op in result.operations] == [
        ("mint-idempotency-token", SUCCEEDED),
        ("start-async-invoke", SUCCEEDED),
        ("wait-for-expected-generation", SUCCEEDED),
        ("wait-for-video", SUCCEEDED),
        ("build-result", SUCCEEDED),
        ("execution-metrics", SUCCEEDED),
    ]
    output = json.loads(result.result)
    token = output.pop("idempotency_token")
    assert len(token) == 32
    assert output.pop("cost")["video_jobs"][0]["duration_seconds"] == 5  # the ledger: test_cost_ledger.py
    assert output == {
        "invocation_arn": JOB_ARN,
        "status": "Completed",
        "output_s3_uri": f"{OUTPUT_S3_URI}{token}/abcdef123456/output.mp4",
        "checks": 3,
        "waited_seconds": 109,
        "prompt": "a lighthouse at dawn",
        "model_id": "luma.ray-v2:0",
        "duration_seconds": 5,
        "seed": None,
    }
    assert check_times(events) == [83, 95, 109]


# Each case: the job is done at its last check. The first wait is the expected generation time for
# the requested duration (video_polling.py: Nova Reel 90 s for 6 s and 840 s for 120 s, as documented;
# Luma Ray 2 given the same curve) or POLL_FIRST_WAIT_SECONDS; then each wait is 15 % of the time
# waited so far, at least 10 s, at most POLL_MAX_SECONDS, never past the deadline.
DEADLINE_100 = {"POLL_FIRST_WAIT_SECONDS": "60", "POLL_WAIT_PERCENT": "30", "POLL_DEADLINE_SECONDS": "100"}


@pytest.mark.parametrize(
    "environment,duration,times",
    [
        ({"BEDROCK_MODEL_ID": "luma.ray-v2:0"}, 5, [83, 95, 109, 125]),
        ({"BEDROCK_MODEL_ID": "luma.ray-v2:0"}, 9, [109, 125, 143, 164]),
        ({"BEDROCK_MODEL_ID": "amazon.nova-reel-v1:0"}, 6, [90, 103, 118, 135]),
        ({"BEDROCK_MODEL_ID": "amazon.nova-reel-v1:1"}, 18, [168, 193, 221, 254]),
        ({"BEDROCK_MODEL_ID": "amazon.nova-reel-v1:1"}, 120, [840, 966, 1110, 1276]),
        ({"POLL_FIRST_WAIT_SECONDS": "2000", "POLL_MAX_SECONDS": "120"}, 5, [2000, 2120, 2240, 2360]),
        ({"POLL_FIRST_WAIT_SECONDS": "30"}, 5, [30, 40, 50, 60, 70]),
        (DEADLINE_100, 5, [60, 78, 100]),  # 78 + 23 would be 101: done by the deadline is found, no timeout
        ({"POLL_FIRST_WAIT_SECONDS": "5000", "POLL_DEADLINE_SECONDS": "3600"}, 5, [3600]),
    ],
    ids=[
        "luma-5s",
        "luma-9s",
        "nova-reel-6s",
        "nova-reel-18s",
        "nova-reel-120s",
        "capped-at-poll-max",
        "at-least-10s-apart",
        "last-check-at-the-deadline",
        "first-wait-beyond-the-deadline",
    ],
)
def test_checks_land_at_the_scheduled_times(configure, fake_bedrock, environment, duration, times):
    configure(OUTPUT_S3_URI=OUTPUT_S3_URI, **environment)
    job_in_progress_then(fake_bedrock, len(times) - 1)

    result, events = run_workflow(video_generation.handler, {"prompt": "a lighthouse", "duration_seconds": duration})

    assert result.status.value == SUCCEEDED, result.error
    assert check_times(events) == times
    assert json.loads(result.result)["waited_seconds"] == times[-1]
    assert len(fake_bedrock.calls_to("GetAsyncInvoke")) == len(times)


def test_a_job_much_slower_than_expected_is_found_within_15_percent_of_its_duration(configure, fake_bedrock):
    """A 6 s Nova Reel clip still running at 4x its documented 90 s: found, each check
    at most 15 % of the time waited after the one before, so never later than that."""
    configure(OUTPUT_S3_URI=OUTPUT_S3_URI, BEDROCK_MODEL_ID="amazon.nova-reel-v1:0")
    job_in_progress_then(fake_bedrock, 10)

    result, events = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == SUCCEEDED, result.error
    times = check_times(events)
    assert times == [90, 103, 118, 135, 155, 178, 204, 234, 269, 309, 355]
    assert all(later - earlier <= 0.15 * earlier for earlier, later in pairwise(times))
    assert json.loads(result.result)["checks"] == 11


def test_the_job_is_started_once_with_the_token_and_output_prefix(video):
    job_in_progress_then(video, 1)

    result, _ = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn", "duration_seconds": 9})

    (start,) = video.calls_to("StartAsyncInvoke")
    token = json.loads(result.result)["idempotency_token"]
    assert start == {
        "modelId": "luma.ray-v2:0",
        "modelInput": {
            "prompt": "a lighthouse at dawn",
            "duration": "9s",
            "resolution": "720p",
            "aspect_ratio": "16:9",
            "loop": False,
        },
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": f"{OUTPUT_S3_URI}{token}/"}},
        "clientRequestToken": token,
    }


def test_a_throttled_start_is_retried_with_the_same_token(video):
    video.fail("start_async_invoke", "ThrottlingException", 429)
    job_in_progress_then(video, 0)

    result, _ = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == SUCCEEDED, result.error
    first, second = video.calls_to("StartAsyncInvoke")
    assert first["clientRequestToken"] == second["clientRequestToken"] == json.loads(result.result)["idempotency_token"]


def test_a_start_refused_for_the_job_quota_waits_and_starts_once(video):
    for _ in range(3):
        video.fail("start_async_invoke", "ServiceQuotaExceededException", 400, "Too many concurrent jobs")
    job_in_progress_then(video, 0)

    result, events = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == SUCCEEDED, result.error
    starts = video.calls_to("StartAsyncInvoke")
    assert len(starts) == 4 and len({start["clientRequestToken"] for start in starts}) == 1
    retries = [e for e in events if e.name == "start-async-invoke" and e.event_type == "StepFailed"]
    assert len(retries) == 3  # each refused start is a checkpointed retry, the function suspended in between


def test_the_result_names_the_video_really_in_s3(video, videos_in_s3):
    video.video_names = ["manifest.json", "clip-1.mp4"]
    job_in_progress_then(video, 0)

    result, _ = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    output = json.loads(result.result)
    prefix = f"generated/{output['idempotency_token']}/"
    assert output["output_s3_uri"] == f"s3://videos-bucket/{prefix}abcdef123456/clip-1.mp4"
    assert videos_in_s3.listed == [{"Bucket": "videos-bucket", "Prefix": prefix}]


def test_a_completed_job_without_a_video_fails_clearly_without_retries(video, videos_in_s3):
    video.video_names = ["manifest.json", "generation-status.json"]
    job_in_progress_then(video, 0)

    result, _ = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == FAILED
    # VideoMissingError, from inside the build-result step
    assert "the video job reported Completed" in result.error.message
    assert "holds no .mp4 file" in result.error.message
    assert len(videos_in_s3.listed) == 1


def test_bedrock_and_s3_are_called_in_the_bedrock_region_with_the_bucket_key(configure, fake_bedrock, videos_in_s3):
    key = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    configure(OUTPUT_S3_URI=OUTPUT_S3_URI, BEDROCK_REGION="us-west-2", OUTPUT_KMS_KEY_ID=key)
    job_in_progress_then(fake_bedrock, 1)

    result, _ = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == SUCCEEDED, result.error
    assert set(fake_bedrock.regions) == {"us-west-2"} and set(videos_in_s3.regions) == {"us-west-2"}
    (start,) = fake_bedrock.calls_to("StartAsyncInvoke")
    assert start["outputDataConfig"]["s3OutputDataConfig"]["kmsKeyId"] == key


def test_a_transient_error_while_polling_is_checked_again(video):
    video.started(JOB_ARN)
    video.fail("get_async_invoke", "ServiceUnavailableException", 503)
    video.job_status(JOB_ARN, "Completed")

    result, _ = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == SUCCEEDED, result.error
    assert json.loads(result.result)["checks"] == 2


def test_a_failed_job_fails_the_execution_with_bedrocks_message(video):
    job_in_progress_then(video, 1, final="Failed", failure="The prompt was blocked by content filters.")

    result, _ = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == FAILED
    assert "The prompt was blocked by content filters." in result.error.message
    assert result.error.type.endswith("VideoGenerationFailedError")


def test_the_deadline_fails_the_execution_saying_how_long_and_how_often(configure, fake_bedrock):
    configure(OUTPUT_S3_URI=OUTPUT_S3_URI, **DEADLINE_100)
    fake_bedrock.started(JOB_ARN)
    for _ in range(3):  # checks at 60, 78 and, not 101, but exactly 100 s
        fake_bedrock.job_status(JOB_ARN, "InProgress")

    result, events = run_workflow(video_generation.handler, {"prompt": "a lighthouse at dawn"})

    assert result.status.value == FAILED
    assert result.error.type.endswith("VideoGenerationTimeoutError")
    assert "after waiting 100 s over 3 checks" in result.error.message
    assert check_times(events) == [60, 78, 100]
    fake_bedrock.assert_all_answers_used()


def test_nova_reel_gets_its_own_request_shape(configure, fake_bedrock):
    configure(OUTPUT_S3_URI=OUTPUT_S3_URI, BEDROCK_MODEL_ID="amazon.nova-reel-v1:1")
    job_in_progress_then(fake_bedrock, 0)

    result, _ = run_workflow(
        video_generation.handler, {"prompt": "a lighthouse at dawn", "duration_seconds": 12, "seed": 7}
    )

    assert result.status.value == SUCCEEDED, result.error
    (start,) = fake_bedrock.calls_to("StartAsyncInvoke")
    assert start["modelInput"] == {
        "taskType": "MULTI_SHOT_AUTOMATED",
        "multiShotAutomatedParams": {"text": "a lighthouse at dawn"},
        "videoGenerationConfig": {"durationSeconds": 12, "fps": 24, "dimension": "1280x720", "seed": 7},
    }


@pytest.mark.parametrize(
    "model_id,payload,field,rule",
    [
        ("luma.ray-v2:0", {}, "prompt", "is required"),
        ("luma.ray-v2:0", {"prompt": ""}, "prompt", "must not be empty"),
        ("luma.ray-v2:0", {"prompt": ["a", "cat"]}, "prompt", "must be a string"),
        ("luma.ray-v2:0", {"prompt": "x" * 5001}, "prompt", "accepts at most 5000"),
        ("luma.ray-v2:0", {"prompt": "a cat", "duration_seconds": 6}, "duration_seconds", "accepts [5, 9]"),
        ("luma.ray-v2:0", {"prompt": "a cat", "duration_seconds": "5"}, "duration_seconds", "must be a whole number"),
        ("luma.ray-v2:0", {"prompt": "a cat", "duration_seconds": True}, "duration_seconds", "must be a whole number"),
        ("luma.ray-v2:0", {"prompt": "a cat", "seed": 1}, "seed", "does not accept a seed"),
        ("luma.ray-v2:0", {"prompt": "a cat", "style": "noir"}, "style", "is not accepted"),
        ("amazon.nova-reel-v1:0", {"prompt": "a cat", "duration_seconds": 12}, "duration_seconds", "accepts [6]"),
        ("amazon.nova-reel-v1:1", {"prompt": "a cat", "duration_seconds": 13}, "duration_seconds", "accepts [6, 12"),
        ("amazon.nova-reel-v1:0", {"prompt": "x" * 513}, "prompt", "accepts at most 512"),
        ("amazon.nova-reel-v1:0", {"prompt": "a cat", "seed": -1}, "seed", "accepts 0 to 2147483646"),
    ],
)
def test_bad_input_fails_at_once_naming_the_field(configure, fake_bedrock, model_id, payload, field, rule):
    configure(OUTPUT_S3_URI=OUTPUT_S3_URI, BEDROCK_MODEL_ID=model_id)

    result, _ = run_workflow(video_generation.handler, payload)

    assert result.status.value == FAILED
    assert f"input field '{field}'" in result.error.message
    assert rule in result.error.message
    assert fake_bedrock.calls == []


@pytest.mark.parametrize(
    "variables,variable,rule",
    [
        ({}, "OUTPUT_S3_URI", "is required"),
        ({"OUTPUT_S3_URI": "s3://videos-bucket/no-trailing-slash"}, "OUTPUT_S3_URI", "trailing slash"),
        ({"OUTPUT_S3_URI": "https://videos-bucket/x/"}, "OUTPUT_S3_URI", "expected s3://"),
        (
            {"OUTPUT_S3_URI": OUTPUT_S3_URI, "BEDROCK_MODEL_ID": "stability.sd3-large-v1:0"},
            "BEDROCK_MODEL_ID",
            "not a supported text-to-video model",
        ),
        ({"OUTPUT_S3_URI": OUTPUT_S3_URI, "POLL_DEADLINE_SECONDS": "0"}, "POLL_DEADLINE_SECONDS", "allowed range"),
        ({"OUTPUT_S3_URI": OUTPUT_S3_URI, "BEDROCK_REGION": "West 2"}, "BEDROCK_REGION", "an AWS region name"),
        ({"OUTPUT_S3_URI": OUTPUT_S3_URI, "OUTPUT_KMS_KEY_ID": "alias/videos"}, "OUTPUT_KMS_KEY_ID", "a KMS key ARN"),
        ({"OUTPUT_S3_URI": OUTPUT_S3_URI, "POLL_MAX_SECONDS": "9"}, "POLL_MAX_SECONDS", "allowed range is 10 to 3600"),
        ({"OUTPUT_S3_URI": OUTPUT_S3_URI, "POLL_WAIT_PERCENT": "0"}, "POLL_WAIT_PERCENT", "allowed range is 1 to 100"),
        (
            {"OUTPUT_S3_URI": OUTPUT_S3_URI, "POLL_FIRST_WAIT_SECONDS": "soon"},
            "POLL_FIRST_WAIT_SECONDS",
            "expected a whole number from 1 to 31622400",
        ),
    ],
)
def test_bad_configuration_fails_naming_the_variable(configure, fake_bedrock, variables, variable, rule):
    configure(**variables)

    result, _ = run_workflow(video_generation.handler, {"prompt": "a cat"})

    assert result.status.value == FAILED
    assert f"environment variable {variable}" in result.error.message
    assert rule in result.error.message
    assert fake_bedrock.calls == []
