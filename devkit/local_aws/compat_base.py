"""What every local AWS compatibility patch is built from: the check that
the ministack attribute it rebinds still exists, the rebinding itself, and
the table of regions a system-defined inference profile routes to (shared
by GetInferenceProfile and the IAM checks of the Bedrock runtime), and the
evaluation of what a function's execution role may do (shared by the IAM
patches for its logs, tracing and SQS event source mappings)."""

from __future__ import annotations

import ast
import contextvars
import importlib.util
from importlib import metadata
from pathlib import Path


class CompatError(RuntimeError):
    """The installed ministack is not the one this layer was written for."""


def original(module, name: str):
    """The attribute about to be patched; refuses to go on if it is gone."""
    if not hasattr(module, name):
        raise CompatError(
            f"ministack {metadata.version('ministack')}: {module.__name__}.{name} no longer exists; "
            "devkit/local_aws/ must be updated for this ministack version"
        )
    return getattr(module, name)


def replace(module, name: str, replacement) -> None:
    original(module, name)
    setattr(module, name, replacement)


# Regions a system-defined (cross-region) inference profile routes to, by prefix.
PROFILE_DESTINATIONS = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3"),
    "apac": ("ap-northeast-1", "ap-southeast-1", "ap-southeast-2"),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
    "ca": ("ca-central-1", "ca-west-1"),
}


def system_profile_routes(profile_id: str, region: str) -> tuple[str, tuple[str, ...]] | None:
    """(foundation model id, destination regions) of a system-defined profile
    id such as `us.anthropic.claude-haiku-4-5-20251001-v1:0` called in
    `region` (a `global.` profile: that region here); None for any other id.
    Shared by GetInferenceProfile (ministack_compat.py) and the IAM checks of
    the runtime (compat_iam_bedrock.py)."""
    prefix, _, model_id = profile_id.partition(".")
    if "." not in model_id or prefix not in (*PROFILE_DESTINATIONS, "global"):
        return None
    return model_id, (region,) if prefix == "global" else PROFILE_DESTINATIONS[prefix]


def require_call_time_iam_hooks() -> None:
    """The IAM patches rebind extract_iam_action, extract_resource_arn
    (core.iam_actions) and enforce (core.iam_evaluator); that reaches requests
    only while ministack/app.py imports them inside _dispatch_service_request
    when it serves one. Read from its source: importing ministack.app here
    would come before the other patches."""
    spec = importlib.util.find_spec("ministack.app")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    hooks = {
        ("ministack.core.iam_actions", "extract_iam_action"),
        ("ministack.core.iam_actions", "extract_resource_arn"),
        ("ministack.core.iam_evaluator", "enforce"),
    }

    def imported(nodes) -> set[tuple[str, str]]:
        return {
            (node.module, alias.name)
            for node in nodes
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
            if alias.asname is None
        }

    at_module_level = imported(tree.body) & hooks
    dispatch = [
        node
        for node in tree.body
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name == "_dispatch_service_request"
    ]
    at_call_time = imported(ast.walk(dispatch[0])) if dispatch else set()
    if at_module_level or not hooks <= at_call_time:
        raise CompatError(
            "ministack.app no longer imports extract_iam_action, extract_resource_arn and enforce inside "
            "_dispatch_service_request: the IAM patches in devkit/local_aws/ must hook them another way"
        )


def arn_parts(function_arn: str) -> tuple[str, str, str]:
    """(partition, region, account) of arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME."""
    parts = function_arn.split(":")
    return parts[1], parts[3], parts[4]


def role_denies(config: dict, checks: list[tuple[str, str, str]]) -> tuple[str, str] | None:
    """The first (action, resource) of `checks` ((action, service, resource))
    the function's execution role may not perform, else None: what Lambda does
    with the role on the function's behalf (its logs, its event source
    mappings, its tracing). Evaluated with the role's own session
    (core.lambda_runtime.execution_credentials) through core.iam_evaluator.enforce,
    so its identity policies, permissions boundary and resource policies
    count, in a fresh context pinned to the function's account and region, so
    that the request that happens to run it (its caller, whether it was
    signed) plays no part."""
    from ministack.core import iam_evaluator, lambda_runtime
    from ministack.core.responses import request_scope

    _, region, account = arn_parts(config["FunctionArn"])
    key = original(lambda_runtime, "execution_credentials")(config)["AWS_ACCESS_KEY_ID"]

    def evaluate() -> tuple[str, str] | None:
        with request_scope(account, region):
            for action, service, resource in checks:
                if iam_evaluator.enforce(key, action, service, region, resource):
                    return action, resource
        return None

    return contextvars.Context().run(evaluate)
