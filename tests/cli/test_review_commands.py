"""The editorial review on the command line, call by call (botocore's Stubber;
nothing leaves the process): how `make invoke` and `make history` find a
pending review callback in the history and say how to answer it, and how
`make approve` / `make reject` check the decision, refuse what cannot be
answered and map AWS's refusals.

AWS behaviour pinned here, from botocore 1.44.5's Lambda model
(botocore/data/lambda/2015-03-31/service-2.json): the Callback* history event
types and CallbackStartedDetails.CallbackId; SendDurableExecutionCallbackSuccess
(CallbackId, Result blob) and its errors CallbackTimeoutException ("expired or
... already been closed") and ResourceNotFoundException.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

import pytest
from fake_clock import Clock
from test_invoke import ARN, T0, execution, expect_get, expect_history, lambda_stub

import approve
import invoke
from durable_bedrock.review_link import review_link
from review_callbacks import (
    Review,
    page_link,
    reachable_page_url,
    review_of,
    waiting_notice,
)
from timeline import lines

# The content pipeline's review (review.py: step "<name>-requested", context and callback "<name> create callback id").
REVIEW_OPERATION = "editorial-review"
REVIEW_CALLBACK = f"{REVIEW_OPERATION} create callback id"
CALLBACK_ID = "Y2FsbGJhY2stb2YtcnVu"  # base64, as the model's CallbackId pattern wants
ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn:live"


def at(seconds: int):
    return T0 + timedelta(seconds=seconds)


def review_events(
    closing: str | None = None, callback_id: str = CALLBACK_ID, name: str = REVIEW_OPERATION
) -> list[dict]:
    """The review block's events as the history shows them: its first step, its child context, the callback inside."""
    events = [
        {"EventId": 1, "EventType": "ExecutionStarted", "Id": "exec", "EventTimestamp": at(0)},
        {"EventId": 2, "EventType": "StepStarted", "Id": "req", "Name": f"{name}-requested", "EventTimestamp": at(1)},
        {"EventId": 2, "EventType": "ContextStarted", "Id": "ctx", "Name": name, "EventTimestamp": at(1)},
        {
            "EventId": 3,
            "EventType": "CallbackStarted",
            "Id": "cb",
            "ParentId": "ctx",
            "Name": f"{name} create callback id",
            "EventTimestamp": at(1),
            "CallbackStartedDetails": {"CallbackId": callback_id, "Timeout": 82800},
        },
    ]
    details = {
        "CallbackSucceeded": {"CallbackSucceededDetails": {"Result": {"Payload": '{"decision": "approve"}'}}},
        "CallbackFailed": {"CallbackFailedDetails": {"Error": {"Payload": {"ErrorMessage": "no"}}}},
        "CallbackTimedOut": {"CallbackTimedOutDetails": {"Error": {"Payload": {"ErrorType": "Callback.Timeout"}}}},
    }
    if closing:
        events.append(
            {
                "EventId": 4,
                "EventType": closing,
                "Id": "cb",
                "Name": f"{name} create callback id",
                "EventTimestamp": at(60),
            }
            | details[closing]
        )
    return events


def test_the_history_event_types_used_are_the_models(tmp_path):
    client, _ = lambda_stub()
    model = client.meta.service_model

    assert {"ContextStarted", "CallbackStarted", "CallbackSucceeded", "CallbackFailed", "CallbackTimedOut"} <= set(
        model.shape_for("EventType").enum
    )
    assert "CallbackId" in model.shape_for("CallbackStartedDetails").members
    errors = {shape.name for shape in model.operation_model("SendDurableExecutionCallbackSuccess").error_shapes}
    assert {"CallbackTimeoutException", "ResourceNotFoundException"} <= errors


@pytest.mark.parametrize(
    ("closing", "state"),
    [
        (None, "pending"),
        ("CallbackSucceeded", "answered"),
        ("CallbackFailed", "failed"),
        ("CallbackTimedOut", "expired"),
    ],
)
def test_the_review_callback_and_its_state_are_read_from_the_history(closing, state):
    review = review_of(review_events(closing))

    assert review is not None
    assert (review.callback_id, review.state) == (CALLBACK_ID, state)
    assert review.closed_at == (at(60) if closing else None)


def test_another_callback_is_not_the_review():
    other = {
        "EventId": 9,
        "EventType": "CallbackStarted",
        "Id": "other",
        "Name": "payment-confirmed",
        "EventTimestamp": at(2),
        "CallbackStartedDetails": {"CallbackId": "b3RoZXI="},
    }

    assert review_of([other]) is None
    assert review_of([*review_events(), other]).callback_id == CALLBACK_ID


