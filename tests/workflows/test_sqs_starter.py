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


QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:requests"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/requests"


def stubbed(monkeypatch, service: str) -> Stubber:
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    stubber = Stubber(client)
    stubber.activate()
    monkeypatch.setattr(sqs_starter, f"{service}_client", lambda: client)
    return stubber


@pytest.fixture
def sqs_stub(monkeypatch):
    stubber = stubbed(monkeypatch, "sqs")
    yield stubber
    stubber.assert_no_pending_responses()


@pytest.fixture
def lambda_stub(monkeypatch, sqs_stub):
    stubber = stubbed(monkeypatch, "lambda")
    monkeypatch.setenv("DURABLE_FUNCTION_ARN", TARGET)
    yield stubber
    stubber.assert_no_pending_responses()


def record(message_id: str, body: str, receives: int = 1) -> dict:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "eventSourceARN": QUEUE_ARN,
        "attributes": {"ApproximateReceiveCount": str(receives)},
    }


def expected_delete(message_id: str) -> dict:
    return {"QueueUrl": QUEUE_URL, "ReceiptHandle": f"handle-{message_id}"}


def expected_start(message_id: str, body: str) -> dict:
    return {
        "FunctionName": TARGET,
        "InvocationType": "Event",
        "DurableExecutionName": f"sqs-{message_id}",
        "Payload": body.encode(),
    }


def test_each_message_starts_an_execution_named_after_it_and_is_deleted_at_once(lambda_stub, sqs_stub):
    bodies = {"m-1": json.dumps({"topic": "a"}), "m-2": json.dumps({"topic": "b"})}
    for message_id, body in bodies.items():
        lambda_stub.add_response("invoke", {"StatusCode": 202}, expected_start(message_id, body))
        sqs_stub.add_response("delete_message", {}, expected_delete(message_id))

    result = sqs_starter.handler({"Records": [record(m, b) for m, b in bodies.items()]}, None)

    assert result == {"batchItemFailures": []}


def test_a_redelivered_message_finds_its_execution_started(lambda_stub, sqs_stub, caplog):
    body = json.dumps({"topic": "a"})
    lambda_stub.add_client_error(
        "invoke",
        service_error_code="DurableExecutionAlreadyStartedException",
        http_status_code=409,
        expected_params=expected_start("m-1", body),
    )
    sqs_stub.add_response("delete_message", {}, expected_delete("m-1"))

    with caplog.at_level("INFO", logger=sqs_starter.__name__):
        assert sqs_starter.handler({"Records": [record("m-1", body, receives=2)]}, None) == {"batchItemFailures": []}
    assert "message m-1 delivered 2 times; its execution starts once" in caplog.messages


def test_a_failed_early_delete_leaves_the_message_to_the_event_source_mapping(lambda_stub, sqs_stub, caplog):
    body = json.dumps({"topic": "a"})
    lambda_stub.add_response("invoke", {"StatusCode": 202}, expected_start("m-1", body))
    sqs_stub.add_client_error("delete_message", service_error_code="ReceiptHandleIsInvalid", http_status_code=400)

    assert sqs_starter.handler({"Records": [record("m-1", body)]}, None) == {"batchItemFailures": []}
    assert any(m.startswith("message m-1 started; deleting it early failed") for m in caplog.messages)


def test_unstartable_messages_are_reported_one_by_one_and_stay_queued(lambda_stub, sqs_stub):
    good = json.dumps({"topic": "a"})
    lambda_stub.add_client_error("invoke", service_error_code="TooManyRequestsException", http_status_code=429)
    lambda_stub.add_response("invoke", {"StatusCode": 202}, expected_start("m-3", good))
    sqs_stub.add_response("delete_message", {}, expected_delete("m-3"))

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


class RecordingSqs:
    """An SQS client that records the receipt handles it is asked to delete."""

    meta = SimpleNamespace(endpoint_url="https://sqs.us-east-1.amazonaws.com")

    def __init__(self):
        self.deleted: list[str] = []

    def delete_message(self, QueueUrl: str, ReceiptHandle: str):
        assert QueueUrl == QUEUE_URL
        self.deleted.append(ReceiptHandle)
        return {}


def test_a_large_batch_is_started_in_parallel_bounded(monkeypatch):
    fake, sqs = CountingLambda(), RecordingSqs()
    monkeypatch.setattr(sqs_starter, "lambda_client", lambda: fake)
    monkeypatch.setattr(sqs_starter, "sqs_client", lambda: sqs)
    monkeypatch.setenv("DURABLE_FUNCTION_ARN", TARGET)
    monkeypatch.setenv("STARTS_IN_PARALLEL", "16")
    records = [record(f"m-{i}", json.dumps({"topic": str(i)})) for i in range(200)]

    result = sqs_starter.handler({"Records": records}, SimpleNamespace(get_remaining_time_in_millis=lambda: 60_000))

    assert result == {"batchItemFailures": []}
    assert sorted(fake.names) == sorted(f"sqs-m-{i}" for i in range(200))
    assert sorted(sqs.deleted) == sorted(f"handle-m-{i}" for i in range(200))
    assert 1 < fake.most_in_flight <= 16


def test_messages_not_started_in_time_are_reported_for_redelivery(monkeypatch):
    fake, sqs = CountingLambda(), RecordingSqs()
    monkeypatch.setattr(sqs_starter, "lambda_client", lambda: fake)
    monkeypatch.setattr(sqs_starter, "sqs_client", lambda: sqs)
    monkeypatch.setenv("DURABLE_FUNCTION_ARN", TARGET)
    nearly_out = SimpleNamespace(get_remaining_time_in_millis=lambda: (sqs_starter.SAFETY_MARGIN_SECONDS - 1) * 1000)

    result = sqs_starter.handler({"Records": [record("m-1", "{}"), record("m-2", "{}")]}, nearly_out)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
    assert fake.names == sqs.deleted == []
