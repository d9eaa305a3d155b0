"""Starts one durable execution per SQS message (a plain function, not durable).

Sits between the queue's event source mapping and the durable function: an
event source mapping invokes synchronously, which would cap every execution
at 15 minutes and start a new execution on every redelivery. This function
instead starts each execution asynchronously (any length, up to the durable
ExecutionTimeout) with the message id as the durable execution name, so a
redelivered message finds its execution already started and starts nothing.
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
from botocore.exceptions import ClientError

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement); not bundled
    from mypy_boto3_lambda import LambdaClient

log = logging.getLogger(__name__)


class SqsRecord(TypedDict):
    """The members of an SQS event record this function reads (the record has more)."""

    messageId: str
    body: str


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


def handler(event: SqsEvent, context: InvocationContext | None) -> BatchResponse:
    target_arn = os.environ["DURABLE_FUNCTION_ARN"]  # the alias: durable functions need a qualified ARN
    in_parallel = int(os.environ.get("STARTS_IN_PARALLEL", "1"))
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else float("inf")
    deadline = time.monotonic() + remaining - SAFETY_MARGIN_SECONDS

    def start(record: SqsRecord) -> str | None:
        """None once started, else why not."""
        if time.monotonic() >= deadline:
            return "not started before the starter's timeout; the message will be delivered again"
        try:
            start_execution(target_arn, record["messageId"], record["body"])
        except (ValueError, ClientError) as error:
            return str(error)
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
