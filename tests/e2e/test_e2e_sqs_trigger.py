"""End to end: examples/sqs-trigger. The tests every example runs are in
examples_e2e.py."""

import json
import time
import uuid

import examples_e2e as e2e
from botocore.exceptions import ClientError
from examples_e2e import client, example_outputs

from durable_api import wait_for_status

deployed = e2e.deployed_fixture("sqs-trigger")

test_a_second_plan_shows_no_changes = e2e.test_a_second_plan_shows_no_changes
test_invoke_reaches_succeeded_with_every_operation = e2e.test_invoke_reaches_succeeded_with_every_operation
test_an_invalid_payload_fails_naming_the_field = e2e.test_an_invalid_payload_fails_naming_the_field


def test_a_queued_message_starts_an_execution(deployed, local_aws):
    name, example = deployed
    outputs = example_outputs(name)
    lam = client("lambda", example, local_aws)
    version = outputs["version"]
    before = {e["DurableExecutionArn"] for e in lam.list_durable_executions_by_function(
        FunctionName=example.function_name, Qualifier=version)["DurableExecutions"]}  # fmt: skip

    client("sqs", example, local_aws).send_message(
        QueueUrl=outputs["queue_url"], MessageBody=json.dumps({"topic": "queued request"})
    )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [
            e for e in lam.list_durable_executions_by_function(FunctionName=example.function_name, Qualifier=version)[
                "DurableExecutions"] if e["DurableExecutionArn"] not in before and e["Status"] != "RUNNING"
        ]  # fmt: skip
        if new:
            break
        time.sleep(1)
    assert len(new) == 1, "the message did not start exactly one execution within 60 s"
    execution = lam.get_durable_execution(DurableExecutionArn=new[0]["DurableExecutionArn"])
    assert execution["Status"] == "SUCCEEDED", execution.get("Error")
    assert json.loads(execution["Result"])["topic"] == "queued request"


