"""With IAM enforced, the durable execution APIs are authorized as their own
actions on the durable execution ARN, ListDurableExecutionsByFunction as
itself on the function, and a ?Qualifier= call on the alias or version it names
(patch durable_apis_authorized_as_their_actions). Every test here runs on a
private local AWS with LOCAL_AWS_AUTH=1, and fails without that patch."""

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from durable_api import CLIENT_KWARGS, LAMBDA_TRUST, function_zip, wait_for_status
from session import local_aws_session

ACCOUNT = "000000000000"
REGION = CLIENT_KWARGS["region_name"]
WORKER_ACTIONS = ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"]


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def allow(actions: list[str], resource: str) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}
    )


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with local_aws_session(tmp_path_factory.mktemp("local-aws-iam"), auth=True) as session:
        yield session.endpoint


@pytest.fixture(scope="module")
def root(endpoint):
    """Clients as the account root (test/test): allowed everything."""
    return lambda service: boto3.client(service, endpoint_url=endpoint, **CLIENT_KWARGS)


@pytest.fixture(scope="module")
def as_user(root, endpoint):
    """as_user(policy_document) -> a Lambda client signed with the access keys
    of a new IAM user that has exactly that inline policy."""
    iam = root("iam")

    def _as_user(policy: str):
        name = f"caller-{uuid.uuid4().hex[:8]}"
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="only-this", PolicyDocument=policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        credentials = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
        return boto3.client("lambda", endpoint_url=endpoint, **{**CLIENT_KWARGS, **credentials})

    return _as_user


@pytest.fixture(scope="module")
def deploy(root, tmp_path_factory):
    """deploy(role_resource) -> (function name, version): functions/pipeline.py
    as a durable function whose execution role allows Checkpoint and GetState
    on role_resource (a format string given the function ARN)."""
    iam, lam = root("iam"), root("lambda")
    logs = tmp_path_factory.mktemp("call-logs")

    def _deploy(role_resource: str):
        name = f"pipeline-{uuid.uuid4().hex[:8]}"
        role = iam.create_role(RoleName=f"{name}-exec", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
        iam.put_role_policy(
            RoleName=f"{name}-exec",
            PolicyName="durable",
            PolicyDocument=allow(WORKER_ACTIONS, role_resource.format(function_arn(name))),
        )
        (logs / name).touch()
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role["Arn"],
            Handler="pipeline.handler",
            Code={"ZipFile": function_zip("pipeline", "pipeline")},
            Timeout=30,
            Environment={"Variables": {"CALL_LOG": str(logs / name), "REVIEW_SECONDS": "1"}},
            DurableConfig={"ExecutionTimeout": 60, "RetentionPeriodInDays": 1},
        )
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        return name, lam.publish_version(FunctionName=name)["Version"]

    return _deploy


@pytest.fixture(scope="module")
def finished(root, deploy):
    """A durable function whose role is scoped as AWS documents, and one of its
    executions, SUCCEEDED: (function name, execution ARN)."""
    lam = root("lambda")
    name, version = deploy("{}:*")
    started = lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event", Payload=b'{"topic": "iam"}')
    execution = wait_for_status(lam, started["DurableExecutionArn"], timeout=60)
    assert execution["Status"] == "SUCCEEDED", execution
    return name, execution["DurableExecutionArn"]


def denied_action(error: pytest.ExceptionInfo) -> str:
    assert error.value.response["Error"]["Code"] == "AccessDeniedException", error.value.response
    return error.value.response["Error"]["Message"]


def test_the_role_must_allow_checkpoints_on_the_qualified_function_not_the_unqualified_one(root, deploy, finished):
    """AWS: a policy naming the unqualified function ARN never matches a durable
    execution ARN (function:NAME:* does: `finished` SUCCEEDED with it)."""
    lam = root("lambda")
    name, version = deploy("{}")

    started = lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event", Payload=b'{"topic": "iam"}')
    execution = wait_for_status(lam, started["DurableExecutionArn"], timeout=90)

    assert execution["Status"] != "SUCCEEDED"
    assert "lambda:CheckpointDurableExecution" in json.dumps(execution.get("Error", {}))


def test_get_durable_execution_is_authorized_on_the_execution(as_user, finished):
    name, arn = finished
    other = as_user(allow(["lambda:GetDurableExecution"], f"{function_arn('another-function')}:*"))
    owner = as_user(allow(["lambda:GetDurableExecution"], f"{function_arn(name)}:*"))

    with pytest.raises(ClientError) as refused:
        other.get_durable_execution(DurableExecutionArn=arn)

    assert "lambda:GetDurableExecution" in denied_action(refused)
    assert owner.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"


def test_listing_executions_by_function_is_its_own_action(as_user, finished):
    name, arn = finished
    reader = as_user(allow(["lambda:GetFunction"], function_arn(name)))
    lister = as_user(allow(["lambda:ListDurableExecutionsByFunction"], function_arn(name)))

    with pytest.raises(ClientError) as refused:
        reader.list_durable_executions_by_function(FunctionName=name)

    assert "lambda:ListDurableExecutionsByFunction" in denied_action(refused)
    listed = lister.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
    assert arn in [e["DurableExecutionArn"] for e in listed]


def test_a_callback_needs_its_send_action(as_user, finished):
    name, _ = finished
    caller = as_user(allow(["lambda:GetDurableExecution"], f"{function_arn(name)}:*"))

    with pytest.raises(ClientError) as refused:
        caller.send_durable_execution_callback_success(CallbackId="ab" * 32, Result=b"{}")

    assert "lambda:SendDurableExecutionCallbackSuccess" in denied_action(refused)


def test_invoke_by_name_and_qualifier_is_authorized_on_the_alias_it_names(root, as_user, finished):
    name, _ = finished
    lam = root("lambda")
    version = lam.list_versions_by_function(FunctionName=name)["Versions"][-1]["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    invoker = as_user(allow(["lambda:InvokeFunction"], f"{function_arn(name)}:live"))

    started = invoker.invoke(FunctionName=name, Qualifier="live", InvocationType="Event", Payload=b'{"topic": "q"}')

    assert started["StatusCode"] == 202
    assert wait_for_status(lam, started["DurableExecutionArn"], timeout=60)["Status"] == "SUCCEEDED"
