"""End to end: examples/video-generation. The tests every example runs are in
examples_e2e.py."""

import examples_e2e as e2e
import pytest
from examples_e2e import client, invoke

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
test_a_crash_mid_run_resumes_without_repeating_finished_steps = (
    e2e.test_a_crash_mid_run_resumes_without_repeating_finished_steps
)


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


# Last: it destroys the example.
test_destroy_leaves_nothing_behind = e2e.test_destroy_leaves_nothing_behind