def test_a_redelivered_message_starts_one_execution(deployed, local_aws):
    """A message comes back when its visibility timeout lapses or its batch
    failed, with the same messageId (SQS Message.MessageId: the id "you
    received when you sent the message") and body, a new receipt handle and
    a higher ApproximateReceiveCount. The starter deletes a message as soon as
    its execution started, so this happens only if it crashed in between (or
    SQS delivered a copy). Here the event source mapping's two deliveries are
    made by hand, as it makes them: the starter names the execution after the
    id, so the second delivery finds the first execution (same name and
    payload: Invoke returns it) and starts nothing."""
    name, example = deployed
    lam = client("lambda", example, local_aws)
    outputs = example_outputs(name)
    queue_arn = client("sqs", example, local_aws).get_queue_attributes(
        QueueUrl=outputs["queue_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    message_id = f"redelivered-{uuid.uuid4()}"

    def delivery(receives: int) -> dict:
        record = {
            "messageId": message_id,
            "receiptHandle": f"handle-{receives}",  # not a live handle: the early delete fails and says so
            "body": json.dumps({"topic": "redelivered request"}),
            "attributes": {"ApproximateReceiveCount": str(receives)},
            "eventSourceARN": queue_arn,
        }
        return {"Records": [record]}

    answers = [
        json.loads(lam.invoke(FunctionName=f"{example.function_name}-sqs-starter", Payload=json.dumps(delivery(n)))[
            "Payload"].read()) for n in (1, 2)
    ]  # fmt: skip

    assert answers == [{"batchItemFailures": []}] * 2
    started = lam.list_durable_executions_by_function(
        FunctionName=example.function_name, Qualifier=outputs["version"], DurableExecutionName=f"sqs-{message_id}"
    )["DurableExecutions"]
    assert len(started) == 1, started
    assert wait_for_status(lam, started[0]["DurableExecutionArn"], timeout=60)["Status"] == "SUCCEEDED"


def test_a_message_that_cannot_start_reaches_the_dead_letter_queue_with_its_reason(deployed, local_aws):
    """A body that is not JSON cannot start an execution (Invoke takes a JSON
    payload): the starter reports it as a batch item failure each time, and
    after max_receive_count deliveries (3 in the example) SQS moves it to the
    dead-letter queue (RedrivePolicy maxReceiveCount). The starter's log names
    the message and the reason. The queue's visibility timeout is shortened
    here so that three deliveries take seconds instead of minutes."""
    name, example = deployed
    outputs = example_outputs(name)
    sqs = client("sqs", example, local_aws)
    sqs.set_queue_attributes(QueueUrl=outputs["queue_url"], Attributes={"VisibilityTimeout": "1"})
    dead_letters = sqs.get_queue_url(QueueName=outputs["dead_letter_queue_arn"].rsplit(":", 1)[-1])["QueueUrl"]

    sent = sqs.send_message(QueueUrl=outputs["queue_url"], MessageBody="not json")["MessageId"]

    deadline, arrived = time.monotonic() + 90, []
    while not arrived and time.monotonic() < deadline:
        arrived = sqs.receive_message(QueueUrl=dead_letters, WaitTimeSeconds=1).get("Messages", [])
    assert [(m["MessageId"], m["Body"]) for m in arrived] == [(sent, "not json")]
    logged = client("logs", example, local_aws).filter_log_events(
        logGroupName=f"/aws/lambda/{example.function_name}-sqs-starter", filterPattern=f'"{sent}"'
    )["events"]
    assert any(f"could not start an execution for message {sent}: " in e["message"] for e in logged), logged


def test_the_starter_may_start_executions_only_through_its_grant(deployed, local_aws):
    """The starter role's StartDurableExecutions statement (lambda:InvokeFunction
    on the alias) is what lets a message start a run: removed, the message is
    reported as a batch item failure naming the action."""
    _, example = deployed
    e2e.require_enforced_iam(local_aws)
    iam = client("iam", example, local_aws)
    lam = client("lambda", example, local_aws)
    starter = f"{example.function_name}-sqs-starter"
    role = e2e.role_of(starter, example, local_aws)
    granted = e2e.role_policy(iam, role, "sqs-starter")
    without = e2e.without_statement(granted, "StartDurableExecutions")
    record = {
        "messageId": f"denied-{uuid.uuid4()}",
        "receiptHandle": "not-live",
        "body": json.dumps({"topic": "denied"}),
        "attributes": {"ApproximateReceiveCount": "1"},
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:unused",
    }
    iam.put_role_policy(RoleName=role, PolicyName="sqs-starter", PolicyDocument=json.dumps(without))
    try:
        delivered = lam.invoke(FunctionName=starter, Payload=json.dumps({"Records": [record]}))
        answer = json.loads(delivered["Payload"].read())
    finally:
        iam.put_role_policy(RoleName=role, PolicyName="sqs-starter", PolicyDocument=json.dumps(granted))

    assert answer == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    logged = client("logs", example, local_aws).filter_log_events(
        logGroupName=f"/aws/lambda/{starter}", filterPattern=f'"{record["messageId"]}"'
    )["events"]
    assert any("lambda:InvokeFunction" in e["message"] for e in logged), logged


# The starter's log writes (its role's WriteOwnLogs statement), with IAM enforced.


def test_without_its_log_grant_the_starter_still_answers_but_logs_nothing(deployed, local_aws):
    """WriteOwnLogs (logs:CreateLogStream and logs:PutLogEvents on the
    starter's log group) is what lets Lambda write the starter's logs: removed,
    a delivery the starter cannot start (a body that is not JSON) is still
    answered as a batch item failure, but its log line is missing ("the
    function still runs but it is unable to log any output": AWS Lambda
    Operator Guide, access-logs); with the statement back, the same delivery
    is logged."""
    _, example = deployed
    e2e.require_enforced_iam(local_aws)
    iam, lam = client("iam", example, local_aws), client("lambda", example, local_aws)
    starter = f"{example.function_name}-sqs-starter"
    role = e2e.role_of(starter, example, local_aws)
    granted = e2e.role_policy(iam, role, "sqs-starter")

    def deliver_unstartable() -> tuple[dict, bool]:
        """(the starter's answer, whether its log names the message) for one delivery of a non-JSON body."""
        record = {
            "messageId": f"unlogged-{uuid.uuid4()}",
            "receiptHandle": "not-live",
            "body": "not json",
            "attributes": {"ApproximateReceiveCount": "1"},
            "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:unused",
        }
        delivered = lam.invoke(FunctionName=starter, Payload=json.dumps({"Records": [record]}))
        answer = json.loads(delivered["Payload"].read())
        assert answer == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}, answer
        logged = client("logs", example, local_aws).filter_log_events(
            logGroupName=f"/aws/lambda/{starter}", filterPattern=f'"{record["messageId"]}"'
        )["events"]
        return answer, bool(logged)

    without = e2e.without_statement(granted, "WriteOwnLogs")
    iam.put_role_policy(RoleName=role, PolicyName="sqs-starter", PolicyDocument=json.dumps(without))
    try:
        _, logged_without = deliver_unstartable()
    finally:
        iam.put_role_policy(RoleName=role, PolicyName="sqs-starter", PolicyDocument=json.dumps(granted))
    _, logged_with = deliver_unstartable()

    assert not logged_without, "the starter's log was written without WriteOwnLogs"
    assert logged_with, "with WriteOwnLogs back, the starter's log names no message"


# The starter role's ConsumeTheQueue statement, action by action (IAM enforced). These are what the
# event source mapping reads with the function's role (Lambda developer guide, with-sqs.html, "Execution
# role permissions"); sqs:ChangeMessageVisibility is not among them, and the module does not grant it.
QUEUE_READS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]


