"""Compatibility layer that makes ministack behave like AWS Lambda durable functions.

Stock ministack (pinned: see EXPECTED_VERSION) runs the durable-execution APIs
but departs from AWS in ways that break this project's flow (the gaps listed
in docs/ARCHITECTURE.md, "Local AWS: gaps and the patches that close them").
Each patch below is one named function that rebinds a ministack module
attribute; its docstring names the upstream behaviour it corrects and what
upstream change would retire it. Nothing changes what a client sends: boto3
and the Terraform AWS provider talk to it exactly as to AWS.

`apply()` fails loudly if the ministack version differs or a name it patches
has disappeared, rather than silently running stock behaviour.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from importlib import metadata

from compat_base import CompatError, original, replace, system_profile_routes
from compat_callbacks import callback_timeouts_of_zero_mean_none
from compat_chained_invoke import chained_invoke_authorized_as_the_role, chained_invoke_runs_child_execution
from compat_concurrency import (
    QUEUED,
    NotStarted,
    QueuedInvocation,
    async_invocations_queue_at_concurrency_limit,
    resumes_run_concurrently,
)
from compat_events import (
    durable_status_changes_reach_eventbridge,
    eventbridge_publishes_where_the_topic_policy_allows,
)
from compat_function_urls import public_function_url_needs_its_grants
from compat_iam_bedrock import async_invoke_writes_as_the_caller, bedrock_runtime_authorized_like_aws
from compat_iam_lambda import durable_apis_authorized_as_their_actions
from compat_iam_logs import active_tracing_needs_the_roles_trace_grant, function_logs_written_as_the_role
from compat_iam_sns import sns_publish_needs_the_topic_key
from compat_iam_sqs import (
    event_source_mapping_checks_the_role_like_aws,
    event_source_mapping_reads_as_the_function_role,
)
from compat_step_retry import pending_steps_ready_in_checkpoint_answers, step_retries_in_history_like_aws

EXPECTED_VERSION = "1.5.33"

# AWS caps a synchronous invocation at 15 minutes; a RequestResponse invoke of
# a durable function waits at most this long for the execution to end.
SYNC_INVOKE_LIMIT_SECONDS = 900
SYNC_INVOKE_POLL_SECONDS = 0.05

# Backend retries of a crashed or timed-out invocation (AWS retries
# infrastructure failures; the delays here are short so tests stay quick).
BACKEND_RETRY_DELAYS_SECONDS = (2, 4, 8)

DURABLE_POLICY_NAME = "service-role/AWSLambdaBasicDurableExecutionRolePolicy"
DURABLE_POLICY_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "lambda:CheckpointDurableExecution",
                "lambda:GetDurableExecutionState",
            ],
            "Resource": "*",
        }
    ],
}

log = logging.getLogger("local_aws.compat")


# ---------------------------------------------------------------------------
# Shared machinery: one durable invocation, run and settled like AWS does.
# ---------------------------------------------------------------------------


def _is_durable_envelope(event) -> bool:
    return isinstance(event, dict) and {"DurableExecutionArn", "CheckpointToken", "InitialExecutionState"} <= set(event)


def _execution_event(rec: dict) -> dict:
    """The event AWS hands a durable function: the execution ARN, its checkpoint
    token and the operations recorded so far (the SDK replays from them)."""
    from ministack.services import lambda_durable

    return {
        "DurableExecutionArn": rec["DurableExecutionArn"],
        "CheckpointToken": rec["CheckpointToken"],
        "InitialExecutionState": {
            "Operations": lambda_durable._serialize_operations(rec["Operations"], for_event=True),
            "NextMarker": "",
        },
    }


def _function_record_for(rec: dict) -> dict | None:
    """The code and configuration of the version the execution started on."""
    from ministack.services import lambda_svc

    name = lambda_svc._resolve_name(rec["FunctionArn"].rsplit(":", 1)[-1])
    func = lambda_svc._functions.get(name)
    if not func:
        return None
    version = rec.get("Version") or "$LATEST"
    if version == "$LATEST":
        return func
    return func.get("versions", {}).get(version)


def _status_payload(result: dict) -> dict | None:
    """The SDK's {"Status": ...} envelope from an invocation result, if any."""
    payload = result.get("body")
    if isinstance(payload, (bytes, bytearray)):
        payload = payload.decode("utf-8", errors="replace")
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return None
    return payload if isinstance(payload, dict) and "Status" in payload else None


class _DurableInvocations:
    """The durable invocations the layer runs, counted so that a stop of local
    AWS can end them before it saves its state (stop_ends_invocations_first)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0
        self.stopping = False

    @contextlib.contextmanager
    def running(self) -> Iterator[bool]:
        """Yields False, starting nothing, once local AWS is stopping."""
        with self._changed:
            if self.stopping:
                yield False
                return
            self._running += 1
        try:
            yield True
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self.stopping = True

    def wait_until_none_run(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._running == 0, timeout)


_invocations = _DurableInvocations()


def _run_durable_invocation(func_record: dict, arn: str) -> None:
    """Invoke the function once for execution `arn` and settle the outcome:
    PENDING schedules the next wake-up, SUCCEEDED/FAILED end the execution.
    A crashed invocation is recorded with its error; the backend-retry patch
    (record_invocation_completed) takes it from there. Once local AWS is
    stopping nothing starts: the restart invokes the execution again."""
    with _invocations.running() as may_run:
        if may_run:
            with contextlib.suppress(NotStarted):  # queued at the concurrency cap until the stop: never ran
                _invoke_durable_once(func_record, arn)


def _invoke_durable_once(func_record: dict, arn: str) -> None:
    from ministack.core.responses import new_uuid
    from ministack.services import lambda_durable, lambda_svc

    rec = lambda_durable._executions.get(arn)
    if not rec or rec.get("Status") != "RUNNING":
        return
    token = lambda_svc._durable_ctx.set(
        {"arn": arn, "token": rec["CheckpointToken"], "name": rec["DurableExecutionName"]}
    )
    # Asynchronous: over the account's concurrency it waits in a queue (async_invocations_queue_at_concurrency_limit).
    queued = QueuedInvocation(lambda: _invocations.stopping)
    queue_token = QUEUED.set(queued)
    try:
        result = lambda_svc._execute_function(func_record, _execution_event(rec))
        lambda_durable.record_invocation_completed(
            arn,
            start_ts=queued.started,
            request_id=new_uuid(),
            error=(result.get("body") if result.get("error") else None),
        )
        envelope = None if result.get("error") else _status_payload(result)
        if envelope is None:
            return
        if envelope["Status"] == "PENDING":
            lambda_durable.schedule_resume(arn)
        elif envelope["Status"] == "SUCCEEDED":
            lambda_durable.mark_execution_completed(arn, result_payload=envelope.get("Result"), error=None)
        elif envelope["Status"] == "FAILED":
            lambda_durable.mark_execution_completed(arn, result_payload=None, error=envelope.get("Error"))
    finally:
        QUEUED.reset(queue_token)
        lambda_svc._durable_ctx.reset(token)


def _in_background(target, *args) -> None:
    """Run target in a daemon thread that keeps the caller's account/region context."""
    ctx = contextvars.copy_context()
    threading.Thread(target=ctx.run, args=(target, *args), daemon=True).start()


