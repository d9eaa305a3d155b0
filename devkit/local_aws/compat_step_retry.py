"""Compatibility patch for how a step's retried attempts show: the
operation's status between attempts and the history events of each attempt.

Part of the layer in ministack_compat.py (which lists this patch in its
PATCHES, after step_retry_counts_attempt and before resumes_run_concurrently):
one concern per file.
"""

from __future__ import annotations

from compat_base import original, replace


def _step(rec: dict, op_id: str | None) -> dict | None:
    return next((o for o in rec["Operations"] if o.get("Id") == op_id and o.get("Type") == "STEP"), None)


def step_retries_in_history_like_aws() -> None:
    """Upstream: a STEP `RETRY` checkpoint leaves the operation STARTED and
    adds no history event; the next attempt then runs on the STARTED
    operation without a START checkpoint, so GetDurableExecutionHistory shows
    one StepStarted and the final outcome however many attempts failed, and
    the StepSucceeded and StepFailed events carry no RetryDetails. AWS
    (botocore 1.44.5, lambda 2015-03-31 service-2.json): OperationStatus has
    PENDING and READY, StepDetails.NextAttemptTimestamp is "only populated
    when the step is in a pending state", StepFailedDetails requires Error
    and RetryDetails (CurrentAttempt: "the current attempt number",
    NextAttemptDelaySeconds: "the delay before the next retry attempt"), and
    so does StepSucceededDetails. The durable SDK follows that protocol
    (aws_durable_execution_sdk_python operation/step.py: a PENDING step
    suspends until NextAttemptTimestamp, a READY one is checkpointed START
    again before its next attempt). So here a RETRY leaves the step PENDING
    and, when it carries the attempt's Error, records StepFailed with
    RetryDetails {CurrentAttempt, NextAttemptDelaySeconds}; when the delay
    has elapsed the resume makes it READY and invokes, and the SDK's START
    records the next attempt's StepStarted; the final StepSucceeded or
    StepFailed carries RetryDetails {CurrentAttempt}. A RETRY without an
    Error (a wait_for_condition check that is not ready yet) gets no event:
    which event AWS shows for it is not documented in the model. Retire when
    ministack keeps step retries PENDING and records them."""
    from ministack.services import lambda_durable, lambda_svc

    apply_update = original(lambda_durable, "_apply_update")
    next_expiry = original(lambda_durable, "_next_expiry")
    resume = original(lambda_durable, "_resume_execution")

    def apply_update_recorded(rec, upd):
        apply_update(rec, upd)
        if upd.get("Type") != "STEP":
            return
        op = _step(rec, upd.get("Id"))
        if op is None:
            return
        details = op.setdefault("StepDetails", {})
        action = upd.get("Action")
        if action == "RETRY":
            op["Status"] = "PENDING"
            if upd.get("Error") is not None:
                retry = {"CurrentAttempt": details.get("Attempt", 0)}
                delay = (upd.get("StepOptions") or {}).get("NextAttemptDelaySeconds")
                if delay is not None:
                    retry["NextAttemptDelaySeconds"] = delay
                lambda_durable._emit_history_event(
                    rec, "StepFailed", "StepFailedDetails",
                    {"Error": {"Payload": upd["Error"], "Truncated": False}, "RetryDetails": retry},
                    name=upd.get("Name") or op.get("Name"), parent_id=upd.get("ParentId"),
                    sub_type=upd.get("SubType"), event_id=op["Id"],
                )  # fmt: skip
        elif action == "START":
            details.pop("NextAttemptTimestamp", None)  # only while PENDING (StepDetails in the model)
        elif action in ("SUCCEED", "FAIL"):
            last = rec["History"][-1] if rec["History"] else {}
            key = "StepSucceededDetails" if action == "SUCCEED" else "StepFailedDetails"
            if last.get("Id") == op["Id"] and key in last:
                last[key]["RetryDetails"] = {"CurrentAttempt": details.get("Attempt", 0)}

    def next_expiry_with_pending_steps(rec):
        soonest = next_expiry(rec)
        for op in rec.get("Operations", []):
            if op.get("Type") == "STEP" and op.get("Status") == "PENDING":
                ts = (op.get("StepDetails") or {}).get("NextAttemptTimestamp")
                if ts is not None and (soonest is None or ts < soonest):
                    soonest = ts
        return soonest

    def resume_ready_steps(arn, account_id="000000000000", region=None):
        rec = lambda_durable._executions.get(arn)
        ready = []
        if rec and rec.get("Status") == "RUNNING":
            now = lambda_durable._now()
            deadline = rec.get("_TimeoutDeadline")
            if deadline is None or now < deadline:  # a timed-out execution is the stock resume's to end
                for op in rec.get("Operations", []):
                    ts = (op.get("StepDetails") or {}).get("NextAttemptTimestamp")
                    if op.get("Type") == "STEP" and op.get("Status") == "PENDING" and ts is not None and ts <= now:
                        op["Status"] = "READY"
                        ready.append(op)
        token = rec.get("CheckpointToken") if rec else None
        resume(arn, account_id, region)  # settles waits and callbacks; invokes if any of those was due
        rec = lambda_durable._executions.get(arn)
        if ready and rec and rec.get("Status") == "RUNNING" and rec.get("CheckpointToken") == token:
            # Nothing but the READY step was due, so the stock resume did not invoke: invoke as it would.
            rec["CheckpointToken"] = lambda_durable.new_checkpoint_token()
            lambda_svc.invoke_durable_resume(rec["FunctionArn"].rsplit(":", 1)[-1], arn, {})

    replace(lambda_durable, "_apply_update", apply_update_recorded)
    replace(lambda_durable, "_next_expiry", next_expiry_with_pending_steps)
    replace(lambda_durable, "_resume_execution", resume_ready_steps)


def pending_steps_ready_in_checkpoint_answers() -> None:
    """Upstream: a step waiting out its retry delay (PENDING, see
    step_retries_in_history_like_aws) turns READY only when the execution is
    resumed by a new invocation. AWS's state is the same whoever reads it: once
    NextAttemptTimestamp has passed the step is READY in every answer, the
    CheckpointDurableExecution answer's NewExecutionState included (botocore
    lambda model: OperationStatus READY, StepDetails.NextAttemptTimestamp). The
    durable SDK relies on that inside a running invocation: when a map or
    parallel branch suspends for a retry while other branches still run, it
    sends an empty checkpoint after the delay ("Its response shows the waits
    complete, so the wave resumes one round trip after its time",
    concurrency/executor.py ResumeWave) and resumes the branch if the step is
    READY. Stock, the answer still shows PENDING: the branch never runs again
    and the invocation spins until its timeout (a fan-out with a throttled
    item among running ones never ends). So before each checkpoint is
    applied, the execution's PENDING steps whose time has come are made READY,
    as the resume does. Retire when ministack settles due retries on read."""
    from ministack.services import lambda_durable

    checkpoint = original(lambda_durable, "handle_checkpoint")

    def handle_checkpoint(arn_path: str, body: bytes) -> tuple:
        rec, error = lambda_durable._require_execution(arn_path)
        if error is None and rec.get("Status") == "RUNNING":
            now = lambda_durable._now()
            for op in rec.get("Operations", []):
                due = (op.get("StepDetails") or {}).get("NextAttemptTimestamp")
                if op.get("Type") == "STEP" and op.get("Status") == "PENDING" and due is not None and due <= now:
                    op["Status"] = "READY"
        return checkpoint(arn_path, body)

    replace(lambda_durable, "handle_checkpoint", handle_checkpoint)
