"""End to end: examples/content-pipeline. The tests every example runs are in
examples_e2e.py."""

import json
import queue
import subprocess
import threading
import time

import examples_e2e as e2e
import pytest
from examples_e2e import REPO, client, example_outputs, make, make_command
from history_operations import operations_in_history

from durable_api import wait_for_event
from review_page_deployment import fetch
from sns_inbox import Inbox

deployed = e2e.deployed_fixture("content-pipeline")

test_a_second_plan_shows_no_changes = e2e.test_a_second_plan_shows_no_changes
test_invoke_reaches_succeeded_with_every_operation = e2e.test_invoke_reaches_succeeded_with_every_operation
test_an_invalid_payload_fails_naming_the_field = e2e.test_an_invalid_payload_fails_naming_the_field


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


# The module's review input in callback mode, with the review page and a new SNS topic, as
# TF_VAR_review (the example passes it through).
REVIEW_BY_CALLBACK = 'TF_VAR_review={mode="callback",page=true,notification_topic={}}'
# Failure alerts with a created topic (and key), applied together with the review so no apply is added.
# Without the alarm: the AWS provider reads CloudWatch alarms over the RPC v2 CBOR protocol, which local
# AWS answers only with the cbor2 package its environment lacks (the read fails, the provider retries on).
FAILURE_ALERTS = "TF_VAR_failure_alerts={alarm=false}"


