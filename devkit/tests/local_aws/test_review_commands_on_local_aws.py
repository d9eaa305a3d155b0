"""`make invoke` / `make history` showing a pending editorial review, and
`make approve` / `make reject` answering it, against a real durable callback
on local AWS: functions/reviewed.py runs the review block itself
(durable_bedrock.review.await_review, callback mode).

The callback API's refusals, as the command line relies on them, are checked
against the emulator first: AWS documents CallbackTimeoutException for a
callback that "has either expired or ... has already been closed" and
ResourceNotFoundException for "The resource specified in the request does not
exist" (botocore 1.44.5 lambda model, SendDurableExecutionCallbackSuccess
errors; https://docs.aws.amazon.com/lambda/latest/api/API_SendDurableExecutionCallbackSuccess.html).
ministack 1.5.33 answers so without a compatibility patch. It does need one
for the callback itself: test_a_callback_without_a_heartbeat_timeout_waits_for_its_answer
covers callback_timeouts_of_zero_mean_none and fails without it (the review
then times out at once).
"""

import json
import os
import shlex
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

from durable_api import wait_for_event, wait_for_status
from review_callbacks import review_of
from test_execution_tools import REPO, applied_example


def durable_bedrock(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The user command line, run as the Makefile runs it (FEEDBACK/REASON only when given)."""
    env = {k: v for k, v in os.environ.items() if k not in ("FEEDBACK", "REASON")}
    return subprocess.run(
        [sys.executable, "cli", *argv], cwd=REPO, capture_output=True, text=True, check=False, timeout=timeout, env=env
    )


def start(lam, name: str, version: str, execution_name: str) -> str:
    return lam.invoke(
        FunctionName=name,
        Qualifier=version,
        InvocationType="Event",
        DurableExecutionName=execution_name,
        Payload=json.dumps({"topic": "durable AI"}),
    )["DurableExecutionArn"]


def callback_id(lam, arn: str) -> str:
    wait_for_event(lam, arn, "CallbackStarted")
    review = review_of(lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"])
    assert review is not None and review.state == "pending", review
    return review.callback_id


@pytest.fixture
def example(aws, deploy, local_aws, tmp_path, monkeypatch):
    """A reviewed function applied like an example: (lambda client, function, version, command-line options)."""
    lam = aws("lambda")
    name, version, _ = deploy("reviewed")
    applied_example(lam, name, version, tmp_path, monkeypatch)
    return lam, name, version, ["--example-dir", str(tmp_path), "--endpoint-url", local_aws.endpoint]


def test_a_callback_without_a_heartbeat_timeout_waits_for_its_answer(example):
    """The SDK sends HeartbeatTimeoutSeconds = 0 for "no heartbeat timeout"
    (CallbackOptions: "If not specified or set to 0, heartbeat timeout is
    disabled"): the review keeps waiting, well past 0 s, until its own timeout."""
    lam, name, version, _ = example
    arn = start(lam, name, version, "no-heartbeat")
    wait_for_event(lam, arn, "CallbackStarted")
    time.sleep(3)

    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    status = lam.get_durable_execution(DurableExecutionArn=arn)["Status"]
    lam.stop_durable_execution(DurableExecutionArn=arn)

    assert [e["EventType"] for e in events if e["EventType"].startswith("Callback")] == ["CallbackStarted"]
    assert status == "RUNNING"


def test_the_emulators_callback_refusals_are_the_documented_ones(example):
    lam, name, version, _ = example
    arn = start(lam, name, version, "raw-api")
    callback = callback_id(lam, arn)
    lam.send_durable_execution_callback_success(CallbackId=callback, Result=b'{"decision": "approve"}')

    with pytest.raises(ClientError) as again:
        lam.send_durable_execution_callback_success(CallbackId=callback, Result=b'{"decision": "reject"}')
    with pytest.raises(ClientError) as unknown:
        lam.send_durable_execution_callback_success(CallbackId="dW5rbm93bg==", Result=b"{}")

    assert again.value.response["Error"]["Code"] == "CallbackTimeoutException"
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert wait_for_status(lam, arn)["Status"] == "SUCCEEDED"


def test_invoke_shows_the_pending_review_and_approve_finishes_it(example):
    """`make invoke` says "waiting for review" with the commands; `make history` too;
    `make approve FEEDBACK=...` sends it and follows the execution to SUCCEEDED."""
    _, _, _, cli = example

    waiting = durable_bedrock("invoke", *cli, "--name", "reviewed-1", "--timeout", "6")
    shown = durable_bedrock("history", *cli, "--execution", "reviewed-1")
    approved = durable_bedrock("approve", *cli, "--execution", "reviewed-1", "--feedback", "add a glossary")
    again = durable_bedrock("approve", *cli, "--execution", "reviewed-1")

    assert waiting.returncode == 3, waiting.stderr
    assert "waiting for review: callback " in waiting.stdout
    # The example is a folder outside examples/: the commands select it as EXAMPLE_DIR (make_selector.py).
    assert f"make approve EXAMPLE_DIR={shlex.quote(cli[1])} EXECUTION=reviewed-1" in waiting.stdout
    assert "aws lambda send-durable-execution-callback-success --region us-east-1 --callback-id " in waiting.stdout
    assert "still running after 6 s: `make history" in waiting.stderr
    assert shown.returncode == 3 and "waiting for review: callback " in shown.stdout, shown.stdout + shown.stderr
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert approved.stdout.startswith("sent approve for the review of reviewed-1 (callback ")
    assert "callback editorial-review create callback id answered" in approved.stdout
    assert "\nSUCCEEDED after " in approved.stdout
    result = json.loads(approved.stdout.split("\nSUCCEEDED after ", 1)[1].split("\n", 1)[1])
    assert {k: result["review"][k] for k in ("decision", "by", "feedback", "reason")} == {
        "decision": "approved",
        "by": "cli",
        "feedback": "add a glossary",
        "reason": None,
    }
    assert again.returncode == 2
    assert again.stderr.startswith("approve: the review of reviewed-1 was already answered at ")


def test_reject_with_a_reason_ends_the_run_rejected(example):
    lam, name, version, cli = example
    arn = start(lam, name, version, "reviewed-2")
    callback_id(lam, arn)

    rejected = durable_bedrock("reject", *cli, "--execution", "last", "--reason", "off topic", "--json")

    assert rejected.returncode == 0, rejected.stderr
    outcome = json.loads(rejected.stdout)
    assert (outcome["execution_arn"], outcome["status"]) == (arn, "SUCCEEDED")
    assert outcome["result"]["review"]["decision"] == "rejected"
    assert (outcome["result"]["review"]["by"], outcome["result"]["review"]["reason"]) == ("cli", "off topic")


def test_an_expired_review_an_unknown_execution_and_a_bad_decision_are_refused(example):
    lam, name, _, cli = example
    environment = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {**environment, "REVIEW_TIMEOUT": "1", "ON_TIMEOUT": "proceed"}}
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    arn = start(lam, name, lam.publish_version(FunctionName=name)["Version"], "reviewed-3")
    wait_for_event(lam, arn, "CallbackTimedOut")
    time.sleep(0.5)

    expired = durable_bedrock("approve", *cli, "--execution", "reviewed-3", "--no-follow")
    unknown = durable_bedrock("approve", *cli, "--execution", "never-started", "--no-follow")
    unreasoned = durable_bedrock("reject", *cli, "--execution", "reviewed-3")

    assert expired.returncode == 2
    assert "approve: the review of reviewed-3 expired at " in expired.stderr, expired.stderr
    assert unknown.returncode == 2
    assert unknown.stderr == f"approve: {name} has no durable execution named never-started (EXECUTION=<name>|last)\n"
    assert unreasoned.returncode == 2
    assert unreasoned.stderr.startswith("reject: a rejection needs a reason")
    assert json.loads(wait_for_status(lam, arn)["Result"])["review"]["decision"] == "timed_out_proceeded"
