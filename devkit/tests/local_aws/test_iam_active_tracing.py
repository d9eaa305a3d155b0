"""With IAM enforced, Lambda turns on active tracing (TracingConfig
Mode=Active) only for a function whose execution role may send traces
(patch active_tracing_needs_the_roles_trace_grant): CreateFunction and
UpdateFunctionConfiguration otherwise answer InvalidParameterValueException,
"The provided execution role does not have permissions to call
PutTraceSegments on XRAY" (sources in compat_iam_logs.NO_TRACE_GRANT). Each
test runs on a private local AWS with LOCAL_AWS_AUTH=1, checks a role with
and without the grant, and fails without that patch (stock ministack accepts
both)."""

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from durable_api import CLIENT_KWARGS, LAMBDA_TRUST, function_zip
from session import local_aws_session

# The module's SendTraces statement (iam.tf, sqs_trigger.tf).
SEND_TRACES = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"},
    ],
}
REFUSAL = "The provided execution role does not have permissions to call PutTraceSegments on XRAY"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Clients as the account root (test/test) of a private local AWS with IAM enforced."""
    with local_aws_session(tmp_path_factory.mktemp("local-aws-iam-tracing"), auth=True) as session:
        yield lambda service: boto3.client(service, endpoint_url=session.endpoint, **CLIENT_KWARGS)


def new_role(root, traces: bool) -> tuple[str, str]:
    """(role name, role ARN) of a new execution role, with the SendTraces policy if `traces`."""
    name = f"tracing-{uuid.uuid4().hex[:8]}"
    arn = root("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    if traces:
        root("iam").put_role_policy(RoleName=name, PolicyName="xray", PolicyDocument=json.dumps(SEND_TRACES))
    return name, arn


def create(root, role_arn: str, mode: str) -> str:
    name = f"traced-{uuid.uuid4().hex[:8]}"
    root("lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role_arn,
        Handler="prints.handler",
        Code={"ZipFile": function_zip("prints", "prints")},
        TracingConfig={"Mode": mode},
    )
    return name


def assert_refused(error: pytest.ExceptionInfo) -> None:
    response = error.value.response
    assert response["Error"]["Code"] == "InvalidParameterValueException", response
    assert response["Error"]["Message"] == REFUSAL, response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400, response


def test_a_function_is_created_with_active_tracing_only_if_its_role_may_send_traces(root):
    _, allowed = new_role(root, traces=True)
    _, denied = new_role(root, traces=False)

    traced = create(root, allowed, "Active")
    with pytest.raises(ClientError) as refused:
        create(root, denied, "Active")

    assert root("lambda").get_function_configuration(FunctionName=traced)["TracingConfig"] == {"Mode": "Active"}
    assert_refused(refused)
    assert create(root, denied, "PassThrough"), "without active tracing the role needs no trace grant"


def test_tracing_is_turned_on_later_only_once_the_role_may_send_traces(root):
    lam = root("lambda")
    role, arn = new_role(root, traces=False)
    name = create(root, arn, "PassThrough")
    lam.get_waiter("function_active_v2").wait(FunctionName=name)

    with pytest.raises(ClientError) as refused:
        lam.update_function_configuration(FunctionName=name, TracingConfig={"Mode": "Active"})
    root("iam").put_role_policy(RoleName=role, PolicyName="xray", PolicyDocument=json.dumps(SEND_TRACES))
    lam.update_function_configuration(FunctionName=name, TracingConfig={"Mode": "Active"})

    assert_refused(refused)
    assert lam.get_function_configuration(FunctionName=name)["TracingConfig"] == {"Mode": "Active"}
