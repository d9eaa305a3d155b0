"""End to end on local AWS, through the same make targets a user runs: apply
each example, re-plan, invoke, crash mid-run, send a bad payload, destroy."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from durable_api import wait_for_event, wait_for_status
from test_build import build_test_source, crash_environment

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Example:
    module: str  # the module block's label in the example
    region: str
    function_name: str
    operations: list[str]
    crash_before: str  # a step that starts after others have finished
    bad_payload: dict
    bad_field: str
    finished_before_crash: list[str] = field(default_factory=list)


EXAMPLES = {
    "content-pipeline": Example(
        module="content_pipeline",
        region="us-east-1",
        function_name="durable-content-pipeline",
        operations=["generate-outline", "editorial-review", "expand-draft", "summarize"],
        crash_before="expand-draft",
        finished_before_crash=["generate-outline"],
        bad_payload={"topic": ""},
        bad_field="topic",
    ),
    "sqs-trigger": Example(
        module="queued_pipeline",
        region="us-east-1",
        function_name="durable-queued-pipeline",
        operations=["generate-outline", "editorial-review", "expand-draft", "summarize"],
        crash_before="summarize",
        finished_before_crash=["generate-outline", "expand-draft"],
        bad_payload={"topic": 7},
        bad_field="topic",
    ),
    "video-generation": Example(
        module="video_generation",
        region="us-east-1",  # the function; the model and its bucket are in us-west-2 (bedrock_region)
        function_name="durable-video-generation",
        operations=["mint-idempotency-token", "start-async-invoke", "wait-for-video", "build-result"],
        crash_before="build-result",
        finished_before_crash=["mint-idempotency-token", "start-async-invoke", "wait-for-video"],
        bad_payload={"prompt": "a boat", "duration_seconds": 7},
        bad_field="duration_seconds",
    ),
}


def make(target: str, name: str, local_aws, *variables: str) -> subprocess.CompletedProcess:
    """Runs `make <target>` for an example against the test session's local AWS,
    in a Terraform workspace of its own."""
    return subprocess.run(
        [
            "make", "--no-print-directory", target, f"EXAMPLE={name}", "TARGET=local", "WORKSPACE=e2e",
            f"LOCAL_AWS_PORT={local_aws.port}", f"LOCAL_AWS_STATE={local_aws.state_dir}", *variables,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def client(service: str, example: Example, local_aws):
    return boto3.client(
        service,
        region_name=example.region,
        endpoint_url=local_aws.endpoint,
        aws_access_key_id="test",  # loopback emulator only
        aws_secret_access_key="test",
    )


def invoke(name: str, local_aws, payload: dict | None = None) -> tuple[int, dict | str]:
    extra = [f"PAYLOAD={json.dumps(payload)}"] if payload is not None else []
    result = make("invoke", name, local_aws, "INVOKE_ARGS=--json", *extra)
    try:
        return result.returncode, json.loads(result.stdout)
    except ValueError:
        return result.returncode, result.stdout + result.stderr


def started_and_succeeded(lam, execution_arn: str) -> tuple[Counter, Counter]:
    events = lam.get_durable_execution_history(DurableExecutionArn=execution_arn)["Events"]
    started = Counter(e["Name"] for e in events if e["EventType"] in ("StepStarted", "WaitStarted"))
    finished = Counter(e["Name"] for e in events if e["EventType"] in ("StepSucceeded", "WaitSucceeded"))
    return started, finished


def grouped(name: str):
    """The `deployed` parameter for one example. Its tests form one xdist group
    (make test-python runs pytest with --dist loadgroup): they run in order on
    one worker, with that worker's local AWS, while the other examples' groups
    run on other workers. The examples share no Terraform directory, workspace
    or emulator, so their apply/destroy waits overlap instead of adding up."""
    return pytest.param(name, marks=pytest.mark.xdist_group(f"e2e-{name}"))


@pytest.fixture(scope="module", params=[grouped(name) for name in EXAMPLES])
def deployed(request, local_aws):
    name = request.param
    applied = make("apply", name, local_aws)
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]
    yield name, EXAMPLES[name]
    make("destroy", name, local_aws)  # no-op when the destroy test already ran
    (REPO / "examples" / name / "e2e_fault_override.tf").unlink(missing_ok=True)


def test_a_second_plan_shows_no_changes(deployed, local_aws):
    name, _ = deployed
    env = {**os.environ, "TF_WORKSPACE": "e2e"}
    plan = subprocess.run(
        [os.environ["TF"], f"-chdir=examples/{name}", "plan", "-detailed-exitcode", "-input=false", "-no-color"],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-2000:]


def test_invoke_reaches_succeeded_with_every_operation(deployed, local_aws):
    name, example = deployed

    status, outcome = invoke(name, local_aws)

    assert status == 0, outcome
    assert outcome["status"] == "SUCCEEDED"
    _, finished = started_and_succeeded(client("lambda", example, local_aws), outcome["execution_arn"])
    assert [op for op in example.operations if finished[op] == 1] == example.operations, finished


@pytest.mark.parametrize("deployed", [grouped("video-generation")], indirect=True)
def test_the_video_is_made_across_regions_and_really_in_s3(deployed, local_aws):
    name, example = deployed

    status, outcome = invoke(name, local_aws)

    assert status == 0, outcome
    bucket, _, key = outcome["result"]["output_s3_uri"].removeprefix("s3://").partition("/")
    s3 = client("s3", example, local_aws)
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "us-west-2"
    assert outcome["result"]["invocation_arn"].startswith("arn:aws:bedrock:us-west-2:")


def test_an_invalid_payload_fails_naming_the_field(deployed, local_aws):
    name, example = deployed

    status, outcome = invoke(name, local_aws, example.bad_payload)

    assert status != 0, outcome  # make reports the tool's failure as its own exit 2
    assert outcome["status"] == "FAILED"
    assert f"input field '{example.bad_field}'" in outcome["error"]["ErrorMessage"]
    started, _ = started_and_succeeded(client("lambda", example, local_aws), outcome["execution_arn"])
    assert not started, f"no step may run on bad input: {started}"


def test_a_crash_mid_run_resumes_without_repeating_finished_steps(deployed, local_aws, tmp_path):
    name, example = deployed
    # The test build: the workflows plus the crash plugin, which the package users deploy never holds.
    source = build_test_source(tmp_path / "lambda_src")
    environment = crash_environment(example.crash_before, tmp_path)
    fault = REPO / "examples" / name / "e2e_fault_override.tf"
    fault.write_text(
        f'module "{example.module}" {{\n'
        f'  source_dir            = "{source}"\n'
        f'  requirements_file     = "{REPO / "lambda_src" / "requirements.txt"}"\n'
        f"  environment_variables = {json.dumps(environment)}\n"
        "}\n"
    )
    try:
        applied = make("apply", name, local_aws)
        assert applied.returncode == 0, applied.stderr[-3000:]

        status, outcome = invoke(name, local_aws)
    finally:
        fault.unlink()
        restored = make("apply", name, local_aws)  # the function without the fault again
    assert restored.returncode == 0, restored.stderr[-3000:]

    assert status == 0, outcome
    assert (tmp_path / f"crashed-before-{example.crash_before}").exists(), "the fault never fired"
    lam = client("lambda", example, local_aws)
    events = lam.get_durable_execution_history(DurableExecutionArn=outcome["execution_arn"])["Events"]
    assert any((e.get("InvocationCompletedDetails") or {}).get("Error") for e in events), "no invocation crashed"
    started, finished = started_and_succeeded(lam, outcome["execution_arn"])
    assert {op: started[op] for op in example.finished_before_crash if op != "wait-for-video"} == {
        op: 1 for op in example.finished_before_crash if op != "wait-for-video"
    }, f"a finished step ran again: {started}"
    assert all(finished[op] == 1 for op in example.operations), finished


def example_outputs(name: str) -> dict:
    result = subprocess.run(
        [os.environ["TF"], f"-chdir=examples/{name}", "output", "-json"],
        cwd=REPO, env={**os.environ, "TF_WORKSPACE": "e2e"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {key: output["value"] for key, output in json.loads(result.stdout).items()}


@pytest.mark.parametrize("deployed", [grouped("sqs-trigger")], indirect=True)
def test_a_queued_message_starts_an_execution(deployed, local_aws):
    name, example = deployed
    outputs = example_outputs(name)
    lam = client("lambda", example, local_aws)
    version = outputs["version"]
    before = {e["DurableExecutionArn"] for e in lam.list_durable_executions_by_function(
        FunctionName=example.function_name, Qualifier=version)["DurableExecutions"]}  # fmt: skip

    client("sqs", example, local_aws).send_message(
        QueueUrl=outputs["queue_url"], MessageBody=json.dumps({"topic": "queued request"})
    )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [
            e for e in lam.list_durable_executions_by_function(FunctionName=example.function_name, Qualifier=version)[
                "DurableExecutions"] if e["DurableExecutionArn"] not in before and e["Status"] != "RUNNING"
        ]  # fmt: skip
        if new:
            break
        time.sleep(1)
    assert len(new) == 1, "the message did not start exactly one execution within 60 s"
    execution = lam.get_durable_execution(DurableExecutionArn=new[0]["DurableExecutionArn"])
    assert execution["Status"] == "SUCCEEDED", execution.get("Error")
    assert json.loads(execution["Result"])["topic"] == "queued request"


@pytest.mark.parametrize("deployed", [grouped("sqs-trigger")], indirect=True)
def test_a_redelivered_message_starts_one_execution(deployed, local_aws):
    """A message comes back when its visibility timeout lapses or its batch
    failed, with the same messageId (SQS Message.MessageId: the id "you
    received when you sent the message") and body, a new receipt handle and
    a higher ApproximateReceiveCount. The starter deletes a message as soon as
    its execution started, so this happens only if it crashed in between (or
    SQS delivered a copy). Here the event source mapping's two deliveries are
    made by hand, as it makes them: the starter names the execution after the
    id, so the second delivery finds the first execution (same name and
    payload: Invoke returns it) and starts nothing."""
    name, example = deployed
    lam = client("lambda", example, local_aws)
    outputs = example_outputs(name)
    queue_arn = client("sqs", example, local_aws).get_queue_attributes(
        QueueUrl=outputs["queue_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    message_id = f"redelivered-{uuid.uuid4()}"

    def delivery(receives: int) -> dict:
        record = {
            "messageId": message_id,
            "receiptHandle": f"handle-{receives}",  # not a live handle: the early delete fails and says so
            "body": json.dumps({"topic": "redelivered request"}),
            "attributes": {"ApproximateReceiveCount": str(receives)},
            "eventSourceARN": queue_arn,
        }
        return {"Records": [record]}

    answers = [
        json.loads(lam.invoke(FunctionName=f"{example.function_name}-sqs-starter", Payload=json.dumps(delivery(n)))[
            "Payload"].read()) for n in (1, 2)
    ]  # fmt: skip

    assert answers == [{"batchItemFailures": []}] * 2
    started = lam.list_durable_executions_by_function(
        FunctionName=example.function_name, Qualifier=outputs["version"], DurableExecutionName=f"sqs-{message_id}"
    )["DurableExecutions"]
    assert len(started) == 1, started
    assert wait_for_status(lam, started[0]["DurableExecutionArn"], timeout=60)["Status"] == "SUCCEEDED"


@pytest.mark.parametrize("deployed", [grouped("sqs-trigger")], indirect=True)
def test_a_message_that_cannot_start_reaches_the_dead_letter_queue_with_its_reason(deployed, local_aws):
    """A body that is not JSON cannot start an execution (Invoke takes a JSON
    payload): the starter reports it as a batch item failure each time, and
    after max_receive_count deliveries (3 in the example) SQS moves it to the
    dead-letter queue (RedrivePolicy maxReceiveCount). The starter's log names
    the message and the reason. The queue's visibility timeout is shortened
    here so that three deliveries take seconds instead of minutes."""
    name, example = deployed
    outputs = example_outputs(name)
    sqs = client("sqs", example, local_aws)
    sqs.set_queue_attributes(QueueUrl=outputs["queue_url"], Attributes={"VisibilityTimeout": "1"})
    dead_letters = sqs.get_queue_url(QueueName=outputs["dead_letter_queue_arn"].rsplit(":", 1)[-1])["QueueUrl"]

    sent = sqs.send_message(QueueUrl=outputs["queue_url"], MessageBody="not json")["MessageId"]

    deadline, arrived = time.monotonic() + 90, []
    while not arrived and time.monotonic() < deadline:
        arrived = sqs.receive_message(QueueUrl=dead_letters, WaitTimeSeconds=1).get("Messages", [])
    assert [(m["MessageId"], m["Body"]) for m in arrived] == [(sent, "not json")]
    logged = client("logs", example, local_aws).filter_log_events(
        logGroupName=f"/aws/lambda/{example.function_name}-sqs-starter", filterPattern=f'"{sent}"'
    )["events"]
    assert any(f"could not start an execution for message {sent}: " in e["message"] for e in logged), logged


@pytest.mark.parametrize("deployed", [grouped("content-pipeline")], indirect=True)
def test_destroy_stops_a_running_execution_first(deployed, local_aws):
    """`make destroy` while an execution waits on the published version: it
    stops the execution before removing the function, so nothing is left
    RUNNING against a function that no longer exists."""
    name, example = deployed
    applied = make("apply", name, local_aws, "TF_VAR_review_wait_seconds=600")  # the run will still be waiting
    assert applied.returncode == 0, applied.stderr[-3000:]
    lam = client("lambda", example, local_aws)
    arn = lam.invoke(
        FunctionName=example_outputs(name)["alias_arn"], InvocationType="Event", Payload=json.dumps({"topic": "left"})
    )["DurableExecutionArn"]
    wait_for_event(lam, arn, "WaitStarted", timeout=60)

    destroyed = make("destroy", name, local_aws)

    assert destroyed.returncode == 0, destroyed.stderr[-3000:]
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "STOPPED"


def test_destroy_leaves_nothing_behind(deployed, local_aws):
    name, example = deployed

    destroyed = make("destroy", name, local_aws)

    assert destroyed.returncode == 0, destroyed.stderr[-3000:]
    with pytest.raises(ClientError, match="ResourceNotFound"):
        client("lambda", example, local_aws).get_function(FunctionName=example.function_name)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        client("iam", example, local_aws).get_role(RoleName=f"{example.function_name}-exec")
    groups = client("logs", example, local_aws).describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{example.function_name}"
    )
    assert groups["logGroups"] == []
    buckets = client("s3", example, local_aws).list_buckets()["Buckets"]
    assert [b["Name"] for b in buckets if b["Name"].startswith(example.function_name)] == []
