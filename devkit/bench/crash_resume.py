"""Section 1, crash-resume cost: Bedrock calls until the content pipeline
succeeds, when the function process dies after step k (k = 0..3) or not at
all, for the durable function and for a plain function that restarts from the
beginning (Lambda's asynchronous retry). Bedrock is a loopback fake that
counts the calls of each run."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from durable_api import wait_for_status
from emulator_functions import clients, deploy, package, role
from fake_bedrock_server import FakeBedrockServer
from test_build import crash_environment

RUNS = 5
# k steps finished, then the process dies before the next one ("finish": before returning).
CRASH_AFTER_STEPS = {0: "generate-outline", 1: "expand-draft", 2: "summarize", 3: "finish"}


def run(progress, local_aws) -> dict:
    lam, iam = clients(local_aws)
    role_arn = role(iam)
    code = package()
    bedrock = FakeBedrockServer()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for k in [None, *CRASH_AFTER_STEPS]:
                label = "no crash" if k is None else f"crash after step {k}"
                progress(f"crash-resume: {label}")
                markers = Path(tmp) / f"markers-{k}"
                markers.mkdir()
                env = {
                    "BEDROCK_MODEL_ID": "amazon.nova-micro-v1:0",
                    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock.url,
                    "REVIEW_WAIT_SECONDS": "1",
                    "MAX_TOKENS": "256",
                    # No crash point armed for k = None; the plain baseline's "done" marker goes there too.
                    **crash_environment(CRASH_AFTER_STEPS.get(k, ""), markers),
                }
                suffix = "none" if k is None else str(k)
                durable = deploy(lam, role_arn, code, f"bench-durable-{suffix}",
                                 "durable_bedrock.content_pipeline.handler", env, durable=True)  # fmt: skip
                plain = deploy(lam, role_arn, code, f"bench-plain-{suffix}", "plain_pipeline.handler", env,
                               durable=False)  # fmt: skip
                durable_calls, plain_calls = [], []
                for _ in range(RUNS):
                    durable_calls.append(run_durable(lam, bedrock, durable, markers))
                    plain_calls.append(run_plain(lam, bedrock, plain, markers))
                rows.append(
                    {
                        "scenario": label,
                        "durable_calls_median": statistics.median(durable_calls),
                        "plain_calls_median": statistics.median(plain_calls),
                        "durable_calls": durable_calls,
                        "plain_calls": plain_calls,
                    }
                )
    finally:
        bedrock.close()
    return {"runs": RUNS, "steps": 3, "scenarios": rows}


def _fresh(markers: Path) -> str:
    for marker in markers.glob("*"):
        marker.unlink()
    return f"run-{uuid.uuid4().hex[:8]}"


def run_durable(lam, bedrock, target: str, markers: Path) -> int:
    run_id = _fresh(markers)
    response = lam.invoke(FunctionName=target, InvocationType="Event", Payload=json.dumps({"topic": run_id}))
    execution = wait_for_status(lam, response["DurableExecutionArn"], timeout=180)
    if execution["Status"] != "SUCCEEDED":
        raise RuntimeError(f"durable run {run_id} ended {execution['Status']}: {execution.get('Error')}")
    return bedrock.calls[run_id]


def run_plain(lam, bedrock, target: str, markers: Path, timeout: float = 120) -> int:
    run_id = _fresh(markers)
    lam.invoke(FunctionName=target, InvocationType="Event", Payload=json.dumps({"topic": run_id}))
    deadline = time.monotonic() + timeout
    while not (markers / "done").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"plain run {run_id} did not finish")
        time.sleep(0.25)
    return bedrock.calls[run_id]
