"""The SQS starter: one idempotent asynchronous start per message, failures reported per item."""

import json
import threading
import time
from types import SimpleNamespace

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


class CountingLambda:
    """A Lambda client whose asynchronous Invoke takes a little while; it
    counts the starts in flight at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        self.names: list[str] = []

    def invoke(self, **params):
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.names.append(params["DurableExecutionName"])
        time.sleep(0.02)
        with self.lock:
            self.in_flight -= 1
        return {"StatusCode": 202}


def test_a_large_batch_is_started_in_parallel_bounded(monkeypatch):
    fake = CountingLambda()
    monkeypatch.setattr(sqs_starter, "lambda_client", lambda: fake)
    monkeypatch.setenv("DURABLE_FUNCTION_ARN", TARGET)
    monkeypatch.setenv("STARTS_IN_PARALLEL", "16")
    records = [record(f"m-{i}", json.dumps({"topic": str(i)})) for i in range(200)]

    result = sqs_starter.handler({"Records": records}, SimpleNamespace(get_remaining_time_in_millis=lambda: 60_000))

    assert result == {"batchItemFailures": []}
    assert sorted(fake.names) == sorted(f"sqs-m-{i}" for i in range(200))
    assert 1 < fake.most_in_flight <= 16


def test_messages_not_started_in_time_are_reported_for_redelivery(monkeypatch):
    fake = CountingLambda()
    monkeypatch.setattr(sqs_starter, "lambda_client", lambda: fake)
    monkeypatch.setenv("DURABLE_FUNCTION_ARN", TARGET)
    nearly_out = SimpleNamespace(get_remaining_time_in_millis=lambda: (sqs_starter.SAFETY_MARGIN_SECONDS - 1) * 1000)

    result = sqs_starter.handler({"Records": [record("m-1", "{}"), record("m-2", "{}")]}, nearly_out)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
    assert fake.names == []
