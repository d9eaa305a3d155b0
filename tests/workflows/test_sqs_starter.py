"""The SQS starter: one idempotent asynchronous start per message, failures reported per item."""

import json

import boto3
import pytest
from botocore.stub import Stubber

from durable_bedrock import sqs_starter

TARGET = "arn:aws:lambda:us-east-1:123456789012:function:pipeline:live"


@pytest.fixture
def lambda_stub(monkeypatch):
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    stubber = Stubber(client)
    stubber.activate()
    monkeypatch.setattr(sqs_starter, "lambda_client", lambda: client)
    monkeypatch.setenv("DURABLE_FUNCTION_ARN", TARGET)
    yield stubber
    stubber.assert_no_pending_responses()


def record(message_id: str, body: str) -> dict:
    return {"messageId": message_id, "body": body}


def expected_start(message_id: str, body: str) -> dict:
    return {
        "FunctionName": TARGET,
        "InvocationType": "Event",
        "DurableExecutionName": f"sqs-{message_id}",
        "Payload": body.encode(),
    }


def test_each_message_starts_an_execution_named_after_it(lambda_stub):
    bodies = {"m-1": json.dumps({"topic": "a"}), "m-2": json.dumps({"topic": "b"})}
    for message_id, body in bodies.items():
        lambda_stub.add_response("invoke", {"StatusCode": 202}, expected_start(message_id, body))

    result = sqs_starter.handler({"Records": [record(m, b) for m, b in bodies.items()]}, None)

    assert result == {"batchItemFailures": []}


def test_a_redelivered_message_finds_its_execution_started(lambda_stub):
    body = json.dumps({"topic": "a"})
    lambda_stub.add_client_error(
        "invoke",
        service_error_code="DurableExecutionAlreadyStartedException",
        http_status_code=409,
        expected_params=expected_start("m-1", body),
    )

    assert sqs_starter.handler({"Records": [record("m-1", body)]}, None) == {"batchItemFailures": []}


def test_unstartable_messages_are_reported_one_by_one(lambda_stub):
    good = json.dumps({"topic": "a"})
    lambda_stub.add_client_error("invoke", service_error_code="TooManyRequestsException", http_status_code=429)
    lambda_stub.add_response("invoke", {"StatusCode": 202}, expected_start("m-3", good))

    result = sqs_starter.handler(
        {"Records": [record("m-1", good), record("m-2", "not json"), record("m-3", good)]}, None
    )

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
