"""Local AWS restarted with its state kept (LOCAL_AWS_PERSIST=1) carries on
the durable executions it was running, as AWS carries on when an execution
environment dies. Each test starts a private local AWS of its own, since it
restarts it."""

import json
import time

import boto3

from durable_api import CLIENT_KWARGS, DURABLE_POLICY_ARN, function_zip, step_calls, wait_for_status
from session import local_aws_session, restart


def _deploy(lam, iam, call_log, **env: str) -> tuple[str, str]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="restart-test", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="restart-test", PolicyArn=DURABLE_POLICY_ARN)
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


def test_an_invocation_lost_with_a_restart_runs_again_from_the_last_checkpoint(tmp_path):
    """Gap 15: local AWS stops while step `draft` runs (the worker dies with
    it); after the restart the execution is invoked again, replays `outline`
    and the wait from their checkpoints, runs `draft` again and succeeds,
    instead of staying RUNNING until its ExecutionTimeout."""
    call_log = tmp_path / "calls"
    call_log.touch()
    with local_aws_session(tmp_path / "state", persist=True) as local_aws:
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
        execution = wait_for_status(lam, arn, timeout=60)
        assert execution["Status"] == "SUCCEEDED", execution.get("Error")
        assert step_calls(call_log) == ["outline", "draft", "draft", "summary"]
