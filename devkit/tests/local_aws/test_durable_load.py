"""Local AWS runs many durable executions at once the way AWS Lambda does:
resumed invocations of different executions run concurrently, and invocations
beyond the account's concurrency wait in Lambda's queue instead of failing.
Each test fails without the patch its docstring names (gaps 17 and 18 of
docs/ARCHITECTURE.md)."""

import json
import os
import time

import boto3

from durable_api import CLIENT_KWARGS, durable_role, function_zip, wait_for_status
from session import local_aws_session

SLOW_SECONDS = 6


def test_resumes_of_different_executions_run_at_once(aws, deploy):
    """Gap 17 (resumes_run_concurrently): three executions of three functions
    wait 1 s, then their resumed invocations run `draft`, which takes 6 s on
    its first attempt. On AWS each execution is re-invoked when its own wait
    ends, so the three drafts start together; one resume at a time would
    start them at least 6 s apart."""
    lam = aws("lambda")
    deployed = [deploy("pipeline", FAULT="slow:draft", SLOW_SECONDS=str(SLOW_SECONDS), REVIEW_SECONDS="1")
                for _ in range(3)]  # fmt: skip
    arns = [
        lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event",
                   Payload=json.dumps({"topic": "durable AI"}))["DurableExecutionArn"]
        for name, version, _ in deployed
    ]  # fmt: skip

    draft_started: dict[str, float] = {}
    deadline = time.monotonic() + 4 * SLOW_SECONDS
    while len(draft_started) < len(deployed) and time.monotonic() < deadline:
        for name, _, call_log in deployed:
            if name not in draft_started and "draft" in call_log.read_text():
                draft_started[name] = time.monotonic()
        time.sleep(0.1)

    assert len(draft_started) == len(deployed), f"drafts started: {sorted(draft_started)}"
    spread = max(draft_started.values()) - min(draft_started.values())
    assert spread < SLOW_SECONDS / 2, f"the drafts started {spread:.1f} s apart: resumes ran one at a time"
    assert all(wait_for_status(lam, arn, timeout=60)["Status"] == "SUCCEEDED" for arn in arns)


def test_the_account_concurrency_defaults_to_a_local_ceiling(aws):
    """Gap 18 (async_invocations_queue_at_concurrency_limit): unless
    LAMBDA_ACCOUNT_CONCURRENCY says otherwise, the account's concurrency
    (GetAccountSettings AccountLimit.ConcurrentExecutions) is 16 invocations
    in flight per core (a local Python worker each), not ministack's
    memory-based 585 on a 24 GiB machine."""
    limit = aws("lambda").get_account_settings()["AccountLimit"]["ConcurrentExecutions"]

    assert limit <= 16 * (os.cpu_count() or 1)


def test_throttled_async_invocations_wait_in_the_queue_and_run(tmp_path, monkeypatch):
    """Gap 18 (async_invocations_queue_at_concurrency_limit): with an account
    concurrency of 1, four executions started at once (Invoke, InvocationType
    Event) all succeed, and none of their invocations is recorded as failed:
    AWS returns a throttled asynchronous event to its queue and runs it later
    (Lambda developer guide, "How Lambda handles errors and retries with
    asynchronous invocation"); throttling is not an invocation error of the
    function."""
    monkeypatch.setenv("LAMBDA_ACCOUNT_CONCURRENCY", "1")
    call_log = tmp_path / "calls"
    call_log.touch()
    with local_aws_session(tmp_path / "state") as local_aws:
        lam = boto3.client("lambda", endpoint_url=local_aws.endpoint, **CLIENT_KWARGS)
        iam = boto3.client("iam", endpoint_url=local_aws.endpoint, **CLIENT_KWARGS)
        assert lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 1  # the knob wins
        lam.create_function(
            FunctionName="queued-pipeline",
            Runtime="python3.13",
            Role=durable_role(iam, "queue-test"),
            Handler="pipeline.handler",
            Code={"ZipFile": function_zip("pipeline", "pipeline")},
            Timeout=30,
            Environment={"Variables": {"CALL_LOG": str(call_log), "REVIEW_SECONDS": "1"}},
            DurableConfig={"ExecutionTimeout": 120, "RetentionPeriodInDays": 1},
        )
        lam.get_waiter("function_active_v2").wait(FunctionName="queued-pipeline")
        version = lam.publish_version(FunctionName="queued-pipeline")["Version"]
        arns = [
            lam.invoke(FunctionName="queued-pipeline", Qualifier=version, InvocationType="Event",
                       Payload=json.dumps({"topic": f"topic {n}"}))["DurableExecutionArn"]
            for n in range(4)
        ]  # fmt: skip

        executions = [wait_for_status(lam, arn, timeout=90) for arn in arns]
        failed_invocations = [
            event
            for arn in arns
            for event in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
            if event["EventType"] == "InvocationCompleted" and event["InvocationCompletedDetails"].get("Error")
        ]

    assert [e["Status"] for e in executions] == ["SUCCEEDED"] * 4, [e.get("Error") for e in executions]
    assert not failed_invocations, failed_invocations
