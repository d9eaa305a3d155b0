"""Start a durable execution of an applied example and follow it to its end.

    python tools/invoke.py --example-dir examples/content-pipeline [--payload JSON]
                           [--endpoint-url http://127.0.0.1:4566] [--json] [--history]

Reads the example's outputs with terraform/tofu (the TF environment variable
names the binary), invokes the published version through its alias,
asynchronously and with a durable execution name (a retried start is the same
execution), then prints one line per operation until the execution ends.
Without --endpoint-url it talks to AWS with the default credential chain.

Exit status: 0 SUCCEEDED; 1 the execution failed, timed out or was stopped;
2 nothing to invoke (not applied, no credentials, bad payload, ...);
3 still running when --timeout ran out.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from timeline import lines

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}


class Problem(Exception):
    """Something to tell the user, with exit status 2."""


def example_outputs(example_dir: str) -> dict:
    engine = os.environ.get("TF", "terraform")
    result = subprocess.run([engine, f"-chdir={example_dir}", "output", "-json"], capture_output=True, text=True)
    outputs = json.loads(result.stdout or "{}") if result.returncode == 0 else {}
    if "alias_arn" not in outputs:
        example = os.path.basename(os.path.normpath(example_dir))
        raise Problem(
            f"{example_dir} is not applied yet (no outputs): run `make apply EXAMPLE={example}` first, "
            "with the same TARGET"
        )
    return {name: output["value"] for name, output in outputs.items()}


def lambda_client(alias_arn: str, endpoint_url: str | None):
    region = alias_arn.split(":")[3]
    # Retries of the Invoke call reuse its DurableExecutionName, so they cannot start a second execution.
    config = Config(retries={"mode": "standard", "max_attempts": 3}, read_timeout=60)
    if endpoint_url:  # the local emulator takes any credentials; these never leave loopback
        return boto3.client(
            "lambda",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=config,
        )
    return boto3.client("lambda", region_name=region, config=config)


def start(client, alias_arn: str, payload: str, name: str) -> str:
    response = client.invoke(
        FunctionName=alias_arn,
        InvocationType="Event",
        DurableExecutionName=name,
        Payload=payload.encode("utf-8"),
    )
    arn = response.get("DurableExecutionArn")
    if not arn:
        raise Problem(f"{alias_arn} answered without a durable execution ARN: is it a durable function?")
    return arn


def history(client, arn: str) -> list[dict]:
    events, marker = [], None
    while True:
        page = client.get_durable_execution_history(DurableExecutionArn=arn, **({"Marker": marker} if marker else {}))
        events += page.get("Events", [])
        marker = page.get("NextMarker")
        if not marker:
            return events


def follow(client, arn: str, timeout: float, live: bool) -> tuple[dict, list[dict]]:
    """Polls until the execution ends; prints new timeline lines as they appear."""
    printed, deadline = 0, time.monotonic() + timeout
    while True:
        execution = client.get_durable_execution(DurableExecutionArn=arn)
        events = history(client, arn)
        if live:
            for line in lines(events, execution["StartTimestamp"])[printed:]:
                print(line, flush=True)
                printed += 1
        if execution["Status"] in TERMINAL:
            return execution, events
        if time.monotonic() > deadline:
            raise TimeoutError(arn)
        time.sleep(0.5)


def latest_execution_arn(client, alias_arn: str, version: str) -> str:
    """The newest execution of the published version (executions belong to versions, not aliases)."""
    function_name = alias_arn.split(":")[6]
    executions = client.list_durable_executions_by_function(FunctionName=function_name, Qualifier=version).get(
        "DurableExecutions", []
    )
    if not executions:
        raise Problem(f"version {version} of {function_name} has no durable executions yet: run `make invoke` first")
    return max(executions, key=lambda e: e["StartTimestamp"])["DurableExecutionArn"]


def summary(execution: dict, events: list[dict]) -> dict:
    end = execution.get("EndTimestamp") or datetime.now(UTC)
    result = execution.get("Result")
    return {
        "execution_arn": execution["DurableExecutionArn"],
        "status": execution["Status"],
        "elapsed_seconds": round((end - execution["StartTimestamp"]).total_seconds(), 1),
        "result": json.loads(result) if result else None,
        "error": execution.get("Error"),
        "timeline": [line.strip() for line in lines(events, execution["StartTimestamp"])],
    }


def report(outcome: dict, as_json: bool) -> int:
    if as_json:
        print(json.dumps(outcome, indent=2, default=str))
    else:
        print(f"\n{outcome['status']} after {outcome['elapsed_seconds']} s  ({outcome['execution_arn']})")
        if outcome["result"] is not None:
            print(json.dumps(outcome["result"], indent=2))
        if outcome["error"]:
            print(f"error: {outcome['error'].get('ErrorType')}: {outcome['error'].get('ErrorMessage')}")
    return 0 if outcome["status"] == "SUCCEEDED" else 1


def run(args: argparse.Namespace) -> int:
    outputs = example_outputs(args.example_dir)
    alias_arn = outputs["alias_arn"]
    client = lambda_client(alias_arn, args.endpoint_url)
    live = not args.json
    if args.history:
        arn = latest_execution_arn(client, alias_arn, str(outputs["version"]))
        execution = client.get_durable_execution(DurableExecutionArn=arn)
        events = history(client, arn)
        if live:
            print(f"last execution of {alias_arn}:")
            print("\n".join(lines(events, execution["StartTimestamp"])))
        return report(summary(execution, events), args.json)

    payload = args.payload or os.environ.get("PAYLOAD") or outputs.get("sample_payload") or "{}"
    try:
        json.loads(payload)
    except ValueError as error:
        raise Problem(f"--payload is not valid JSON ({error}): {payload}") from None
    name = args.name or f"invoke-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    arn = start(client, alias_arn, payload, name)
    if live:
        print(f"started {name} on {alias_arn}\n  payload {payload}")
    try:
        execution, events = follow(client, arn, args.timeout, live)
    except TimeoutError:
        print(
            f"still running after {args.timeout:.0f} s: follow it with `make history` ({arn})",
            file=sys.stderr,
        )
        return 3
    return report(summary(execution, events), args.json)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--example-dir", required=True, help="an applied example, e.g. examples/content-pipeline")
    parser.add_argument("--payload", help="execution input as JSON (default: the example's sample_payload output)")
    parser.add_argument("--endpoint-url", help="local AWS endpoint; omit for AWS")
    parser.add_argument("--name", help="durable execution name (default: invoke-<time>-<random>)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to follow before giving up (default 900)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of live lines")
    parser.add_argument("--history", action="store_true", help="print the timeline of the last execution instead")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except Problem as problem:
        print(f"invoke: {problem}", file=sys.stderr)
    except NoCredentialsError:
        print(
            "invoke: no AWS credentials found: configure them (aws configure, AWS_PROFILE) or use TARGET=local",
            file=sys.stderr,
        )
    except EndpointConnectionError as error:
        hint = " : is local AWS running? `make up`" if args.endpoint_url else ""
        print(f"invoke: cannot reach {error.kwargs.get('endpoint_url')}{hint}", file=sys.stderr)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        hint = " (was the example destroyed? `make apply`)" if code == "ResourceNotFoundException" else ""
        print(f"invoke: {code}: {error.response.get('Error', {}).get('Message')}{hint}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