# ---------------------------------------------------------------------------
# Gap 1: DurableConfig as AWS defines it makes a function durable.
# ---------------------------------------------------------------------------


def durable_config_enables_durability() -> None:
    """Upstream: a function runs durably only if DurableConfig carries
    `"Enabled": true`, a member the real API does not have (AWS: any
    DurableConfig with ExecutionTimeout makes the function durable). Functions
    created by boto3 or Terraform then fail with "Unexpected payload provided
    to start the durable execution". We add the flag ministack looks for to
    the stored configuration. Retire when ministack keys durability on the
    presence of DurableConfig."""
    from ministack.services import lambda_svc

    def mark_enabled(data):
        config = data.get("DurableConfig") if isinstance(data, dict) else None
        if isinstance(config, dict) and config.get("ExecutionTimeout"):
            return {**data, "DurableConfig": {**config, "Enabled": True}}
        return data

    create, update = original(lambda_svc, "_create_function"), original(lambda_svc, "_update_config")
    replace(lambda_svc, "_create_function", lambda data: create(mark_enabled(data)))
    replace(lambda_svc, "_update_config", lambda name, data: update(name, mark_enabled(data)))


# ---------------------------------------------------------------------------
# Gap 2: asynchronous (Event) invocations run the durable replay loop.
# ---------------------------------------------------------------------------


def event_invoke_runs_durable_execution() -> None:
    """Upstream: an `InvocationType=Event` invoke of a durable function goes
    through the generic async-retry path, which neither records the
    invocation, nor schedules the resume after a wait, nor ends the execution:
    it stays RUNNING forever after its first wait. AWS runs it like any other
    durable invocation (and async invocation is the way to run executions
    longer than 15 minutes). Retire when ministack's Event path calls its
    durable bookkeeping."""
    from ministack.services import lambda_durable, lambda_svc

    stock = original(lambda_svc, "invoke_async_with_retry")

    def invoke_async_with_retry(func, event):
        if not _is_durable_envelope(event):
            return stock(func, event)
        arn = event["DurableExecutionArn"]
        if arn not in lambda_durable._executions:
            return stock(func, event)
        _in_background(_run_durable_invocation, func, arn)

    replace(lambda_svc, "invoke_async_with_retry", invoke_async_with_retry)


# ---------------------------------------------------------------------------
# Gap 2b: a synchronous invoke returns when the execution ends.
# ---------------------------------------------------------------------------


def _invocation_request(method: str, path: str) -> bool:
    return method == "POST" and path.rstrip("/").endswith("/invocations") and "/functions/" in path


def _header(headers: dict, name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _terminal_response(rec: dict, headers: dict) -> tuple:
    """The response AWS gives a synchronous durable invoke once the execution
    ended: the handler's result, or the error with X-Amz-Function-Error."""
    out = {k: v for k, v in headers.items() if k.lower() != "x-amz-function-error"}
    out["Content-Type"] = "application/json"
    if rec["Status"] == "SUCCEEDED":
        result = rec.get("Result")
        return 200, out, (result if result is not None else "null").encode("utf-8")
    error = rec.get("Error") or {}
    out["X-Amz-Function-Error"] = "Unhandled"
    body = {
        "errorType": error.get("ErrorType") or rec["Status"],
        "errorMessage": error.get("ErrorMessage") or f"The durable execution ended {rec['Status']}",
        "stackTrace": error.get("StackTrace") or [],
    }
    return 200, out, json.dumps(body).encode("utf-8")


def sync_invoke_waits_for_execution() -> None:
    """Upstream: a RequestResponse invoke of a durable function returns right
    after the first invocation, with the SDK's internal envelope
    (`{"Status": "PENDING"}` at the first wait, or `{"Status": "SUCCEEDED",
    "Result": ...}`). AWS waits for the whole execution (up to 15 minutes) and
    returns the handler's result or error. Also: the 202 of an Event invoke
    carries the X-Amz-Durable-Execution-Arn header on AWS. Retire when
    ministack's _invoke waits for terminal status."""
    from ministack.services import lambda_durable, lambda_svc

    stock = original(lambda_svc, "handle_request")

    async def handle_request(method, path, headers, body, query_params):
        if not _invocation_request(method, path):
            return await stock(method, path, headers, body, query_params)
        ctx_token = lambda_svc._durable_ctx.set(None)
        try:
            status, out_headers, out_body = await stock(method, path, headers, body, query_params)
            started = lambda_svc._durable_ctx.get()
        finally:
            lambda_svc._durable_ctx.reset(ctx_token)
        if not started:
            return status, out_headers, out_body
        arn = started["arn"]
        if status == 202:
            return status, {**out_headers, "X-Amz-Durable-Execution-Arn": arn}, out_body
        deadline = time.monotonic() + SYNC_INVOKE_LIMIT_SECONDS
        while time.monotonic() < deadline:
            rec = lambda_durable._executions.get(arn)
            if rec is None:
                break
            if rec.get("Status") != "RUNNING":
                return _terminal_response(rec, out_headers)
            await asyncio.sleep(SYNC_INVOKE_POLL_SECONDS)
        timeout = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"The durable execution {arn} did not end within the "
            f"{SYNC_INVOKE_LIMIT_SECONDS} s limit of a synchronous invocation; invoke it asynchronously.",
        }
        return 200, {**out_headers, "X-Amz-Function-Error": "Unhandled"}, json.dumps(timeout).encode()

    replace(lambda_svc, "handle_request", handle_request)


# ---------------------------------------------------------------------------
# Gap 2c: a durable execution name starts one execution, as on AWS.
# ---------------------------------------------------------------------------

# The name and a digest of the request body of the Invoke being served.
_named_start: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("named_start", default=None)
_names_lock = threading.Lock()


class _NameTaken(Exception):
    """The function already has an execution of this name."""

    def __init__(self, rec: dict, same_payload: bool):
        super().__init__(rec["DurableExecutionArn"])
        self.rec, self.same_payload = rec, same_payload


