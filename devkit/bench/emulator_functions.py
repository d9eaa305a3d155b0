"""Deploys benchmark functions to local AWS with boto3: the test build of the
package (lambda_src and the crash plugin, built by packaging/build_lambda_zip.py)
plus the plain baseline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
from botocore.config import Config

from durable_api import durable_role
from test_build import build_test_source

REPO = Path(__file__).resolve().parents[2]


# One attempt: a retried Invoke would start a second execution.
SINGLE_ATTEMPT = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=900)


def client(local_aws, service: str, config: Config = SINGLE_ATTEMPT):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=local_aws.endpoint,
        aws_access_key_id="test",  # loopback emulator only
        aws_secret_access_key="test",
        config=config,
    )


def clients(local_aws):
    return client(local_aws, "lambda"), client(local_aws, "iam")


def package() -> bytes:
    """The test build (lambda_src and the crash plugin) plus the plain baselines of devkit/bench/functions/,
    with the pinned SDK and boto3."""
    with tempfile.TemporaryDirectory() as tmp:
        source = build_test_source(Path(tmp) / "src")
        for baseline in (REPO / "devkit" / "bench" / "functions").glob("*.py"):
            shutil.copy(baseline, source)
        out = subprocess.run(
            [sys.executable, str(REPO / "packaging" / "build_lambda_zip.py"), "--source-dir", str(source),
             "--requirements", str(source / "requirements.txt"), "--out-dir", f"{tmp}/out",
             "--botocore-services", "bedrock-runtime,lambda,s3"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return Path(json.loads(out.stdout)["path"]).read_bytes()


def role(iam) -> str:
    """The benchmarks' execution role: the one an earlier section of this run created, else a new one."""
    try:
        return iam.get_role(RoleName="bench-exec")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return durable_role(iam, "bench-exec")


def deploy(lam, role_arn: str, code: bytes, name: str, handler: str, env: dict, durable: bool) -> str:
    """Creates the function and returns what to invoke (the published version for durable ones)."""
    extra = {"DurableConfig": {"ExecutionTimeout": 600, "RetentionPeriodInDays": 1}} if durable else {}
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role_arn,
        Handler=handler,
        Code={"ZipFile": code},
        Timeout=60,
        Environment={"Variables": env},
        **extra,
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    if not durable:
        return name
    return f"{name}:{lam.publish_version(FunctionName=name)['Version']}"


def emulator_pid(local_aws) -> int:
    """The process id of a bench's own local AWS (emulator.sh writes it into the state folder)."""
    return int((local_aws.state_dir / f"ministack-{local_aws.port}.pid").read_text())


def executions(lam, function: str, version: str) -> list[dict]:
    """Every execution of a function's version, all pages of ListDurableExecutionsByFunction."""
    found, marker = [], None
    while True:
        page = lam.list_durable_executions_by_function(
            FunctionName=function, Qualifier=version, MaxItems=1000, **({"Marker": marker} if marker else {})
        )
        found += page.get("DurableExecutions", [])
        marker = page.get("NextMarker")
        if not marker:
            return found
