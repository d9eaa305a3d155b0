"""Section 6, SQS crash run: 200 messages through the SQS starter into the
durable content pipeline while the starter's worker process is killed and
local AWS is restarted at seeded random moments. At the end every message
should be exactly one SUCCEEDED execution (named sqs-<message id>) or one
dead-letter queue entry, and Bedrock (a loopback fake counting calls per run
id) should have been called 3 times per execution plus the retries the
histories show.

Runs on its own local AWS, started with LOCAL_AWS_PERSIST=1 so a restart keeps
queues, functions and executions (the emulator saves its state on SIGTERM).
Executions whose invocation a restart cut off are invoked again by the
compatibility patch restored_execution_is_reinvoked (docs/ARCHITECTURE.md,
gap 15); without it they stay RUNNING until their ExecutionTimeout. The
section reports what it finds, executions that did not succeed included.

The messages are fed at a steady rate over FEED_SECONDS rather than all at
once: local Lambda has no worker ceiling, so a burst of 190 executions would
spawn one Python worker process per concurrent invocation, far beyond what 2
cores start in the section's time budget. The steady feed also keeps the
starter busy while the kills fall."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from emulator_functions import client, deploy, emulator_pid, executions, package, role
from fake_bedrock_server import FakeBedrockServer
from session import local_aws_session, restart

SEED = 20261124
MESSAGES = 200
POISON = 10  # bodies that are not JSON: the starter reports them, the queue moves them to the DLQ
KILLS = 5  # SIGKILL of the starter's worker processes (every one running at that moment)
KILL_PATIENCE = 5.0  # a kill that finds no starter worker waits up to this long for one
RESTARTS = 2  # stop and start local AWS on the same state folder
FEED_SECONDS = 40.0  # messages are sent evenly over this long
FAULT_WINDOW = (2.0, 50.0)  # seconds after the first message; faults fall in here
SETTLE_TIMEOUT = 150.0  # after the last fault: bounded wait for every message to be accounted for
STALL = 45.0  # ... ended early when neither the queue nor any execution status changed for this long
MAX_RECEIVE_COUNT = 3
# Shortened for the bench (AWS advises at least 6x the function timeout): a batch whose starter died
# is delivered again after 10 s instead of minutes.
VISIBILITY_TIMEOUT = 10
STARTER = "bench-sqs-starter"
PIPELINE = "bench-sqs-pipeline"
STEPS = 3


# The bench itself never invokes: retrying its calls across a restart is safe.
RETRYING = Config(retries={"mode": "standard", "max_attempts": 6}, read_timeout=60, connect_timeout=5)


def _clients(local_aws):
    return tuple(client(local_aws, service, RETRYING) for service in ("lambda", "iam", "sqs"))


def _children(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            frontier += kids
    return found


def _starter_workers(local_aws) -> list[int]:
    """Worker processes of the starter: children of the emulator whose environment names the function
    (ministack's lambda_runtime sets AWS_LAMBDA_FUNCTION_NAME when it spawns a worker)."""
    wanted = f"AWS_LAMBDA_FUNCTION_NAME={STARTER}".encode()
    pids = []
    for pid in _children(emulator_pid(local_aws)):
        try:
            # Skip zombies (killed, not yet reaped by the emulator): their environment is still readable.
            zombie = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
            if not zombie and wanted in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                pids.append(pid)
        except OSError:
            continue
    return pids


def schedule(rng: random.Random) -> list[tuple[float, str]]:
    """The window cut into one slot per fault; each fault at a random moment of its slot, the kinds in a
    random order (spread out, so a slow restart does not push the next faults onto one moment)."""
    kinds = ["kill-starter-worker"] * KILLS + ["restart-local-aws"] * RESTARTS
    rng.shuffle(kinds)
    start, end = FAULT_WINDOW
    slot = (end - start) / len(kinds)
    return [(round(start + i * slot + rng.uniform(0, slot), 1), kind) for i, kind in enumerate(kinds)]


def _deploy(lam, iam, sqs, bedrock_url: str) -> dict:
    role_arn = role(iam)
    code = package()
    env = {
        "BEDROCK_MODEL_ID": "amazon.nova-micro-v1:0",
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock_url,
        "REVIEW_WAIT_SECONDS": "1",
        "MAX_TOKENS": "256",
    }
    target = deploy(lam, role_arn, code, PIPELINE, "durable_bedrock.content_pipeline.handler", env, durable=True)
    pipeline_arn = lam.get_function(FunctionName=PIPELINE)["Configuration"]["FunctionArn"]
    version = target.rsplit(":", 1)[1]
    starter_env = {"DURABLE_FUNCTION_ARN": f"{pipeline_arn}:{version}", "STARTS_IN_PARALLEL": "16"}
    deploy(lam, role_arn, code, STARTER, "durable_bedrock.sqs_starter.handler", starter_env, durable=False)
    dlq_url = sqs.create_queue(QueueName="bench-sqs-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
    queue_url = sqs.create_queue(
        QueueName="bench-sqs-trigger",
        Attributes={"VisibilityTimeout": str(VISIBILITY_TIMEOUT), "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(
        EventSourceArn=queue_arn,
        FunctionName=STARTER,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    return {"version": version, "queue_url": queue_url, "dlq_url": dlq_url}


def _bodies(rng: random.Random) -> list[tuple[str, str | None]]:
    """(body, run id) per message; run id None for the bodies that cannot start."""
    poison = set(rng.sample(range(MESSAGES), POISON))
    out = []
    for i in range(MESSAGES):
        if i in poison:
            out.append((f"not json #{i}", None))
        else:
            run_id = f"run-{rng.getrandbits(32):08x}"
            out.append((json.dumps({"topic": run_id}), run_id))
    return out


def _queue_depth(sqs, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def _drain_dlq(sqs, url: str) -> Counter:
    seen: Counter = Counter()
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300).get("Messages", [])
        if not batch:
            return seen
        for message in batch:
            seen[message["MessageId"]] += 1


def _retries_in_history(lam, arn: str) -> dict:
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    types = Counter(e["EventType"] for e in events)
    starts = Counter(e.get("Name") for e in events if e["EventType"] == "StepStarted")
    failed_invocations = sum(
        1
        for e in events
        if e["EventType"] == "InvocationCompleted" and (e.get("InvocationCompletedDetails") or {}).get("Error")
    )
    return {
        "step_failed": types.get("StepFailed", 0),
        "failed_invocations": failed_invocations,
        "repeated_step_starts": sum(n - 1 for n in starts.values()),
    }


def run(progress) -> dict:
    rng = random.Random(SEED)
    faults = schedule(rng)
    bodies = _bodies(rng)
    bedrock = FakeBedrockServer()
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as state, local_aws_session(Path(state), persist=True) as local_aws:
            lam, iam, sqs = _clients(local_aws)
            progress("sqs-crash: deploying the pipeline, the starter, the queues and the event source mapping")
            setup = _deploy(lam, iam, sqs, bedrock.url)
            progress(f"sqs-crash: fault schedule (seed {SEED}): {faults}")
            result = _crash_run(progress, local_aws, lam, sqs, setup, faults, bodies, bedrock)
    finally:
        bedrock.close()
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def _crash_run(progress, local_aws, lam, sqs, setup, faults, bodies, bedrock) -> dict:
    queue_url = setup["queue_url"]
    message_run: dict[str, str | None] = {}
    t0 = time.monotonic()

    up = threading.Event()  # cleared while local AWS restarts: the feeder holds its sends
    up.set()
    resent = []

    def feed() -> None:
        for i, (body, run_id) in enumerate(bodies):
            time.sleep(max(0.0, i * FEED_SECONDS / len(bodies) - (time.monotonic() - t0)))
            for attempt in range(30):
                up.wait()
                try:
                    message_run[sqs.send_message(QueueUrl=queue_url, MessageBody=body)["MessageId"]] = run_id
                    break
                except (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError):
                    # Sent while a restart began: it may or may not have reached the queue. A copy that
                    # did shows in the tally as an execution or dead-letter entry of no message.
                    resent.append(i)
                    time.sleep(min(2.0, 0.2 * (attempt + 1)))
            else:
                raise RuntimeError(f"message {i} could not be sent")
        progress(f"sqs-crash: {len(message_run)} messages sent in {time.monotonic() - t0:.1f} s")

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    log = [_fault(progress, local_aws, t0, at, what, up) for at, what in faults]
    feeder.join(timeout=FEED_SECONDS + 120)
    if feeder.is_alive() or len(message_run) != len(bodies):
        raise RuntimeError(f"only {len(message_run)} of {len(bodies)} messages were sent")

    # Bounded wait: the queue empty and no execution RUNNING, or the deadline, or nothing moved for STALL.
    deadline = time.monotonic() + SETTLE_TIMEOUT
    last_report, last_change, previous = 0.0, time.monotonic(), None
    while True:
        depth = _queue_depth(sqs, queue_url)
        statuses = Counter(e["Status"] for e in executions(lam, PIPELINE, setup["version"]))
        now = time.monotonic()
        if (depth, statuses) != previous:
            previous, last_change = (depth, statuses), now
        settled = depth == 0 and statuses.get("RUNNING", 0) == 0
        stalled = now - last_change >= STALL
        done = settled or stalled or now > deadline
        if done or now - last_report >= 5:
            progress(f"sqs-crash: t={now - t0:.0f}s queue depth {depth}, executions {dict(statuses)}")
            last_report = now
        if done:
            break
        time.sleep(1)
    if stalled and not settled:
        progress(f"sqs-crash: nothing moved for {STALL:g} s: stop waiting")
    return {
        "seed": SEED,
        "messages": len(bodies),
        "poison_messages": sum(1 for _, run_id in bodies if run_id is None),
        "feed_seconds": FEED_SECONDS,
        "visibility_timeout_seconds": VISIBILITY_TIMEOUT,
        "max_receive_count": MAX_RECEIVE_COUNT,
        "settled": settled,
        "stalled": stalled and not settled,
        "waited_seconds": round(time.monotonic() - t0, 1),
        "sends_retried": len(resent),
        "faults": log,
        **_tally(progress, lam, sqs, setup, message_run, bedrock),
    }


def _fault(progress, local_aws, t0: float, at: float, what: str, up: threading.Event) -> dict:
    time.sleep(max(0.0, at - (time.monotonic() - t0)))
    entry: dict = {"at_seconds": round(time.monotonic() - t0, 1), "action": what}
    if what == "kill-starter-worker":
        # No worker between batches (or just after a restart): wait a little for the next one.
        waited = time.monotonic()
        while not (pids := _starter_workers(local_aws)) and time.monotonic() - waited < KILL_PATIENCE:
            time.sleep(0.1)
        entry["waited_for_worker_seconds"] = round(time.monotonic() - waited, 1)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        entry["killed_pids"] = pids
        progress(f"sqs-crash: t={entry['at_seconds']}s killed starter workers {pids or '(none running)'}")
    else:
        began = time.monotonic()
        up.clear()
        try:
            restart(local_aws)
        finally:
            up.set()
        entry["restart_seconds"] = round(time.monotonic() - began, 1)
        progress(f"sqs-crash: t={entry['at_seconds']}s restarted local AWS ({entry['restart_seconds']} s)")
    return entry


def _tally(progress, lam, sqs, setup, message_run: dict[str, str | None], bedrock) -> dict:
    progress("sqs-crash: tallying executions, dead-letter entries and Bedrock calls")
    by_name: dict[str, list[dict]] = defaultdict(list)
    for execution in executions(lam, PIPELINE, setup["version"]):
        by_name[execution["DurableExecutionName"]].append(execution)
    dead = _drain_dlq(sqs, setup["dlq_url"])
    outcome: Counter = Counter()
    problems = []
    succeeded_arns = {}
    for message_id, run_id in message_run.items():
        runs = by_name.pop(f"sqs-{message_id}"[:64], [])
        in_dlq = dead.pop(message_id, 0)
        statuses = sorted(e["Status"] for e in runs)
        if statuses == ["SUCCEEDED"] and not in_dlq:
            outcome["succeeded_once"] += 1
            succeeded_arns[run_id] = runs[0]["DurableExecutionArn"]
            continue
        if not runs and in_dlq == 1:
            outcome["dlq_once" if run_id is None else "dlq_once_but_valid_body"] += 1
            continue
        if not runs and not in_dlq:
            kind = "missing"
        elif len(runs) + in_dlq > 1:
            kind = "doubled"
        else:
            kind = "other_status"
        outcome[kind] += 1
        unfinished = [e for e in runs if e["Status"] != "SUCCEEDED"]
        last_events = _last_events(lam, unfinished[0]["DurableExecutionArn"]) if unfinished else []
        error = (
            lam.get_durable_execution(DurableExecutionArn=unfinished[0]["DurableExecutionArn"]).get("Error")
            if unfinished
            else None
        )
        problems.append({"message_id": message_id, "run_id": run_id, "kind": kind, "executions": statuses,
                         "dlq_entries": in_dlq, "last_events": last_events, "error": error})  # fmt: skip
    outcome["executions_not_from_a_message"] = sum(len(v) for v in by_name.values())
    outcome["dlq_entries_not_from_a_message"] = sum(dead.values())

    step_failed = failed_invocations = 0
    extra_calls = []
    for run_id, arn in succeeded_arns.items():
        retries = _retries_in_history(lam, arn)
        step_failed += retries["step_failed"]
        failed_invocations += retries["failed_invocations"]
        calls = bedrock.calls[run_id]
        if calls != STEPS:
            events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
            history = [e["EventType"] + (f" {e['Name']}" if e.get("Name") else "") for e in events]
            extra_calls.append({"run_id": run_id, "calls": calls, **retries, "history": history})
    total_calls = sum(bedrock.calls.values())
    calls_of_succeeded = sum(bedrock.calls[run_id] for run_id in succeeded_arns)
    calls_of_unfinished = sum(bedrock.calls[p["run_id"]] for p in problems if p["run_id"])
    progress(f"sqs-crash: tally {dict(outcome)}; Bedrock calls {total_calls}")
    stuck = Counter(" > ".join(p["last_events"]) for p in problems if p["last_events"])
    return {
        "tally": {
            key: outcome.get(key, 0)
            for key in (
                "succeeded_once",
                "dlq_once",
                "dlq_once_but_valid_body",
                "missing",
                "doubled",
                "other_status",
                "executions_not_from_a_message",
                "dlq_entries_not_from_a_message",
            )
        },
        "bedrock": {
            "calls_total": total_calls,
            "calls_of_succeeded_executions": calls_of_succeeded,
            "calls_of_unfinished_executions": calls_of_unfinished,
            "expected_without_retries": STEPS * len(succeeded_arns),
            "step_failed_events": step_failed,
            "failed_invocations_in_histories": failed_invocations,
            "runs_with_other_than_3_calls": extra_calls,
        },
        # Where the executions that did not succeed stopped: their last history events, and how many.
        "unfinished_by_last_events": dict(stuck.most_common()),
        "problems": problems,
    }


def _last_events(lam, arn: str) -> list[str]:
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    return [e["EventType"] + (f" {e['Name']}" if e.get("Name") else "") for e in events[-3:]]
