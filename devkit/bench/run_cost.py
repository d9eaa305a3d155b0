"""Section 8, what a run costs: the content pipeline and the video workflow,
durable against a plain function that Lambda's asynchronous retry restarts
from the beginning, under the crash scenarios of section 1 (crash_resume.py;
for the video, the same: the process dies once before each of its steps in
turn, or after the last, before returning, or not at all).

Per run: what Bedrock was paid for (Converse calls and tokens, video jobs and
their seconds: counted by the loopback fake Bedrock, which both functions
call), durable operations and data written (the durable run's own `cost`
section: the ledger of a real execution on local AWS), billed duration (the
Billed Duration of the REPORT log line local AWS writes for every invocation
of either function, crashed ones included), and a USD
total from one price table, PRICES: the durable function's figure is its
result's `usd.total`, computed by the ledger with PRICES given as the
function's PRICES variable; the plain function's is the same ledger code
(bedrock_usd) over the calls the fake counted for it.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crash_resume import CRASH_AFTER_STEPS
from durable_api import wait_for_status
from emulator_functions import client, clients, deploy, package, role
from fake_bedrock_server import FakeBedrockServer, FakeVideos
from test_build import crash_environment

# The ledger's own code prices the plain runs (the durable runs price themselves, in the function).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda_src"))
from durable_bedrock.ledger import ModelCall, VideoJob, bedrock_usd
from durable_bedrock.pricing import PRICES_SOURCE, parse_prices

RUNS = 3
CONTENT_MODEL = "amazon.nova-micro-v1:0"
VIDEO_MODEL = "amazon.nova-reel-v1:0"  # 6 s videos
VIDEO_SECONDS = 6
# What the fake reports for every Converse reply: a size of the order of a section of an article (illustrative).
TOKENS_PER_CALL = (1000, 500)
# The fake's video jobs are done this long after they start; the durable function's first check comes after
# POLL_FIRST_WAIT_SECONDS, the plain one checks every second (plain_video.py). On AWS a 6 s Nova Reel clip takes
# about 90 s (section 3): time the plain function is billed for, waiting, and the durable one is not.
FAKE_JOB_SECONDS = 3
POLL_FIRST_WAIT_SECONDS = 4

# The one price table of this section. Bedrock: ILLUSTRATIVE figures, not quotes (no Bedrock price could be cited:
# README "What a run costs"); durable: the module's defaults (pricing.py, from the Lambda pricing page). Lambda
# compute (GB-seconds) is left out: see report.run_cost.
PRICES = {
    "bedrock": {
        CONTENT_MODEL: {"input_per_1k_tokens": 0.001, "output_per_1k_tokens": 0.005},
        VIDEO_MODEL: {"per_video_second": 0.50},
    },
    "durable": {},
}
# Section 1's scenarios, named by the step before which the process dies.
CONTENT_CRASHES = [None, *CRASH_AFTER_STEPS.values()]
VIDEO_CRASHES = [None, "mint-idempotency-token", "start-async-invoke", "wait-for-video", "build-result", "finish"]
VIDEO_BUCKET = "bench-cost-videos"


@dataclass(frozen=True)
class Workflow:
    name: str
    durable_handler: str
    plain_handler: str
    crashes: list[str | None]
    environment: dict[str, str]
    payload: Callable[[str], dict]  # the event of one run, carrying its run id to the fake


WORKFLOWS = [
    Workflow(
        "content",
        "durable_bedrock.content_pipeline.handler",
        "plain_pipeline.handler",
        CONTENT_CRASHES,
        {"BEDROCK_MODEL_ID": CONTENT_MODEL, "REVIEW_WAIT_SECONDS": "1", "MAX_TOKENS": "256"},
        lambda run_id: {"topic": run_id},
    ),
    Workflow(
        "video",
        "durable_bedrock.video_generation.handler",
        "plain_video.handler",
        VIDEO_CRASHES,
        {
            "BEDROCK_MODEL_ID": VIDEO_MODEL,
            "OUTPUT_S3_URI": f"s3://{VIDEO_BUCKET}/videos/",
            "POLL_FIRST_WAIT_SECONDS": str(POLL_FIRST_WAIT_SECONDS),
        },
        lambda run_id: {"prompt": f"a lighthouse at dusk {run_id}", "duration_seconds": VIDEO_SECONDS},
    ),
]


def run(progress, local_aws) -> dict:
    lam, iam = clients(local_aws)
    role_arn = role(iam)
    s3, logs = client(local_aws, "s3"), client(local_aws, "logs")
    s3.create_bucket(Bucket=VIDEO_BUCKET)
    code = package()
    bedrock = FakeBedrockServer(usage=TOKENS_PER_CALL, videos=FakeVideos(FAKE_JOB_SECONDS, _writer(s3)))
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for workflow in WORKFLOWS:
                for crash in workflow.crashes:
                    label = "no crash" if crash is None else f"crash before {crash}"
                    progress(f"run cost: {workflow.name}, {label}, {RUNS} durable and {RUNS} plain runs")
                    markers = Path(tmp) / f"{workflow.name}-{crash}"
                    markers.mkdir()
                    env = {**workflow.environment, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock.url,
                           "PRICES": json.dumps(PRICES), **crash_environment(crash or "", markers)}  # fmt: skip
                    suffix = f"{workflow.name}-{crash or 'none'}"
                    durable = deploy(lam, role_arn, code, f"bench-cost-durable-{suffix}", workflow.durable_handler,
                                     env, durable=True)  # fmt: skip
                    plain = deploy(lam, role_arn, code, f"bench-cost-plain-{suffix}", workflow.plain_handler, env,
                                   durable=False)  # fmt: skip
                    durable_runs = [run_durable(lam, logs, bedrock, durable, markers, workflow) for _ in range(RUNS)]
                    plain_runs = [run_plain(lam, logs, bedrock, plain, markers, workflow) for _ in range(RUNS)]
                    rows.append(
                        {
                            "workflow": workflow.name,
                            "scenario": label,
                            "durable": _medians(durable_runs),
                            "plain": _medians(plain_runs),
                            "durable_runs": durable_runs,
                            "plain_runs": plain_runs,
                        }
                    )
    finally:
        bedrock.close()
    return {
        "runs": RUNS,
        "prices": PRICES,
        "prices_source": PRICES_SOURCE,
        "tokens_per_call": {"input": TOKENS_PER_CALL[0], "output": TOKENS_PER_CALL[1]},
        "video": {
            "model": VIDEO_MODEL,
            "seconds": VIDEO_SECONDS,
            "fake_job_seconds": FAKE_JOB_SECONDS,
            "poll_first_wait_seconds": POLL_FIRST_WAIT_SECONDS,
        },
        "scenarios": rows,
    }


def _writer(s3) -> Callable[[str], None]:
    def write(uri: str) -> None:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        s3.put_object(Bucket=bucket, Key=key, Body=b"\x00\x00\x00\x18ftypmp42")

    return write


def _fresh(markers: Path) -> str:
    for marker in markers.glob("*"):
        marker.unlink()
    return f"run-{uuid.uuid4().hex[:8]}"


def paid(bedrock: FakeBedrockServer, run_id: str, workflow: Workflow) -> dict:
    """What Bedrock was paid for in one run, as the fake counted it, and its USD at PRICES (the ledger's code)."""
    calls: list[ModelCall] = [
        {
            "step": "",
            "model_id": CONTENT_MODEL,
            "input_tokens": TOKENS_PER_CALL[0],
            "output_tokens": TOKENS_PER_CALL[1],
            "cache_read_input_tokens": 0,
            "cache_write_input_tokens": 0,
            "latency_ms": 0,
        }
        for _ in range(bedrock.calls[run_id])
    ]
    jobs: list[VideoJob] = [
        {"step": "", "model_id": VIDEO_MODEL, "duration_seconds": VIDEO_SECONDS, "resolution": "1280x720"}
        for _ in range(bedrock.video_jobs[run_id])
    ]
    usd, missing = bedrock_usd(calls, jobs, parse_prices(PRICES))
    if usd is None:
        raise RuntimeError(f"{workflow.name}: PRICES lacks {missing}")
    return {
        "bedrock_calls": len(calls),
        "tokens": sum(c["input_tokens"] + c["output_tokens"] for c in calls),
        "video_jobs": len(jobs),
        "video_seconds": sum(j["duration_seconds"] for j in jobs),
        "video_checks": bedrock.video_checks[run_id],
        "bedrock_usd": round(usd, 8),
    }


def run_durable(lam, logs, bedrock: FakeBedrockServer, target: str, markers: Path, workflow: Workflow) -> dict:
    run_id = _fresh(markers)
    function = target.split(":")[0]
    earlier = reports(logs, function)
    payload = json.dumps(workflow.payload(run_id))
    arn = lam.invoke(FunctionName=target, InvocationType="Event", Payload=payload)["DurableExecutionArn"]
    execution = wait_for_status(lam, arn, timeout=180)
    if execution["Status"] != "SUCCEEDED":
        raise RuntimeError(
            f"durable {workflow.name} run {run_id} ended {execution['Status']}: {execution.get('Error')}"
        )
    cost = json.loads(execution["Result"])["cost"]
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    invocations = sum(event["EventType"] == "InvocationCompleted" for event in events)
    counted = paid(bedrock, run_id, workflow)
    return {
        **counted,
        # The ledger's own figures (the result's cost section); the fake's count above is what was paid.
        "ledger_bedrock_calls": len(cost["model_calls"]),
        "ledger_video_seconds": sum(job["duration_seconds"] for job in cost["video_jobs"]),
        "operations": cost["operations"]["total"],
        "data_written_bytes": cost["data_written_bytes"],
        "durable_usd": cost["usd"]["durable"],
        "usd_total": cost["usd"]["total"],
        "invocations": invocations,
        "billed_seconds": billed_seconds(logs, function, earlier, invocations),
        "wall_seconds": (execution["EndTimestamp"] - execution["StartTimestamp"]).total_seconds(),
    }


def run_plain(lam, logs, bedrock: FakeBedrockServer, target: str, markers: Path, workflow: Workflow,
              timeout: float = 180) -> dict:  # fmt: skip
    run_id = _fresh(markers)
    earlier = reports(logs, target)
    started = time.monotonic()
    lam.invoke(FunctionName=target, InvocationType="Event", Payload=json.dumps(workflow.payload(run_id)))
    while not (markers / "done").exists():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"plain {workflow.name} run {run_id} did not finish")
        time.sleep(0.25)
    counted = paid(bedrock, run_id, workflow)
    return {
        **counted,
        "usd_total": counted["bedrock_usd"],
        "invocations": (attempts := len(list(markers.glob("attempt-*")))),
        "billed_seconds": billed_seconds(logs, target, earlier, attempts),
        "wall_seconds": round(time.monotonic() - started, 3),
    }


