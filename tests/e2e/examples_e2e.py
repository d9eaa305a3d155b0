"""End to end on local AWS, through the same make targets a user runs: apply
each example, re-plan, invoke, crash mid-run, send a bad payload, destroy.

The tests every example runs and their helpers. Each example has a test file of
its own (test_e2e_<example>.py) that deploys it once (deployed_fixture) and
lists these tests, in order, with its own. make test-python runs pytest-xdist
with --dist loadfile: one file's tests run in order on one worker, with that
worker's private local AWS, so the three examples' apply/destroy waits (the AWS
provider's, minutes) overlap. The examples share no Terraform directory, workspace or emulator."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from history_operations import operations_in_history

from test_build import add_crash_plugin, crash_environment

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
        operations=[
            "mint-idempotency-token",
            "start-async-invoke",
            "wait-for-expected-generation",
            "wait-for-video",
            "build-result",
        ],
        crash_before="build-result",
        finished_before_crash=[
            "mint-idempotency-token",
            "start-async-invoke",
            "wait-for-expected-generation",
            "wait-for-video",
        ],
        bad_payload={"prompt": "a boat", "duration_seconds": 7},
        bad_field="duration_seconds",
    ),
    "custom-workflow": Example(
        module="ticket_triage",
        region="us-east-1",
        function_name="durable-ticket-triage",
        operations=["triage-tickets", "summarize-batch", "approve-replies"],
        crash_before="summarize-batch",  # not run for this example (its file has no crash test)
        bad_payload={"tickets": [{"id": "T-1", "text": ""}]},
        bad_field="tickets[0].text",
    ),
}


def make_command(target: str, name: str, local_aws, *variables: str) -> list[str]:
    """`make <target>` for an example against the test session's local AWS, in a Terraform workspace of its own."""
    return [
        "make", "--no-print-directory", target, f"EXAMPLE={name}", "TARGET=local", "WORKSPACE=e2e",
        f"LOCAL_AWS_PORT={local_aws.port}", f"LOCAL_AWS_STATE={local_aws.state_dir}", *variables,
    ]  # fmt: skip


def make(target: str, name: str, local_aws, *variables: str) -> subprocess.CompletedProcess:
    """Runs make_command(...) to its end."""
    return subprocess.run(
        make_command(target, name, local_aws, *variables), cwd=REPO, capture_output=True, text=True, check=False
    )


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


def deployed_fixture(name: str):
    """The module-scoped `deployed` fixture of one example's test file: applies
    it before the file's first test, destroys it after the last."""

    @pytest.fixture(scope="module", name="deployed")
    def deployed(local_aws):
        applied = make("apply", name, local_aws)
        assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]
        yield name, EXAMPLES[name]
        make("destroy", name, local_aws)  # no-op when the destroy test already ran
        (REPO / "examples" / name / "e2e_fault_override.tf").unlink(missing_ok=True)

    return deployed


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
    lam = client("lambda", example, local_aws)
    _, finished = started_and_succeeded(lam, outcome["execution_arn"])
    assert [op for op in example.operations if finished[op] == 1] == example.operations, finished
    # The cost ledger counts from the checkpoint log; local AWS's history must give the same count.
    events = lam.get_durable_execution_history(DurableExecutionArn=outcome["execution_arn"])["Events"]
    assert outcome["result"]["cost"]["operations"] == operations_in_history(events), events
    # One set of execution metrics (metrics.py) in the function's log group, for CloudWatch to extract.
    (record,) = metric_records(example, local_aws, outcome["execution_arn"])
    assert (record["FunctionName"], record["outcome"], record["Succeeded"], record["Failed"]) == (
        example.function_name,
        "SUCCEEDED",
        [1.0],
        [0.0],
    ), record


def test_an_invalid_payload_fails_naming_the_field(deployed, local_aws):
    name, example = deployed

    status, outcome = invoke(name, local_aws, example.bad_payload)

    assert status != 0, outcome  # make reports the tool's failure as its own exit 2
    assert outcome["status"] == "FAILED"
    assert f"input field '{example.bad_field}'" in outcome["error"]["ErrorMessage"]
    started, _ = started_and_succeeded(client("lambda", example, local_aws), outcome["execution_arn"])
    # No step of the workflow; the metrics step records the failure (metrics.py).
    assert started == {"execution-metrics": 1}, f"no step may run on bad input: {started}"


def test_a_crash_mid_run_resumes_without_repeating_finished_steps(deployed, local_aws, tmp_path):
    name, example = deployed
    # The crash plugin, which the package users deploy never holds, as source_dir: the module
    # packages it beside its own library and pins, as it packages a user's code.
    source = add_crash_plugin(tmp_path / "crash_plugin")
    environment = crash_environment(example.crash_before, tmp_path)
    fault = REPO / "examples" / name / "e2e_fault_override.tf"
    fault.write_text(
        f'module "{example.module}" {{\n'
        f'  source_dir            = "{source}"\n'
        f"  environment_variables = {json.dumps(environment)}\n"
        "}\n"
    )
    try:
        applied = make("apply", name, local_aws)
        assert applied.returncode == 0, applied.stderr[-3000:]

        status, outcome = invoke(name, local_aws)
    finally:
        # Not applied again without the fault (an apply costs a minute of provider waits): each example
        # file runs this test just before its destroy tests or a test that applies anew.
        fault.unlink()

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


