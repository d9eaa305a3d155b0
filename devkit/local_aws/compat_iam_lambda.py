"""Compatibility patches for how Lambda requests are authorized when IAM is
enforced (LOCAL_AWS_AUTH=1, ministack's AUTH=true).

Part of the layer in ministack_compat.py (which lists these patches in its
PATCHES): one concern per file.
"""

from __future__ import annotations

from urllib.parse import unquote

from compat_base import original, replace, require_call_time_iam_hooks

DURABLE_API_VERSION = "2025-12-01"

# /2025-12-01/durable-executions/<execution ARN>[/<suffix>]: (method, suffix) -> action.
DURABLE_EXECUTION_ACTIONS = {
    ("POST", "checkpoint"): "CheckpointDurableExecution",
    ("GET", "state"): "GetDurableExecutionState",
    ("GET", "history"): "GetDurableExecutionHistory",
    ("POST", "stop"): "StopDurableExecution",
    ("GET", None): "GetDurableExecution",
}
# /2025-12-01/durable-execution-callbacks/<callback id>/<suffix> (POST) -> action.
DURABLE_CALLBACK_ACTIONS = {
    "succeed": "SendDurableExecutionCallbackSuccess",
    "fail": "SendDurableExecutionCallbackFailure",
    "heartbeat": "SendDurableExecutionCallbackHeartbeat",
}


def _durable_request(method: str, path: str) -> tuple[str, str] | None:
    """(action, what the resource is read from) for a durable API request:
    ("...", "arn:...") with the execution ARN, ("...", "callback:<id>"), or
    ("ListDurableExecutionsByFunction", "function"). Paths are split the way
    ministack's lambda_durable.try_route routes them."""
    parts = unquote(path).lstrip("/").split("/")
    if len(parts) < 3 or parts[0] != DURABLE_API_VERSION:
        return None
    if parts[1] == "functions" and len(parts) >= 4 and parts[3] == "durable-executions" and method == "GET":
        return "ListDurableExecutionsByFunction", "function"
    if parts[1] == "durable-execution-callbacks" and len(parts) >= 4 and method == "POST":
        action = DURABLE_CALLBACK_ACTIONS.get(parts[3])
        return (action, f"callback:{parts[2]}") if action else None
    if parts[1] != "durable-executions":
        return None
    suffix = parts[-1] if parts[-1] in {"checkpoint", "state", "history", "stop"} else None
    arn = "/".join(parts[2:-1] if suffix else parts[2:])
    action = DURABLE_EXECUTION_ACTIONS.get((method, suffix))
    return (action, arn) if action else None


def _qualifier(query_params: dict) -> str:
    value = query_params.get("Qualifier") or ""
    return (value[0] if value else "") if isinstance(value, list) else value


def _qualified(function_arn: str, qualifier: str) -> str:
    """arn:aws:lambda:R:A:function:NAME plus :QUALIFIER, unless it already has one."""
    if not qualifier or not function_arn.startswith("arn:") or function_arn.count(":") != 6:
        return function_arn
    return f"{function_arn}:{qualifier}"


def durable_apis_authorized_as_their_actions() -> None:
    """Upstream (with AUTH=true): the durable execution APIs under /2025-12-01/
    map to no IAM action, so CheckpointDurableExecution, GetDurableExecution(State,
    History), StopDurableExecution and the SendDurableExecutionCallback* calls
    are only authenticated, never authorized: any principal with valid keys may
    call them, and a durable function whose role lacks the grant still succeeds.
    ListDurableExecutionsByFunction is authorized as lambda:GetFunction. And a
    /2015-03-31/functions/<name>/... request with ?Qualifier= is authorized on the
    unqualified function ARN, so a grant on the alias or version the call names
    is denied.

    AWS (Lambda developer guide, "Security and permissions for Lambda durable
    functions", https://docs.aws.amazon.com/lambda/latest/dg/durable-security.html):
    most durable API actions are authorized against the durable execution ARN,
    arn:aws:lambda:R:A:function:NAME:QUALIFIER/durable-execution/NAME/ID, whose
    qualifier is always $LATEST or a version; a policy naming the unqualified
    function ARN never matches it (function:NAME:* does). We authorize
    Checkpoint, GetDurableExecutionState, GetDurableExecution,
    GetDurableExecutionHistory and StopDurableExecution as lambda:<that action>
    on the execution ARN in the path. The callbacks are authorized as
    lambda:SendDurableExecutionCallback{Success,Failure,Heartbeat} on the
    execution the callback id belongs to (for an unknown id on "*", so that only
    a caller allowed on every resource reaches the stock "not found"). Not
    confirmed: the Service Authorization Reference rows for these actions could
    not be read here, and the guide's "most" does not list which actions are
    the exceptions; the callback resource is our reading of it.
    ListDurableExecutionsByFunction is authorized as itself on the function ARN
    (qualified when the call has a Qualifier; also not confirmed in the
    Service Authorization Reference). For ?Qualifier=: "Actions that operate on
    a function can be restricted to a specific function by function, version,
    or alias ARN" (Lambda developer guide, "Fine-tuning the Resources and
    Conditions sections of policies",
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html):
    the call is authorized on the version or alias ARN it names.
    Retire when ministack maps the durable routes and the Qualifier itself."""
    from ministack.core import iam_actions
    from ministack.services import lambda_durable

    require_call_time_iam_hooks()
    stock_action = original(iam_actions, "extract_iam_action")
    stock_resource = original(iam_actions, "extract_resource_arn")
    original(lambda_durable, "_callback_index")  # callback id -> (execution ARN, operation id)

    def extract_iam_action(service, method, path, headers, body, query_params):
        durable = _durable_request(method, path) if service == "lambda" else None
        if durable:
            return f"lambda:{durable[0]}"
        return stock_action(service, method, path, headers, body, query_params)

    def extract_resource_arn(service, method, path, headers, body, query_params, region, account_id):
        resource = stock_resource(service, method, path, headers, body, query_params, region, account_id)
        if service != "lambda":
            return resource
        durable = _durable_request(method, path)
        if durable is None:
            return _qualified(resource, _qualifier(query_params)) if "/functions/" in path else resource
        _, target = durable
        if target.startswith("callback:"):
            entry = lambda_durable._callback_index.get(target.removeprefix("callback:"))
            return entry[0] if entry else "*"
        if target == "function":
            return _qualified(resource, _qualifier(query_params))
        return target

    replace(iam_actions, "extract_iam_action", extract_iam_action)
    replace(iam_actions, "extract_resource_arn", extract_resource_arn)
