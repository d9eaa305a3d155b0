"""Section 2, billed vs. wall time: from the execution history on local AWS,
the summed duration of the function's invocations against the execution's
wall time, for review waits of 5 s and 60 s (runs in parallel)."""

from __future__ import annotations

import json
import statistics

from durable_api import wait_for_status
from emulator_functions import clients, deploy, package, role

RUNS = 5
WAITS = [5, 60]


def billed_and_wall(lam, arn: str) -> tuple[float, float]:
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    billed = sum(
        (
            e["InvocationCompletedDetails"]["EndTimestamp"] - e["InvocationCompletedDetails"]["StartTimestamp"]
        ).total_seconds()
        for e in events
        if e["EventType"] == "InvocationCompleted"
    )
    wall = (execution["EndTimestamp"] - execution["StartTimestamp"]).total_seconds()
    return billed, wall


def run(progress, local_aws) -> dict:
    lam, iam = clients(local_aws)
    role_arn = role(iam)
    code = package()
    rows = []
    for wait in WAITS:
        progress(f"billed vs wall: review wait {wait} s, {RUNS} executions in parallel")
        env = {"BEDROCK_MODEL_ID": "amazon.nova-micro-v1:0", "REVIEW_WAIT_SECONDS": str(wait), "MAX_TOKENS": "256"}
        target = deploy(lam, role_arn, code, f"bench-wait-{wait}", "durable_bedrock.content_pipeline.handler", env,
                        durable=True)  # fmt: skip
        arns = [
            lam.invoke(FunctionName=target, InvocationType="Event", Payload=json.dumps({"topic": f"wait {wait}"}))[
                "DurableExecutionArn"
            ]
            for _ in range(RUNS)
        ]
        samples = []
        for arn in arns:
            if wait_for_status(lam, arn, timeout=wait + 120)["Status"] != "SUCCEEDED":
                raise RuntimeError(f"execution {arn} did not succeed")
            samples.append(billed_and_wall(lam, arn))
        billed = [b for b, _ in samples]
        wall = [w for _, w in samples]
        rows.append(
            {
                "review_wait_seconds": wait,
                "billed_seconds_median": statistics.median(billed),
                "wall_seconds_median": statistics.median(wall),
                "ratio_median": statistics.median(b / w for b, w in samples),
                "samples": samples,
            }
        )
    return {"runs": RUNS, "waits": rows}
