"""Compatibility patches for chained invokes (context.invoke: a CHAINED_INVOKE
START update of CheckpointDurableExecution, ChainedInvokeOptions.FunctionName
in the botocore lambda model), which a fan-out uses to run its parts as child
executions (lambda_src/durable_bedrock/fanout_children.py).

Part of the layer in ministack_compat.py (which lists these patches in its
PATCHES): one concern per file.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import Counter

from compat_base import original, replace, role_denies

# How often the thread that runs a child execution looks whether it has ended.
CHILD_POLL_SECONDS = 0.05
CHILD_ENDED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED")


def _target(function_name: str):
    """(function record, version record, version, qualified ARN) of a chained invoke's target, or None."""
    from ministack.services import lambda_svc

    name, qualifier = lambda_svc._resolve_name_and_qualifier(function_name)
    func = lambda_svc._functions.get(name)
    if func is None:
        return None
    version, record = "$LATEST", func
    if qualifier and qualifier != "$LATEST":
        if qualifier in func.get("aliases", {}):
            version = func["aliases"][qualifier].get("FunctionVersion", "$LATEST")
        elif qualifier in func.get("versions", {}):
            version = qualifier
        else:
            return None
        record = func["versions"].get(version, func) if version != "$LATEST" else func
    arn = lambda_svc._func_arn(name) + (f":{qualifier}" if qualifier else "")
    return func, record, version, arn


def _is_durable(record: dict) -> bool:
    return bool(((record.get("config") or record).get("DurableConfig") or {}).get("Enabled"))


