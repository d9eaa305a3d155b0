"""With IAM enforced, an SQS event source mapping acts as its function's
execution role: it is created or updated only if the role may make the three
reads AWS lists (sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes:
Lambda developer guide, with-sqs.html, Execution role permissions; patch
event_source_mapping_checks_the_role_like_aws), and it receives and deletes
messages only while the role may (patch
event_source_mapping_reads_as_the_function_role). Every test here runs on a
private local AWS with LOCAL_AWS_AUTH=1."""

import json
import time
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from durable_api import CLIENT_KWARGS, LAMBDA_TRUST, function_zip
from session import local_aws_session

READS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
# The queue's visibility timeout and the function's timeout (AWS wants the first at least the second:
# services-sqs-configure.html), short so that a message that is not deleted comes back within seconds.
VISIBILITY_SECONDS = 3


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Clients as the account root (test/test) of a private local AWS with IAM enforced."""
    with local_aws_session(tmp_path_factory.mktemp("local-aws-iam-sqs"), auth=True) as session:
        yield lambda service: boto3.client(service, endpoint_url=session.endpoint, **CLIENT_KWARGS)


class Consumer:
    """A queue and a plain function whose role is granted some of READS on it (policy "reads")."""

    def __init__(self, root, tmp_path, actions: list[str]):
        self.iam, self.lam, self.sqs = root("iam"), root("lambda"), root("sqs")
        name = f"consumer-{uuid.uuid4().hex[:8]}"
        self.queue_url = self.sqs.create_queue(
            QueueName=name, Attributes={"VisibilityTimeout": str(VISIBILITY_SECONDS)}
        )["QueueUrl"]
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.role = f"{name}-exec"
        role_arn = self.iam.create_role(RoleName=self.role, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
        self.grant(actions)
        self.calls = tmp_path / f"{name}.calls"
        self.calls.touch()
        self.function = name
        self.lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role_arn["Role"]["Arn"],
            Handler="records_messages.handler",
            Code={"ZipFile": function_zip("records_messages", "records_messages")},
            Timeout=VISIBILITY_SECONDS,
            Environment={"Variables": {"CALL_LOG": str(self.calls)}},
        )
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name)

    def grant(self, actions: list[str]) -> None:
        statement = {"Effect": "Allow", "Action": actions, "Resource": self.queue_arn}
        policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        self.iam.put_role_policy(RoleName=self.role, PolicyName="reads", PolicyDocument=policy)

    def map(self) -> str:
        """Creates the event source mapping; its UUID."""
        return self.lam.create_event_source_mapping(
            EventSourceArn=self.queue_arn, FunctionName=self.function, BatchSize=1, FunctionResponseTypes=[]
        )["UUID"]

    def deliveries(self) -> list[tuple[str, int]]:
        """(message id, ApproximateReceiveCount) of every record the function was given, in order."""
        return [(line.split()[0], int(line.split()[1])) for line in self.calls.read_text().splitlines()]

    def in_queue(self) -> tuple[int, int]:
        """(visible, in flight) messages."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        counts = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)["Attributes"]
        return int(counts[names[0]]), int(counts[names[1]])


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.25)


def refused_read(error: pytest.ExceptionInfo) -> str:
    """The message of an InvalidParameterValueException (the code AWS answers with and the Terraform AWS
    provider retries on: internal/service/lambda/event_source_mapping.go, retryEventSourceMapping)."""
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException", error.value.response
    return error.value.response["Error"]["Message"]


def test_a_mapping_is_created_only_if_the_role_may_make_every_read(root, tmp_path):
    for missing in READS:
        consumer = Consumer(root, tmp_path, [action for action in READS if action != missing])

        with pytest.raises(ClientError) as refused:
            consumer.map()

        # The part the provider matches ("execution role does not have permissions"), naming the SQS API.
        operation = missing.removeprefix("sqs:")
        assert f"execution role does not have permissions to call {operation} on SQS" in refused_read(refused)
        assert consumer.lam.list_event_source_mappings(FunctionName=consumer.function)["EventSourceMappings"] == []
        consumer.grant(READS)
        assert consumer.map()


def test_a_mapping_is_not_updated_while_its_role_lacks_a_read(root, tmp_path):
    consumer = Consumer(root, tmp_path, READS)
    mapping = consumer.map()
    consumer.grant(["sqs:ReceiveMessage", "sqs:DeleteMessage"])

    with pytest.raises(ClientError) as refused:
        consumer.lam.update_event_source_mapping(UUID=mapping, BatchSize=2)

    assert "execution role does not have permissions to call GetQueueAttributes on SQS" in refused_read(refused)
    assert consumer.lam.get_event_source_mapping(UUID=mapping)["BatchSize"] == 1
    consumer.grant(READS)
    assert consumer.lam.update_event_source_mapping(UUID=mapping, BatchSize=2)["BatchSize"] == 2


def test_the_mapping_receives_only_while_the_role_may(root, tmp_path):
    """Without sqs:ReceiveMessage the message stays visible in the queue and the
    function is not invoked; with it back, the message is delivered and deleted."""
    consumer = Consumer(root, tmp_path, READS)
    consumer.map()
    consumer.grant(["sqs:DeleteMessage", "sqs:GetQueueAttributes"])

    sent = consumer.sqs.send_message(QueueUrl=consumer.queue_url, MessageBody="{}")["MessageId"]
    time.sleep(3)  # the poller passes over its mappings at least once a second

    assert consumer.in_queue() == (1, 0), "the message was received without sqs:ReceiveMessage"
    assert consumer.deliveries() == []
    consumer.grant(READS)
    wait_until(lambda: consumer.deliveries() == [(sent, 1)], 30, "the message delivered once")
    wait_until(lambda: consumer.in_queue() == (0, 0), 10, "the delivered message deleted")


def test_the_mapping_deletes_only_while_the_role_may(root, tmp_path):
    """Without sqs:DeleteMessage a processed message stays in the queue and is
    delivered again once its visibility timeout lapses; with it back, the next
    delivery is the last."""
    consumer = Consumer(root, tmp_path, READS)
    consumer.map()
    consumer.grant(["sqs:ReceiveMessage", "sqs:GetQueueAttributes"])

    sent = consumer.sqs.send_message(QueueUrl=consumer.queue_url, MessageBody="{}")["MessageId"]

    wait_until(lambda: (sent, 2) in consumer.deliveries(), 30, "the processed message delivered again")
    consumer.grant(READS)
    wait_until(lambda: consumer.in_queue() == (0, 0), 30, "the message deleted once the role may")
    assert {message for message, _ in consumer.deliveries()} == {sent}
