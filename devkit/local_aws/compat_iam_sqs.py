"""Compatibility patches for how an SQS event source mapping uses its
function's execution role when IAM is enforced (LOCAL_AWS_AUTH=1, ministack's
AUTH=true).

Part of the layer in ministack_compat.py (which lists these patches in its
PATCHES): one concern per file. Both patches check the role the way any call
the function makes is checked: with the function's own execution-role session
(core.lambda_runtime.execution_credentials) through core.iam_evaluator.enforce,
so its identity policies, permissions boundary and the queue's policy count.
Without AUTH they change nothing.

AWS (Lambda developer guide, "Using Lambda with Amazon SQS", Execution role
permissions, https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, and
"Creating and configuring an Amazon SQS event source mapping",
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html):
"Lambda needs the following permissions to manage messages in your Amazon SQS
queue. Add them to your function's execution role": sqs:ReceiveMessage,
sqs:DeleteMessage, sqs:GetQueueAttributes (the same three as the AWS managed
policy AWSLambdaSQSQueueExecutionRole and the SQS developer guide's
prerequisites for a Lambda trigger). sqs:ChangeMessageVisibility is in none
of them: a failed message "becomes visible again" when its visibility timeout
lapses (with-sqs.html); Lambda does not change it.
"""

from __future__ import annotations

import inspect
import logging
from contextvars import ContextVar

from compat_base import CompatError, original, replace, role_denies

log = logging.getLogger("local_aws.compat")

# The order AWS reports the first missing one in is not documented; reports quote
# ReceiveMessage and DeleteMessage (see event_source_mapping_checks_the_role_like_aws).
MAPPING_READS = ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")

# (mapping, function configuration) of the SQS batch the current thread runs.
_batch_mapping: ContextVar[tuple[dict, dict] | None] = ContextVar("sqs_batch_mapping", default=None)


def _auth() -> bool:
    from ministack import app

    return bool(app.AUTH)


def _role_denied(config: dict, action: str, queue_arn: str) -> bool:
    """Whether the function's execution role may not call sqs:<action> on the queue."""
    return role_denies(config, [(f"sqs:{action}", "sqs", queue_arn)]) is not None


def _is_queue(arn: str) -> bool:
    return arn.startswith("arn:") and arn.split(":")[2:3] == ["sqs"]


def event_source_mapping_checks_the_role_like_aws() -> None:
    """Upstream (with AUTH=true): CreateEventSourceMapping and
    UpdateEventSourceMapping accept an SQS queue whatever the function's
    execution role may do with it.

    AWS validates the role when the mapping is created or updated: without one
    of the reads the call fails with InvalidParameterValueException, "The
    provided execution role does not have permissions to call ReceiveMessage on
    SQS" (reported in aws/aws-cdk#6770, 2020; "... DeleteMessage on SQS" in
    functionalone/serverless-iam-roles-per-function#21; worded "The function
    execution role does not have permissions to call ReceiveMessage on SQS" in
    anomalyco/sst#5737, 2025). The Terraform AWS provider retries both calls on
    InvalidParameterValueException containing "execution role does not have
    permissions" while IAM changes propagate (internal/service/lambda/
    event_source_mapping.go, retryEventSourceMapping). We check
    sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes, in that
    order, as the function's role on the queue, on create and on every update
    of an SQS mapping, and answer with the current wording. Not confirmed: that
    GetQueueAttributes is validated too (no report quotes it; Lambda does read
    the queue's visibility timeout on create and update, services-sqs-configure
    .html), and which updates AWS validates. Retire when ministack validates
    the mapping's role."""
    from ministack.services import lambda_svc

    stock_create = original(lambda_svc, "_create_esm")
    stock_update = original(lambda_svc, "_update_esm")
    resolve = original(lambda_svc, "_resolve_existing_esm_function")
    record_of = original(lambda_svc, "_get_func_record_for_qualifier")
    refuse = original(lambda_svc, "_invalid_parameter_value")

    def refusal(function_ref: str, queue_arn: str):
        """The error for the first read the function's role may not make, or None."""
        if not (_auth() and _is_queue(queue_arn)):
            return None
        name, qualifier, err = resolve(function_ref)
        if err:
            return None  # the stock call answers for an unknown function
        record, _config = record_of(name, qualifier)
        config = (record or {}).get("config") or {}
        for action in MAPPING_READS:
            if _role_denied(config, action, queue_arn):
                return refuse(f"The function execution role does not have permissions to call {action} on SQS")
        return None

    def create_esm(data: dict):
        return refusal(data.get("FunctionName", ""), data.get("EventSourceArn", "")) or stock_create(data)

    def update_esm(esm_id: str, data: dict):
        esm = lambda_svc._esms.get(esm_id)
        if esm:
            function_ref = data.get("FunctionName") or esm.get("FunctionArn", "")
            refused = refusal(function_ref, esm.get("EventSourceArn", ""))
            if refused:
                return refused
        return stock_update(esm_id, data)

    replace(lambda_svc, "_create_esm", create_esm)
    replace(lambda_svc, "_update_esm", update_esm)


