"""End to end: examples/content-pipeline. The tests every example runs are in
examples_e2e.py."""

import json
import time

import examples_e2e as e2e
import pytest
from examples_e2e import client, example_outputs, make

from durable_api import wait_for_event, wait_for_status

deployed = e2e.deployed_fixture("content-pipeline")

test_a_second_plan_shows_no_changes = e2e.test_a_second_plan_shows_no_changes
test_invoke_reaches_succeeded_with_every_operation = e2e.test_invoke_reaches_succeeded_with_every_operation
test_an_invalid_payload_fails_naming_the_field = e2e.test_an_invalid_payload_fails_naming_the_field
test_a_crash_mid_run_resumes_without_repeating_finished_steps = (
    e2e.test_a_crash_mid_run_resumes_without_repeating_finished_steps
)


@pytest.mark.parametrize(
    ("sid", "action"),
    [("InvokeThroughInferenceProfile", "bedrock:InvokeModel"), ("ProfileDestinationModels", "bedrock:InvokeModel")],
)
def test_each_statement_of_the_function_role_is_needed(deployed, sid, action, local_aws):
    e2e.assert_statement_needed(deployed, sid, action, local_aws)


def test_the_function_role_may_call_its_model_and_no_other(deployed, local_aws):
    """Negative, with the role's own policies: Converse through the configured
    profile is allowed; another profile, a model outside the profile, and the
    profile's own model called directly (it is granted only through the
    profile: the bedrock:InferenceProfileArn condition) are refused."""
    _, example = deployed
    e2e.require_enforced_iam(local_aws)
    role = e2e.role_of(example.function_name, example, local_aws)
    environment = e2e.function_environment(example, local_aws)
    messages = [{"role": "user", "content": [{"text": "hello"}]}]
    profile = environment["BEDROCK_MODEL_ID"]
    assert profile == "us.anthropic.claude-haiku-4-5-20251001-v1:0", "the default model changed: update the ids"
    others = ("us.amazon.nova-pro-v1:0", "amazon.nova-lite-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0")

    with e2e.holder_of_role_policies(role, example, local_aws) as keys:
        bedrock = e2e.client_as(keys, "bedrock-runtime", environment["BEDROCK_REGION"], local_aws)
        assert bedrock.converse(modelId=profile, messages=messages)["output"]["message"]["content"]
        for other in others:
            e2e.assert_access_denied(lambda model_id=other: bedrock.converse(modelId=model_id, messages=messages))


def test_without_the_durable_policy_the_run_fails_at_its_first_checkpoint(deployed, local_aws):
    """The managed AWSLambdaBasicDurableExecutionRolePolicy grants the
    checkpoint and state reads every durable invocation makes: detached, the
    first checkpoint is refused, and `make invoke` says so."""
    name, example = deployed
    e2e.require_enforced_iam(local_aws)
    iam = client("iam", example, local_aws)
    role = e2e.role_of(example.function_name, example, local_aws)
    policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
    iam.detach_role_policy(RoleName=role, PolicyArn=policy_arn)
    try:
        status, outcome = e2e.invoke(name, local_aws)
    finally:
        iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)

    assert status != 0 and outcome["status"] == "FAILED", outcome
    assert "lambda:CheckpointDurableExecution" in json.dumps(outcome["error"]), outcome["error"]
    started, _ = e2e.started_and_succeeded(client("lambda", example, local_aws), outcome["execution_arn"])
    assert not started, f"no step may be recorded without checkpoints: {started}"


def test_without_the_durable_policys_log_actions_the_run_succeeds_and_logs_nothing(deployed, local_aws):
    """The example keeps durable_permissions = "managed": its role's log writes
    come from AWSLambdaBasicDurableExecutionRolePolicy, whose logs actions
    (CreateLogGroup, CreateLogStream, PutLogEvents on "*") are here taken out
    by swapping the policy for an inline copy without them. The run still
    succeeds and writes no log event ("the function still runs but it is
    unable to log any output": AWS Lambda Operator Guide, access-logs); with
    the policy back, the next run (a bad payload: it fails at once) logs again.
    The scoped alternative's WriteOwnLogs statement (the same two write actions
    on log-group:<group>:*) is shown needed by devkit/tests/local_aws/test_iam_function_logs.py."""
    name, example = deployed
    e2e.require_enforced_iam(local_aws)
    iam, logs = client("iam", example, local_aws), client("logs", example, local_aws)
    role = e2e.role_of(example.function_name, example, local_aws)
    group = example_outputs(name)["log_group_name"]
    policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
    managed = iam.get_policy_version(
        PolicyArn=policy_arn, VersionId=iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    )["PolicyVersion"]["Document"]
    without_logs = [
        {**statement, "Action": [a for a in statement["Action"] if not a.startswith("logs:")]}
        for statement in managed["Statement"]
    ]
    assert without_logs != managed["Statement"], "the managed policy grants no logs action"

    def events_since(start_ms: int) -> list[dict]:
        return logs.filter_log_events(logGroupName=group, startTime=start_ms)["events"]

    iam.detach_role_policy(RoleName=role, PolicyArn=policy_arn)
    iam.put_role_policy(
        RoleName=role, PolicyName="durable-without-logs",
        PolicyDocument=json.dumps({**managed, "Statement": without_logs}),
    )  # fmt: skip
    try:
        started = int(time.time() * 1000)
        status, outcome = e2e.invoke(name, local_aws)
        unlogged = events_since(started)
    finally:
        iam.delete_role_policy(RoleName=role, PolicyName="durable-without-logs")
        iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
    restored = int(time.time() * 1000)
    e2e.invoke(name, local_aws, example.bad_payload)

    assert status == 0 and outcome["status"] == "SUCCEEDED", outcome
    assert unlogged == [], unlogged
    assert events_since(restored), "with the managed policy back, the run logged nothing"