def chained_invoke_runs_child_execution() -> None:
    """Upstream: a chained invoke of a durable function runs the target once
    as a plain invocation with the raw payload, which the durable SDK refuses
    ("Unexpected payload provided to start the durable execution"), so the
    operation fails; and whatever the child's outcome, the parent is never
    invoked again: it stays RUNNING until its timeout. AWS (durable functions
    developer guide, invoke operations; ChainedInvokeStartedDetails in the
    Lambda API reference: DurableExecutionArn, ExecutedVersion) starts a
    durable execution of the target version with the payload as its input,
    records its result (or error) on the parent's operation when it ends,
    and then invokes the parent again to replay with it. So for a durable
    target we start a child execution of the named version (its own ARN and
    timeout), run it through the layer's durable invocations (resumes,
    retries), and when it ends settle the parent's operation; and every
    settled chained invoke (durable or plain target) wakes its parent once.
    The parent is woken once its current invocation has returned, never
    while it runs: an execution has one invocation at a time. Retire when
    ministack starts a child durable execution and resumes the parent."""
    from ministack.services import lambda_durable, lambda_svc

    import ministack_compat

    stock_fire = original(lambda_durable, "_fire_chained_invoke")
    stock_append = original(lambda_durable, "_append_chained_result")
    stock_next_expiry = original(lambda_durable, "_next_expiry")
    stock_resume = original(lambda_durable, "_resume_execution")
    # (parent execution ARN, operation id) of settled chained invokes the parent has not replayed yet.
    unseen: set[tuple[str, str]] = set()
    # Invocations of each execution the layer is running now.
    in_flight: Counter[str] = Counter()
    lock = threading.Lock()
    invoke_once = original(ministack_compat, "_invoke_durable_once")

    def invoke_durable_once(func_record: dict, arn: str) -> None:
        with lock:
            in_flight[arn] += 1
        try:
            invoke_once(func_record, arn)
        finally:
            with lock:
                in_flight[arn] -= 1
            if pending(arn):  # settled while this invocation ran: wake the execution now that it has returned
                lambda_durable.schedule_resume(arn)

    def run_child(parent_rec: dict, op_id: str, record: dict, version: str, name: str, payload: str) -> None:
        from ministack_compat import _run_durable_invocation

        timeout = ((record.get("config") or record).get("DurableConfig") or {}).get("ExecutionTimeout")
        child = lambda_durable.create_execution_for_invoke(
            function_arn=lambda_svc._func_arn(name), version=version, input_payload=payload, execution_timeout=timeout
        )
        _run_durable_invocation(record, child["DurableExecutionArn"])
        while child.get("Status") not in CHILD_ENDED:
            time.sleep(CHILD_POLL_SECONDS)
        if child["Status"] == "SUCCEEDED":
            lambda_durable._append_chained_result(parent_rec, op_id, success=True, result=child.get("Result"), err=None)
        else:
            error = child.get("Error") or {"ErrorType": child["Status"], "ErrorMessage": f"child {child['Status']}"}
            lambda_durable._append_chained_result(parent_rec, op_id, success=False, result=None, err=error)

    def fire_chained_invoke(parent_rec: dict, op_id: str, ci_opts: dict, payload: str | None) -> None:
        target = _target(ci_opts.get("FunctionName") or "")
        if target is None or not _is_durable(target[1]) or ci_opts.get("TenantId"):
            return stock_fire(parent_rec, op_id, ci_opts, payload)
        func, record, version, _ = target
        name = (func.get("config") or {}).get("FunctionName") or lambda_svc._resolve_name(ci_opts["FunctionName"])
        ctx = contextvars.copy_context()
        threading.Thread(
            target=ctx.run,
            args=(run_child, parent_rec, op_id, record, version, name, payload or "{}"),
            daemon=True,
            name=f"chained-invoke-{op_id}",
        ).start()
        return None

    def append_chained_result(parent_rec: dict, op_id: str, success: bool, result, err) -> None:
        stock_append(parent_rec, op_id, success, result, err)
        arn = parent_rec["DurableExecutionArn"]
        if parent_rec.get("Status") != "RUNNING":
            return
        with lock:
            unseen.add((arn, op_id))
            running = in_flight[arn] > 0
        if not running:
            lambda_durable.schedule_resume(arn)

    def pending(arn: str) -> set[tuple[str, str]]:
        with lock:
            return {entry for entry in unseen if entry[0] == arn}

    def next_expiry(rec: dict) -> float | None:
        # A settled chained invoke is due at once, like an answered callback.
        soonest = stock_next_expiry(rec)
        if pending(rec.get("DurableExecutionArn", "")):
            return lambda_durable._now() if soonest is None else min(soonest, lambda_durable._now())
        return soonest

    def resume_execution(arn: str, account_id: str = "000000000000", region: str | None = None) -> None:
        due = pending(arn)
        rec = lambda_durable._executions.get(arn)
        if not due or not rec or rec.get("Status") != "RUNNING":
            return stock_resume(arn, account_id, region)
        with lock:
            unseen.difference_update(due)
        rec["CheckpointToken"] = lambda_durable.new_checkpoint_token()
        lambda_svc.invoke_durable_resume(rec["FunctionArn"].rsplit(":", 1)[-1], arn, {})
        return None

    replace(ministack_compat, "_invoke_durable_once", invoke_durable_once)
    replace(lambda_durable, "_fire_chained_invoke", fire_chained_invoke)
    replace(lambda_durable, "_append_chained_result", append_chained_result)
    replace(lambda_durable, "_next_expiry", next_expiry)
    replace(lambda_durable, "_resume_execution", resume_execution)


def chained_invoke_authorized_as_the_role() -> None:
    """Upstream: with IAM enforced, a chained invoke starts its target whatever
    the calling function's execution role allows. On AWS the invoke is made
    for the execution with its role, authorized as lambda:InvokeFunction on
    the target function (qualified as named). We check that action on the
    target's ARN as the parent's execution role (compat_base.role_denies) and,
    when it is denied, fail the operation with AccessDeniedException instead
    of starting the target (the execution sees an InvokeError, as for any
    failed chained invoke). Retire when ministack authorizes chained invokes."""
    from ministack.services import lambda_durable

    fire = original(lambda_durable, "_fire_chained_invoke")

    def fire_chained_invoke(parent_rec: dict, op_id: str, ci_opts: dict, payload: str | None) -> None:
        from ministack_compat import _function_record_for

        parent = _function_record_for(parent_rec)
        target = _target(ci_opts.get("FunctionName") or "")
        if parent is not None and target is not None:
            denied = role_denies(parent.get("config") or parent, [("lambda:InvokeFunction", "lambda", target[3])])
            if denied is not None:
                message = f"the execution role may not perform {denied[0]} on {denied[1]}"
                error = {"ErrorType": "AccessDeniedException", "ErrorMessage": message, "StackTrace": []}
                return lambda_durable._append_chained_result(parent_rec, op_id, success=False, result=None, err=error)
        return fire(parent_rec, op_id, ci_opts, payload)

    replace(lambda_durable, "_fire_chained_invoke", fire_chained_invoke)
