"""A fan-out over more items than one execution holds runs its parts as chained invokes of the function's
own version (lambda_src/durable_bedrock/fanout_children.py): each part is a durable execution of its own,
and the parent resumes with its result (patch chained_invoke_runs_child_execution); the invoke is made
as the parent's execution role, which needs lambda:InvokeFunction on the target (patch
chained_invoke_authorized_as_the_role). On a private local AWS that enforces IAM."""

import json
import uuid
from pathlib import Path

import boto3
import pytest

from durable_api import CLIENT_KWARGS, create_durable_function, durable_role, history, step_calls, wait_for_status
from session import local_aws_session

ITEMS = [f"item-{index}" for index in range(10)]  # 4 per execution: parts of 4, 4 and 2 items


@pytest.fixture(scope="module")
def aws_with_iam(tmp_path_factory):
    with local_aws_session(tmp_path_factory.mktemp("local-aws-fan-out"), auth=True) as session:
        yield lambda service: boto3.client(service, endpoint_url=session.endpoint, **CLIENT_KWARGS)


def deploy_fans_out(aws, tmp_path: Path, *, may_invoke_itself: bool) -> tuple[str, str, Path]:
    """functions/fans_out.py as a durable function whose role has the managed durable policy and, if asked,
    lambda:InvokeFunction on the function's own versions (the module's FanOutChildExecutions statement)."""
    lam, iam = aws("lambda"), aws("iam")
    name = f"fans-out-{uuid.uuid4().hex[:8]}"
    role = durable_role(iam, f"{name}-exec")
    if may_invoke_itself:
        own_versions = f"arn:aws:lambda:{CLIENT_KWARGS['region_name']}:000000000000:function:{name}:*"
        statement = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": own_versions}
        iam.put_role_policy(
            RoleName=f"{name}-exec",
            PolicyName="fan-out",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
    call_log = tmp_path / f"{name}.calls"
    call_log.touch()
    version = create_durable_function(lam, name, role, "fans_out", {"CALL_LOG": str(call_log)}, timeout=120)
    return name, version, call_log


def start(lam, name: str, version: str) -> str:
    payload = json.dumps({"items": ITEMS})
    return lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event", Payload=payload)[
        "DurableExecutionArn"
    ]


def test_parts_run_as_child_executions_of_the_same_version_none_lost_or_repeated(aws_with_iam, tmp_path):
    lam = aws_with_iam("lambda")
    name, version, call_log = deploy_fans_out(aws_with_iam, tmp_path, may_invoke_itself=True)

    arn = start(lam, name, version)
    execution = wait_for_status(lam, arn, timeout=90)

    assert execution["Status"] == "SUCCEEDED", execution
    result = json.loads(execution["Result"])
    assert result["results"] == [item.upper() for item in ITEMS]
    assert result["executions"] == 1 + 3
    assert sorted(step_calls(call_log)) == sorted(ITEMS)  # each item once, across every execution
    invokes = [event_name for event_type, event_name in history(lam, arn) if event_type == "ChainedInvokeStarted"]
    assert invokes == ["items-part-0", "items-part-1", "items-part-2"]
    children = [
        listed
        for listed in lam.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
        if listed["DurableExecutionArn"] != arn
    ]
    assert len(children) == 3 and all(f":{version}/durable-execution/" in c["DurableExecutionArn"] for c in children)
    assert {child["Status"] for child in children} == {"SUCCEEDED"}


def test_a_role_without_invoke_on_its_own_versions_fails_the_fan_out_and_starts_no_child(aws_with_iam, tmp_path):
    lam = aws_with_iam("lambda")
    name, version, call_log = deploy_fans_out(aws_with_iam, tmp_path, may_invoke_itself=False)

    arn = start(lam, name, version)
    execution = wait_for_status(lam, arn, timeout=60)

    assert execution["Status"] == "FAILED"
    assert "lambda:InvokeFunction" in execution["Error"]["ErrorMessage"]
    assert step_calls(call_log) == []
    assert [
        e["DurableExecutionArn"]
        for e in lam.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
    ] == [arn]