def reports(logs, function: str) -> set[str]:
    """The function's REPORT log lines: local AWS writes one per invocation, crashed ones included, as the
    invocation ends; its Billed Duration runs from the invoke to the result, the worker's start included (the
    same measure for both functions)."""
    return {m for m in _messages(logs, f"/aws/lambda/{function}") if m.startswith("REPORT RequestId")}


def billed_seconds(logs, function: str, earlier: set[str], invocations: int, timeout: float = 15) -> float:
    """The summed Billed Duration of the run's invocations: the REPORT lines beyond `earlier`, once there are
    `invocations` of them."""
    deadline = time.monotonic() + timeout
    while len(new := reports(logs, function) - earlier) < invocations and time.monotonic() < deadline:
        time.sleep(0.25)
    if len(new) != invocations:
        raise RuntimeError(f"{function}: {len(new)} REPORT lines for {invocations} invocations")
    return sum(int(match.group(1)) for line in new if (match := BILLED.search(line))) / 1000


BILLED = re.compile(r"Billed Duration: (\d+) ms")


def _messages(logs, group: str) -> list[str]:
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
        return [event["message"] for page in pages for event in page.get("events", [])]
    except logs.exceptions.ResourceNotFoundException:
        return []


def _medians(runs: list[dict]) -> dict:
    """Each figure's median over the runs (None where a run has none)."""
    return {
        key: statistics.median(run[key] for run in runs) if all(run[key] is not None for run in runs) else None
        for key in runs[0]
    }