def execution_names_are_idempotent() -> None:
    """Upstream: the X-Amz-Durable-Execution-Name header of Invoke is ignored,
    so every invoke starts a new execution, and the execution ARN carries a
    random token where AWS puts the name. AWS (botocore Lambda model,
    InvocationRequest.DurableExecutionName and
    DurableExecutionAlreadyStartedException; Lambda developer guide,
    "Idempotency", execution names): a name already used by an execution of
    the function returns that execution when the payload is identical, for a
    running or a closed one (a synchronous invoke waits for it or returns its
    outcome), and fails with DurableExecutionAlreadyStartedException (HTTP 409,
    members Type and Message) when the payload differs. A name is unique within
    the function, whatever version the executions run. The ARN is
    <function>:<version>/durable-execution/<name>/<id> (developer guide,
    "Managing executions"). Payloads are compared byte for byte: AWS says
    "identical". Not modelled: the name is freed when the retention period
    after the execution closed has passed (executions never age out here).
    Builds on sync_invoke_waits_for_execution, which returns the outcome of
    whatever execution the invoke names. Retire when ministack reads the
    header."""
    from ministack.core.responses import error_response_json
    from ministack.services import lambda_durable, lambda_svc

    build_arn = original(lambda_durable, "build_durable_execution_arn")
    create = original(lambda_durable, "create_execution_for_invoke")
    invoke = original(lambda_svc, "_invoke")
    serve = original(lambda_svc, "handle_request")

    def build_durable_execution_arn(function_arn, version="$LATEST", name=None):
        arn, exec_name, token = build_arn(function_arn, version, name)
        if not name:
            return arn, exec_name, token
        head, _, tail = arn.partition("/durable-execution/")
        return f"{head}/durable-execution/{name}/{tail.split('/')[-1]}", name, token

    def create_execution_for_invoke(function_arn, version, input_payload, name=None, **kwargs):
        start = _named_start.get()
        if start is None:
            return create(function_arn, version, input_payload, name=name, **kwargs)
        exec_name, digest = start
        with _names_lock:  # one execution per name, even for invokes that race
            taken = next(
                (
                    rec
                    for rec in list(lambda_durable._executions.values())
                    if rec["FunctionArn"] == function_arn and rec["DurableExecutionName"] == exec_name
                ),
                None,
            )
            if taken is not None:
                raise _NameTaken(taken, taken.get("_InputDigest") == digest)
            rec = create(function_arn, version, input_payload, name=exec_name, **kwargs)
            rec["_InputDigest"] = digest
            return rec

    async def _invoke(name, event, headers, *args, **kwargs):
        try:
            return await invoke(name, event, headers, *args, **kwargs)
        except _NameTaken as taken:
            rec = taken.rec
            if not taken.same_payload:
                return error_response_json(
                    "DurableExecutionAlreadyStartedException",
                    f"A durable execution named {rec['DurableExecutionName']} was already started with a "
                    f"different payload: {rec['DurableExecutionArn']}",
                    409,
                    extra={"Type": "User"},
                    message_key="Message",
                    content_type="application/json",
                )
            lambda_svc._durable_ctx.set(
                {
                    "arn": rec["DurableExecutionArn"],
                    "token": rec["CheckpointToken"],
                    "name": rec["DurableExecutionName"],
                }
            )
            status = 202 if _header(headers, "x-amz-invocation-type") == "Event" else 200
            headers_out = {
                "X-Amz-Executed-Version": rec["Version"],
                "X-Amz-Durable-Execution-Arn": rec["DurableExecutionArn"],
            }
            return status, headers_out, b""

    async def handle_request(method, path, headers, body, query_params):
        name = _header(headers, "x-amz-durable-execution-name") if _invocation_request(method, path) else None
        if not name:
            return await serve(method, path, headers, body, query_params)
        raw = body if isinstance(body, bytes) else (body or "").encode()
        token = _named_start.set((name, hashlib.sha256(raw).hexdigest()))
        try:
            return await serve(method, path, headers, body, query_params)
        finally:
            _named_start.reset(token)

    replace(lambda_durable, "build_durable_execution_arn", build_durable_execution_arn)
    replace(lambda_durable, "create_execution_for_invoke", create_execution_for_invoke)
    replace(lambda_svc, "_invoke", _invoke)
    replace(lambda_svc, "handle_request", handle_request)


# ---------------------------------------------------------------------------
# Gap 3: a step's retry budget runs out.
# ---------------------------------------------------------------------------


def step_retry_counts_attempt() -> None:
    """Upstream: a STEP `RETRY` checkpoint leaves StepDetails.Attempt unchanged
    (only SUCCEED and FAIL count), so the SDK's retry strategy always sees
    attempt 1 and a failing step retries forever. AWS, like the official
    testing runner, counts every RETRY. Retire when ministack's _apply_update
    increments Attempt on RETRY."""
    from ministack.services import lambda_durable

    stock = original(lambda_durable, "_apply_update")

    def apply_update(rec, upd):
        stock(rec, upd)
        if upd.get("Type") == "STEP" and upd.get("Action") == "RETRY":
            op = next(o for o in rec["Operations"] if o.get("Id") == upd.get("Id"))
            details = op.setdefault("StepDetails", {})
            details["Attempt"] = details.get("Attempt", 0) + 1

    replace(lambda_durable, "_apply_update", apply_update)


# ---------------------------------------------------------------------------
# Gap 4: a crashed or timed-out invocation is retried by the backend.
# ---------------------------------------------------------------------------


def crashed_invocation_is_retried() -> None:
    """Upstream: when a durable invocation crashes (process exit) or exceeds
    the function timeout, ministack records InvocationCompleted with the error
    and nothing else: the execution hangs RUNNING until ExecutionTimeout. AWS
    retries infrastructure failures, replaying from the last checkpoint, and
    fails the execution once the retries are spent. Retire when ministack
    re-invokes failed durable invocations."""
    from ministack.services import lambda_durable

    stock = original(lambda_durable, "record_invocation_completed")
    consecutive_failures: dict[str, int] = {}
    lock = threading.Lock()

    def retry_later(arn: str, delay: float) -> None:
        time.sleep(delay)
        rec = lambda_durable._executions.get(arn)
        if not rec or rec.get("Status") != "RUNNING":
            return
        func_record = _function_record_for(rec)
        if func_record is None:
            return
        rec["CheckpointToken"] = lambda_durable.new_checkpoint_token()
        _run_durable_invocation(func_record, arn)

    def record_invocation_completed(arn, start_ts, request_id, error=None):
        stock(arn, start_ts, request_id, error=error)
        with lock:
            failures = consecutive_failures.get(arn, 0) + 1 if error is not None else 0
            consecutive_failures[arn] = failures
        if failures == 0:
            return
        if failures > len(BACKEND_RETRY_DELAYS_SECONDS):
            log.warning("durable execution %s: invocation failed %d times, failing it", arn, failures)
            lambda_durable.mark_execution_completed(
                arn,
                result_payload=None,
                error={
                    "ErrorType": "Lambda.InvocationFailed",
                    "ErrorMessage": f"The function invocation failed {failures} times "
                    f"(crash or timeout); last error: {json.dumps(error)[:500]}",
                    "StackTrace": [],
                },
            )
            return
        delay = BACKEND_RETRY_DELAYS_SECONDS[failures - 1]
        log.warning("durable execution %s: invocation failed, retry %d in %s s", arn, failures, delay)
        _in_background(retry_later, arn, delay)

    replace(lambda_durable, "record_invocation_completed", record_invocation_completed)


