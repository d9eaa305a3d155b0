"""Helpers for driving durable functions on the emulator through boto3."""

import io
import json
import time
import zipfile
from pathlib import Path

import aws_durable_execution_sdk_python
from botocore.config import Config

FUNCTIONS = Path(__file__).resolve().parent / "functions"
SDK_DIR = Path(aws_durable_execution_sdk_python.__file__).resolve().parent
# Test functions that run the project's own code: the packages zipped with them.
LIBRARY = Path(__file__).resolve().parents[3] / "lambda_src" / "durable_bedrock"
PACKAGES = {"reviewed": [LIBRARY], "fans_out": [LIBRARY]}
# The AWS managed policy a durable function's role needs (the module attaches it too).
DURABLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
# An execution role's trust policy: Lambda (service principal lambda.amazonaws.com) may assume it.
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}

# Test credentials for the loopback emulator only.
CLIENT_KWARGS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "test",
    "aws_secret_access_key": "test",
    # One attempt: a retried Invoke would start a second execution. The read
    # timeout covers a synchronous invoke that waits for the whole execution.
    "config": Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=900),
}


def function_zip(source: str, module: str) -> bytes:
    """A deployment package: functions/<source>.py as <module>.py plus the
    pinned durable SDK (the emulator's interpreter provides boto3, as the
    Lambda runtime does), and the project packages it imports (PACKAGES)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FUNCTIONS / f"{source}.py", f"{module}.py")
        for package in [SDK_DIR, *PACKAGES.get(source, [])]:
            for path in sorted(package.rglob("*.py")):
                zf.write(path, f"{package.name}/{path.relative_to(package)}")
    return buf.getvalue()


def step_calls(call_log: Path) -> list[str]:
    """Step names in the order their bodies ran."""
    return [line.split()[0] for line in call_log.read_text().splitlines()]


def wait_for_status(lam, arn: str, timeout: float = 30) -> dict:
    """Polls GetDurableExecution until the execution leaves RUNNING."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = lam.get_durable_execution(DurableExecutionArn=arn)
        if execution["Status"] != "RUNNING":
            return execution
        time.sleep(0.25)
    raise AssertionError(f"execution {arn} still RUNNING after {timeout} s")


def history(lam, arn: str) -> list[tuple[str, str | None]]:
    """(EventType, Name) of every history event, oldest first."""
    events = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)["Events"]
    return [(e["EventType"], e.get("Name")) for e in events]


def wait_for_event(lam, arn: str, event_type: str, timeout: float = 30) -> None:
    """Until the execution's history has an event of this type (e.g. it reached its wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        if any(e["EventType"] == event_type for e in events):
            return
        time.sleep(0.25)
    raise AssertionError(f"no {event_type} in the history of {arn} after {timeout} s")


def create_durable_function(lam, name: str, role: str, source: str, env: dict[str, str], timeout: int = 60) -> str:
    """functions/<source>.py as a durable function with a plain DurableConfig (as boto3 or Terraform send
    it) and an ExecutionTimeout of `timeout` seconds; returns the version it publishes."""
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler=f"{source}.handler",
        Code={"ZipFile": function_zip(source, source)},
        Timeout=30,
        Environment={"Variables": env},
        DurableConfig={"ExecutionTimeout": timeout, "RetentionPeriodInDays": 1},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return lam.publish_version(FunctionName=name)["Version"]


def durable_role(iam, name: str) -> str:
    """ARN of a new Lambda execution role with the AWS managed durable execution policy attached."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=DURABLE_POLICY_ARN)
    return arn