def event_source_mapping_reads_as_the_function_role() -> None:
    """Upstream (with AUTH=true): the SQS poller (_poll_sqs, _run_sqs_batch)
    receives and deletes through ministack's SQS internals, never authorized:
    a mapping keeps taking and deleting messages after its function's role
    lost sqs:ReceiveMessage or sqs:DeleteMessage.

    AWS: "When you use an event source mapping to invoke your function, Lambda
    uses the execution role to read event data" (Lambda developer guide,
    "Working with AWS managed policies in the execution role",
    https://docs.aws.amazon.com/lambda/latest/dg/permissions-managed-policies.html);
    Lambda receives the messages and, once a batch succeeds, "deletes its
    messages from the queue" (with-sqs.html). A denied ReceiveMessage receives
    nothing: the messages stay in the queue and the function is not invoked. A
    denied DeleteMessage leaves a processed message in the queue, to be
    delivered again when its visibility timeout lapses (SQS developer guide,
    "Amazon SQS visibility timeout"). We check each as the function's role on
    the queue, before every receive and every delete. Not emulated, as AWS
    documents nothing for it: what the mapping's State, StateTransitionReason
    or LastProcessingResult show meanwhile (they are left as they are), and
    any GetQueueAttributes calls the poller makes. Retire when ministack's
    poller acts as the role."""
    from ministack.services import lambda_svc, sqs

    stock_concurrency = original(lambda_svc, "_sqs_esm_concurrency")
    stock_run = original(lambda_svc, "_run_sqs_batch")
    stock_delete = original(sqs, "_delete_messages_for_esm")
    poll = inspect.getsource(original(lambda_svc, "_poll_sqs"))
    gate, receive = poll.find("_sqs_esm_concurrency("), poll.find("_receive_messages_for_esm(")
    if not 0 <= gate < receive:
        raise CompatError("lambda_svc._poll_sqs no longer asks _sqs_esm_concurrency before it receives a batch")

    def sqs_esm_concurrency(esm, func_rec, config, queue=None):
        """The batches the mapping may have in flight: none while its role may not receive."""
        if _auth() and _role_denied((func_rec or {}).get("config") or {}, "ReceiveMessage", esm["EventSourceArn"]):
            log.warning("mapping %s: the function role may not sqs:ReceiveMessage; not polling", esm.get("UUID"))
            return 0
        return stock_concurrency(esm, func_rec, config, queue)

    def run_sqs_batch(esm, func_rec, *args):
        # Each batch runs in a thread of its own (spawn_background): the variable is that batch's.
        token = _batch_mapping.set((esm, (func_rec or {}).get("config") or {}))
        try:
            return stock_run(esm, func_rec, *args)
        finally:
            _batch_mapping.reset(token)

    def delete_messages_for_esm(queue_url: str, receipt_handles: set[str]) -> None:
        mapping = _batch_mapping.get()
        if mapping and _auth() and _role_denied(mapping[1], "DeleteMessage", mapping[0]["EventSourceArn"]):
            log.warning(
                "mapping %s: the function role may not sqs:DeleteMessage; messages stay", mapping[0].get("UUID")
            )
            return
        stock_delete(queue_url, receipt_handles)

    replace(lambda_svc, "_sqs_esm_concurrency", sqs_esm_concurrency)
    replace(lambda_svc, "_run_sqs_batch", run_sqs_batch)
    replace(sqs, "_delete_messages_for_esm", delete_messages_for_esm)