def test_the_timeline_names_the_callback_events():
    events = review_events("CallbackSucceeded")

    assert [line.split("s  ", 1)[1] for line in lines(events, T0)] == [
        "execution started",
        f"step {REVIEW_OPERATION}-requested started",
        f"callback {REVIEW_CALLBACK} waiting for an answer (no compute while waiting)",
        f"callback {REVIEW_CALLBACK} answered",
    ]


def test_the_waiting_notice_gives_the_exact_commands():
    notice = waiting_notice(
        Review(CALLBACK_ID, "pending", at(1)), "EXAMPLE=content-pipeline", "invoke-1", "eu-west-1", following=True
    )

    assert notice[0] == f"waiting for review: callback {CALLBACK_ID}"
    text = "\n".join(notice)
    assert "make approve EXAMPLE=content-pipeline EXECUTION=invoke-1 [FEEDBACK='notes for the writer']" in text
    assert "make reject EXAMPLE=content-pipeline EXECUTION=invoke-1 REASON='why'" in text
    assert f"aws lambda send-durable-execution-callback-success --region eu-west-1 --callback-id {CALLBACK_ID}" in text
    assert "Ctrl-C stops following, not the execution" in notice[-1]
    assert "make history EXAMPLE=content-pipeline" in notice[-1]


def test_the_waiting_notice_gives_the_review_page_link_when_there_is_a_page():
    review = Review(CALLBACK_ID, "pending", at(1))
    link = page_link("https://page.example/", ARN, review)
    notice = waiting_notice(
        review, "EXAMPLE=content-pipeline", "invoke-1", "eu-west-1", following=False, page_link=link
    )

    assert notice[1] == f"  review page: {review_link('https://page.example/', ARN, CALLBACK_ID)}"
    assert page_link(None, ARN, review) is None
    assert not any(
        "review page" in line for line in waiting_notice(review, "EXAMPLE=ex", "run", "eu-west-1", following=False)
    )


def test_on_local_aws_the_page_link_is_the_emulators_path_to_the_same_function_url():
    page_url = "https://0123456789abcdefghijklmnopqrstuv.lambda-url.us-east-1.on.aws/"

    assert reachable_page_url(page_url, None) == page_url  # on AWS: as the module's output says
    assert reachable_page_url(None, "http://127.0.0.1:4566") is None  # no page
    assert (
        reachable_page_url(page_url, "http://127.0.0.1:4566")
        == "http://127.0.0.1:4566/_aws/lambda-url/0123456789abcdefghijklmnopqrstuv/"
    )


def test_follow_announces_a_pending_review_once_and_keeps_following(capsys):
    """The execution waits for its review for two quiet polls, then is approved and succeeds."""
    client, stub = lambda_stub()
    waiting = review_events()
    for page in (waiting, [], []):
        expect_get(stub, "RUNNING")
        expect_history(stub, page)
    expect_get(stub, "SUCCEEDED")
    answered = review_events("CallbackSucceeded")[3:]
    expect_history(stub, [*answered, {"EventId": 5, "EventType": "ExecutionSucceeded", "EventTimestamp": at(61)}])
    expect_get(stub, "SUCCEEDED", data=True, Result="{}")
    clock = Clock()

    with stub:
        ended, events = invoke.follow(
            client, ARN, 900, True, sleep=clock.sleep, clock=clock, watch=invoke.review_watch("ex", "run", ARN, None)
        )

    assert ended["Status"] == "SUCCEEDED"
    out = capsys.readouterr().out
    assert out.count("waiting for review: callback") == 1
    assert out.index("waiting for review") > out.index(f"callback {REVIEW_CALLBACK} waiting for an answer")
    assert invoke.summary(ended, events)["pending_review"] is None


def test_a_summary_names_the_pending_review_while_the_execution_runs():
    outcome = invoke.summary(execution("RUNNING"), review_events())

    assert outcome["pending_review"] == CALLBACK_ID
    assert json.loads(json.dumps(outcome, default=str))["pending_review"] == CALLBACK_ID


# make approve / make reject


def test_an_approval_carries_the_feedback_and_says_it_came_from_the_cli():
    payload = approve.decision_payload("approve", "shorter intro", None)

    assert json.loads(payload) == {"decision": "approve", "feedback": "shorter intro", "by": "cli"}