# ---------------------------------------------------------------------------
# Gap 5: resumes run the version the execution started on.
# ---------------------------------------------------------------------------


def resume_runs_started_version() -> None:
    """Upstream: after a wait or a step retry, ministack resumes the execution
    with the function's $LATEST code, even when it started on a published
    version; changing $LATEST then breaks every in-flight execution with a
    NonDeterministicExecutionError. AWS pins an execution to the version it
    started on. Retire when invoke_durable_resume uses the execution's
    Version."""
    from ministack.services import lambda_durable, lambda_svc

    original(lambda_svc, "invoke_durable_resume")

    def invoke_durable_resume(function_name, durable_arn, original_event):
        rec = lambda_durable._executions.get(durable_arn)
        func_record = _function_record_for(rec) if rec else None
        if func_record is None:
            log.warning("durable execution %s: its function or version is gone; cannot resume", durable_arn)
            return
        _run_durable_invocation(func_record, durable_arn)

    replace(lambda_svc, "invoke_durable_resume", invoke_durable_resume)


# ---------------------------------------------------------------------------
# Gap 6: IAM and S3 reads the Terraform AWS provider makes.
# ---------------------------------------------------------------------------


def managed_durable_policy_exists() -> None:
    """Upstream: iam:GetPolicy on the AWS managed policy
    service-role/AWSLambdaBasicDurableExecutionRolePolicy answers NoSuchEntity
    (it is not among the seeded managed policies), so `data "aws_iam_policy"`
    fails. We seed it with AWS's published document, also after a reset.
    Retire when ministack seeds it."""
    from ministack.services import iam

    stock = original(iam, "_seed_aws_managed_policies")
    make_record = original(iam, "_make_aws_managed_record")
    prefix = original(iam, "_AWS_MANAGED_POLICY_PREFIX")
    policies = original(iam, "_aws_managed_policies")

    def seed_aws_managed_policies():
        stock()
        policies[prefix + DURABLE_POLICY_NAME] = make_record(
            DURABLE_POLICY_NAME,
            json.dumps(DURABLE_POLICY_DOCUMENT),
            "Provides write permissions to CloudWatch Logs and read/write permissions "
            "to durable execution APIs used by Lambda durable functions",
        )

    replace(iam, "_seed_aws_managed_policies", seed_aws_managed_policies)
    seed_aws_managed_policies()


def bucket_request_payment_readable() -> None:
    """Upstream: GET /{bucket}?requestPayment (GetBucketRequestPayment, read by
    the provider's aws_s3_bucket) is routed by a check for `request-payment`,
    so it answers a ListBucketResult. We route the AWS query name to
    ministack's own request-payment handler. Retire when ministack checks
    `requestPayment` on GET."""
    from ministack.services import s3

    stock = original(s3, "handle_request")

    async def handle_request(method, path, headers, body, query_params, *args, **kwargs):
        if method == "GET" and "requestPayment" in query_params and "request-payment" not in query_params:
            query_params = {**query_params, "request-payment": query_params["requestPayment"]}
        return await stock(method, path, headers, body, query_params, *args, **kwargs)

    replace(s3, "handle_request", handle_request)


def inference_profiles_route_like_aws() -> None:
    """Upstream: GetInferenceProfile knows system-defined profiles only for
    the models in ministack's static catalog (no Claude 4.x, no Luma), and
    lists just one foundation model in the caller's region. AWS answers for
    every system-defined profile with the model in each destination region,
    which is what the module's aws_bedrock_inference_profile lookup turns into
    IAM resources. We answer any `<geo>.<provider>.<model>` (and `global.`) id
    that way. Retire when ministack derives profiles from the id."""
    from ministack.core.responses import get_account_id, get_region
    from ministack.services import bedrock

    stock = original(bedrock, "_get_inference_profile")

    def get_inference_profile(identifier):
        profile_id = identifier.rsplit("/", 1)[-1]
        routes = system_profile_routes(profile_id, get_region())
        if routes is None:
            return stock(identifier)  # application profiles, unknown ids
        model_id, regions = routes
        prefix = profile_id.partition(".")[0]
        profile_arn = f"arn:aws:bedrock:{get_region()}:{get_account_id()}:inference-profile/{profile_id}"
        return bedrock._json(
            {
                "InferenceProfileName": f"{prefix.upper()} {model_id}",
                "InferenceProfileId": profile_id,
                "InferenceProfileArn": profile_arn,
                "Models": [
                    {"ModelArn": f"arn:aws:bedrock:{region}::foundation-model/{model_id}"} for region in regions
                ],
                "Status": "ACTIVE",
                "Type": "SYSTEM_DEFINED",
            }
        )

    replace(bedrock, "_get_inference_profile", get_inference_profile)


# Bytes written as the "video" of a local async invoke: an MP4 file-type box,
# enough for a reader to tell what it is; no real video is generated locally.
LOCAL_VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def async_invoke_writes_video_like_aws() -> None:
    """Upstream: StartAsyncInvoke records a Completed job that wrote nothing,
    and GetAsyncInvoke echoes the requested s3Uri. AWS writes the output into
    a folder named after the invocation id under the requested s3Uri, with
    the caller's permissions, and GetAsyncInvoke reports that folder as the
    s3Uri (the Nova Reel guide reads `<s3Uri>/output.mp4` from it:
    https://docs.aws.amazon.com/nova/latest/userguide/video-gen-access.html);
    a job that cannot write fails with a failureMessage. We write a small
    output.mp4 there through ministack's S3 (as the caller's account) and
    report the folder. Retire when ministack writes async-invoke outputs."""
    from ministack.services import bedrock_runtime, s3

    stock = original(bedrock_runtime, "handle_request")

    async def handle_request(method, path, headers, body, query_params):
        status, out_headers, out_body = await stock(method, path, headers, body, query_params)
        if not (method == "POST" and path == "/async-invoke" and status == 200):
            return status, out_headers, out_body
        arn = json.loads(out_body)["invocationArn"]
        job = bedrock_runtime._async_invokes[arn]
        requested = job["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"]
        folder = f"{requested.rstrip('/')}/{arn.rsplit('/', 1)[-1]}"
        bucket, _, prefix = folder.removeprefix("s3://").partition("/")
        written, _, error = await s3.handle_request(
            "PUT", f"/{bucket}/{prefix}/output.mp4", {"content-type": "video/mp4"}, LOCAL_VIDEO_BYTES, {},
            enforce_bucket_region=False, internal=True,
        )  # fmt: skip
        job["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"] = folder
        if written != 200:
            job["status"] = "Failed"
            job["failureMessage"] = f"Could not write the output to {folder}: {error[:300]!r}"
        return status, out_headers, out_body

    replace(bedrock_runtime, "handle_request", handle_request)


