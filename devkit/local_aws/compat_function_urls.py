"""Compatibility patch for Lambda function URLs whose AuthType is NONE (public
URLs), when IAM is enforced (LOCAL_AWS_AUTH=1, ministack's AUTH=true).

Part of the layer in ministack_compat.py (which lists these patches in its
PATCHES): one concern per file. With AUTH off nothing changes.
"""

from __future__ import annotations

from compat_base import original, replace

# What Lambda answers a function URL request its resource-based policy does not allow
# (the same 403 body ministack sends an unsigned request to an AWS_IAM URL).
FORBIDDEN = (
    403,
    {"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException"},
    b'{"Message":"Forbidden"}',
)


def _public_grants_allow(function_arn: str, account: str, region: str) -> bool:
    """Whether the function's resource-based policy lets anyone (the anonymous principal) call
    lambda:InvokeFunctionUrl with lambda:FunctionUrlAuthType NONE and lambda:InvokeFunction with
    lambda:InvokedViaFunctionUrl true, through ministack's own evaluation of the statements
    (conditions, Deny before Allow)."""
    from ministack.core import iam_evaluator
    from ministack.core.responses import request_scope
    from ministack.services import lambda_svc

    with request_scope(account, region):
        found = lambda_svc.function_policy_for_arn(function_arn)
    if found is None:
        return False
    policy, _ = found
    # Condition keys are looked up in lower case (iam_evaluator: service_context).
    context = {"lambda:functionurlauthtype": "NONE", "lambda:invokedviafunctionurl": "true"}
    for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction"):
        ctx = iam_evaluator.EvalContext(
            principal_arn="anonymous",
            principal_type="Anonymous",
            principal_account="",
            action=action,
            resource_arn=function_arn,
            region=region,
            service_context=context,
        )
        if iam_evaluator.evaluate_resource_policy(policy, ctx).decision != "Allow":
            return False
    return True


def public_function_url_needs_its_grants() -> None:
    """Upstream (with AUTH=true): a request to a function URL with AuthType NONE
    is served without any check (core.iam_evaluator.enforce skips unsigned
    lambda:InvokeFunctionUrl requests), so a public URL works even when the
    function's resource-based policy grants nobody anything.

    AWS (Lambda developer guide, "Control access to Lambda function URLs",
    https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html): with NONE
    "Lambda doesn't perform any authentication before invoking your function.
    However, your function's resource-based policy is always in effect and must
    grant public access before your function URL can receive requests", and
    "starting in October 2025, new function URLs will require both
    lambda:InvokeFunctionUrl and lambda:InvokeFunction permissions" (the page's
    example grants InvokeFunction on the condition lambda:InvokedViaFunctionUrl).
    We answer 403 {"Message":"Forbidden"} unless the function's policy allows the
    anonymous principal both actions on the URL's function (its qualifier
    included) under those conditions. Not confirmed: the exact status and body
    AWS sends then (Forbidden, as for an unsigned request to an AWS_IAM URL).
    Retire when ministack checks a public URL's grants."""
    from ministack.services import lambda_svc

    stock = original(lambda_svc, "handle_function_url_request")
    original(lambda_svc, "resolve_function_url")
    original(lambda_svc, "function_policy_for_arn")

    async def handle_function_url_request(url_id, method, path, headers, body, query_params, *args, **kwargs):
        from ministack import app

        resolved = kwargs.get("resolved") or lambda_svc.resolve_function_url(url_id)
        if app.AUTH and resolved is not None and resolved[4].get("AuthType") == "NONE":
            account, region, name, qualifier, _ = resolved
            function_arn = f"arn:aws:lambda:{region}:{account}:function:{name}" + (f":{qualifier}" if qualifier else "")
            if not _public_grants_allow(function_arn, account, region):
                return FORBIDDEN
        return await stock(url_id, method, path, headers, body, query_params, *args, **kwargs)

    replace(lambda_svc, "handle_function_url_request", handle_function_url_request)
