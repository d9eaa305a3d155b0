"""cli/stop_executions.py (`make stop-executions`, first step of `make
destroy`), call by call with botocore's Stubber (no request leaves the process).

Pinned AWS behaviour (botocore 1.44.5, botocore/data/lambda/2015-03-31/
service-2.json): ListVersionsByFunction and ListDurableExecutionsByFunction
page with Marker/NextMarker; ListDurableExecutionsByFunction filters on
Qualifier and Statuses; StopDurableExecution "Stops a running or paused
durable execution" and takes an optional Error.
"""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from fake_clock import Clock

import stop_executions

FUNCTION = "fn"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
UNFINISHED = ["RUNNING", "PAUSING", "PAUSED"]


def lambda_stub():
    client = boto3.client(
        "lambda",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",  # never reached: the Stubber answers first
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    return client, Stubber(client)


def execution(name: str, version: str, status: str = "RUNNING") -> dict:
    function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}:{version}"
    return {
        "DurableExecutionArn": f"{function_arn}/durable-execution/{name}/0f1e",
        "DurableExecutionName": name,
        "FunctionArn": function_arn,
        "StartTimestamp": T0,
        "Status": status,
    }


def expect_versions(stub, *pages: list[str]) -> None:
    for number, versions in enumerate(pages):
        params = {"FunctionName": FUNCTION, **({"Marker": f"v{number}"} if number else {})}
        response = {"Versions": [{"FunctionName": FUNCTION, "Version": v} for v in versions]}
        if number + 1 < len(pages):
            response["NextMarker"] = f"v{number + 1}"
        stub.add_response("list_versions_by_function", response, params)


def expect_listing(stub, version: str, executions: list[dict], marker=None, next_marker=None) -> None:
    params = {"FunctionName": FUNCTION, "Qualifier": version, "Statuses": UNFINISHED}
    if marker:
        params["Marker"] = marker
    response = {"DurableExecutions": executions, **({"NextMarker": next_marker} if next_marker else {})}
    stub.add_response("list_durable_executions_by_function", response, params)


def expect_stop(stub, execution_: dict) -> None:
    stub.add_response(
        "stop_durable_execution",
        {"StopTimestamp": T0},
        {"DurableExecutionArn": execution_["DurableExecutionArn"], "Error": stop_executions.STOP_ERROR},
    )


def run(client, clock: Clock | None = None, **kwargs) -> tuple[int, list[str]]:
    clock = clock or Clock()
    out: list[str] = []
    status = stop_executions.run(client, FUNCTION, out=out.append, sleep=clock.sleep, clock=clock, **kwargs)
    return status, out


def test_every_version_is_listed_page_by_page_and_each_unfinished_execution_stopped():
    first, paused, pausing = execution("a", "1"), execution("b", "1", "PAUSED"), execution("c", "2", "PAUSING")
    client, stub = lambda_stub()
    expect_versions(stub, ["$LATEST", "1"], ["2"])
    expect_listing(stub, "$LATEST", [])
    expect_listing(stub, "1", [first], next_marker="page2")
    expect_listing(stub, "1", [paused], marker="page2")
    expect_stop(stub, first)
    expect_stop(stub, paused)
    expect_listing(stub, "2", [pausing])
    expect_stop(stub, pausing)
    for version in ("$LATEST", "1", "2"):  # the check that nothing is left
        expect_listing(stub, version, [])

    with stub:
        status, out = run(client)
        stub.assert_no_pending_responses()

    assert status == 0
    assert [line.split()[:4] for line in out[:-1]] == [
        ["stopped", "a", "version", "1,"],
        ["stopped", "b", "version", "1,"],
        ["stopped", "c", "version", "2,"],
    ]
    assert out[-1] == "stopped 3 execution(s) of fn (3 versions checked); none left running"