@pytest.mark.parametrize(
    ("verdict", "feedback", "reason", "message"),
    [
        ("reject", None, None, "a rejection needs a reason"),
        ("reject", None, "   ", "a rejection needs a reason"),
        ("approve", None, "looks off", "'reason' goes with a rejection"),
        ("reject", "more detail", "off topic", "'feedback' goes with an approval"),
        ("approve", "x" * 4001, None, "'feedback' is 4001 characters long"),
    ],
)
def test_a_decision_the_review_would_refuse_is_not_sent(verdict, feedback, reason, message):
    with pytest.raises(invoke.Problem, match=message):
        approve.decision_payload(verdict, feedback, reason)


def arguments(**overrides) -> argparse.Namespace:
    defaults = {
        "example_dir": "examples/content-pipeline",
        "endpoint_url": None,
        "execution": "run",
        "feedback": None,
        "reason": None,
        "no_follow": True,
        "timeout": 900,
        "json": False,
    }
    return argparse.Namespace(**(defaults | overrides))


@pytest.fixture
def applied(monkeypatch):
    """An applied example whose Lambda client is the stubbed one."""
    client, stub = lambda_stub()
    monkeypatch.setattr(invoke, "example_outputs", lambda _: {"alias_arn": ALIAS_ARN, "version": "7"})
    monkeypatch.setattr(invoke, "lambda_client", lambda *_, **__: client)
    return stub


def expect_named(stub, name: str = "run", found: bool = True) -> None:
    listed = [execution("RUNNING")] if found else []
    stub.add_response(
        "list_durable_executions_by_function",
        {"DurableExecutions": listed},
        {"FunctionName": "fn", "DurableExecutionName": name, "MaxItems": 1},
    )


def test_approve_sends_the_decision_to_the_pending_review(applied, capsys):
    expect_named(applied)
    expect_get(applied, "RUNNING")
    expect_history(applied, review_events())
    payload = '{"decision": "approve", "feedback": "more examples", "by": "cli"}'
    applied.add_response(
        "send_durable_execution_callback_success", {}, {"CallbackId": CALLBACK_ID, "Result": payload.encode()}
    )

    with applied:
        status = approve.run("approve", arguments(feedback="more examples"))

    assert status == 0
    assert capsys.readouterr().out.startswith(f"sent approve for the review of run (callback {CALLBACK_ID})")


def test_an_invalid_decision_sends_nothing_and_reads_nothing(applied):
    with applied, pytest.raises(invoke.Problem, match="needs a reason"):
        approve.run("reject", arguments())  # the stub has no answer: any call would fail


@pytest.mark.parametrize(
    ("closing", "message"),
    [
        ("CallbackSucceeded", "the review of run was already answered at 2026-01-01 12:01:00"),
        ("CallbackTimedOut", "the review of run expired at 2026-01-01 12:01:00: nobody answered within its timeout"),
        ("CallbackFailed", "the review of run was already closed with a failure"),
    ],
)
def test_a_closed_review_is_refused_before_sending(applied, closing, message):
    expect_named(applied)
    expect_get(applied, "RUNNING")
    expect_history(applied, review_events(closing))

    with applied, pytest.raises(invoke.Problem, match=message):
        approve.run("approve", arguments())


def test_an_execution_without_a_review_or_unknown_is_refused(applied):
    expect_named(applied)
    expect_get(applied, "RUNNING")
    expect_history(applied, review_events()[:1])
    expect_named(applied, "nope", found=False)

    with applied:
        with pytest.raises(invoke.Problem, match=r"execution run \(RUNNING\) has no review waiting"):
            approve.run("approve", arguments())
        with pytest.raises(invoke.Problem, match="fn has no durable execution named nope"):
            approve.run("approve", arguments(execution="nope"))


def test_an_ended_execution_cannot_be_answered(applied):
    expect_named(applied)
    expect_get(applied, "STOPPED")
    expect_history(applied, review_events())

    with applied, pytest.raises(invoke.Problem, match="execution run ended STOPPED: its review can no longer"):
        approve.run("approve", arguments())


def expect_send_refused(stub, code: str, status: int = 400) -> None:
    stub.add_client_error("send_durable_execution_callback_success", service_error_code=code, http_status_code=status)


def expect_full_history(stub, events) -> None:
    params = {"DurableExecutionArn": ARN, "IncludeExecutionData": True, "MaxItems": invoke.HISTORY_PAGE_SIZE}
    stub.add_response("get_durable_execution_history", {"Events": events}, params)


def test_a_review_answered_meanwhile_is_said_so(applied):
    """CallbackTimeoutException: someone else answered between our read and our send."""
    expect_named(applied)
    expect_get(applied, "RUNNING")
    expect_history(applied, review_events())
    expect_send_refused(applied, "CallbackTimeoutException")
    expect_full_history(applied, review_events("CallbackSucceeded"))
    expect_get(applied, "RUNNING")

    with applied, pytest.raises(invoke.Problem, match="already answered"):
        approve.run("approve", arguments(feedback="mine"))