# ---------------------------------------------------------------------------
# Account readiness reads (cli/preflight.py): model catalog, use-case form,
# IAM simulation, Service Quotas.
# ---------------------------------------------------------------------------

# Foundation models the workflows default to, missing from ministack's catalog,
# with what GetFoundationModel reports for them on AWS (FoundationModelDetails,
# botocore bedrock/2023-04-20 service-2.json). Current Claude models are served
# through inference profiles only: AWS lists their inferenceTypesSupported as
# ["INFERENCE_PROFILE"] and refuses on-demand calls by model id ("Invocation of
# model ID ... with on-demand throughput isn't supported"). Luma Ray 2 makes
# videos (outputModalities VIDEO, a value newer than botocore's ModelModality
# enum) and is sold through AWS Marketplace.
CURRENT_FOUNDATION_MODELS = {
    "anthropic.claude-haiku-4-5-20251001-v1:0": {
        "entry": ("Claude Haiku 4.5", "Anthropic", ["TEXT", "IMAGE"], ["TEXT"], True),
        "InferenceTypesSupported": ["INFERENCE_PROFILE"],
    },
    "luma.ray-v2:0": {
        "entry": ("Ray v2", "Luma AI", ["TEXT"], ["VIDEO"], False),
        "InferenceTypesSupported": ["ON_DEMAND"],
    },
}


def current_foundation_models_in_catalog() -> None:
    """Upstream: the foundation-model catalog stops at Claude 3.5 and has no
    video model, so GetFoundationModel, GetFoundationModelAvailability,
    ListFoundationModelAgreementOffers and CreateFoundationModelAgreement
    answer ResourceNotFoundException for the workflows' default models
    (Claude Haiku 4.5, Luma Ray 2); and every model is reported as ON_DEMAND.
    AWS answers for them, with the inference types above. We add them to the
    catalog (ministack's own availability rules then apply: a model not sold
    by Amazon reports agreement NOT_AVAILABLE until CreateFoundationModelAgreement).
    The runtime (Converse, InvokeModel) does not read this catalog. Retire
    when ministack's catalog has them."""
    from ministack.services import bedrock

    catalog = original(bedrock, "_CATALOG")
    summary = original(bedrock, "_model_summary")
    known = {entry[0] for entry in catalog}
    added = [(model_id, *model["entry"]) for model_id, model in CURRENT_FOUNDATION_MODELS.items()]
    added = [entry for entry in added if entry[0] not in known]

    def model_summary(model_id, *rest):
        details = summary(model_id, *rest)
        extra = CURRENT_FOUNDATION_MODELS.get(model_id)
        if extra:
            details["InferenceTypesSupported"] = list(extra["InferenceTypesSupported"])
        return details

    replace(bedrock, "_CATALOG", [*catalog, *added])
    replace(bedrock, "_model_summary", model_summary)


def use_case_form_absent_until_submitted() -> None:
    """Upstream: GetUseCaseForModelAccess answers an empty formData before any
    PutUseCaseForModelAccess. AWS answers ResourceNotFoundException (one of
    the operation's errors in the botocore model) until the account has
    submitted Anthropic's one-time use-case form, which is how a client tells
    whether the form is still needed. Retire when ministack answers so."""
    from ministack.services import bedrock

    stock = original(bedrock, "_get_use_case_for_model_access")
    use_cases = original(bedrock, "_USE_CASE")

    def get_use_case_for_model_access():
        if use_cases.get("usecase") is None:
            return bedrock._not_found("No use case for model access has been submitted for this account.")
        return stock()

    replace(bedrock, "_get_use_case_for_model_access", get_use_case_for_model_access)


def simulation_resolves_principal_arn() -> None:
    """Upstream: SimulatePrincipalPolicy looks a role or user up by everything
    after `role/` or `user/` in PolicySourceArn, so an entity with a path
    (arn:aws:iam::<account>:role/<path>/<name>, as SSO and service roles
    have) is not found, and a principal that does not exist is simulated with
    no policies: every action comes back implicitDeny. AWS resolves the full
    ARN, path included, and answers NoSuchEntity (botocore iam/2010-05-08,
    SimulatePrincipalPolicy errors) for an ARN that names no user or role.
    Retire when ministack parses the path out of the ARN."""
    from ministack.core.responses import get_account_id
    from ministack.services import iam

    stock = original(iam, "_simulate_principal_policy")
    handlers = original(iam, "_IAM_HANDLERS")
    if handlers.get("SimulatePrincipalPolicy") is not stock:
        raise CompatError("iam._IAM_HANDLERS no longer sends SimulatePrincipalPolicy to _simulate_principal_policy")

    def simulate_principal_policy(p):
        source = iam._p(p, "PolicySourceArn")
        parts = source.split(":", 5)
        kind, _, rest = parts[5].partition("/") if len(parts) == 6 else ("", "", "")
        if kind not in ("role", "user"):
            return stock(p)  # groups and malformed ARNs: as upstream
        path, _, name = rest.rpartition("/")
        entity = (iam._roles if kind == "role" else iam._users).get(name)
        if parts[4] != get_account_id() or entity is None or entity.get("Path", "/") != f"/{path}/".replace("//", "/"):
            return iam._error(404, "NoSuchEntity", f"The {kind} with name {name} cannot be found ({source}).")
        return stock({**p, "PolicySourceArn": [f"{':'.join(parts[:5])}:{kind}/{name}"]})

    replace(iam, "_simulate_principal_policy", simulate_principal_policy)
    handlers["SimulatePrincipalPolicy"] = simulate_principal_policy


