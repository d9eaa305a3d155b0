"""Local AWS restarted with its state kept (LOCAL_AWS_PERSIST=1) carries on
the durable executions it was running, as AWS carries on when an execution
environment dies. Each test starts a private local AWS of its own, since it
restarts it."""

import json
import time

import boto3
import pytest

from durable_api import CLIENT_KWARGS, durable_role, function_zip, step_calls, wait_for_event, wait_for_status
from session import local_aws_session, restart


def _deploy(lam, iam, call_log, **env: str) -> tuple[str, str]:
    role = durable_role(iam, "restart-test")
    lam.create_function(
        FunctionName="restart-pipeline",
        Runtime="python3.13",
        Role=role,
        Handler="pipeline.handler",
        Code={"ZipFile": function_zip("pipeline", "pipeline")},
        Timeout=30,
        Environment={"Variables": {"CALL_LOG": str(call_log), **env}},
        DurableConfig={"ExecutionTimeout": 300, "RetentionPeriodInDays": 1},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="restart-pipeline")
    return "restart-pipeline", lam.publish_version(FunctionName="restart-pipeline")["Version"]


@pytest.fixture(scope="module")
def restarted_during_draft(tmp_path_factory):
    """Local AWS stops while step `draft` runs (its first attempt takes 30 s) and starts again: (Lambda client,
    execution ARN, call log) once the execution ended."""
    folder = tmp_path_factory.mktemp("restart-during-draft")
    call_log = folder / "calls"
    call_log.touch()
    with local_aws_session(folder / "state", persist=True) as local_aws:
        lam = boto3.client("lambda", endpoint_url=local_aws.endpoint, **CLIENT_KWARGS)
        iam = boto3.client("iam", endpoint_url=local_aws.endpoint, **CLIENT_KWARGS)
        name, version = _deploy(lam, iam, call_log, FAULT="slow:draft", SLOW_SECONDS="30", REVIEW_SECONDS="1")
        arn = lam.invoke(
            FunctionName=name, Qualifier=version, InvocationType="Event", Payload=json.dumps({"topic": "durable AI"})
        )["DurableExecutionArn"]
        deadline = time.monotonic() + 30
        while "draft" not in step_calls(call_log):
            assert time.monotonic() < deadline, "step draft never started"
            time.sleep(0.2)

        restart(local_aws)

        lam = boto3.client("lambda", endpoint_url=local_aws.endpoint, **CLIENT_KWARGS)
        wait_for_status(lam, arn, timeout=60)
        yield lam, arn, call_log


def test_an_invocation_lost_with_a_restart_runs_again_from_the_last_checkpoint(restarted_during_draft):
    """Gap 15: the worker running `draft` dies with local AWS; after the
    restart the execution is invoked again, replays `outline` and the wait
    from their checkpoints, runs `draft` again and succeeds, instead of
    staying RUNNING until its ExecutionTimeout."""
    lam, arn, call_log = restarted_during_draft
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "SUCCEEDED", execution.get("Error")
    assert step_calls(call_log) == ["outline", "draft", "draft", "summary"]


def test_an_invocation_cut_off_by_a_stop_is_in_the_history_as_failed(restarted_during_draft):
    """Gap 16: the invocation running `draft` when local AWS stops ends as
    AWS ends an invocation whose execution environment died: with an
    InvocationCompleted event carrying its Error (botocore Lambda model,
    InvocationCompletedDetails.Error), recorded before the state is saved.
    So the second run of `draft` has its reason in the history."""
    lam, arn, _ = restarted_during_draft
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    failed = [
        e for e in events if e["EventType"] == "InvocationCompleted" and e["InvocationCompletedDetails"].get("Error")
    ]
    assert len(failed) == 1, events


def test_executions_whose_wait_ended_during_a_restart_are_invoked_once(tmp_path):
    """Gap 15, the race: a wait that ended while local AWS was down is settled
    and invoked by the re-armed timer as soon as the state is restored. The
    re-invocation of executions with no timer must not take those for its own:
    two invocations of one execution would run steps twice, and the one with
    the older checkpoint token would fail the execution."""
    runs, wait = 12, 10
    call_log = tmp_path / "calls"
    call_log.touch()
    with local_aws_session(tmp_path / "state", persist=True) as local_aws:
        lam = boto3.client("lambda", endpoint_url=local_aws.endpoint, **CLIENT_KWARGS)
        iam = boto3.client("iam", endpoint_url=local_aws.endpoint, **CLIENT_KWARGS)
        name, version = _deploy(lam, iam, call_log, REVIEW_SECONDS=str(wait))
        arns = [
            lam.invoke(
                FunctionName=name, Qualifier=version, InvocationType="Event", Payload=json.dumps({"topic": f"t{i}"})
            )["DurableExecutionArn"]
            for i in range(runs)
        ]
        for arn in arns:
            wait_for_event(lam, arn, "WaitStarted")
        assert step_calls(call_log) == ["outline"] * runs

        restart(local_aws, down_for=wait)  # every wait ends while local AWS is down

        lam = boto3.client("lambda", endpoint_url=local_aws.endpoint, **CLIENT_KWARGS)
        statuses = [wait_for_status(lam, arn, timeout=90)["Status"] for arn in arns]
        assert statuses == ["SUCCEEDED"] * runs
        assert sorted(set(step_calls(call_log))) == ["draft", "outline", "summary"]
        assert len(step_calls(call_log)) == 3 * runs