# --- Review notification through SNS (review.notification_topic) ---------------------------------


def test_a_waiting_review_is_announced_on_the_created_topic_and_its_callback_id_decides(deployed, local_aws):
    """Callback mode with a created topic, IAM enforced: the function's role publishes with the module's
    own grant; an editor's subscribed queue gets one message naming the callback, and answering that id
    finishes the run. (The destroy test's apply returns to the timer mode.)"""
    name, example = deployed
    e2e.require_enforced_iam(local_aws)
    review = 'TF_VAR_review={mode="callback", timeout_seconds=3600, notification_topic={}}'
    applied = make("apply", name, local_aws, review)
    assert applied.returncode == 0, applied.stderr[-3000:]
    topic_arn = example_outputs(name)["review_topic_arn"]
    assert e2e.function_environment(example, local_aws)["REVIEW_TOPIC_ARN"] == topic_arn
    editor = EditorQueue(client("sqs", example, local_aws), client("sns", example, local_aws), topic_arn)
    lam = client("lambda", example, local_aws)

    arn = lam.invoke(
        FunctionName=example_outputs(name)["alias_arn"], InvocationType="Event", Payload=json.dumps({"topic": "sns"})
    )["DurableExecutionArn"]
    wait_for_event(lam, arn, "CallbackStarted", timeout=60)
    announcements = editor.messages()
    history = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)["Events"]
    assert len(announcements) == 1, f"announcements {announcements}; history {history}"
    [announcement] = announcements
    callback_id = announcement["Message"].split("Callback id: ", 1)[1].split()[0]
    lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'{"decision": "approve", "by": "cli"}')

    assert announcement["Subject"] == "Review waiting: sns"
    assert f"Execution: {arn}" in announcement["Message"]
    assert wait_for_status(lam, arn, timeout=60)["Status"] == "SUCCEEDED"
    assert editor.messages(wait_seconds=0) == [], "the review was announced more than once"


class EditorQueue:
    """An SQS queue subscribed to the review topic, as an editor's tool would be (its policy lets the topic send)."""

    def __init__(self, sqs, sns, topic_arn: str) -> None:
        self.sqs = sqs
        self.url = sqs.create_queue(QueueName="editor-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        from_topic = {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
        }
        policy = json.dumps({"Version": "2012-10-17", "Statement": [from_topic]})
        sqs.set_queue_attributes(QueueUrl=self.url, Attributes={"Policy": policy})
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def messages(self, wait_seconds: int = 10) -> list[dict]:
        """The SNS envelopes received (deleted once read)."""
        received = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds)
        for message in received.get("Messages", []):
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in received.get("Messages", [])]


# --- End of the review notification block ------------------------------------------------------


def test_destroy_stops_a_running_execution_first(deployed, local_aws):
    """`make destroy` while an execution waits on the published version: it
    stops the execution before removing the function, so nothing is left
    RUNNING against a function that no longer exists."""
    name, example = deployed
    applied = make("apply", name, local_aws, "TF_VAR_review_wait_seconds=600")  # the run will still be waiting
    assert applied.returncode == 0, applied.stderr[-3000:]
    lam = client("lambda", example, local_aws)
    arn = lam.invoke(
        FunctionName=example_outputs(name)["alias_arn"], InvocationType="Event", Payload=json.dumps({"topic": "left"})
    )["DurableExecutionArn"]
    wait_for_event(lam, arn, "WaitStarted", timeout=60)

    destroyed = make("destroy", name, local_aws)

    assert destroyed.returncode == 0, destroyed.stderr[-3000:]
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "STOPPED"


# Last: it destroys the example.
test_destroy_leaves_nothing_behind = e2e.test_destroy_leaves_nothing_behind
