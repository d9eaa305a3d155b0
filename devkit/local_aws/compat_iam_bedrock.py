"""Compatibility patches for IAM enforcement (AUTH=true) of the Bedrock runtime.

One concern per file: these patches only change how ministack authorizes
bedrock-runtime calls and the output an async invoke writes. Like every patch
in ministack_compat.py (which lists them in PATCHES), each one is a named
function that rebinds a ministack module attribute, with a docstring naming the
upstream behaviour, what AWS does and what would retire it.

ministack authorizes a request in app._dispatch_service_request, which imports
`extract_iam_action`, `extract_resource_arn` (core.iam_actions) and `enforce`
(core.iam_evaluator) when it runs; rebinding those module attributes therefore
takes effect per request. `compat_base.require_call_time_iam_hooks` refuses to apply the
patches if that ever changes, rather than leave them silently unused.
"""

from __future__ import annotations

import contextvars
import json
import re
from urllib.parse import unquote

from compat_base import original, replace, require_call_time_iam_hooks, system_profile_routes

# botocore bedrock-runtime 2023-09-30: Converse, InvokeModel and StartAsyncInvoke
# "require permission for the bedrock:InvokeModel action", ConverseStream and
# InvokeModelWithResponseStream for bedrock:InvokeModelWithResponseStream.
# Keys: the action ministack derives from the operation name.
RUNTIME_ACTIONS = {
    "bedrock:Converse": "bedrock:InvokeModel",
    "bedrock:InvokeModel": "bedrock:InvokeModel",
    "bedrock:StartAsyncInvoke": "bedrock:InvokeModel",
    "bedrock:ConverseStream": "bedrock:InvokeModelWithResponseStream",
    "bedrock:InvokeModelWithResponseStream": "bedrock:InvokeModelWithResponseStream",
}
INFERENCE_ACTIONS = frozenset(RUNTIME_ACTIONS.values())

_MODEL_PATH = re.compile(r"^/model/(.+)/(?:converse|converse-stream|invoke|invoke-with-response-stream)$")
_ASYNC_INVOKE_PATH = re.compile(r"^/async-invoke/(.+)$")
_SYSTEM_PROFILE_ARN = re.compile(r"^arn:([^:]+):bedrock:([^:]*):([^:]*):inference-profile/(.+)$")


def _model_resource(model_id: str, region: str, account_id: str) -> str:
    """The resource a model identifier names: an ARN is itself, a system-defined
    profile id the profile in this account and region, anything else a
    foundation model in the region."""
    if model_id.startswith("arn:"):
        return model_id
    if system_profile_routes(model_id, region) is not None:
        return f"arn:aws:bedrock:{region}:{account_id}:inference-profile/{model_id}"
    return f"arn:aws:bedrock:{region}::foundation-model/{model_id}"


def _profile_models(profile_arn: str) -> list[str]:
    """The foundation-model ARNs a system-defined profile ARN routes to, in
    every destination region (plus the region-less ARN for a `global.` profile)."""
    match = _SYSTEM_PROFILE_ARN.match(profile_arn)
    routes = match and system_profile_routes(match.group(4), match.group(2))
    if not routes:
        return []
    partition, model_id, regions = match.group(1), *routes
    models = [f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}" for region in regions]
    if match.group(4).startswith("global."):
        models.append(f"arn:{partition}:bedrock:::foundation-model/{model_id}")
    return models