def without_action(policy: dict, sid: str, action: str) -> dict:
    """The policy with one action taken out of statement `sid`."""
    statements = [
        {**st, "Action": [a for a in st["Action"] if a != action]} if st["Sid"] == sid else st
        for st in policy["Statement"]
    ]
    kept = next(st["Action"] for st in statements if st["Sid"] == sid)
    assert len(kept) == len(next(st for st in policy["Statement"] if st["Sid"] == sid)["Action"]) - 1, policy
    return {**policy, "Statement": statements}


class StarterRole:
    """The starter role's sqs-starter policy, with one read of ConsumeTheQueue taken out for a while."""

    def __init__(self, example, local_aws):
        self.iam = client("iam", example, local_aws)
        self.role = e2e.role_of(f"{example.function_name}-sqs-starter", example, local_aws)
        self.granted = e2e.role_policy(self.iam, self.role, "sqs-starter")

    def put(self, policy: dict) -> None:
        self.iam.put_role_policy(RoleName=self.role, PolicyName="sqs-starter", PolicyDocument=json.dumps(policy))

    def without(self, action: str) -> None:
        self.put(without_action(self.granted, "ConsumeTheQueue", action))

    def restore(self) -> None:
        self.put(self.granted)


def started(lam, example, version: str, message_id: str) -> list[dict]:
    """The executions a message started (the starter names them sqs-<message id>)."""
    return lam.list_durable_executions_by_function(
        FunctionName=example.function_name, Qualifier=version, DurableExecutionName=f"sqs-{message_id}"
    )["DurableExecutions"]