# Amazon Bedrock quotas Service Quotas answers locally (ListServiceQuotas,
# ServiceCode "bedrock"): names as AWS spells them for these models (model-
# inference quotas are per model and per kind of call: on-demand, cross-region
# profile, global profile; https://docs.aws.amazon.com/bedrock/latest/userguide/quotas.html),
# plus one unrelated quota. Values are illustrative (AWS's depend on the
# account and region), except the Luma one, as read from an account. Quota
# codes are local stand-ins, not AWS's.
LOCAL_BEDROCK_QUOTAS = (
    ("Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5", 4_000_000.0),
    ("Global cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5", 4_000_000.0),
    ("On-demand model inference tokens per minute for Amazon Nova Lite", 4_000_000.0),
    ("Cross-region model inference tokens per minute for Amazon Nova Lite", 8_000_000.0),
    ("On-demand model inference concurrent requests for Luma Ray V2", 1.0),
    ("Batch inference job size (in GB) for Amazon Nova Lite", 5.0),
)
SERVICE_QUOTAS_TARGET_PREFIX = "ServiceQuotasV20190624."


def _local_quota_code(name: str) -> str:
    """A stable stand-in quota code (L-XXXXXXXX, as AWS's look) made from the name."""
    return "L-" + hashlib.sha256(name.encode()).hexdigest()[:8].upper()


def _service_quota(code: str, name: str, value: float) -> dict:
    from ministack.core.responses import get_account_id, get_region

    return {
        "ServiceCode": "bedrock",
        "ServiceName": "Amazon Bedrock",
        "QuotaArn": f"arn:aws:servicequotas:{get_region()}:{get_account_id()}:bedrock/{code}",
        "QuotaCode": code,
        "QuotaName": name,
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
        "QuotaAppliedAtLevel": "ACCOUNT",
    }


async def _service_quotas_request(method, path, headers, body, query_params):
    """ListServiceQuotas (botocore service-quotas/2019-06-24, JSON protocol),
    paginated with MaxResults (1-100) and NextToken."""

    def answer(status: int, document: dict) -> tuple:
        return status, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(document).encode()

    operation = headers.get("x-amz-target", "").removeprefix(SERVICE_QUOTAS_TARGET_PREFIX)
    if operation != "ListServiceQuotas":
        return answer(400, {"__type": "UnknownOperationException", "message": f"{operation} is not emulated locally"})
    request = json.loads(body or b"{}")
    if not request.get("ServiceCode"):
        return answer(400, {"__type": "IllegalArgumentException", "message": "ServiceCode is required."})
    size = request.get("MaxResults", 100)
    if not isinstance(size, int) or not 1 <= size <= 100:
        return answer(400, {"__type": "IllegalArgumentException", "message": "MaxResults must be 1-100."})
    token = request.get("NextToken") or "0"
    if not token.isdigit():
        return answer(400, {"__type": "InvalidPaginationTokenException", "message": "Invalid NextToken."})
    # Only Bedrock's quotas are modelled; any other service answers no quotas.
    rows = LOCAL_BEDROCK_QUOTAS if request["ServiceCode"] == "bedrock" else ()
    coded = [(_local_quota_code(name), name, value) for name, value in rows]
    wanted = request.get("QuotaCode")
    quotas = [_service_quota(code, name, value) for code, name, value in coded if not wanted or code == wanted]
    start = int(token)
    document = {"Quotas": quotas[start : start + size]}
    if start + size < len(quotas):
        document["NextToken"] = str(start + size)
    return answer(200, document)


def service_quotas_lists_bedrock_quotas() -> None:
    """Upstream: there is no Service Quotas service; a ListServiceQuotas
    request falls through to another service's router and fails with an
    empty 400. AWS lists the account's quotas of a service, page by page.
    We route the Service Quotas JSON protocol (X-Amz-Target
    ServiceQuotasV20190624.*) to ListServiceQuotas over LOCAL_BEDROCK_QUOTAS.
    This imports ministack.app (to register the service) before launch.py
    does; the patches above only rebind service-module names, which app
    looks up per request. Retire when ministack emulates Service Quotas."""
    from ministack import app
    from ministack.core import router

    patterns = original(router, "SERVICE_PATTERNS")
    handlers = original(app, "SERVICE_HANDLERS")
    patterns["servicequotas"] = {"target_prefixes": [SERVICE_QUOTAS_TARGET_PREFIX.rstrip(".")]}
    handlers["servicequotas"] = _service_quotas_request


def durable_list_filters_every_status() -> None:
    """Upstream: ListDurableExecutionsByFunction filters on the first value of
    Statuses only: `?Statuses=PAUSED&Statuses=RUNNING` lists just the PAUSED
    executions. AWS takes a list of up to 10 statuses and returns the
    executions in any of them (botocore 1.44.5, lambda 2015-03-31
    service-2.json: ListDurableExecutionsByFunctionRequest.Statuses, shape
    ExecutionStatusList, min 1, max 10); cli/stop_executions.py asks for
    RUNNING, PAUSING and PAUSED at once. With several statuses we read the
    stock listing (every other filter and the order applied) without a status
    filter, keep the requested statuses and page the result with the stock
    offset markers. Retire when ministack filters on every value of Statuses."""
    from ministack.services import lambda_durable

    stock = original(lambda_durable, "handle_list_by_function")

    def handle_list_by_function(function_name, query_params, function_arn_lookup):
        statuses = query_params.get("Statuses") or []
        statuses = [statuses] if isinstance(statuses, str) else list(statuses)
        if len(statuses) < 2:
            return stock(function_name, query_params, function_arn_lookup)
        checked = stock(function_name, {**query_params, "Statuses": statuses[:1]}, function_arn_lookup)
        if checked[0] != 200:  # unknown function, bad MaxItems: the stock error
            return checked
        unfiltered = {k: v for k, v in query_params.items() if k not in ("Statuses", "Status")}
        listed = _every_listed(stock, function_name, unfiltered, function_arn_lookup)
        return _listing_page([e for e in listed if e["Status"] in statuses], query_params)

    replace(lambda_durable, "handle_list_by_function", handle_list_by_function)


def _query_value(query_params: dict, key: str, default: str) -> str:
    value = query_params.get(key, default)
    return (value[0] if value else default) if isinstance(value, list) else value


def _every_listed(list_by_function, function_name: str, query_params: dict, function_arn_lookup) -> list[dict]:
    """Every execution summary a listing returns, read page by page (its own
    filters and order applied; the caller's Marker and MaxItems left out)."""
    unpaged = {k: v for k, v in query_params.items() if k not in ("Marker", "MaxItems")}
    summaries, marker = [], ""
    while True:
        paging = {"MaxItems": ["1000"], **({"Marker": [marker]} if marker else {})}
        page = json.loads(list_by_function(function_name, {**unpaged, **paging}, function_arn_lookup)[2])
        summaries += page["DurableExecutions"]
        marker = page.get("NextMarker")
        if not marker:
            return summaries


