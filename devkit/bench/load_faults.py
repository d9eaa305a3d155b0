"""Section 7, load with faults: N content pipeline executions started at once
(N = 50, 100, 200, 500, each on a fresh local AWS) against a loopback Bedrock
that throttles a seeded share of the calls and fails a few with transient 5xx
errors. Each execution should end SUCCEEDED, once (one execution per name),
and Bedrock (the fake counts calls per run id) should have been called 3
times per execution plus the retries its history shows.

Retries in a history: the steps use retry_policy.BEDROCK_STEP (5 attempts,
backoff from 2 s doubling, full jitter), and the Bedrock client makes one
attempt per step attempt. Each failed attempt is a STEP RETRY checkpoint,
which AWS shows as a StepFailed event with RetryDetails, the next attempt
starting with its own StepStarted (botocore lambda model; local AWS does the
same through the compatibility patch step_retries_in_history_like_aws). The
tally counts the retries a history shows (StepFailed with RetryDetails, or a
repeated StepStarted, per step the larger) and, separately, the faults the
fake answered each run: replies (calls minus faults) must be exactly 3 per
execution (no step answered twice), calls = 3 + history retries, and history
retries = faults answered.

Local AWS runs at most the account's concurrency of invocations at once
(LAMBDA_ACCOUNT_CONCURRENCY, default 16 per core: compat_concurrency.py); the
asynchronous ones beyond it wait in a queue, as on AWS. LOAD_FAULTS_SIZES
(e.g. 500, or 50,100) runs only those sizes, with the same run ids and faults.

Faults are decided per run id and call number from the seed, so every run of
the section draws the same ones. A step never gets more than
MAX_FAULTS_IN_A_ROW faults in a row, within its retry budget of 5 attempts:
every execution can succeed, and one that does not shows a defect, not bad
luck.

Measured per size: wall time from the first start to the last SUCCEEDED,
peak resident memory of the local AWS process tree (the emulator and its
Lambda workers, summed VmRSS from /proc: shared pages counted once per
process, so an upper bound), the peak number of workers, and the machine's
CPU use over the run (/proc/stat). Each size has a bounded wait; whatever did
not finish is reported as such."""

from __future__ import annotations

import json
import os
import random
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from emulator_functions import client, deploy, emulator_pid, executions, package, role
from fake_bedrock_server import FakeBedrockServer
from session import local_aws_session

SEED = 20261124
SIZES = (50, 100, 200, 500)
# Bounded wait per size for every execution to end, the starts included (the section as a whole: at most about
# 16 minutes; each execution takes about 0.65 s of CPU locally, so 500 need about 5 minutes of both cores).
WAIT_SECONDS = {50: 75, 100: 120, 200: 180, 500: 600}
STALL = 60.0  # a size's wait ends early when no execution status changed for this long
THROTTLE_SHARE = 0.30  # ThrottlingException 429
TRANSIENT_SHARE = 0.03  # ServiceUnavailableException 503 or InternalServerException 500, alternately
MAX_FAULTS_IN_A_ROW = 3
STARTERS = 32  # threads issuing the Invoke calls
PIPELINE = "bench-load-pipeline"
STEPS = 3
SAMPLE_EVERY = 1.0

# Starts carry a durable execution name: a retried Invoke returns the same execution, so retrying is safe.
RETRYING = Config(
    retries={"mode": "standard", "max_attempts": 6},
    read_timeout=120,
    connect_timeout=10,
    max_pool_connections=STARTERS + 8,
)

# Status polls: a poll local AWS does not answer is reported and the next one tried, so it must not block long.
POLLING = Config(retries={"mode": "standard", "max_attempts": 2}, read_timeout=30, connect_timeout=5)


