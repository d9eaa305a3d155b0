"""Section 9, fan-out: one execution fans out over N items (N = 100, 1,000, 10,000), one Converse step per
item, bounded at FAN_OUT_MAX_CONCURRENCY items in flight, against a loopback Bedrock that throttles a
seeded share of the calls; each size on a fresh local AWS (IAM enforced: the role has the module's
fan-out grant, lambda:InvokeFunction on the function's own versions). Above what one execution holds
(3,000 durable operations: durable_bedrock/fanout_map.py), the items run in child executions.

Measured per size: wall time from the start to SUCCEEDED, the executions used (the parent and its
children, listed), durable operations per item (distinct operation ids in every execution's history,
over the items), Bedrock calls against items x 1 step + the throttled calls answered (the retries),
items whose reply is not exactly one (lost: none, repeated: more), and the peak resident memory of
the local AWS process tree. FAN_OUT_SIZES (e.g. 100,1000) runs only those sizes."""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from botocore.config import Config

from emulator_functions import client, emulator_pid, package, role
from fake_bedrock_server import FakeBedrockServer
from load_faults import Sampler, _history
from session import local_aws_session

SEED = 20261125
SIZES = (100, 1000, 10_000)
WAIT_SECONDS = {100: 180, 1000: 900, 10_000: 3600}
THROTTLE_SHARE = 0.10  # of first calls; a throttled item's next call is throttled again with the same odds
MAX_THROTTLES_IN_A_ROW = 2  # within the 5 attempts of retry_policy.BEDROCK_STEP
MAX_CONCURRENCY = 8
FUNCTION = "bench-fan-out"
POLLING = Config(retries={"mode": "standard", "max_attempts": 3}, read_timeout=60, connect_timeout=5)


def throttles(run_id: str, number: int) -> str | None:
    """Call `number` of item `run_id`: throttled while the item's seeded draws say so (at most 2 in a row)."""
    rng = random.Random(f"{SEED}:{run_id}")
    throttled = 0
    while throttled < MAX_THROTTLES_IN_A_ROW and rng.random() < THROTTLE_SHARE:
        throttled += 1
    return "ThrottlingException" if number <= throttled else None


def chosen_sizes() -> tuple[int, ...]:
    raw = os.environ.get("FAN_OUT_SIZES", "").strip()
    return tuple(int(size) for size in raw.split(",")) if raw else SIZES


def run(progress) -> dict:
    progress("fan-out: building the package")
    code = package()
    return {
        "seed": SEED,
        "throttle_share": THROTTLE_SHARE,
        "max_concurrency": MAX_CONCURRENCY,
        "sizes": [_one_size(progress, code, size) for size in chosen_sizes()],
    }


def _deploy(lam, iam, code: bytes, bedrock_url: str) -> str:
    role_arn = role(iam)
    grant = {
        "Effect": "Allow",
        "Action": "lambda:InvokeFunction",
        "Resource": f"arn:aws:lambda:us-east-1:000000000000:function:{FUNCTION}:*",
    }
    iam.put_role_policy(
        RoleName=role_arn.rsplit("/", 1)[1],
        PolicyName="fan-out",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [grant]}),
    )
    lam.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.13",
        Role=role_arn,
        Handler="fan_out_items.handler",
        Code={"ZipFile": code},
        Timeout=900,
        MemorySize=1024,
        Environment={
            "Variables": {
                "BEDROCK_MODEL_ID": "amazon.nova-micro-v1:0",
                "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock_url,
                "FAN_OUT_MAX_CONCURRENCY": str(MAX_CONCURRENCY),
            }
        },
        DurableConfig={"ExecutionTimeout": 7200, "RetentionPeriodInDays": 1},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=FUNCTION)
    return lam.publish_version(FunctionName=FUNCTION)["Version"]


def _one_size(progress, code: bytes, size: int) -> dict:
    items = [f"run-{random.Random(f'{SEED}:{size}:{i}').getrandbits(32):08x}" for i in range(size)]
    assert len(set(items)) == size, "item ids must be distinct: the fake counts calls per id"
    bedrock = FakeBedrockServer(fault=throttles)
    try:
        with tempfile.TemporaryDirectory() as state, local_aws_session(Path(state), auth=True) as local_aws:
            lam, iam, poll = client(local_aws, "lambda"), client(local_aws, "iam"), client(local_aws, "lambda", POLLING)
            version = _deploy(lam, iam, code, bedrock.url)
            progress(f"fan-out: {size} items: deployed on a fresh local AWS; starting")
            sampler = Sampler(emulator_pid(local_aws))
            t0 = time.monotonic()
            arn = lam.invoke(
                FunctionName=FUNCTION,
                Qualifier=version,
                InvocationType="Event",
                DurableExecutionName=f"fan-out-{size}",
                Payload=json.dumps({"items": items}),
            )["DurableExecutionArn"]
            status, last = "RUNNING", 0.0
            while status == "RUNNING" and time.monotonic() - t0 < WAIT_SECONDS[size]:
                time.sleep(1)
                status = poll.get_durable_execution(DurableExecutionArn=arn)["Status"]
                if time.monotonic() - last >= 15:
                    last = time.monotonic()
                    progress(
                        f"fan-out: {size} items: t={last - t0:.0f}s, Bedrock calls so far {sum(bedrock.calls.values())}"
                    )
            wall = time.monotonic() - t0
            sampled = sampler.stop()
            execution = poll.get_durable_execution(DurableExecutionArn=arn)
            listed = lam.list_durable_executions_by_function(FunctionName=FUNCTION, MaxItems=1000)["DurableExecutions"]
            operations = sum(
                len({event["Id"] for event in _history(poll, e["DurableExecutionArn"]) if event.get("Id")})
                for e in listed
            )
    finally:
        bedrock.close()
    answered = Counter(
        {item: bedrock.calls[item] - sum(bedrock.faults.get(item, Counter()).values()) for item in items}
    )
    retries = sum(sum(counts.values()) for counts in bedrock.faults.values())
    result = json.loads(execution.get("Result") or "null")
    row = {
        "items": size,
        "status": status,
        "wall_seconds": round(wall, 1),
        "result": result,
        "executions_listed": len(listed),
        "executions_by_status": dict(Counter(e["Status"] for e in listed)),
        "durable_operations": operations,
        "operations_per_item": round(operations / size, 3),
        "bedrock_calls": sum(bedrock.calls.values()),
        "expected_calls_items_x_1_plus_retries": size + retries,
        "throttled_calls_answered": retries,
        "items_lost": sum(1 for item in items if answered[item] == 0),
        "items_repeated": sum(1 for item in items if answered[item] > 1),
        "calls_unattributed": bedrock.calls.get("unknown", 0),
        **sampled,
    }
    progress(f"fan-out: {size} items: {json.dumps(row)}")
    return row
