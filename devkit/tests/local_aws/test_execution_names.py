"""Durable execution names on local AWS, as AWS defines them (the
execution_names_are_idempotent patch; each test fails without it).

AWS: botocore Lambda model, InvocationRequest.DurableExecutionName ("If you
invoke a durable function using a name that already exists with the same
payload, Lambda returns the existing execution instead of creating a
duplicate. If the payload differs, Lambda returns a
DurableExecutionAlreadyStartedException error") and the exception's shape
(HTTP 409; "Each durable execution name must be unique within the function");
Lambda developer guide, "Idempotency" (running and closed executions alike; a
synchronous invoke re-attaches) and "Managing executions" (the ARN carries the
name: .../durable-execution/<name>/<id>).
"""

import json

import pytest
from botocore.exceptions import ClientError

from durable_api import step_calls, wait_for_status

PAYLOAD = json.dumps({"topic": "durable AI"})


def start(lam, name: str, version: str, execution_name: str, payload: str = PAYLOAD) -> dict:
    return lam.invoke(
        FunctionName=name,
        Qualifier=version,
        InvocationType="Event",
        DurableExecutionName=execution_name,
        Payload=payload,
    )


def publish_another_version(lam, name: str) -> str:
    lam.update_function_configuration(FunctionName=name, Description="another version")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    return lam.publish_version(FunctionName=name)["Version"]


def executions_named(lam, name: str, version: str, execution_name: str) -> list[str]:
    listed = lam.list_durable_executions_by_function(
        FunctionName=name, Qualifier=version, DurableExecutionName=execution_name
    )
    return [e["DurableExecutionArn"] for e in listed["DurableExecutions"]]


def test_a_repeated_start_with_the_same_name_and_payload_returns_the_running_execution(aws, deploy):
    lam = aws("lambda")
    name, version, call_log = deploy("pipeline", REVIEW_SECONDS="2")

    first = start(lam, name, version, "paste-1")
    again = start(lam, name, version, "paste-1")

    assert (first["StatusCode"], again["StatusCode"]) == (202, 202)
    assert again["DurableExecutionArn"] == first["DurableExecutionArn"]
    assert "/durable-execution/paste-1/" in first["DurableExecutionArn"]
    assert wait_for_status(lam, first["DurableExecutionArn"])["Status"] == "SUCCEEDED"
    assert executions_named(lam, name, version, "paste-1") == [first["DurableExecutionArn"]]
    assert step_calls(call_log) == ["outline", "draft", "summary"]


def test_the_same_name_with_another_payload_is_refused_while_running_and_after_it_closed(aws, deploy):
    lam = aws("lambda")
    name, version, _ = deploy("pipeline", REVIEW_SECONDS="2")
    arn = start(lam, name, version, "order-7")["DurableExecutionArn"]

    for moment in ("running", "closed"):
        if moment == "closed":
            wait_for_status(lam, arn)
        with pytest.raises(ClientError) as refused:
            start(lam, name, version, "order-7", json.dumps({"topic": "something else"}))

        error = refused.value.response
        assert error["Error"]["Code"] == "DurableExecutionAlreadyStartedException", moment
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 409, moment
    assert executions_named(lam, name, version, "order-7") == [arn]


def test_a_synchronous_start_with_the_name_of_a_closed_execution_returns_its_result_without_running_it(aws, deploy):
    lam = aws("lambda")
    name, version, call_log = deploy("pipeline", REVIEW_SECONDS="1")
    first = lam.invoke(FunctionName=name, Qualifier=version, DurableExecutionName="report-1", Payload=PAYLOAD)
    result = json.loads(first["Payload"].read())

    again = lam.invoke(FunctionName=name, Qualifier=version, DurableExecutionName="report-1", Payload=PAYLOAD)

    assert again["DurableExecutionArn"] == first["DurableExecutionArn"]
    assert json.loads(again["Payload"].read()) == result
    assert step_calls(call_log) == ["outline", "draft", "summary"]


def test_a_name_is_taken_across_the_versions_of_the_function_but_not_by_another_function(aws, deploy):
    lam = aws("lambda")
    name, first_version, _ = deploy("pipeline", REVIEW_SECONDS="1")
    other, other_version, _ = deploy("pipeline", REVIEW_SECONDS="1")
    second_version = publish_another_version(lam, name)

    arn = start(lam, name, first_version, "nightly")["DurableExecutionArn"]
    on_second_version = start(lam, name, second_version, "nightly")["DurableExecutionArn"]
    on_other_function = start(lam, other, other_version, "nightly")["DurableExecutionArn"]

    assert on_second_version == arn
    assert on_other_function != arn
    assert f":function:{other}:{other_version}/durable-execution/nightly/" in on_other_function


def test_listing_without_a_qualifier_spans_every_version(aws, deploy):
    """durable_list_without_qualifier_spans_versions: AWS lists the executions
    of every version when no Qualifier is given (botocore 1.44.5,
    ListDurableExecutionsByFunctionRequest.Qualifier)."""
    lam = aws("lambda")
    name, first_version, _ = deploy("pipeline", REVIEW_SECONDS="1")
    second_version = publish_another_version(lam, name)
    older = start(lam, name, first_version, "on-first")["DurableExecutionArn"]
    newer = start(lam, name, second_version, "on-second")["DurableExecutionArn"]

    newest_first = lam.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
    named = lam.list_durable_executions_by_function(FunctionName=name, DurableExecutionName="on-first")

    assert [e["DurableExecutionArn"] for e in newest_first] == [newer, older]
    assert [e["DurableExecutionArn"] for e in named["DurableExecutions"]] == [older]
