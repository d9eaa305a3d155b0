"""Starts one durable execution per SQS message (a plain function, not durable).

Sits between the queue's event source mapping and the durable function: an
event source mapping invokes synchronously, which would cap every execution
at 15 minutes and start a new execution on every redelivery. This function
instead starts each execution asynchronously (any length, up to the durable
ExecutionTimeout) with the message id as the durable execution name, so a
redelivered message finds its execution already started and starts nothing.
Messages that cannot be started are reported as batch item failures; after
the queue's maxReceiveCount they move to the dead-letter queue.
Handler: durable_bedrock.sqs_starter.handler.
"""

from __future__ import annotations

import functools
import json
import logging
import os

import boto3
from botocore.exceptions import ClientError

log = logging.getLogger(__name__)


@functools.cache
def lambda_client():
    return boto3.client("lambda")


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


def handler(event: dict, context) -> dict:
    target_arn = os.environ["DURABLE_FUNCTION_ARN"]  # the alias: durable functions need a qualified ARN
    failures = []
    for record in event.get("Records", []):
        message_id = record["messageId"]
        try:
            start_execution(target_arn, message_id, record["body"])
        except (ValueError, ClientError) as error:
            log.error("could not start an execution", extra={"message_id": message_id, "error": str(error)})
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
