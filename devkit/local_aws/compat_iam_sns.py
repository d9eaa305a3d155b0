"""Compatibility patch for publishing to an SNS topic encrypted with a
customer managed KMS key when IAM is enforced (LOCAL_AWS_AUTH=1, ministack's
AUTH=true).

Part of the layer in ministack_compat.py (which lists it in its PATCHES): one
concern per file. Without AUTH it changes nothing.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from compat_base import original, replace

# SNS calls KMS on the publisher's behalf; the publisher "must have the
# kms:GenerateDataKey* and kms:Decrypt permissions for the AWS KMS key" (SNS
# developer guide, https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse).
PUBLISHER_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
PUBLISH_ACTIONS = frozenset({"Publish", "PublishBatch"})


def _first(params: dict, name: str) -> str:
    value = params.get(name, "")
    return value[0] if isinstance(value, list) else value


def _is_aws_managed(key_ref: str) -> bool:
    """alias/aws/sns, as a name or an alias ARN: a key AWS manages for the service."""
    return key_ref.startswith("alias/aws/") or ":alias/aws/" in key_ref


def sns_publish_needs_the_topic_key() -> None:
    """Upstream (with AUTH=true): Publish and PublishBatch to a topic whose
    KmsMasterKeyId names a customer managed key succeed whatever the caller
    may do with that key; ministack's SNS never looks at the key.

    AWS: the publisher needs kms:GenerateDataKey* and kms:Decrypt on the
    topic's key (PUBLISHER_KEY_ACTIONS); SNS asks KMS for them as the
    publisher, so kms:ViaService is sns.<region>.amazonaws.com and the key
    policy counts. Without them Publish fails with KMSAccessDenied (400 in the
    botocore sns model; observed as "KMSAccessDenied: ... (Service: AWSKMS;
    Status Code: 400; Error Code: AccessDeniedException ...)" in
    aws-samples/aws-secure-environment-accelerator#971). We check both actions,
    in that order, as the caller on the key, with kms:ViaService and
    kms:CallerAccount set, before the stock handler publishes. Not emulated: an
    AWS managed key (alias/aws/sns), whose key policy lets the account's
    principals use it through SNS and which ministack does not create, and a
    key that does not exist (left to the stock handler, which publishes).
    Retire when ministack's SNS encrypts with the topic's key as the caller."""
    from ministack.services import kms, sns

    stock = original(sns, "handle_request")
    topic_by_arn = original(sns, "_topic_by_arn_any_scope")
    normalize = original(sns, "_normalize_arn")
    resolve_key = original(kms, "_resolve_key")
    error = original(sns, "_error")

    def refusal(headers: dict, query_params: dict, params: dict):
        """The KMSAccessDenied response when the caller may not use the topic's key; else None."""
        from ministack import app
        from ministack.core import iam_evaluator
        from ministack.core.iam_actions import identity_denial_message
        from ministack.core.responses import get_account_id, get_region
        from ministack.core.router import extract_access_key_id

        if not app.AUTH or _first(params, "Action") not in PUBLISH_ACTIONS:
            return None
        topic = topic_by_arn(normalize(_first(params, "TopicArn")))
        key_ref = ((topic or {}).get("attributes") or {}).get("KmsMasterKeyId") or ""
        if not key_ref or _is_aws_managed(key_ref):
            return None
        key = resolve_key(key_ref)
        if not key:
            return None
        region = get_region()
        context = {"kms:ViaService": f"sns.{region}.amazonaws.com", "kms:CallerAccount": get_account_id()}
        caller = extract_access_key_id(headers, query_params) or ""
        for action in PUBLISHER_KEY_ACTIONS:
            denied = iam_evaluator.enforce(caller, action, "kms", region, key["Arn"], context)
            if denied:
                principal = getattr(denied, "principal_arn", "") or "the caller"
                explicit = getattr(denied, "decision", "") == "Deny"
                reason = identity_denial_message(action, principal, key["Arn"], explicit)
                return error(
                    "KMSAccessDenied",
                    f"{reason} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)",
                    400,
                )
        return None

    async def handle_request(method, path, headers, body, query_params):
        params = dict(query_params)
        if method == "POST" and body:
            params.update(parse_qs(body.decode("utf-8", errors="replace")))
        refused = refusal(headers, query_params, params)
        if refused is not None:
            return refused
        return await stock(method, path, headers, body, query_params)

    replace(sns, "handle_request", handle_request)