def _listing_page(summaries: list[dict], query_params: dict) -> tuple:
    """One page of `summaries` with the stock offset markers."""
    from ministack.services import lambda_durable

    start = int(_query_value(query_params, "Marker", "0") or 0)
    max_items = int(_query_value(query_params, "MaxItems", "100")) or 100
    response = {"DurableExecutions": summaries[start : start + max_items]}
    if start + max_items < len(summaries):
        response["NextMarker"] = str(start + max_items)
    return lambda_durable.json_response(response)


def durable_list_without_qualifier_spans_versions() -> None:
    """Upstream: ListDurableExecutionsByFunction without a Qualifier lists the
    executions of $LATEST only. AWS: "If you don't specify a qualifier, this
    operation returns executions across all versions of the Lambda function"
    (botocore 1.44.5, lambda 2015-03-31 service-2.json,
    ListDurableExecutionsByFunctionRequest.Qualifier); the command line looks
    a user-given execution name up this way, whatever version it ran. We list
    each version that has executions and merge them, newest first (oldest
    first with ReverseOrder), as one listing. Retire when ministack drops its
    $LATEST default."""
    from ministack.services import lambda_durable

    listing = original(lambda_durable, "handle_list_by_function")

    def handle_list_by_function(function_name, query_params, function_arn_lookup):
        if "Qualifier" in query_params:
            return listing(function_name, query_params, function_arn_lookup)
        checked = listing(function_name, {**query_params, "MaxItems": ["1"]}, function_arn_lookup)
        if checked[0] != 200:  # unknown function, bad MaxItems: the stock error
            return checked
        function_arn = function_arn_lookup(function_name)
        versions = sorted(
            {r["Version"] for r in list(lambda_durable._executions.values()) if r["FunctionArn"] == function_arn}
        )
        summaries = [
            summary
            for version in versions
            for summary in _every_listed(
                listing, function_name, {**query_params, "Qualifier": [version]}, function_arn_lookup
            )
        ]
        oldest_first = _query_value(query_params, "ReverseOrder", "false").lower() == "true"
        # Summaries carry whole seconds; the records keep the exact start.
        started = {arn: rec["StartTimestamp"] for arn, rec in list(lambda_durable._executions.items())}
        summaries.sort(key=lambda s: started[s["DurableExecutionArn"]], reverse=not oldest_first)
        return _listing_page(summaries, query_params)

    replace(lambda_durable, "handle_list_by_function", handle_list_by_function)
    replace(lambda_durable, "handle_list_by_function", handle_list_by_function)


# ---------------------------------------------------------------------------
# Gap 15: an invocation lost with a restart is run again.
# ---------------------------------------------------------------------------

# How long a restored execution's re-invocation waits for the gateway to serve (its worker checkpoints there).
RESTORE_REINVOKE_WAIT_SECONDS = 60


def _gateway_serving(deadline: float) -> bool:
    import os
    import socket

    port = int(os.environ.get("GATEWAY_PORT", "4566"))
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _saved_executions(data) -> list[dict]:
    """The execution records of lambda_durable's saved state (a plain or an account-scoped dict)."""
    saved = (data or {}).get("executions") or {}
    records = saved.to_dict().values() if hasattr(saved, "to_dict") else saved.values()
    return [rec for rec in records if isinstance(rec, dict)]


def _wakes_by_itself(rec: dict) -> bool:
    """Whether re-arming a RUNNING execution's timers invokes it: a pending WAIT, CALLBACK or step-retry
    timer, or a callback answered while it was suspended (lambda_durable.schedule_resume)."""
    from ministack.services import lambda_durable

    if rec.get("Status") != "RUNNING":
        return False
    answered = any(
        op.get("Type") == "CALLBACK"
        and op.get("Status") in ("SUCCEEDED", "FAILED")
        and not (op.get("CallbackDetails") or {}).get("_replayed")
        for op in rec.get("Operations", [])
    )
    return answered or lambda_durable._next_expiry(rec) is not None


def restored_execution_is_reinvoked() -> None:
    """Upstream: on a start with persisted state (PERSIST_STATE=1), a RUNNING
    execution gets its WAIT and CALLBACK timers (and its ExecutionTimeout)
    re-armed and nothing else. An execution whose invocation was in flight
    when the emulator stopped, or not yet started (an accepted Event invoke
    runs in a thread), or waiting for a backend retry (held in memory), then
    stays RUNNING until its ExecutionTimeout. AWS keeps accepted asynchronous
    invocations and retries an invocation whose execution environment died,
    replaying from the last checkpoint (Lambda developer guide, "Retries for
    Lambda durable functions": backend retries for infrastructure failures;
    "Basic concepts", How replay works). So once the gateway serves again, we
    invoke every restored RUNNING execution that has no pending timer (a
    pending WAIT, CALLBACK or step-retry timer wakes it as before), on the
    version it started on; crashed_invocation_is_retried handles a failure.
    Which executions a timer wakes is read from the saved records before
    the timers are re-armed (an elapsed wait is settled and invoked at once,
    and a second invocation of ours would race it). Retire when ministack
    resumes in-flight durable invocations after a restart."""
    from ministack.services import lambda_durable

    stock = original(lambda_durable, "_restore_state")

    def reinvoke(lost: list[tuple[str, str, str]]) -> None:
        if not _gateway_serving(time.monotonic() + RESTORE_REINVOKE_WAIT_SECONDS):
            log.warning("gateway not serving: %d restored executions are not re-invoked", len(lost))
            return
        for arn, account_id, region in lost:
            tokens = (lambda_durable._request_account_id.set(account_id), lambda_durable._request_region.set(region))
            try:
                rec = lambda_durable._executions.get(arn)
                func_record = _function_record_for(rec) if rec and rec.get("Status") == "RUNNING" else None
                if func_record is None:
                    continue
                log.warning("durable execution %s: its invocation was lost with a restart; invoking it again", arn)
                rec["CheckpointToken"] = lambda_durable.new_checkpoint_token()
                _in_background(_run_durable_invocation, func_record, arn)
            finally:
                lambda_durable._request_region.reset(tokens[1])
                lambda_durable._request_account_id.reset(tokens[0])

    def restore_state(data):
        # Decided on the saved records, before stock re-arms the timers: its resume thread may settle an
        # elapsed wait and invoke at once, and the record would then look as if nothing woke it.
        woken = {rec.get("DurableExecutionArn") for rec in _saved_executions(data) if _wakes_by_itself(rec)}
        stock(data)
        lost = []
        for key, rec in lambda_durable._executions.to_dict().items():
            if not isinstance(rec, dict) or rec.get("Status") != "RUNNING" or not rec.get("DurableExecutionArn"):
                continue
            if rec["DurableExecutionArn"] in woken:
                continue
            fallback = key[0] if isinstance(key, tuple) and key else lambda_durable.get_account_id()
            account_id, region = lambda_durable._scope_from_execution_arn(rec["DurableExecutionArn"], fallback)
            lost.append((rec["DurableExecutionArn"], account_id, region))
        if lost:
            threading.Thread(target=reinvoke, args=(lost,), daemon=True).start()

    replace(lambda_durable, "_restore_state", restore_state)


