"""End to end: examples/video-generation. The tests every example runs are in
examples_e2e.py."""

import examples_e2e as e2e
import pytest
from examples_e2e import client, invoke


@pytest.fixture(scope="module", autouse=True)
def first_check_soon():
    """Local AWS finishes a video job at once (ministack_compat.py records it
    Completed): no need to wait the model's real generation time (83 s for a
    5 s Luma clip) before the first check. Set for every apply and plan here."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_VAR_poll_first_wait_seconds", "1")
        yield


deployed = e2e.deployed_fixture("video-generation")

test_a_second_plan_shows_no_changes = e2e.test_a_second_plan_shows_no_changes
test_invoke_reaches_succeeded_with_every_operation = e2e.test_invoke_reaches_succeeded_with_every_operation


def test_the_video_is_made_across_regions_and_really_in_s3(deployed, local_aws):
    name, example = deployed

    status, outcome = invoke(name, local_aws)

    assert status == 0, outcome
    bucket, _, key = outcome["result"]["output_s3_uri"].removeprefix("s3://").partition("/")
    s3 = client("s3", example, local_aws)
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "us-west-2"
    assert outcome["result"]["invocation_arn"].startswith("arn:aws:bedrock:us-west-2:")


test_an_invalid_payload_fails_naming_the_field = e2e.test_an_invalid_payload_fails_naming_the_field


@pytest.mark.parametrize(
    ("sid", "action"),
    [
        ("InvokeModel", "bedrock:InvokeModel"),
        ("AsyncInvokeJobs", "bedrock:GetAsyncInvoke"),
        ("WriteVideosUnderPrefix", "s3:PutObject"),
        ("FindVideosUnderPrefix", "s3:ListBucket"),
    ],
)
def test_each_statement_of_the_function_role_is_needed(deployed, sid, action, local_aws):
    e2e.assert_statement_needed(deployed, sid, action, local_aws)


def test_the_function_role_may_write_only_under_its_prefix_and_call_only_its_model(deployed, local_aws):
    """Negative, with the role's own policies: a put under the output prefix and
    an async job of the configured model are allowed; a put elsewhere in the
    bucket, and an async job of another video model, are refused."""
    _, example = deployed
    e2e.require_enforced_iam(local_aws)
    role = e2e.role_of(example.function_name, example, local_aws)
    environment = e2e.function_environment(example, local_aws)
    bucket, _, prefix = environment["OUTPUT_S3_URI"].removeprefix("s3://").partition("/")
    job = {
        "modelId": "amazon.nova-reel-v1:1",
        "modelInput": {"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "a boat"}},
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": f"s3://{bucket}/{prefix}"}},
    }

    with e2e.holder_of_role_policies(role, example, local_aws) as keys:
        s3 = e2e.client_as(keys, "s3", environment["BEDROCK_REGION"], local_aws)
        bedrock = e2e.client_as(keys, "bedrock-runtime", environment["BEDROCK_REGION"], local_aws)
        s3.put_object(Bucket=bucket, Key=f"{prefix}negative-test/allowed.txt", Body=b"under the prefix")
        e2e.assert_access_denied(lambda: s3.put_object(Bucket=bucket, Key="elsewhere/refused.txt", Body=b"outside"))
        assert bedrock.start_async_invoke(**{**job, "modelId": environment["BEDROCK_MODEL_ID"]})["invocationArn"]
        e2e.assert_access_denied(lambda: bedrock.start_async_invoke(**job))


# Last before the destroy tests: it leaves the function with the crash plugin (fired once).
test_a_crash_mid_run_resumes_without_repeating_finished_steps = (
    e2e.test_a_crash_mid_run_resumes_without_repeating_finished_steps
)


# Last: it destroys the example.
test_destroy_leaves_nothing_behind = e2e.test_destroy_leaves_nothing_behind
