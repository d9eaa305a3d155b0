"""Starts one durable execution per SQS message (a plain function, not durable).

Sits between the queue's event source mapping and the durable function: an
event source mapping invokes synchronously, which would cap every execution
at 15 minutes and start a new execution on every redelivery. This function
instead starts each execution asynchronously (any length, up to the durable
ExecutionTimeout) with the message id as the durable execution name, so a
redelivered message finds its execution already started and starts nothing.
Each started message is deleted from the queue at once, not when the batch
returns: if this invocation then dies or times out, the event source
mapping delivers again only the messages not yet started, and a started
message cannot use up its receives and land in the dead-letter queue.
Messages that cannot be started are reported as batch item failures; after
the queue's maxReceiveCount they move to the dead-letter queue.

A batch may hold up to 10,000 messages: starts run STARTS_IN_PARALLEL at a
time (the module sizes the timeout to the batch), and messages not started
before the function would time out are reported as failures, to be
delivered again, instead of being lost with a timed-out invocation.
Handler: durable_bedrock.sqs_starter.handler.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol, TypedDict

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement); not bundled
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger(__name__)


class SqsRecord(TypedDict):
    """The members of an SQS event record this function reads (the record has more)."""

    messageId: str
    receiptHandle: str
    body: str
    eventSourceARN: str
    attributes: dict[str, str]


class SqsEvent(TypedDict, total=False):
    Records: list[SqsRecord]


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    """The partial batch response (ReportBatchItemFailures): the messages to deliver again."""

    batchItemFailures: list[BatchItemFailure]


class InvocationContext(Protocol):
    """The part of the Lambda context object this function uses."""

    def get_remaining_time_in_millis(self) -> int: ...


# Stop starting new executions this long before the invocation would time out.
SAFETY_MARGIN_SECONDS = 5


@functools.cache
def lambda_client() -> LambdaClient:
    # boto3 clients are thread-safe; one connection per parallel start.
    return boto3.client("lambda", config=Config(max_pool_connections=64))


@functools.cache
def sqs_client() -> SQSClient:
    return boto3.client("sqs", config=Config(max_pool_connections=64))


def execution_name(message_id: str) -> str:
    """Durable execution names allow 1-64 of [A-Za-z0-9_-]; SQS message ids are UUIDs."""
    return f"sqs-{message_id}"[:64]


def start_execution(target_arn: str, message_id: str, body: str) -> None:
    json.loads(body)  # Invoke rejects a payload that is not JSON; fail early with a clear log line
    try:
        lambda_client().invoke(
            FunctionName=target_arn,
            InvocationType="Event",
            DurableExecutionName=execution_name(message_id),
            Payload=body.encode("utf-8"),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "DurableExecutionAlreadyStartedException":
            raise
        log.info("execution already started for message", extra={"message_id": message_id})


def queue_url(queue_arn: str) -> str:
    """The queue's URL from its ARN (arn:aws:sqs:<region>:<account>:<name>): the SQS endpoint, then
    /<account>/<name> (SQS developer guide, "Amazon SQS queue and message identifiers")."""
    account, name = queue_arn.split(":")[4:6]
    return f"{sqs_client().meta.endpoint_url}/{account}/{name}"


def delete_started(record: SqsRecord) -> None:
    """Deletes a started message now. Best effort: if this fails, the event source mapping deletes it once the
    batch returns, as it does every message not reported as a failure."""
    try:
        sqs_client().delete_message(QueueUrl=queue_url(record["eventSourceARN"]), ReceiptHandle=record["receiptHandle"])
    except (ClientError, BotoCoreError) as error:
        log.warning("message %s started; deleting it early failed: %s", record["messageId"], error)


def handler(event: SqsEvent, context: InvocationContext | None) -> BatchResponse:
    target_arn = os.environ["DURABLE_FUNCTION_ARN"]  # the alias: durable functions need a qualified ARN
    in_parallel = int(os.environ.get("STARTS_IN_PARALLEL", "1"))
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else float("inf")
    deadline = time.monotonic() + remaining - SAFETY_MARGIN_SECONDS

    def start(record: SqsRecord) -> str | None:
        """None once started, else why not."""
        if time.monotonic() >= deadline:
            return "not started before the starter's timeout; the message will be delivered again"
        receives = record.get("attributes", {}).get("ApproximateReceiveCount", "1")
        if receives != "1":
            log.info("message %s delivered %s times; its execution starts once", record["messageId"], receives)
        try:
            start_execution(target_arn, record["messageId"], record["body"])
        except (ValueError, ClientError) as error:
            return str(error)
        delete_started(record)
        return None

    records = event.get("Records", [])
    failures: list[BatchItemFailure] = []
    with ThreadPoolExecutor(max_workers=in_parallel) as pool:
        for record, problem in zip(records, pool.map(start, records), strict=True):
            if problem is not None:
                # The id and reason in the text too: a text log format drops `extra`.
                log.error(
                    "could not start an execution for message %s: %s",
                    record["messageId"],
                    problem,
                    extra={"message_id": record["messageId"], "error": problem},
                )
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