def queued(sqs, queue_url: str) -> int:
    """Messages in the queue, visible or in flight."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    counts = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(counts[name]) for name in names)


def starter_logged(example, local_aws, message_id: str) -> list[str]:
    return [
        e["message"]
        for e in client("logs", example, local_aws).filter_log_events(
            logGroupName=f"/aws/lambda/{example.function_name}-sqs-starter", filterPattern=f'"{message_id}"'
        )["events"]
    ]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.5)
    return found


def test_the_queue_mapping_cannot_be_changed_without_each_read(deployed, local_aws):
    """AWS checks the mapping's reads as the function role when the mapping is
    created or updated (InvalidParameterValueException; the provider retries it
    while IAM propagates). Shown with an update that changes nothing, rather
    than a re-apply: each read taken out in turn, the update is refused naming
    it; put back, it is accepted."""
    _, example = deployed
    e2e.require_enforced_iam(local_aws)
    lam = client("lambda", example, local_aws)
    role = StarterRole(example, local_aws)
    mapping = lam.list_event_source_mappings(FunctionName=f"{example.function_name}-sqs-starter")[
        "EventSourceMappings"
    ][0]
    refusals = {}
    for action in QUEUE_READS:
        role.without(action)
        try:
            lam.update_event_source_mapping(UUID=mapping["UUID"], BatchSize=mapping["BatchSize"])
        except ClientError as error:
            refusals[action] = (error.response["Error"]["Code"], error.response["Error"]["Message"])
        finally:
            role.restore()

    assert set(refusals) == set(QUEUE_READS), refusals
    for action, (code, message) in refusals.items():
        assert code == "InvalidParameterValueException", refusals
        assert f"does not have permissions to call {action.removeprefix('sqs:')} on SQS" in message, refusals
    assert lam.update_event_source_mapping(UUID=mapping["UUID"], BatchSize=mapping["BatchSize"])["State"]


def test_without_receive_message_a_queued_message_waits_until_the_grant_is_back(deployed, local_aws):
    name, example = deployed
    e2e.require_enforced_iam(local_aws)
    outputs = example_outputs(name)
    lam, sqs = client("lambda", example, local_aws), client("sqs", example, local_aws)
    role = StarterRole(example, local_aws)
    role.without("sqs:ReceiveMessage")
    try:
        sent = sqs.send_message(QueueUrl=outputs["queue_url"], MessageBody=json.dumps({"topic": "receive denied"}))
        time.sleep(3)  # the mapping polls at least once a second
        waiting = sqs.get_queue_attributes(QueueUrl=outputs["queue_url"], AttributeNames=["All"])["Attributes"]
        before = started(lam, example, outputs["version"], sent["MessageId"])
    finally:
        role.restore()

    assert before == [], "a message started an execution without sqs:ReceiveMessage"
    assert (waiting["ApproximateNumberOfMessages"], waiting["ApproximateNumberOfMessagesNotVisible"]) == ("1", "0")
    wait_for(lambda: started(lam, example, outputs["version"], sent["MessageId"]), 30, "started once granted")
    wait_for(lambda: queued(sqs, outputs["queue_url"]) == 0, 30, "the started message deleted")


def test_without_delete_message_a_started_message_stays_in_the_queue(deployed, local_aws):
    """The message starts its execution (Invoke is still granted), but neither
    the starter's early delete nor the mapping's may remove it: it is delivered
    again once its visibility timeout lapses (and would end in the dead-letter
    queue). Put back, the next delivery removes it, starting nothing new."""
    name, example = deployed
    e2e.require_enforced_iam(local_aws)
    outputs = example_outputs(name)
    lam, sqs = client("lambda", example, local_aws), client("sqs", example, local_aws)
    visibility = sqs.get_queue_attributes(QueueUrl=outputs["queue_url"], AttributeNames=["VisibilityTimeout"])[
        "Attributes"
    ]["VisibilityTimeout"]
    dead_letters = sqs.get_queue_url(QueueName=outputs["dead_letter_queue_arn"].rsplit(":", 1)[-1])["QueueUrl"]
    dead_before = queued(sqs, dead_letters)
    # Short, so the second delivery comes in seconds; the third (of max_receive_count 3) after the grant is back.
    sqs.set_queue_attributes(QueueUrl=outputs["queue_url"], Attributes={"VisibilityTimeout": "3"})
    role = StarterRole(example, local_aws)
    role.without("sqs:DeleteMessage")
    try:
        sent = sqs.send_message(QueueUrl=outputs["queue_url"], MessageBody=json.dumps({"topic": "delete denied"}))
        message = sent["MessageId"]

        def failed_deletes() -> list[str]:
            """The starter's warnings, one per delivery, while its early delete is denied; [] until two."""
            lines = [m for m in starter_logged(example, local_aws, message) if "deleting it early failed" in m]
            return lines if len(lines) >= 2 else []

        logged = wait_for(failed_deletes, 30, "the started message delivered again")
    finally:
        role.restore()
    wait_for(lambda: queued(sqs, outputs["queue_url"]) == 0, 30, "the message deleted once granted")
    sqs.set_queue_attributes(QueueUrl=outputs["queue_url"], Attributes={"VisibilityTimeout": visibility})

    assert all("sqs:DeleteMessage" in m for m in logged), logged
    assert len(started(lam, example, outputs["version"], message)) == 1
    assert queued(sqs, dead_letters) == dead_before, "deleted by the mapping, not moved to the dead-letter queue"


# Last before the destroy tests: it leaves the function with the crash plugin (fired once).
test_a_crash_mid_run_resumes_without_repeating_finished_steps = (
    e2e.test_a_crash_mid_run_resumes_without_repeating_finished_steps
)


# Last: it destroys the example.
test_destroy_leaves_nothing_behind = e2e.test_destroy_leaves_nothing_behind