def lines_until(stream_lines: queue.Queue, text: str, timeout: float) -> list[str]:
    """Lines read from a running command until one contains `text`."""
    seen, deadline = [], time.monotonic() + timeout
    while not any(text in line for line in seen):
        try:
            seen.append(stream_lines.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:
            raise AssertionError(f"no {text!r} within {timeout} s; printed: {''.join(seen)}") from None
    return seen


# Just before the review test, whose apply takes the crash plugin out again.
test_a_crash_mid_run_resumes_without_repeating_finished_steps = (
    e2e.test_a_crash_mid_run_resumes_without_repeating_finished_steps
)


def test_a_review_by_callback_is_shown_by_invoke_and_answered_by_make_approve(deployed, local_aws):
    """review.mode = "callback", with the page and a notification topic: `make
    invoke` shows the pending review with the page's link and the commands that
    answer it, and keeps following; the topic's subscribers receive the same link,
    which opens the outline. `make approve FEEDBACK=...`, run as an IAM user holding
    only the module's reviewer_policy_json (IAM enforced), sends the decision and
    follows the run to SUCCEEDED; the result records it, the history holds the
    answered callback, and the link now says the review is decided."""
    name, example = deployed
    e2e.require_enforced_iam(local_aws)
    applied = make("apply", name, local_aws, REVIEW_BY_CALLBACK, FAILURE_ALERTS)
    assert applied.returncode == 0, applied.stderr[-3000:]
    outputs = example_outputs(name)
    reviewer_policy = outputs["reviewer_policy_json"]
    editors = Inbox(client("sns", example, local_aws), client("sqs", example, local_aws), outputs["review_topic_arn"])
    iam = client("iam", example, local_aws)
    iam.create_user(UserName="e2e-reviewer")
    iam.put_user_policy(UserName="e2e-reviewer", PolicyName="reviewer", PolicyDocument=reviewer_policy)
    key = iam.create_access_key(UserName="e2e-reviewer")["AccessKey"]
    reviewer = [
        f"LOCAL_AWS_ACCESS_KEY_ID={key['AccessKeyId']}",
        f"LOCAL_AWS_SECRET_ACCESS_KEY={key['SecretAccessKey']}",
    ]

    invoking = subprocess.Popen(
        make_command("invoke", name, local_aws, "INVOKE_ARGS=--name e2e-review --timeout 120"),
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    printed: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [printed.put(line) for line in invoking.stdout], daemon=True)
    reader.start()
    try:
        shown = "".join(lines_until(printed, "still following", timeout=90))
        announced = editors.messages()
        link = shown.split("  review page: ", 1)[1].split("\n", 1)[0] if "  review page: " in shown else ""
        opened = fetch(link) if link else (0, {}, "")
        approved = make(
            "approve", name, local_aws, "EXECUTION=e2e-review", "FEEDBACK=Add a section on costs.", *reviewer
        )
        invoking.wait(timeout=60)
    finally:
        invoking.kill()
        editors.delete()
    reader.join(timeout=10)
    followed = shown + "".join(printed.queue)

    assert "waiting for review: callback " in shown, shown
    # The link as local AWS serves the page (review_callbacks.reachable_page_url); the editors get
    # the page's own URL, as on AWS, with the same review.
    assert link.startswith(f"{local_aws.endpoint}/_aws/lambda-url/") and "?execution=" in link, shown
    announced_link = f"{outputs['review_page_url']}?{link.split('?', 1)[1]}"
    assert len(announced) == 1 and announced_link in announced[0]["Message"], announced
    assert opened[0] == 200 and "Review the outline" in opened[2], opened
    assert f"make approve EXAMPLE={name} EXECUTION=e2e-review [FEEDBACK='notes for the writer']" in shown
    assert "aws lambda send-durable-execution-callback-success --region us-east-1 --callback-id " in shown
    assert approved.returncode == 0, approved.stdout[-3000:] + approved.stderr[-3000:]
    assert approved.stdout.startswith("sent approve for the review of e2e-review (callback ")
    assert invoking.returncode == 0 and "\nSUCCEEDED after " in followed, followed
    # The result's JSON, then the cost summary line.
    result, _ = json.JSONDecoder().raw_decode(approved.stdout.split("\nSUCCEEDED after ", 1)[1].split("\n", 1)[1])
    assert (result["review"]["decision"], result["review"]["by"]) == ("approved", "cli")
    assert result["review"]["feedback"] == "Add a section on costs."
    assert result["draft"] and result["summary"]
    lam = client("lambda", example, local_aws)
    arn = lam.list_durable_executions_by_function(
        FunctionName=example.function_name, DurableExecutionName="e2e-review"
    )["DurableExecutions"][0]["DurableExecutionArn"]
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    kinds = [e["EventType"] for e in events]
    assert kinds.count("CallbackStarted") == kinds.count("CallbackSucceeded") == 1, kinds
    # The ledger's count (the checkpoint log: the review's callback and child context too) is the history's.
    assert result["cost"]["operations"] == operations_in_history(events), events
    assert followed.rstrip().splitlines()[-1].startswith("cost: 3 Bedrock calls, "), followed
    status, _, page = fetch(link)
    assert status == 410 and "already been decided (approved)" in page, page
    print(f"\n--- make invoke ---\n{followed}\n--- make approve ---\n{approved.stdout}")  # the README's transcript


def test_a_failed_execution_reaches_the_failure_alerts_topic_and_its_metrics_the_log(deployed, local_aws):
    """failure_alerts = {alarm = false} (applied with the review above): a run that fails (a bad payload) reaches the
    created topic as Lambda's status-change event, through the module's rule and topic policy, and
    writes one set of metrics saying it failed."""
    name, example = deployed
    outputs = example_outputs(name)
    on_call = Inbox(
        client("sns", example, local_aws), client("sqs", example, local_aws), outputs["failure_alerts_topic_arn"]
    )
    try:
        status, outcome = e2e.invoke(name, local_aws, example.bad_payload)
        alerts = []
        deadline = time.monotonic() + 15
        while not alerts and time.monotonic() < deadline:
            alerts = on_call.messages()
    finally:
        on_call.delete()

    assert status != 0 and outcome["status"] == "FAILED", outcome
    (alert,) = alerts
    event = json.loads(alert["Message"])
    assert (event["source"], event["detail-type"]) == ("aws.lambda", "Durable Execution Status Change"), event
    assert (event["detail"]["status"], event["detail"]["durableExecutionArn"]) == ("FAILED", outcome["execution_arn"])
    (record,) = e2e.metric_records(example, local_aws, outcome["execution_arn"])
    assert (record["outcome"], record["Failed"], record["BedrockCalls"]) == ("FAILED", [1.0], [0.0]), record


def test_destroy_stops_a_running_execution_first(deployed, local_aws):
    """`make destroy` while an execution waits on the published version: it
    stops the execution before removing the function, so nothing is left
    RUNNING against a function that no longer exists."""
    name, example = deployed
    applied = make("apply", name, local_aws, REVIEW_BY_CALLBACK, FAILURE_ALERTS)  # the run will wait for its review
    assert applied.returncode == 0, applied.stderr[-3000:]
    lam = client("lambda", example, local_aws)
    arn = lam.invoke(
        FunctionName=example_outputs(name)["alias_arn"], InvocationType="Event", Payload=json.dumps({"topic": "left"})
    )["DurableExecutionArn"]
    wait_for_event(lam, arn, "CallbackStarted", timeout=60)

    destroyed = make("destroy", name, local_aws)

    assert destroyed.returncode == 0, destroyed.stderr[-3000:]
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "STOPPED"


# Last: it destroys the example.
test_destroy_leaves_nothing_behind = e2e.test_destroy_leaves_nothing_behind
