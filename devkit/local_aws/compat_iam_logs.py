"""Compatibility patches for what a function's execution role must allow when
IAM is enforced (LOCAL_AWS_AUTH=1, ministack's AUTH=true) for Lambda to write
the function's logs and to turn on active tracing.

Part of the layer in ministack_compat.py (which lists these patches in its
PATCHES): one concern per file. Both patches evaluate the function's role
through ministack's own IAM evaluation (core.iam_evaluator.enforce) with the
session ministack hands the function (core.lambda_runtime.execution_credentials),
so the role's inline, managed and boundary policies count as for any call the
function makes. With AUTH off neither changes anything.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote

from compat_base import arn_parts, original, replace, role_denies

log = logging.getLogger("local_aws.compat")


def function_logs_written_as_the_role() -> None:
    """Upstream: after every invocation lambda_svc._emit_lambda_logs writes the
    function's output into CloudWatch Logs (creating the log group if needed)
    without asking whether the execution role may, so with AUTH=true a role
    without any logs permission still gets its logs.

    AWS: "By default, Lambda automatically captures logs for all function
    invocations and sends them to CloudWatch Logs, provided your function's
    execution role has the necessary permissions": logs:CreateLogGroup,
    logs:CreateLogStream, logs:PutLogEvents (Lambda developer guide, "Sending
    Lambda function logs to CloudWatch Logs",
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html),
    in /aws/lambda/<function name> or the group LoggingConfig.LogGroup names
    ("Configuring CloudWatch log groups", monitoring-cloudwatchlogs-loggroups.html).
    "If the role is missing these permissions, the function still runs but it
    is unable to log any output to the CloudWatch service" (AWS Lambda Operator
    Guide, "Access to CloudWatch Logs",
    https://serverlessland.com/content/service/lambda/guides/aws-lambda-operator-guide/access-logs).
    ARN forms (CloudWatch Logs user guide, iam-access-control-overview-cwl):
    log stream arn:aws:logs:R:A:log-group:G:log-stream:S. The resource Lambda's
    writes are checked on is taken from AWS denials quoted in public issues, not
    from a reference page: logs:CreateLogStream on the new stream's ARN
    (aws-solutions/aws-crr-monitor#8), logs:CreateLogGroup on
    `...:log-group:G:log-stream:` (aws-solutions/instance-scheduler-on-aws#578);
    so `log-group:G:*` (what AWS examples grant) matches both, `log-group:G`
    neither. PutLogEvents is checked on the stream too (its resource type is
    log-stream).

    With AUTH on, before the stock write we check, as the role: CreateLogGroup
    (only when the group does not exist yet), then CreateLogStream and
    PutLogEvents on a stream named as the stock write names it
    (YYYY/MM/DD/[QUALIFIER]<uuid>; the uuid itself cannot matter to a policy).
    A denial drops that invocation's logs (a warning in the emulator's log);
    the invocation's result is untouched. Retire when ministack authorizes
    its log writes as the execution role."""
    from ministack.services import cloudwatch_logs, lambda_svc

    stock_emit = original(lambda_svc, "_emit_lambda_logs")
    groups = original(cloudwatch_logs, "_log_groups")

    def _emit_lambda_logs(func: dict, request_id: str, log_text: str, error: bool, duration_ms: int, **kwargs):
        from ministack import app

        config = func.get("config") or func
        if not app.AUTH or not str(config.get("FunctionArn", "")).startswith("arn:"):
            return stock_emit(func, request_id, log_text, error, duration_ms, **kwargs)
        partition, region, account = arn_parts(config["FunctionArn"])
        group = (config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{config.get('FunctionName')}"
        group_arn = f"arn:{partition}:logs:{region}:{account}:log-group:{group}"
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        stream_arn = f"{group_arn}:log-stream:{day}/[{config.get('Version', '$LATEST')}]{uuid.uuid4().hex}"

        def group_exists() -> bool:
            from ministack.core.responses import request_scope

            with request_scope(account, region):
                return group in groups

        checks = [] if group_exists() else [("logs:CreateLogGroup", "logs", f"{group_arn}:log-stream:")]
        checks += [("logs:CreateLogStream", "logs", stream_arn), ("logs:PutLogEvents", "logs", stream_arn)]
        denied = role_denies(config, checks)
        if denied:
            log.warning(
                "logs of %s not written: its role %s may not perform %s on %s",
                config.get("FunctionName"), config.get("Role"), *denied,
            )  # fmt: skip
            return None
        return stock_emit(func, request_id, log_text, error, duration_ms, **kwargs)

    replace(lambda_svc, "_emit_lambda_logs", _emit_lambda_logs)


# What Lambda answers CreateFunction / UpdateFunctionConfiguration with when the
# role may not send traces: the code and the message's start are from the
# Terraform AWS provider (internal/service/lambda/function.go, retryFunctionOp
# retries InvalidParameterValueException "The provided execution role does not
# have permissions" as IAM propagation); the rest is the message AWS returned to
# users turning on active tracing (coinbase/fenrir#1: CreateFunction with
# Tracing Active; serverless/serverless#6931: enabling it on an existing stack).
NO_TRACE_GRANT = "The provided execution role does not have permissions to call PutTraceSegments on XRAY"


def _tracing_change(method: str, path: str, body: bytes, functions, resolve) -> tuple[str, str] | None:
    """(function name, role) when this request creates a function with active
    tracing, or updates a function's configuration so that it ends with active
    tracing while changing its tracing or its role; else None."""
    parts = path.rstrip("/").split("/")
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if method == "POST" and parts[1:] == ["2015-03-31", "functions"]:
        name, current = resolve(str(data.get("FunctionName", ""))), {}
    elif method == "PUT" and len(parts) == 5 and parts[1:3] + parts[4:] == ["2015-03-31", "functions", "configuration"]:
        if "TracingConfig" not in data and "Role" not in data:
            return None
        name = resolve(parts[3])
        current = (functions.get(name) or {}).get("config") or {}
        if not current:
            return None  # the stock handler answers ResourceNotFoundException
    else:
        return None
    mode = (data.get("TracingConfig") or current.get("TracingConfig") or {}).get("Mode")
    role = data.get("Role") or current.get("Role")
    return (name, role) if mode == "Active" and name and isinstance(role, str) else None


def active_tracing_needs_the_roles_trace_grant() -> None:
    """Upstream: with AUTH=true, CreateFunction and UpdateFunctionConfiguration
    accept TracingConfig Mode=Active whatever the execution role allows.

    AWS: "Your function needs permission to upload trace data to X-Ray"
    (Lambda developer guide, "Visualize Lambda function invocations using AWS
    X-Ray", https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html),
    and Lambda refuses to turn active tracing on for a role that may not:
    InvalidParameterValueException (400), "The provided execution role does
    not have permissions to call PutTraceSegments on XRAY" (sources at
    NO_TRACE_GRANT; no AWS reference page states it). With AUTH on, such a
    request is refused when the role (one that exists: a missing role keeps
    the stock error) may not perform xray:PutTraceSegments on "*". Only the
    action the message names is checked: nothing shows Lambda checking
    xray:PutTelemetryRecords. Retire when ministack validates this itself."""
    from ministack.core.iam_evaluator import validate_role_arn
    from ministack.core.responses import error_response_json, get_account_id, get_region
    from ministack.services import lambda_svc

    inner = original(lambda_svc, "handle_request")
    functions = original(lambda_svc, "_functions")
    resolve = original(lambda_svc, "_resolve_name")

    async def handle_request(method, path, headers, body, query_params):
        from ministack import app

        change = _tracing_change(method, unquote(path), body, functions, resolve) if app.AUTH else None
        if change and validate_role_arn(change[1]) is None:
            name, role = change
            config = {
                "FunctionArn": f"arn:aws:lambda:{get_region()}:{get_account_id()}:function:{name}",
                "FunctionName": name,
                "Role": role,
            }
            if role_denies(config, [("xray:PutTraceSegments", "xray", "*")]):
                return error_response_json("InvalidParameterValueException", NO_TRACE_GRANT, 400)
        return await inner(method, path, headers, body, query_params)

    replace(lambda_svc, "handle_request", handle_request)