class SeededFaults:
    """Which calls of a run fail: call n of run r is decided by Random(f"{seed}:{r}"), drawn in call order,
    never more than MAX_FAULTS_IN_A_ROW in a row (the calls of one run are sequential)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._plans: dict[str, list[str | None]] = {}
        self._lock = threading.Lock()

    def _plan(self, run_id: str) -> list[str | None]:
        rng = random.Random(f"{self.seed}:{run_id}")
        plan: list[str | None] = []
        in_a_row = transient = 0
        for _ in range(STEPS * (MAX_FAULTS_IN_A_ROW + 1) + 8):
            draw = rng.random()
            code = None
            if in_a_row < MAX_FAULTS_IN_A_ROW:
                if draw < THROTTLE_SHARE:
                    code = "ThrottlingException"
                elif draw < THROTTLE_SHARE + TRANSIENT_SHARE:
                    code = ("ServiceUnavailableException", "InternalServerException")[transient % 2]
                    transient += 1
            in_a_row = in_a_row + 1 if code else 0
            plan.append(code)
        return plan

    def __call__(self, run_id: str, number: int) -> str | None:
        with self._lock:
            plan = self._plans.setdefault(run_id, self._plan(run_id))
        return plan[number - 1] if number <= len(plan) else None


def _tree(root: int) -> list[int]:
    """root and its descendants, from the parent ids in /proc/<pid>/stat."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, frontier = [root], [root]
    while frontier:
        kids = parents.get(frontier.pop(), [])
        found += kids
        frontier += kids
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _process_ticks(pid: int) -> int | None:
    """utime + stime of one process, in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Sampler:
    """Samples the local AWS process tree every SAMPLE_EVERY seconds: summed RSS and process count, peaks kept."""

    def __init__(self, emulator_pid: int) -> None:
        self.emulator_pid = emulator_pid
        self.peak_rss_kib = self.peak_processes = 0
        self.samples = 0
        self._ticks: dict[int, int] = {}  # per process of the tree, the last utime + stime seen
        self._stop = threading.Event()
        self._cpu_start = _cpu_ticks()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = _tree(self.emulator_pid)
            rss = sum(_rss_kib(pid) for pid in pids)
            for pid in pids:
                if (ticks := _process_ticks(pid)) is not None:
                    self._ticks[pid] = ticks
            self.peak_rss_kib = max(self.peak_rss_kib, rss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self.samples += 1
            self._stop.wait(SAMPLE_EVERY)

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        busy0, total0 = self._cpu_start
        busy1, total1 = _cpu_ticks()
        return {
            "peak_rss_mib": round(self.peak_rss_kib / 1024),
            "peak_processes": self.peak_processes,
            "machine_cpu_busy_share": round((busy1 - busy0) / max(1, total1 - total0), 2),
            # CPU time of the emulator and its workers, as last sampled (a worker's last second may be missed).
            "local_aws_cpu_seconds": round(sum(self._ticks.values()) / os.sysconf("SC_CLK_TCK"), 1),
            # ... of which the emulator process itself (one Python process: API, scheduler, worker pipes).
            "emulator_cpu_seconds": round(self._ticks.get(self.emulator_pid, 0) / os.sysconf("SC_CLK_TCK"), 1),
        }


def chosen_sizes() -> tuple[int, ...]:
    """SIZES, or those LOAD_FAULTS_SIZES names (comma-separated, e.g. `LOAD_FAULTS_SIZES=500 make bench
    ONLY=load_faults`): one size can be run alone, with the run ids and faults it has in the whole section."""
    raw = os.environ.get("LOAD_FAULTS_SIZES", "").strip()
    if not raw:
        return SIZES
    sizes = tuple(int(size) for size in raw.split(","))
    if unknown := set(sizes) - set(SIZES):
        raise SystemExit(f"LOAD_FAULTS_SIZES: {sorted(unknown)} not among the section's sizes {SIZES}")
    return sizes


def run(progress) -> dict:
    started = time.monotonic()
    progress("load-faults: building the package")
    code = package()
    rng = random.Random(SEED)
    faults = SeededFaults(SEED)
    sizes = []
    chosen = chosen_sizes()
    for size in SIZES:
        run_ids = [f"run-{rng.getrandbits(32):08x}" for _ in range(size)]  # drawn for every size: same ids alone
        if size in chosen:
            sizes.append(_one_size(progress, code, size, run_ids, faults))
    return {
        "seed": SEED,
        "cores": os.cpu_count(),
        "throttle_share": THROTTLE_SHARE,
        "transient_share": TRANSIENT_SHARE,
        "max_faults_in_a_row": MAX_FAULTS_IN_A_ROW,
        "sizes": sizes,
        "seconds": round(time.monotonic() - started, 1),
    }


def _one_size(progress, code: bytes, size: int, run_ids: list[str], faults: SeededFaults) -> dict:
    bedrock = FakeBedrockServer(fault=faults)
    try:
        with tempfile.TemporaryDirectory() as state, local_aws_session(Path(state)) as local_aws:
            lam, iam = (client(local_aws, service, RETRYING) for service in ("lambda", "iam"))
            env = {
                "BEDROCK_MODEL_ID": "amazon.nova-micro-v1:0",
                "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock.url,
                "REVIEW_WAIT_SECONDS": "1",
                "MAX_TOKENS": "256",
            }
            target = deploy(lam, role(iam), code, PIPELINE, "durable_bedrock.content_pipeline.handler", env, True)
            version = target.rsplit(":", 1)[1]
            # Invocations in flight at most (local AWS queues the asynchronous ones beyond it, as AWS does).
            concurrency = lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"]
            progress(f"load-faults: {size} executions: deployed on a fresh local AWS; starting them at once")
            sampler = Sampler(emulator_pid(local_aws))
            try:
                result = _load(progress, lam, client(local_aws, "lambda", POLLING), version, size, run_ids)
            finally:
                sampled = sampler.stop()
            result.update(sampled, account_concurrency=concurrency)
            try:
                result.update(_tally(progress, lam, version, run_ids, bedrock))
            except (BotoCoreError, ClientError) as error:
                progress(f"load-faults: {size} executions: no tally, local AWS did not answer: {error}")
                result.update(_fake_only_tally(run_ids, bedrock, error))
    finally:
        bedrock.close()
    return result


def _load(progress, lam, poll, version: str, size: int, run_ids: list[str]) -> dict:
    t0 = time.monotonic()
    deadline = t0 + WAIT_SECONDS[size]
    start_errors: Counter = Counter()

    def start(run_id: str) -> None:
        if time.monotonic() > deadline:  # the wait is bounded, the starts included
            start_errors["not sent: the wait ran out"] += 1
            return
        try:
            lam.invoke(FunctionName=PIPELINE, Qualifier=version, InvocationType="Event",
                       DurableExecutionName=f"load-{run_id}", Payload=json.dumps({"topic": run_id}))  # fmt: skip
        except Exception as error:  # counted and reported: the execution shows as missing
            start_errors[type(error).__name__] += 1

    with ThreadPoolExecutor(STARTERS) as pool:
        list(pool.map(start, run_ids))
    start_seconds = time.monotonic() - t0
    progress(f"load-faults: {size} executions: {size - sum(start_errors.values())} starts accepted "
             f"in {start_seconds:.1f} s" + (f", errors {dict(start_errors)}" if start_errors else ""))  # fmt: skip

    last_report, last_change, previous = 0.0, time.monotonic(), None
    first_all_done, statuses, unanswered = None, Counter(), 0
    while True:
        try:
            statuses = Counter(e["Status"] for e in executions(poll, PIPELINE, version))
        except (BotoCoreError, ClientError) as error:  # local AWS overwhelmed: reported, not fatal
            unanswered += 1
            progress(f"load-faults: {size} executions: local AWS did not answer the status poll: {error}")
        now = time.monotonic()
        if statuses != previous:
            previous, last_change = statuses, now
        finished = statuses.get("RUNNING", 0) == 0 and sum(statuses.values()) >= size - sum(start_errors.values())
        stalled = now - last_change >= STALL
        done = finished or stalled or now > deadline
        if done or now - last_report >= 10:
            progress(f"load-faults: {size} executions: t={now - t0:.0f}s {dict(statuses)}")
            last_report = now
        if finished:
            first_all_done = now
        if done:
            break
        time.sleep(1)
    if not finished:
        why = f"nothing moved for {STALL:g} s" if stalled else f"the {WAIT_SECONDS[size]} s wait ran out"
        progress(f"load-faults: {size} executions: NOT all finished ({why}): stop waiting")
    return {
        "executions": size,
        "start_seconds": round(start_seconds, 1),
        "start_errors": dict(start_errors),
        "wait_limit_seconds": WAIT_SECONDS[size],
        "finished": finished,
        "stalled": stalled and not finished,
        "wall_seconds": round((first_all_done or time.monotonic()) - t0, 1),
        "statuses_at_end": dict(statuses),
        "status_polls_unanswered": unanswered,
    }


def _history(lam, arn: str) -> list[dict]:
    events, marker = [], None
    while True:
        page = lam.get_durable_execution_history(
            DurableExecutionArn=arn, MaxItems=1000, **({"Marker": marker} if marker else {})
        )
        events += page["Events"]
        marker = page.get("NextMarker")
        if not marker:
            return events


def _tally(progress, lam, version: str, run_ids: list[str], bedrock) -> dict:
    by_name: dict[str, list[dict]] = {}
    for execution in executions(lam, PIPELINE, version):
        by_name.setdefault(execution["DurableExecutionName"], []).append(execution)
    outcome: Counter = Counter()
    retries_total = faults_total = invocations = 0
    checks: Counter = Counter()
    mismatches, unfinished, succeeded_ids = [], Counter(), []
    for run_id in run_ids:
        runs = by_name.pop(f"load-{run_id}", [])
        statuses = sorted(e["Status"] for e in runs)
        if not runs:
            outcome["missing"] += 1
            continue
        if len(runs) > 1:
            outcome["run_twice"] += 1
            continue
        if statuses != ["SUCCEEDED"]:
            outcome["not_succeeded"] += 1
            events = _history(lam, runs[0]["DurableExecutionArn"])
            unfinished[" > ".join(_label(e) for e in events[-2:])] += 1
            continue
        outcome["succeeded_once"] += 1
        succeeded_ids.append(run_id)
        events = _history(lam, runs[0]["DurableExecutionArn"])
        retries = _retries(events)
        retries_total += retries
        invocations += sum(1 for e in events if e["EventType"] == "InvocationCompleted")
        calls, answered = bedrock.calls[run_id], sum(bedrock.faults.get(run_id, Counter()).values())
        faults_total += answered
        checks["replies_not_3"] += calls - answered != STEPS
        checks["calls_not_3_plus_history_retries"] += calls != STEPS + retries
        checks["history_retries_not_faults_answered"] += retries != answered
        if calls - answered != STEPS or (calls != STEPS + retries and len(mismatches) < 5):
            mismatches.append({"run_id": run_id, "calls": calls, "faults_answered": answered,
                               "history_retries": retries, "history": [_label(e) for e in events]})  # fmt: skip
    outcome["executions_of_no_run"] = sum(len(v) for v in by_name.values())
    succeeded = outcome["succeeded_once"]
    fault_codes: Counter = Counter()
    for counts in bedrock.faults.values():
        fault_codes.update(counts)
    total = sum(bedrock.calls.values())
    progress(f"load-faults: {len(run_ids)} executions: tally {dict(outcome)}; Bedrock calls {total} "
             f"(3 x {succeeded} succeeded + {retries_total} retries in their histories = "
             f"{STEPS * succeeded + retries_total}; faults answered {faults_total}); "
             f"checks {dict(checks)}")  # fmt: skip
    return {
        "tally": {
            key: outcome.get(key, 0)
            for key in ("succeeded_once", "missing", "run_twice", "not_succeeded", "executions_of_no_run")
        },
        "bedrock": {
            "calls_total": total,
            "calls_of_succeeded": sum(bedrock.calls[r] for r in succeeded_ids),
            "expected_3_per_execution_plus_retries": STEPS * succeeded + retries_total,
            "retries_in_histories": retries_total,
            "faults_answered_to_succeeded": faults_total,
            "faults_answered": dict(fault_codes),
            "calls_unattributed": bedrock.calls.get("unknown", 0),
        },
        "invocations_of_succeeded": invocations,
        # Per succeeded execution: replies other than 3 (a step answered twice), calls other than 3 + the retries
        # its history shows, history retries other than the faults the fake answered it.
        "checks": {
            key: checks.get(key, 0)
            for key in ("replies_not_3", "calls_not_3_plus_history_retries", "history_retries_not_faults_answered")
        },
        "examples": mismatches,
        "unfinished_by_last_events": dict(unfinished.most_common()),
    }


def _fake_only_tally(run_ids: list[str], bedrock, error: Exception) -> dict:
    """What the fake alone knows when local AWS no longer answers: the executions' outcomes are unknown (None)."""
    fault_codes: Counter = Counter()
    for counts in bedrock.faults.values():
        fault_codes.update(counts)
    return {
        "tally_error": f"{type(error).__name__}: {error}",
        "tally": dict.fromkeys(("succeeded_once", "missing", "run_twice", "not_succeeded", "executions_of_no_run")),
        "bedrock": {
            "calls_total": sum(bedrock.calls.values()),
            "expected_3_per_execution_plus_retries": None,
            "faults_answered": dict(fault_codes),
            "runs_called": sum(1 for run_id in run_ids if bedrock.calls[run_id]),
        },
        "invocations_of_succeeded": None,
        "checks": dict.fromkeys(
            ("replies_not_3", "calls_not_3_plus_history_retries", "history_retries_not_faults_answered")
        ),
        "examples": [],
        "unfinished_by_last_events": {},
    }


def _retries(events: list[dict]) -> int:
    """Failed attempts that were retried, per the history: on AWS each is a StepFailed event with RetryDetails
    (botocore lambda model, StepFailedDetails), and the next attempt may start with another StepStarted; per
    step the larger of the two counts."""
    failed = Counter(e.get("Name") for e in events if e["EventType"] == "StepFailed"
                     and (e.get("StepFailedDetails") or {}).get("RetryDetails"))  # fmt: skip
    starts = Counter(e.get("Name") for e in events if e["EventType"] == "StepStarted")
    return sum(max(failed[name], starts[name] - 1) for name in starts | failed)


def _label(event: dict) -> str:
    return event["EventType"] + (f" {event['Name']}" if event.get("Name") else "")
