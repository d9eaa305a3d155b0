"""Durable execution status changes reach EventBridge as on AWS (compat_events.py): a rule on the
"Durable Execution Status Change" events of one function sends them to an SNS topic, whose
subscribers read them (Lambda developer guide, durable-monitoring.html, "EventBridge events")."""

import json
import time
import uuid

import pytest

from durable_api import wait_for_status
from sns_inbox import Inbox

TERMINAL = ["FAILED", "TIMED_OUT", "STOPPED"]


def _pattern(function_arn: str, statuses: list[str] | None = None) -> dict:
    """The module's rule pattern: this function's executions, whatever the version (functionArn is qualified)."""
    detail: dict = {"functionArn": [function_arn, {"prefix": f"{function_arn}:"}]}
    if statuses:
        detail["status"] = statuses
    return {"source": ["aws.lambda"], "detail-type": ["Durable Execution Status Change"], "detail": detail}


@pytest.fixture
def alerts(aws):
    """alerts(function_arn, statuses) -> Inbox: a rule for the function's status changes, its topic
    (publishable by this rule only), and an SQS inbox subscribed to the topic."""
    events, sns, sqs = aws("events"), aws("sns"), aws("sqs")
    made = []

    def _alerts(function_arn: str, statuses: list[str] | None = None, publisher: str | None = None) -> Inbox:
        """publisher: the rule ARN the topic policy lets publish (default: this rule's)."""
        suffix = uuid.uuid4().hex[:8]
        topic_arn = sns.create_topic(Name=f"alerts-{suffix}")["TopicArn"]
        rule_arn = events.put_rule(Name=f"alerts-{suffix}", EventPattern=json.dumps(_pattern(function_arn, statuses)))[
            "RuleArn"
        ]
        publish = {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": publisher or rule_arn}},
        }
        sns.set_topic_attributes(
            TopicArn=topic_arn,
            AttributeName="Policy",
            AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": [publish]}),
        )
        events.put_targets(Rule=f"alerts-{suffix}", Targets=[{"Id": "topic", "Arn": topic_arn}])
        inbox = Inbox(sns, sqs, topic_arn)
        made.append(inbox)
        return inbox

    yield _alerts
    for inbox in made:
        inbox.delete()


def _received(inbox: Inbox, count: int, timeout: float = 15) -> list[dict]:
    """The EventBridge events the topic delivered (each SNS message's body), waiting for `count`."""
    received: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(received) < count and time.monotonic() < deadline:
        received += [json.loads(envelope["Message"]) for envelope in inbox.messages()]
    return received


def test_a_failed_execution_reaches_the_topic_as_a_status_change_event(aws, deploy, alerts):
    lam = aws("lambda")
    name, version, _ = deploy("always_fails")
    function_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    inbox = alerts(function_arn, TERMINAL)

    arn = lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    execution = wait_for_status(lam, arn)

    assert execution["Status"] == "FAILED"
    (event,) = _received(inbox, 1)
    assert (event["source"], event["detail-type"], event["resources"]) == (
        "aws.lambda",
        "Durable Execution Status Change",
        [],
    )
    detail = event["detail"]
    assert (detail["durableExecutionArn"], detail["status"]) == (arn, "FAILED")
    assert detail["functionArn"] == f"{function_arn}:{version}"
    assert detail["durableExecutionName"] == execution["DurableExecutionName"]
    assert detail["startTimestamp"].endswith("Z") and detail["endTimestamp"] >= detail["startTimestamp"]
    assert inbox.messages() == []  # RUNNING matched no status of the rule


def test_every_status_change_of_the_function_and_none_of_another(aws, deploy, alerts):
    lam = aws("lambda")
    name, version, _ = deploy("pipeline")
    other, _, _ = deploy("pipeline")
    function_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    inbox = alerts(function_arn)

    lam.invoke(FunctionName=other, Payload=json.dumps({"topic": "elsewhere"}))
    response = lam.invoke(FunctionName=name, Qualifier=version, Payload=json.dumps({"topic": "durable AI"}))

    events = _received(inbox, 2)
    assert [(e["detail"]["durableExecutionArn"], e["detail"]["status"]) for e in events] == [
        (response["DurableExecutionArn"], "RUNNING"),
        (response["DurableExecutionArn"], "SUCCEEDED"),
    ]
    assert "endTimestamp" not in events[0]["detail"]


def test_a_topic_whose_policy_names_another_rule_receives_nothing(aws, deploy, alerts):
    """IAM enforced (make test's default): EventBridge publishes as events.amazonaws.com, and only
    where the topic's policy allows this rule (aws:SourceArn); the same event reaches a topic that does."""
    lam = aws("lambda")
    name, version, _ = deploy("always_fails")
    function_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    other_rule = function_arn.replace(":lambda:", ":events:").split(":function:")[0] + ":rule/another-rule"
    refused = alerts(function_arn, TERMINAL, publisher=other_rule)
    allowed = alerts(function_arn, TERMINAL)

    arn = lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    assert wait_for_status(lam, arn)["Status"] == "FAILED"

    assert [e["detail"]["durableExecutionArn"] for e in _received(allowed, 1)] == [arn]
    assert refused.messages() == []