def metric_records(example: Example, local_aws, execution_arn: str, timeout: float = 10) -> list[dict]:
    """The embedded-metric-format records of one execution in the function's log group (a log event whose
    message is the record's JSON, as the function printed it), once one has arrived or `timeout` passed."""
    logs = client("logs", example, local_aws)
    group = f"/aws/lambda/{example.function_name}"  # the module's log group (main.tf), without a terraform output call
    deadline = time.monotonic() + timeout
    while True:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
        records = []
        for event in (event for page in pages for event in page["events"]):
            try:
                record = json.loads(event["message"])
            except ValueError:
                continue
            if isinstance(record, dict) and "_aws" in record and record.get("durableExecutionArn") == execution_arn:
                records.append(record)
        if records or time.monotonic() > deadline:
            return records
        time.sleep(0.5)


def example_outputs(name: str) -> dict:
    result = subprocess.run(
        [os.environ["TF"], f"-chdir=examples/{name}", "output", "-json"],
        cwd=REPO, env={**os.environ, "TF_WORKSPACE": "e2e"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {key: output["value"] for key, output in json.loads(result.stdout).items()}


# Least privilege, proven with IAM enforced (LOCAL_AWS_AUTH=1): each statement of the function role's
# Bedrock policy is removed in turn, and the run must then fail on the one action that statement grants.


def require_enforced_iam(local_aws) -> None:
    if not local_aws.auth:
        pytest.fail("IAM is not enforced: run with LOCAL_AWS_AUTH=1 (make test does)")


def role_of(function_name: str, example: Example, local_aws) -> str:
    lam = client("lambda", example, local_aws)
    return lam.get_function_configuration(FunctionName=function_name)["Role"].rsplit("/", 1)[-1]


def role_policy(iam, role: str, name: str) -> dict:
    document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document


def without_statement(policy: dict, sid: str) -> dict:
    kept = [statement for statement in policy["Statement"] if statement["Sid"] != sid]
    assert len(kept) == len(policy["Statement"]) - 1, f"no statement {sid} in {policy}"
    return {**policy, "Statement": kept}


@contextmanager
def holder_of_role_policies(role: str, example: Example, local_aws):
    """The access keys of a new IAM user holding exactly the role's policies as
    deployed (its inline documents and managed attachments), removed after: the
    tests call as it to show what the role may not do. A user, not the role
    itself: taking the role would need a trust statement the module does not grant."""
    iam = client("iam", example, local_aws)
    user = f"holder-of-{role}"[:64]
    iam.create_user(UserName=user)
    inline = iam.list_role_policies(RoleName=role)["PolicyNames"]
    attached = [policy["PolicyArn"] for policy in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
    for policy_name in inline:
        document = role_policy(iam, role, policy_name)
        iam.put_user_policy(UserName=user, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    for policy_arn in attached:
        iam.attach_user_policy(UserName=user, PolicyArn=policy_arn)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    try:
        yield key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        for policy_name in inline:
            iam.delete_user_policy(UserName=user, PolicyName=policy_name)
        for policy_arn in attached:
            iam.detach_user_policy(UserName=user, PolicyArn=policy_arn)
        iam.delete_user(UserName=user)


def client_as(keys: tuple[str, str], service: str, region: str, local_aws):
    access_key, secret = keys
    return boto3.client(
        service, region_name=region, endpoint_url=local_aws.endpoint,
        aws_access_key_id=access_key, aws_secret_access_key=secret,
    )  # fmt: skip


def assert_access_denied(call) -> None:
    with pytest.raises(ClientError) as refused:
        call()
    assert "AccessDenied" in refused.value.response["Error"]["Code"], refused.value.response["Error"]


def function_environment(example: Example, local_aws) -> dict[str, str]:
    lam = client("lambda", example, local_aws)
    return lam.get_function_configuration(FunctionName=example.function_name)["Environment"]["Variables"]


def assert_statement_needed(deployed, sid: str, action: str, local_aws) -> None:
    """Runs the example once with statement `sid` removed from the role's Bedrock policy (put back after)."""
    name, example = deployed
    require_enforced_iam(local_aws)
    iam = client("iam", example, local_aws)
    role = role_of(example.function_name, example, local_aws)
    granted = role_policy(iam, role, "bedrock")
    iam.put_role_policy(RoleName=role, PolicyName="bedrock", PolicyDocument=json.dumps(without_statement(granted, sid)))
    try:
        status, outcome = invoke(name, local_aws)
    finally:
        iam.put_role_policy(RoleName=role, PolicyName="bedrock", PolicyDocument=json.dumps(granted))

    assert status != 0 and outcome["status"] == "FAILED", outcome
    assert action in json.dumps(outcome["error"]), outcome["error"]


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
    topics = client("sns", example, local_aws).list_topics()["Topics"]
    assert [t["TopicArn"] for t in topics if t["TopicArn"].split(":")[-1].startswith(example.function_name)] == []
