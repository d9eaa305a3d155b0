"""The review block (durable_bedrock.review) on the official testing runner, in a workflow of its own.

The runner models waits without sleeping, but a callback's timeout is a real
timer there (executor.py, _schedule_callback_timeouts), so the timeout tests
use a timeout of one second and the others one of a day, which never fires.
"""

import json

import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.exceptions import ResourceNotFoundException

from durable_bedrock.errors import ReviewDecisionError
from durable_bedrock.review import ReviewRecord, ReviewRequest, ReviewSettings, await_review, parse_decision
from durable_runner import decide, finished, pending_callback, review_callback_id, run_workflow, started_workflow

SUCCEEDED, FAILED = "SUCCEEDED", "FAILED"
DAY = 86_400


class RecordingNotifier:
    """A notifier that remembers every review request it was asked to send."""

    def __init__(self) -> None:
        self.requests: list[ReviewRequest] = []

    def __call__(self, request: ReviewRequest, logger) -> None:
        self.requests.append(request)


@pytest.fixture
def notifier():
    return RecordingNotifier()


@pytest.fixture
def workflow(notifier):
    """A workflow that only reviews: the event gives the settings; the result is the review record."""

    @durable_execution
    def review_only(event: dict, context: DurableContext) -> ReviewRecord:
        settings = ReviewSettings(**event)
        return await_review(context, title="durable functions", text="- one\n- two", settings=settings, notify=notifier)

    return review_only


def callback_settings(timeout_seconds: int = DAY, on_timeout: str = "fail") -> dict:
    return {"mode": "callback", "timeout_seconds": timeout_seconds, "on_timeout": on_timeout}


def review_with(workflow, **decision) -> tuple:
    """Runs the workflow, answers its callback with `decision`, and returns (result, events)."""
    with started_workflow(workflow, callback_settings()) as (runner, arn):
        decide(runner, pending_callback(runner, arn), **decision)
        return finished(runner, arn)


def operations(result) -> list[tuple[str, str, str]]:
    flat = []
    for op in result.operations:
        flat.append((op.name, op.operation_type.value, op.status.value))
        flat.extend((c.name, c.operation_type.value, c.status.value) for c in getattr(op, "child_operations", []))
    return flat


def test_an_approval_returns_the_decision_with_its_feedback_and_sender(workflow):
    result, _ = review_with(workflow, decision="approve", feedback="  Shorter, please.  ", by="cli")

    assert result.status.value == SUCCEEDED, result.error
    record = json.loads(result.result)
    assert record == {
        "decision": "approved",
        "by": "cli",
        "feedback": "Shorter, please.",
        "reason": None,
        "waited_seconds": record["waited_seconds"],
    }
    assert isinstance(record["waited_seconds"], int) and record["waited_seconds"] >= 0


def test_a_rejection_returns_the_reason(workflow):
    result, _ = review_with(workflow, decision="reject", reason="Off topic.", by="page")

    assert result.status.value == SUCCEEDED, result.error
    record = json.loads(result.result)
    assert (record["decision"], record["by"], record["reason"], record["feedback"]) == (
        "rejected",
        "page",
        "Off topic.",
        None,
    )


def test_the_history_shows_the_callback_between_two_clock_steps(workflow):
    result, _ = review_with(workflow, decision="approve")

    assert operations(result) == [
        ("editorial-review-requested", "STEP", SUCCEEDED),
        ("editorial-review", "CONTEXT", SUCCEEDED),
        ("editorial-review create callback id", "CALLBACK", SUCCEEDED),
        ("editorial-review submitter", "STEP", SUCCEEDED),
        ("editorial-review-decided", "STEP", SUCCEEDED),
    ]


def test_waited_seconds_come_from_the_checkpointed_clock_steps(workflow):
    result, _ = review_with(workflow, decision="approve")

    requested = json.loads(result.get_step("editorial-review-requested").result)
    decided = json.loads(result.get_step("editorial-review-decided").result)
    assert json.loads(result.result)["waited_seconds"] == max(0, round(decided - requested))


def test_the_reviewer_is_notified_once_across_replays(workflow, notifier):
    with started_workflow(workflow, callback_settings()) as (runner, arn):
        decide(runner, pending_callback(runner, arn), decision="approve")
        result, events = finished(runner, arn)

    assert result.status.value == SUCCEEDED, result.error
    assert len([e for e in events if e.event_type == "InvocationCompleted"]) >= 2  # suspended, then replayed
    assert len(notifier.requests) == 1
    request = notifier.requests[0]
    assert (request.title, request.text, request.timeout_seconds, request.on_timeout) == (
        "durable functions",
        "- one\n- two",
        DAY,
        "fail",
    )
    assert request.callback_id == review_callback_id(result)
    assert request.execution_arn == arn  # the execution's own ARN, for the review link


