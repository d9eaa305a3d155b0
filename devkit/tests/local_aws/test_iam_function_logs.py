"""With IAM enforced, Lambda writes a function's logs only as far as its
execution role allows (patch function_logs_written_as_the_role): the role
needs logs:CreateLogStream and logs:PutLogEvents on its log group's streams
(log-group:G:*, the form the module's WriteOwnLogs statement grants), and
logs:CreateLogGroup when the group does not exist yet. Without them the
invocation still succeeds and nothing is written. Every test runs on a private
local AWS with LOCAL_AWS_AUTH=1, checks an allowed and a denied role side by
side, and fails without that patch (stock ministack writes the logs whatever
the role allows)."""

import json
import uuid

import boto3
import pytest

from durable_api import CLIENT_KWARGS, LAMBDA_TRUST, function_zip
from session import local_aws_session

ACCOUNT = "000000000000"
REGION = CLIENT_KWARGS["region_name"]
WRITE = ["logs:CreateLogStream", "logs:PutLogEvents"]


def group_arn(group: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Clients as the account root (test/test) of a private local AWS with IAM enforced."""
    with local_aws_session(tmp_path_factory.mktemp("local-aws-iam-logs"), auth=True) as session:
        yield lambda service: boto3.client(service, endpoint_url=session.endpoint, **CLIENT_KWARGS)


@pytest.fixture(scope="module")
def run(root):
    """run(actions, resource, log_group=None, create_group=True) -> (group, marker):
    creates functions/prints.py with a role allowed exactly `actions` on
    `resource` (a format string given the log group ARN), optionally logging to
    a custom group (LoggingConfig.LogGroup) that Terraform would have created
    first, invokes it once and checks the invocation succeeded."""
    iam, lam, logs = root("iam"), root("lambda"), root("logs")

    def _run(actions: list[str], resource: str, log_group: str | None = None, create_group: bool = True):
        name = f"prints-{uuid.uuid4().hex[:8]}"
        group = log_group or f"/aws/lambda/{name}"
        role = iam.create_role(RoleName=f"{name}-exec", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
        statement = {"Effect": "Allow", "Action": actions, "Resource": resource.format(group_arn(group))}
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        iam.put_role_policy(RoleName=role["RoleName"], PolicyName="logs", PolicyDocument=json.dumps(policy))
        if create_group:
            logs.create_log_group(logGroupName=group)
        extra = {"LoggingConfig": {"LogFormat": "Text", "LogGroup": log_group}} if log_group else {}
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role["Arn"],
            Handler="prints.handler",
            Code={"ZipFile": function_zip("prints", "prints")},
            Timeout=30,
            **extra,
        )
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        marker = uuid.uuid4().hex
        answer = lam.invoke(FunctionName=name, Payload=json.dumps({"marker": marker}))
        assert "FunctionError" not in answer, answer
        assert json.loads(answer["Payload"].read()) == {"marker": marker}, "a missing log grant must not fail the run"
        return group, marker

    return _run


def logged(root, group: str, marker: str) -> bool:
    """Whether `group` exists and some event in it names `marker`."""
    logs = root("logs")
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        return False
    return any(marker in event["message"] for event in logs.filter_log_events(logGroupName=group)["events"])


def test_logs_need_create_log_stream_and_put_log_events_on_the_group(root, run):
    """AWS: the role needs logs:CreateLogStream and logs:PutLogEvents (Lambda
    developer guide, monitoring-cloudwatchlogs.html); without them "the
    function still runs but it is unable to log any output" (AWS Lambda
    Operator Guide, access-logs)."""
    assert logged(root, *run(WRITE, "{}:*"))
    assert not logged(root, *run(["logs:CreateLogStream"], "{}:*"))
    assert not logged(root, *run(["logs:PutLogEvents"], "{}:*"))


def test_a_grant_on_the_bare_log_group_arn_writes_nothing(root, run):
    """The writes are checked on the new stream, log-group:G:log-stream:S
    (CloudWatch Logs user guide, iam-access-control-overview-cwl; the ARN in
    the AWS denial quoted in aws-solutions/aws-crr-monitor#8): log-group:G:*
    matches it, log-group:G does not."""
    assert logged(root, *run(WRITE, "{}:*"))
    assert not logged(root, *run(WRITE, "{}"))


def test_a_custom_log_group_needs_the_grant_on_that_group(root, run):
    """LoggingConfig.LogGroup sends the logs to that group (Lambda developer
    guide, monitoring-cloudwatchlogs-loggroups.html), so that is the group
    the role must be allowed on; a grant on /aws/lambda/<name> does not count."""
    custom = f"/durable/{uuid.uuid4().hex[:8]}"
    assert logged(root, *run(WRITE, "{}:*", log_group=custom))
    other = f"/durable/{uuid.uuid4().hex[:8]}"
    default_arn = group_arn("/aws/lambda/") + "*"
    assert not logged(root, *run(WRITE, default_arn, log_group=other))


def test_a_missing_log_group_is_created_only_with_create_log_group(root, run):
    """Lambda creates the group on the first write when the role has
    logs:CreateLogGroup (monitoring-cloudwatchlogs.html), checked on
    log-group:G:log-stream: (the ARN in the AWS denial quoted in
    aws-solutions/instance-scheduler-on-aws#578), which log-group:G:* matches.
    Without it no group appears and nothing is written."""
    assert logged(root, *run(["logs:CreateLogGroup", *WRITE], "{}:*", create_group=False))
    group, _ = run(WRITE, "{}:*", create_group=False)
    assert not root("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