def test_a_send_retried_after_its_own_success_counts_as_sent(applied):
    """CallbackTimeoutException, and the callback's result is exactly our payload: our first attempt went through."""
    payload = approve.decision_payload("approve", None, None)
    answered = review_events("CallbackSucceeded")
    answered[-1]["CallbackSucceededDetails"]["Result"]["Payload"] = payload
    expect_named(applied)
    expect_get(applied, "RUNNING")
    expect_history(applied, review_events())
    expect_send_refused(applied, "CallbackTimeoutException")
    expect_full_history(applied, answered)

    with applied:
        assert approve.run("approve", arguments()) == 0


def test_an_unknown_callback_is_said_so(applied):
    expect_named(applied)
    expect_get(applied, "RUNNING")
    expect_history(applied, review_events())
    expect_send_refused(applied, "ResourceNotFoundException", 404)

    with applied, pytest.raises(invoke.Problem, match=r"unknown to Lambda \(ResourceNotFoundException\)"):
        approve.run("approve", arguments())


def test_a_reviewer_without_the_policy_is_pointed_at_it(applied):
    expect_named(applied)
    expect_get(applied, "RUNNING")
    expect_history(applied, review_events())
    expect_send_refused(applied, "AccessDeniedException", 403)

    with applied, pytest.raises(invoke.Problem) as refused:
        approve.run("approve", arguments())

    assert str(refused.value).startswith(
        "not allowed to answer the review: lambda:SendDurableExecutionCallbackSuccess was refused "
        "(AccessDeniedException); a reviewer needs the module's reviewer_policy_json"
    )


def test_a_denied_lookup_names_the_action_and_what_aws_said(applied):
    applied.add_client_error(
        "list_durable_executions_by_function",
        service_error_code="AccessDeniedException",
        service_message="User: u is not authorized to perform: lambda:ListDurableExecutionsByFunction on resource: f",
        http_status_code=403,
    )

    with applied, pytest.raises(invoke.Problem) as refused:
        approve.run("reject", arguments(reason="off topic"))

    assert str(refused.value) == (
        "not allowed to find the review: lambda:ListDurableExecutionsByFunction was refused (AccessDeniedException); "
        "a reviewer needs the module's reviewer_policy_json, which grants it. "
        "User: u is not authorized to perform: lambda:ListDurableExecutionsByFunction on resource: f"
    )


def test_the_command_exits_2_with_one_line(applied, capsys, monkeypatch):
    monkeypatch.delenv("REASON", raising=False)
    status = approve.main(["--example-dir", "x", "--execution", "run"], "reject")

    assert status == 2
    assert (
        capsys.readouterr().err
        == "reject: a rejection needs a reason: REASON='why' (it is recorded in the execution's result)\n"
    )


def test_the_local_aws_client_may_act_as_a_local_iam_user(monkeypatch):
    """LOCAL_AWS_ACCESS_KEY_ID / LOCAL_AWS_SECRET_ACCESS_KEY: the keys of a user created in local AWS
    (the end-to-end test runs `make approve` as a holder of reviewer_policy_json); else its root test/test."""
    monkeypatch.delenv("LOCAL_AWS_ACCESS_KEY_ID", raising=False)
    root = invoke.lambda_client(ALIAS_ARN, "http://127.0.0.1:9")._request_signer._credentials
    monkeypatch.setenv("LOCAL_AWS_ACCESS_KEY_ID", "LKIAREVIEWER")
    monkeypatch.setenv("LOCAL_AWS_SECRET_ACCESS_KEY", "secret")
    user = invoke.lambda_client(ALIAS_ARN, "http://127.0.0.1:9")._request_signer._credentials

    assert (root.access_key, root.secret_key) == ("test", "test")
    assert (user.access_key, user.secret_key) == ("LKIAREVIEWER", "secret")


def test_a_custom_workflows_review_is_found_by_the_name_it_was_given():
    # run.review(..., name="approve-replies") in a custom workflow: the same block under another name.
    assert review_of(review_events(name="approve-replies")) == Review(CALLBACK_ID, "pending", at(1))
    assert review_of(review_events("CallbackSucceeded", name="approve-replies")).state == "answered"


def test_a_callback_that_is_not_a_review_is_not_shown_as_one():
    # A wait_for_callback of the user's own (no "<name>-requested" step before it) is not a review.
    events = [e for e in review_events(name="payment") if e["EventType"] != "StepStarted"]
    assert review_of(events) is None