def test_a_second_decision_is_refused(workflow):
    with started_workflow(workflow, callback_settings()) as (runner, arn):
        callback_id = pending_callback(runner, arn)
        decide(runner, callback_id, decision="approve")
        # The callback is closed: the runner refuses another answer (ResourceNotFoundException
        # around "not in STARTED state"); AWS answers CallbackTimeoutException, "the callback
        # associated with the token has already been closed" (botocore lambda model).
        with pytest.raises(ResourceNotFoundException, match="not in STARTED state"):
            decide(runner, callback_id, decision="reject", reason="too late")
        result, _ = finished(runner, arn)

    assert json.loads(result.result)["decision"] == "approved"


def test_a_timeout_under_proceed_returns_timed_out_proceeded(workflow, notifier):
    result, _ = run_workflow(workflow, callback_settings(timeout_seconds=1, on_timeout="proceed"))

    assert result.status.value == SUCCEEDED, result.error
    record = json.loads(result.result)
    assert (record["decision"], record["by"], record["feedback"], record["reason"]) == (
        "timed_out_proceeded",
        None,
        None,
        None,
    )
    assert record["waited_seconds"] >= 1
    assert len(notifier.requests) == 1


def test_a_timeout_under_fail_fails_the_execution_clearly(workflow):
    result, _ = run_workflow(workflow, callback_settings(timeout_seconds=1, on_timeout="fail"))

    assert result.status.value == FAILED
    assert result.error.type.endswith("ReviewTimeoutError")
    assert "review of 'durable functions': no decision within 1 s" in result.error.message
    assert "nobody approved or rejected it" in result.error.message


def test_a_failure_sent_instead_of_a_decision_fails_the_execution(workflow):
    with started_workflow(workflow, callback_settings()) as (runner, arn):
        failure = ErrorObject(message="reviewer tool crashed", type="Crash", data=None, stack_trace=None)
        runner.send_callback_failure(pending_callback(runner, arn), failure)
        result, _ = finished(runner, arn)

    assert result.status.value == FAILED
    assert result.error.type.endswith("ReviewCallbackFailedError")
    assert "answered with a failure instead of a decision: reviewer tool crashed" in result.error.message


def test_an_invalid_decision_fails_the_execution_naming_the_problem(workflow):
    result, _ = review_with(workflow, decision="yes")

    assert result.status.value == FAILED
    assert result.error.type.endswith("ReviewDecisionError")
    assert "review decision: 'decision' must be \"approve\" or \"reject\", got 'yes'" in result.error.message


def test_timer_mode_is_the_fixed_wait(workflow, notifier):
    result, _ = run_workflow(workflow, {"mode": "timer", "wait_seconds": 30})

    assert result.status.value == SUCCEEDED, result.error
    assert operations(result) == [("editorial-review", "WAIT", SUCCEEDED)]
    assert json.loads(result.result) == {
        "decision": "timer_elapsed",
        "by": None,
        "feedback": None,
        "reason": None,
        "waited_seconds": 30,
    }
    assert notifier.requests == []


@pytest.mark.parametrize(
    "payload,problem",
    [
        (None, "the callback carried no decision"),
        ("", "the callback carried no decision"),
        ("approve", "is not JSON"),
        ('["approve"]', "must be a JSON object, got list"),
        ('{"decision": "maybe"}', "'decision' must be \"approve\" or \"reject\", got 'maybe'"),
        ('{"feedback": "x"}', '\'decision\' must be "approve" or "reject", got None'),
        ('{"decision": "approve", "note": "x"}', "field 'note' is not accepted"),
        ('{"decision": "approve", "by": "email"}', '\'by\' must be "cli" or "page"'),
        ('{"decision": "approve", "feedback": 3}', "'feedback' must be a string, got int"),
        ('{"decision": "approve", "reason": "x"}', "'reason' goes with a rejection"),
        ('{"decision": "reject", "feedback": "x"}', "'feedback' goes with an approval"),
        (json.dumps({"decision": "approve", "feedback": "x" * 4001}), "at most 4000 are allowed"),
        (json.dumps({"decision": "reject", "reason": "x" * 2001}), "at most 2000 are allowed"),
    ],
)
def test_a_malformed_decision_is_refused_with_what_is_wrong(payload, problem):
    with pytest.raises(ReviewDecisionError, match=r"^review decision: ") as refused:
        parse_decision(payload)
    assert problem in str(refused.value)


def test_blank_feedback_counts_as_none():
    assert parse_decision('{"decision": "approve", "feedback": "   "}').feedback is None