def test_ended_executions_in_a_listing_are_not_stopped():
    """Only RUNNING, PAUSING and PAUSED are stopped, even if a listing holds others."""
    client, stub = lambda_stub()
    expect_versions(stub, ["1"])
    expect_listing(stub, "1", [execution("done", "1", "SUCCEEDED")])

    with stub:
        status, out = run(client)
        stub.assert_no_pending_responses()

    assert (status, out) == (0, ["stopped 0 execution(s) of fn (1 versions checked); none left running"])


def test_an_execution_that_ends_before_its_stop_is_reported_and_not_counted():
    ending = execution("ending", "1")
    client, stub = lambda_stub()
    expect_versions(stub, ["1"])
    expect_listing(stub, "1", [ending])
    stub.add_client_error("stop_durable_execution", service_error_code="InvalidParameterValueException")
    stub.add_response(
        "get_durable_execution",
        {**ending, "Status": "SUCCEEDED"},
        {"DurableExecutionArn": ending["DurableExecutionArn"], "IncludeExecutionData": False},
    )

    with stub:
        status, out = run(client)
        stub.assert_no_pending_responses()

    assert status == 0
    assert out == [
        "  ending ended by itself (SUCCEEDED)",
        "stopped 0 execution(s) of fn (1 versions checked); none left running",
    ]


def test_a_stop_that_shows_late_is_waited_for_and_one_that_never_shows_fails():
    slow = execution("slow", "1")
    client, stub = lambda_stub()
    expect_versions(stub, ["1"])
    expect_listing(stub, "1", [slow])
    expect_stop(stub, slow)
    expect_listing(stub, "1", [slow])  # still listed: wait 1 s
    expect_listing(stub, "1", [slow])  # wait 2 s more: the deadline
    expect_listing(stub, "1", [slow])
    clock = Clock()

    with stub:
        status, out = run(client, clock, wait=3)
        stub.assert_no_pending_responses()

    assert status == 1
    assert clock.sleeps == [1.0, 2.0]
    assert out[-2:] == [
        "stopped 1 execution(s) of fn; 1 still unfinished:",
        f"  slow  RUNNING  ({slow['DurableExecutionArn']})",
    ]


def test_with_confirm_nothing_is_stopped_unless_the_answer_is_yes():
    waiting = execution("waiting", "1")
    client, stub = lambda_stub()
    expect_versions(stub, ["1"])
    expect_listing(stub, "1", [waiting])
    questions = []

    with stub:
        status, out = run(client, confirm=True, ask=lambda question: questions.append(question) or "no")
        stub.assert_no_pending_responses()

    assert status == 1
    assert len(questions) == 1
    assert out == [
        "1 unfinished execution(s) of fn:",
        f"  waiting  RUNNING  ({waiting['DurableExecutionArn']})",
        "nothing stopped",
    ]


def test_with_confirm_a_yes_stops_them():
    waiting = execution("waiting", "1")
    client, stub = lambda_stub()
    expect_versions(stub, ["1"])
    expect_listing(stub, "1", [waiting])  # shown with the question
    expect_listing(stub, "1", [waiting])
    expect_stop(stub, waiting)
    expect_listing(stub, "1", [])

    with stub:
        status, out = run(client, confirm=True, ask=lambda _: "yes")
        stub.assert_no_pending_responses()

    assert status == 0
    assert out[-1] == "stopped 1 execution(s) of fn (1 versions checked); none left running"


def test_a_function_that_is_gone_has_nothing_to_stop():
    client, stub = lambda_stub()
    stub.add_client_error(
        "list_versions_by_function", service_error_code="ResourceNotFoundException", http_status_code=404
    )

    with stub:
        status, out = run(client)

    assert (status, out) == (0, ["fn does not exist: nothing to stop"])


def test_other_errors_are_not_swallowed():
    client, stub = lambda_stub()
    stub.add_client_error("list_versions_by_function", service_error_code="AccessDeniedException", http_status_code=403)

    with stub, pytest.raises(client.exceptions.ClientError):
        run(client)
