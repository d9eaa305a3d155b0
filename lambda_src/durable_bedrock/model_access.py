"""Turns Bedrock's model-access refusals into errors that say what to do.

Bedrock no longer has a console page to switch models on. A model sold
through AWS Marketplace (Anthropic, Luma, ...) is subscribed to by the first
call made by a principal allowed aws-marketplace:Subscribe and
ViewSubscriptions, with a valid payment method on the account; Anthropic
models also need a one-time use-case form. Until then calls are refused, and
for a few minutes after the fix too.
https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html

The refusals are AccessDeniedException ("Model access is denied due to IAM
user or service role is not authorized to perform the required AWS
Marketplace actions (aws-marketplace:ViewSubscriptions,
aws-marketplace:Subscribe) ...", or "... due to INVALID_PAYMENT_INSTRUMENT")
and, for the form, ResourceNotFoundException ("Model use case details have
not been submitted for this account ..."). Neither is ever retried
(retry_policy.py). When the text names one of these causes, the step fails
with ModelAccessError instead, whose message names the cause and the fix;
other errors pass unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError

from durable_bedrock.errors import ModelAccessError

# (error codes, words in Bedrock's message, the cause, the fix); the first match wins.
_CAUSES = (
    (
        {"AccessDeniedException"},
        ("aws-marketplace",),
        "the account has not subscribed to this model (sold through AWS Marketplace), and the caller may not "
        "subscribe it",
        "make one call to the model as a principal allowed aws-marketplace:Subscribe and "
        "aws-marketplace:ViewSubscriptions (e.g. an administrator, once per account), then retry after a few "
        "minutes; `make preflight TARGET=aws` shows the model's status",
    ),
    (
        {"AccessDeniedException"},
        ("payment_instrument", "payment instrument"),
        "the account has no valid payment method, which AWS Marketplace needs to subscribe to this model",
        "add a payment method in the Billing console, then retry after a few minutes",
    ),
    (
        {"ResourceNotFoundException", "AccessDeniedException"},
        ("use case",),
        "Anthropic's one-time use-case form has not been submitted for this account",
        "submit it (Bedrock console, model catalog, any Anthropic model; or the PutUseCaseForModelAccess API), "
        "then retry after 15 minutes",
    ),
    (
        {"AccessDeniedException"},
        ("don't have access to the model", "do not have access to the model"),
        "the account has no access to this model yet",
        "call it once as an administrator (or open it in the Bedrock console's model catalog) to accept its "
        "terms, then retry after a few minutes; `make preflight TARGET=aws` shows the model's status",
    ),
)


def access_problem(code: str, message: str) -> tuple[str, str] | None:
    """(cause, fix) when Bedrock's error names a model-access cause."""
    lowered = message.lower()
    for codes, words, cause, fix in _CAUSES:
        if code in codes and any(word in lowered for word in words):
            return cause, fix
    return None


@contextmanager
def explained_model_access(model_id: str, region: str | None) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        problem = access_problem(details.get("Code", ""), details.get("Message", ""))
        if problem is None:
            raise
        cause, fix = problem
        where = f" in {region}" if region else ""
        raise ModelAccessError(
            f"Bedrock refused {model_id}{where}: {cause}. To fix: {fix}. (Bedrock said: {details.get('Message', '')})"
        ) from error