# ---------------------------------------------------------------------------
# Gap 16: a stop ends the invocations it interrupts before the state is saved.
# ---------------------------------------------------------------------------

# How long a stop waits for the interrupted invocations to record their end.
STOP_SETTLE_SECONDS = 10


def stop_ends_invocations_first() -> None:
    """Upstream: on SIGTERM with PERSIST_STATE=1 ministack saves its state
    while Lambda workers still run invocations; emulator.sh kills them only
    after the process has exited. What they do after the snapshot (a step's
    Bedrock call, even a checkpoint) leaves no trace: after a restart the step
    runs again with nothing in the history to say why. AWS's backend outlives
    any execution environment: when one dies, its invocation ends with an
    error recorded in the history (InvocationCompleted carries Error, "details
    about the invocation failure": botocore Lambda model,
    InvocationCompletedDetails) and the backend retries it (gap 4). A stop of
    local AWS is therefore modelled as every execution environment dying at
    once: no durable invocation starts any more, every worker is killed, each
    interrupted invocation records its failure, and only then is the state
    saved; after a restart restored_execution_is_reinvoked runs the retries.
    Retire when ministack ends its workers before saving."""
    from ministack import app
    from ministack.core import lambda_runtime

    stock = original(app, "_build_persistence_save_dict")

    def build_persistence_save_dict():
        _invocations.stop()
        lambda_runtime.reset()  # terminates every worker, busy or idle
        if not _invocations.wait_until_none_run(STOP_SETTLE_SECONDS):
            log.warning("durable invocations still running after %s s; saving anyway", STOP_SETTLE_SECONDS)
        return stock()

    replace(app, "_build_persistence_save_dict", build_persistence_save_dict)


# ---------------------------------------------------------------------------
# Gap 7d: requests to local AWS count as made over TLS, as every client's are on AWS.
# ---------------------------------------------------------------------------


def loopback_requests_count_as_tls() -> None:
    """Upstream (with AUTH=true): aws:SecureTransport is true only for a
    request carrying X-Forwarded-Proto: https; local AWS serves plain HTTP on
    loopback, so every request is evaluated as insecure, and a bucket policy
    that denies aws:SecureTransport "false" (the TLS-only policy the module
    puts on its video bucket; S3 user guide, "Security best practices for
    Amazon S3": enforce encryption of data in transit) denies everything, even
    the writes Bedrock makes for an async job. On AWS our clients reach HTTPS
    endpoints only (the SDKs' and the Terraform provider's default endpoints
    are https://), and AWS services write over TLS. So requests are evaluated
    as arriving over TLS. Retire when local AWS serves HTTPS to the tests."""
    from ministack import app

    stock = original(app, "pin_request_origin")

    def pin_request_origin(source_ip: str, secure_transport: bool) -> None:
        stock(source_ip, True)

    replace(app, "pin_request_origin", pin_request_origin)


PATCHES = (
    durable_config_enables_durability,
    event_invoke_runs_durable_execution,
    sync_invoke_waits_for_execution,
    step_retry_counts_attempt,
    # After step_retry_counts_attempt (it reads the counted attempt), before resumes_run_concurrently (whose
    # threads run its resume).
    step_retries_in_history_like_aws,
    pending_steps_ready_in_checkpoint_answers,
    crashed_invocation_is_retried,
    resume_runs_started_version,
    # Before resumes_run_concurrently: it wraps this patch's _resume_execution.
    chained_invoke_runs_child_execution,
    # After chained_invoke_runs_child_execution: it checks the role before that patch starts the child.
    chained_invoke_authorized_as_the_role,
    resumes_run_concurrently,
    async_invocations_queue_at_concurrency_limit,
    managed_durable_policy_exists,
    bucket_request_payment_readable,
    inference_profiles_route_like_aws,
    async_invoke_writes_video_like_aws,
    # After async_invoke_writes_video_like_aws: it authorizes that patch's write.
    async_invoke_writes_as_the_caller,
    bedrock_runtime_authorized_like_aws,
    current_foundation_models_in_catalog,
    use_case_form_absent_until_submitted,
    simulation_resolves_principal_arn,
    service_quotas_lists_bedrock_quotas,
    durable_list_filters_every_status,
    # After sync_invoke_waits_for_execution: its handle_request wraps that one.
    execution_names_are_idempotent,
    durable_list_without_qualifier_spans_versions,
    durable_apis_authorized_as_their_actions,
    callback_timeouts_of_zero_mean_none,
    durable_status_changes_reach_eventbridge,
    eventbridge_publishes_where_the_topic_policy_allows,
    function_logs_written_as_the_role,
    active_tracing_needs_the_roles_trace_grant,
    event_source_mapping_checks_the_role_like_aws,
    event_source_mapping_reads_as_the_function_role,
    sns_publish_needs_the_topic_key,
    restored_execution_is_reinvoked,
    public_function_url_needs_its_grants,
    # Last: they import ministack.app, which must come after every other patch.
    stop_ends_invocations_first,
    loopback_requests_count_as_tls,
)


def apply(skip: frozenset[str] = frozenset()) -> None:
    """Applies every patch except those named in `skip` (used to prove each
    patch is needed: its tests must fail without it)."""
    unknown = skip - {patch.__name__ for patch in PATCHES}
    if unknown:
        raise CompatError(f"unknown patch names {sorted(unknown)}; known: {[p.__name__ for p in PATCHES]}")
    installed = metadata.version("ministack")
    if installed != EXPECTED_VERSION:
        raise CompatError(
            f"ministack {installed} is installed; this compatibility layer is written for "
            f"{EXPECTED_VERSION} (devkit/toolchain/requirements/emulator.txt)"
        )
    for patch in PATCHES:
        if patch.__name__ in skip:
            log.warning("compat patch SKIPPED: %s", patch.__name__)
            continue
        patch()
        log.info("compat patch applied: %s", patch.__name__)