def bedrock_runtime_authorized_like_aws() -> None:
    """Upstream: with AUTH=true, bedrock-runtime calls are authorized as their
    SDK operation names (bedrock:Converse, bedrock:ConverseStream,
    bedrock:StartAsyncInvoke: no such IAM actions), on the foundation-model
    ARN of whatever follows /model/ (a profile id becomes
    `foundation-model/us.anthropic...`), on "*" for StartAsyncInvoke and
    GetAsyncInvoke; a policy naming specific resources never matches "*".

    AWS: Converse, InvokeModel and StartAsyncInvoke require bedrock:InvokeModel,
    ConverseStream and InvokeModelWithResponseStream
    bedrock:InvokeModelWithResponseStream (botocore bedrock-runtime model
    documentation of each operation; Bedrock API reference, StartAsyncInvoke:
    https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_StartAsyncInvoke.html).
    The resource is the model the request names: a model id is the foundation
    model in the Bedrock region; an inference profile (id or ARN) is checked
    on the profile AND on the foundation model in each region the profile
    routes to, the latter with the condition key bedrock:InferenceProfileArn =
    the profile ARN (Bedrock user guide, "Prerequisites for inference
    profiles": https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html).
    GetAsyncInvoke is bedrock:GetAsyncInvoke on the job's ARN (the
    `async-invoke` resource type, arn:...:bedrock:REGION:ACCOUNT:async-invoke/ID).

    We map the actions, compute those resources and, for a profile, check
    every destination model after the profile. Checking every destination
    region is deliberately stricter than one routed request on AWS (which
    reaches one region), and equals what the guide asks a policy to grant.
    For StartAsyncInvoke only the model in modelId is checked: whether AWS
    also checks bedrock:InvokeModel on the job's own `async-invoke` ARN (the
    module grants it) could not be confirmed in the Service Authorization
    Reference for Amazon Bedrock (list_amazonbedrock.html) from here, so it is
    not checked. Application inference profiles are checked on the profile
    ARN only. Retire when ministack authorizes the Bedrock runtime like this."""
    from ministack.core import iam_actions, iam_evaluator

    require_call_time_iam_hooks()
    stock_action = original(iam_actions, "extract_iam_action")
    stock_resource = original(iam_actions, "extract_resource_arn")
    stock_enforce = original(iam_evaluator, "enforce")

    def extract_iam_action(service, method, path, headers, body, query_params):
        action = stock_action(service, method, path, headers, body, query_params)
        if service == "bedrock-runtime":
            return RUNTIME_ACTIONS.get(action, action)
        return action

    def extract_resource_arn(service, method, path, headers, body, query_params, region, account_id):
        if service == "bedrock-runtime":
            if method == "POST" and (match := _MODEL_PATH.match(path)):
                return _model_resource(unquote(match.group(1)), region, account_id)
            if method == "POST" and path == "/async-invoke":
                try:
                    model_id = json.loads(body or b"{}").get("modelId")
                except (ValueError, AttributeError):
                    model_id = None
                if isinstance(model_id, str) and model_id:
                    return _model_resource(model_id, region, account_id)
            if method == "GET" and (match := _ASYNC_INVOKE_PATH.match(path)):
                return unquote(match.group(1))
        return stock_resource(service, method, path, headers, body, query_params, region, account_id)

    def enforce(access_key_id, iam_action, service, region, resource_arn="*", service_context=None):
        denied = stock_enforce(access_key_id, iam_action, service, region, resource_arn, service_context)
        if denied or service != "bedrock-runtime" or iam_action not in INFERENCE_ACTIONS:
            return denied
        through_profile = {**(service_context or {}), "bedrock:InferenceProfileArn": resource_arn}
        for model_arn in _profile_models(resource_arn):
            denied = stock_enforce(access_key_id, iam_action, service, region, model_arn, through_profile)
            if denied:
                return denied
        return None

    replace(iam_actions, "extract_iam_action", extract_iam_action)
    replace(iam_actions, "extract_resource_arn", extract_resource_arn)
    replace(iam_evaluator, "enforce", enforce)


# The access key of the StartAsyncInvoke request whose output is being written.
_async_invoke_caller: contextvars.ContextVar[str | None] = contextvars.ContextVar("async_invoke_caller", default=None)


def _denied_write(denied, resource_arn: str) -> tuple:
    who = getattr(denied, "principal_arn", "") or "the caller"
    reason = getattr(denied, "message", "") or f"{who} is not authorized to perform: s3:PutObject on {resource_arn}"
    body = f"<Error><Code>AccessDenied</Code><Message>{reason}</Message></Error>"
    return 403, {"Content-Type": "application/xml"}, body.encode()


def async_invoke_writes_as_the_caller() -> None:
    """Upstream (with the layer): async_invoke_writes_video_like_aws writes
    the job's output.mp4 through ministack's S3 as an internal call, so with
    AUTH=true the write is never authorized. AWS writes the output with the
    caller's permissions: the caller of StartAsyncInvoke needs s3:PutObject
    on the output location (Nova user guide, video generation access:
    https://docs.aws.amazon.com/nova/latest/userguide/video-gen-access.html);
    without it the job fails with a failureMessage, while StartAsyncInvoke
    itself succeeds. With AUTH on, we check s3:PutObject on the output
    object as the caller (a bucket policy counts, as for any S3 request)
    before that internal write; a denial fails the write, which fails the job
    the same way as a missing bucket. Must follow
    async_invoke_writes_video_like_aws. Retire with that patch."""
    from ministack.services import bedrock_runtime, s3

    inner = original(bedrock_runtime, "handle_request")
    stock_s3 = original(s3, "handle_request")

    async def handle_request(method, path, headers, body, query_params):
        from ministack import app
        from ministack.core.router import extract_access_key_id

        if not (app.AUTH and method == "POST" and path == "/async-invoke"):
            return await inner(method, path, headers, body, query_params)
        token = _async_invoke_caller.set(extract_access_key_id(headers, query_params) or "")
        try:
            return await inner(method, path, headers, body, query_params)
        finally:
            _async_invoke_caller.reset(token)

    async def s3_handle_request(method, path, headers, body, query_params, *args, **kwargs):
        caller = _async_invoke_caller.get()
        if caller is not None and method == "PUT" and kwargs.get("internal"):
            from ministack.core import iam_evaluator
            from ministack.core.iam_actions import s3_service_context
            from ministack.core.responses import get_region

            resource_arn = f"arn:aws:s3:::{path.lstrip('/')}"
            context = s3_service_context("s3:PutObject", query_params, path, headers)
            denied = iam_evaluator.enforce(caller, "s3:PutObject", "s3", get_region(), resource_arn, context)
            if denied:
                return _denied_write(denied, resource_arn)
        return await stock_s3(method, path, headers, body, query_params, *args, **kwargs)

    replace(bedrock_runtime, "handle_request", handle_request)
    replace(s3, "handle_request", s3_handle_request)
