"""cli/invoke.py: how `make invoke` follows an execution and `make history`
finds one, call by call (botocore's Stubber; no request leaves the process).

The AWS behaviour these tests pin comes from botocore 1.44.5's Lambda model
(botocore/data/lambda/2015-03-31/service-2.json): the ExecutionStatus enum,
GetDurableExecution(IncludeExecutionData), GetDurableExecutionHistory
(IncludeExecutionData, MaxItems, Marker/NextMarker), TooManyRequestsException
(retryAfterSeconds from Retry-After) and ListDurableExecutionsByFunction
(Qualifier, ReverseOrder, MaxItems).
"""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import accumulate

import boto3
import pytest
from botocore.stub import Stubber
from fake_clock import Clock

import invoke
from timeline import lines

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn:7"
ARN = f"{FUNCTION_ARN}/durable-execution/run/0f1e2d3c"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def lambda_stub():
    # The endpoint is never reached: the Stubber answers before anything is sent.
    client = boto3.client(
        "lambda",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    return client, Stubber(client)


def execution(status: str, **extra) -> dict:
    return {
        "DurableExecutionArn": ARN,
        "DurableExecutionName": "run",
        "FunctionArn": FUNCTION_ARN,
        "StartTimestamp": T0,
        "Status": status,
        **extra,
    }


def event(number: int, kind: str = "StepStarted") -> dict:
    moment = T0 + timedelta(seconds=number)
    return {"EventId": number, "EventType": kind, "Name": f"step-{number}", "EventTimestamp": moment}


def expect_get(stub, status: str, data: bool = False, **extra) -> None:
    stub.add_response(
        "get_durable_execution", execution(status, **extra), {"DurableExecutionArn": ARN, "IncludeExecutionData": data}
    )


def expect_history(stub, events, marker=None, next_marker=None, page_size=invoke.HISTORY_PAGE_SIZE) -> None:
    params = {"DurableExecutionArn": ARN, "IncludeExecutionData": False, "MaxItems": page_size}
    if marker:
        params["Marker"] = marker
    response = {"Events": events, **({"NextMarker": next_marker} if next_marker else {})}
    stub.add_response("get_durable_execution_history", response, params)


def expect_throttled(stub, method: str, code: str = "TooManyRequestsException", retry_after: str | None = None):
    stub.add_client_error(
        method,
        service_error_code=code,
        http_status_code=429,
        modeled_fields={"retryAfterSeconds": retry_after} if retry_after else None,
    )


def follow(client, clock: Clock, timeout: float = 900, live: bool = True):
    return invoke.follow(client, ARN, timeout, live, sleep=clock.sleep, clock=clock)


def timeline_of(*events) -> list[str]:
    return lines(list(events), T0)


def test_every_status_of_the_model_is_handled():
    """The ExecutionStatus enum is exactly what follow() and the exit codes know."""
    client, _ = lambda_stub()

    enum = set(client.meta.service_model.shape_for("ExecutionStatus").enum)

    assert enum == {"RUNNING", "PAUSING", "PAUSED", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED", "DELETING"}
    assert enum == invoke.TERMINAL | invoke.NOT_ENDED | {"DELETING"}
    assert {status: invoke.exit_status(status) for status in enum} == {
        "SUCCEEDED": 0,
        "FAILED": 1,
        "TIMED_OUT": 1,
        "STOPPED": 1,
        "DELETING": 1,
        "RUNNING": 3,
        "PAUSING": 3,
        "PAUSED": 3,
    }


class QuietHour:
    """An execution that starts a wait, gets one new event after 30 minutes and
    succeeds after an hour; counts the calls made to it."""

    def __init__(self, clock: Clock):
        self.clock, self.calls = clock, Counter()

    def events(self) -> list[dict]:
        events = [event(1, "ExecutionStarted"), event(2, "WaitStarted")]
        if self.clock.now >= 1800:
            events.append(event(1800, "StepStarted"))
        if self.clock.now >= 3600:
            events.append(event(3600, "ExecutionSucceeded"))
        return events

    def get_durable_execution(self, DurableExecutionArn, IncludeExecutionData):
        self.calls["GetDurableExecution"] += 1
        return execution("SUCCEEDED" if self.clock.now >= 3600 else "RUNNING")

    def get_durable_execution_history(self, DurableExecutionArn, IncludeExecutionData, MaxItems, Marker=None):
        assert IncludeExecutionData is False and Marker is None
        self.calls["GetDurableExecutionHistory"] += 1
        return {"Events": self.events()}


def test_an_hour_of_waiting_costs_a_bounded_number_of_calls(capsys):
    """Polls back off to POLL_MAX_SECONDS while nothing happens (the old 0.5 s
    loop made 14,400 calls in an hour), come back to the start when an event
    appears, and every event is printed once."""
    clock = Clock()
    fake = QuietHour(clock)

    ended, events = follow(fake, clock, timeout=7200)

    assert ended["Status"] == "SUCCEEDED"
    assert sum(fake.calls.values()) <= 2 * (3600 / invoke.POLL_MAX_SECONDS + 20)
    assert clock.sleeps[:5] == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert max(clock.sleeps) == invoke.POLL_MAX_SECONDS
    poll_times = [0.0, *accumulate(clock.sleeps)]
    sees_new_event = next(i for i, moment in enumerate(poll_times) if moment >= 1800)
    assert clock.sleeps[sees_new_event - 1 : sees_new_event + 2] == [invoke.POLL_MAX_SECONDS, 0.5, 1.0]
    assert [e["EventId"] for e in events] == [1, 2, 1800, 3600]
    assert capsys.readouterr().out.splitlines() == timeline_of(*fake.events())


def test_history_is_read_from_the_page_not_finished_yet(monkeypatch, capsys):
    """Each poll asks again only for the page it has not finished (its marker),
    follows NextMarker, and prints each event once."""
    monkeypatch.setattr(invoke, "HISTORY_PAGE_SIZE", 2)
    e = [None, *(event(n) for n in range(1, 6))]
    client, stub = lambda_stub()
    expect_get(stub, "RUNNING")
    expect_history(stub, [e[1], e[2]], next_marker="m1", page_size=2)
    expect_history(stub, [e[3]], marker="m1", page_size=2)
    expect_get(stub, "RUNNING")
    expect_history(stub, [e[3], e[4]], marker="m1", next_marker="m2", page_size=2)
    expect_history(stub, [], marker="m2", page_size=2)
    expect_get(stub, "SUCCEEDED")
    expect_history(stub, [e[5]], marker="m2", page_size=2)
    expect_get(stub, "SUCCEEDED", data=True, Result='{"ok": true}')

    with stub:
        ended, events = follow(client, Clock())
        stub.assert_no_pending_responses()

    assert ended["Result"] == '{"ok": true}'
    assert events == e[1:]
    assert capsys.readouterr().out.splitlines() == timeline_of(*e[1:])


def test_throttling_backs_off_and_loses_no_event(capsys):
    """A throttled status poll waits at least its Retry-After; a history read
    throttled between two pages resumes without losing or repeating events."""
    e = [None, *(event(n) for n in range(1, 5))]
    client, stub = lambda_stub()
    expect_throttled(stub, "get_durable_execution", retry_after="3")
    expect_get(stub, "RUNNING")
    expect_history(stub, [e[1], e[2]], next_marker="m1")
    expect_throttled(stub, "get_durable_execution_history", code="ThrottlingException")
    expect_get(stub, "RUNNING")
    expect_history(stub, [e[3]], marker="m1")
    expect_get(stub, "SUCCEEDED")
    expect_history(stub, [e[3], e[4]], marker="m1")
    expect_throttled(stub, "get_durable_execution")
    expect_get(stub, "SUCCEEDED", data=True)
    clock = Clock()

    with stub:
        ended, events = follow(client, clock)
        stub.assert_no_pending_responses()

    assert ended["Status"] == "SUCCEEDED"
    assert events == e[1:]
    assert clock.sleeps == [3.0, 6.0, 0.5, 1.0]
    captured = capsys.readouterr()
    assert captured.out.splitlines() == timeline_of(*e[1:])
    assert captured.err.count("throttled") == 3


def test_another_error_is_not_taken_for_throttling():
    client, stub = lambda_stub()
    stub.add_client_error("get_durable_execution", service_error_code="ResourceNotFoundException", http_status_code=404)

    with stub, pytest.raises(client.exceptions.ResourceNotFoundException):
        follow(client, Clock())


@pytest.mark.parametrize("status", ["SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"])
def test_an_ended_execution_is_read_once_more_with_its_result(status):
    client, stub = lambda_stub()
    expect_get(stub, status)
    expect_history(stub, [event(1, "ExecutionStarted")])
    error = None if status == "SUCCEEDED" else {"ErrorType": "Boom", "ErrorMessage": "it broke"}
    expect_get(stub, status, data=True, **({"Error": error} if error else {"Result": "{}"}))

    with stub:
        ended, events = follow(client, Clock())
        stub.assert_no_pending_responses()

    assert invoke.report(invoke.summary(ended, events), as_json=True) == (0 if status == "SUCCEEDED" else 1)
    assert ended.get("Error") == error


def test_a_pausing_execution_is_followed_until_paused(capsys):
    """PAUSING is said once and followed; PAUSED ends the follow (exit 3)
    without reading the execution data."""
    client, stub = lambda_stub()
    expect_get(stub, "PAUSING")
    expect_history(stub, [event(1, "ExecutionStarted")])
    expect_get(stub, "PAUSING")
    expect_history(stub, [event(1, "ExecutionStarted")])
    expect_get(stub, "PAUSED")
    expect_history(stub, [event(1, "ExecutionStarted")])

    with stub:
        ended, events = follow(client, Clock())
        stub.assert_no_pending_responses()

    assert ended["Status"] == "PAUSED"
    assert invoke.report(invoke.summary(ended, events), as_json=False) == 3
    out = capsys.readouterr().out
    assert out.count("execution PAUSING") == 1
    assert "once it is resumed (ResumeDurableExecution)" in out


def test_a_deleting_execution_ends_the_follow_without_reading_its_history(capsys):
    client, stub = lambda_stub()
    expect_get(stub, "DELETING")

    with stub:
        ended, events = follow(client, Clock())
        stub.assert_no_pending_responses()

    assert (ended["Status"], events) == ("DELETING", [])
    assert invoke.report(invoke.summary(ended, events), as_json=False) == 1
    assert "being deleted" in capsys.readouterr().out


def test_a_running_execution_is_followed_until_the_timeout():
    client, stub = lambda_stub()
    for _ in range(3):
        expect_get(stub, "RUNNING")
        expect_history(stub, [event(1, "ExecutionStarted")])

    with stub, pytest.raises(TimeoutError):
        follow(client, Clock(), timeout=1.0)
    stub.assert_no_pending_responses()


def test_a_refused_marker_restarts_the_history_from_the_start():
    """Markers expire after 24 hours (GetDurableExecutionHistoryRequest.Marker):
    the reader reads from the first page again and returns only new events."""
    e = [None, *(event(n) for n in range(1, 5))]
    client, stub = lambda_stub()
    expect_history(stub, [e[1], e[2]], next_marker="m1")
    expect_history(stub, [e[3]], marker="m1")
    stub.add_client_error("get_durable_execution_history", service_error_code="InvalidParameterValueException")
    expect_history(stub, [e[1], e[2]], next_marker="m1-new")
    expect_history(stub, [e[3], e[4]], marker="m1-new")
    reader = invoke.HistoryReader(client, ARN)

    with stub:
        assert reader.read() == e[1:4]
        assert reader.read() == [e[4]]
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("newest_listed_first", [True, False], ids=["newest-by-default", "newest-with-reverse"])
def test_history_picks_the_newest_execution_whichever_order_the_listing_uses(newest_listed_first):
    """One item from each order (ReverseOrder false, then true); the later start wins."""
    old = {**execution("SUCCEEDED"), "DurableExecutionArn": f"{FUNCTION_ARN}/durable-execution/old/1"}
    new = {**execution("RUNNING"), "DurableExecutionArn": ARN, "StartTimestamp": T0 + timedelta(hours=5)}
    client, stub = lambda_stub()
    for reverse, head in ((False, new if newest_listed_first else old), (True, old if newest_listed_first else new)):
        stub.add_response(
            "list_durable_executions_by_function",
            {"DurableExecutions": [head], "NextMarker": "more"},
            {"FunctionName": "fn", "Qualifier": "7", "ReverseOrder": reverse, "MaxItems": 1},
        )

    with stub:
        assert invoke.latest_execution_arn(client, "fn", "7") == ARN
        stub.assert_no_pending_responses()


def test_history_without_executions_says_so():
    client, stub = lambda_stub()
    for _ in range(2):
        stub.add_response("list_durable_executions_by_function", {"DurableExecutions": []})

    with stub, pytest.raises(invoke.Problem, match="no durable executions yet"):
        invoke.latest_execution_arn(client, "fn", "7")


def test_stop_executions_of_an_example_without_outputs_stops_nothing_and_succeeds(monkeypatch, capsys, tmp_path):
    """`make destroy` runs it first: an example never applied or already
    destroyed must not fail the destroy. Other commands still refuse (exit 2)."""
    monkeypatch.setenv("TF", shutil.which("false"))  # `output -json` fails: no outputs

    assert invoke.main(["--example-dir", str(tmp_path)], "stop-executions") == 0
    assert "nothing to stop" in capsys.readouterr().out
    assert invoke.main(["--example-dir", str(tmp_path)], "history") == 2
    assert "is not applied yet" in capsys.readouterr().err
