"""The local emulator runs durable functions the way AWS Lambda does.

Each test drives the emulator through boto3 exactly as AWS would be driven and
fails against stock ministack (LOCAL_AWS_COMPAT=off): the docstring names the
gap of docs/ARCHITECTURE.md it covers.
"""

import json

from durable_api import function_zip, history, step_calls, wait_for_status

PIPELINE_HISTORY = [
    ("ExecutionStarted", None),
    ("StepStarted", "outline"),
    ("StepSucceeded", "outline"),
    ("WaitStarted", "review"),
    ("InvocationCompleted", None),
    ("WaitSucceeded", "review"),
    ("StepStarted", "draft"),
    ("StepSucceeded", "draft"),
    ("StepStarted", "summary"),
    ("StepSucceeded", "summary"),
    ("InvocationCompleted", None),
    ("ExecutionSucceeded", None),
]

EXPECTED_RESULT = {
    "variant": "v1",
    "topic": "durable AI",
    "outline": "outline of durable AI",
    "draft": "draft from outline of durable AI",
    "summary": "summary of draft from outline of durable AI",
}


def test_sync_invoke_of_plain_durable_config_returns_the_result_after_the_wait(aws, deploy):
    """Gaps 1 and 2: a function created with a plain DurableConfig runs
    durably, and a RequestResponse invoke returns the handler's result once
    the whole execution (across the wait) has ended."""
    lam = aws("lambda")
    name, version, call_log = deploy("pipeline")

    response = lam.invoke(FunctionName=name, Qualifier=version, Payload=json.dumps({"topic": "durable AI"}))

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == EXPECTED_RESULT
    arn = response["DurableExecutionArn"]
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "SUCCEEDED"
    assert execution["Version"] == version
    assert history(lam, arn) == PIPELINE_HISTORY
    assert step_calls(call_log) == ["outline", "draft", "summary"]


def test_event_invoke_resumes_after_the_wait_and_succeeds(aws, deploy):
    """Gap 2: an asynchronous invoke returns 202 with the execution ARN at
    once, and the execution resumes after its wait and succeeds."""
    lam = aws("lambda")
    name, version, call_log = deploy("pipeline")

    response = lam.invoke(
        FunctionName=name, Qualifier=version, InvocationType="Event", Payload=json.dumps({"topic": "durable AI"})
    )

    assert response["StatusCode"] == 202
    execution = wait_for_status(lam, response["DurableExecutionArn"])
    assert execution["Status"] == "SUCCEEDED"
    assert json.loads(execution["Result"]) == EXPECTED_RESULT
    assert history(lam, execution["DurableExecutionArn"]) == PIPELINE_HISTORY
    assert step_calls(call_log) == ["outline", "draft", "summary"]


def test_failing_step_ends_failed_after_its_attempt_budget(aws, deploy):
    """Gap 3: a step that always raises is attempted exactly as often as its
    retry strategy allows, then the execution fails with the step's error."""
    lam = aws("lambda")
    name, version, call_log = deploy("always_fails")

    response = lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event", Payload=b"{}")
    execution = wait_for_status(lam, response["DurableExecutionArn"])

    assert execution["Status"] == "FAILED"
    assert "the service is still unavailable" in execution["Error"]["ErrorMessage"]
    assert step_calls(call_log) == ["flaky"] * 3  # always_fails.MAX_ATTEMPTS


def test_each_attempt_of_a_retried_step_is_in_the_history(aws, deploy):
    """Gap 19: every attempt of a step is in the history as AWS records it
    (botocore lambda model: StepFailedDetails and StepSucceededDetails require
    RetryDetails; OperationStatus PENDING, READY): a retried attempt ends with
    StepFailed carrying RetryDetails {CurrentAttempt, NextAttemptDelaySeconds},
    the step waits PENDING, and the next attempt starts with its own
    StepStarted (the SDK checkpoints START on a READY step); the last attempt's
    StepFailed has no next delay."""
    lam = aws("lambda")
    name, version, _ = deploy("always_fails")

    arn = lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    assert wait_for_status(lam, arn)["Status"] == "FAILED"

    events = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)["Events"]
    assert [(e["EventType"], e.get("Name")) for e in events] == [
        ("ExecutionStarted", None),
        *[("StepStarted", "flaky"), ("StepFailed", "flaky"), ("InvocationCompleted", None)] * 3,  # MAX_ATTEMPTS
        ("ExecutionFailed", None),
    ]
    failed = [e["StepFailedDetails"] for e in events if e["EventType"] == "StepFailed"]
    assert [f["RetryDetails"] for f in failed] == [
        {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 1},
        {"CurrentAttempt": 2, "NextAttemptDelaySeconds": 1},
        {"CurrentAttempt": 3},
    ]
    assert all(f["Error"]["Payload"]["ErrorMessage"] == "the service is still unavailable" for f in failed)


def test_a_branch_retried_while_another_runs_resumes_in_the_same_invocation(aws, deploy):
    """Gap 19b: a step whose retry delay has passed is READY in the next checkpoint's answer, as on AWS
    (OperationStatus READY), so the SDK resumes a map branch waiting out a retry inside the invocation
    that still runs another branch (functions/retries_in_a_map.py). Stock, the answer shows it PENDING
    forever: the branch never runs again and the execution never ends."""
    lam = aws("lambda")
    name, version, call_log = deploy("retries_in_a_map")

    arn = lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    execution = wait_for_status(lam, arn, timeout=30)

    assert execution["Status"] == "SUCCEEDED", execution
    assert json.loads(execution["Result"]) == ["done-0", "done-1"]
    assert sorted(step_calls(call_log)) == ["branch-0", "branch-0", "branch-1"]
    # One invocation: branch 0's second attempt ran while branch 1 was still running.
    assert [event for event in history(lam, arn) if event[0] == "InvocationCompleted"] == [
        ("InvocationCompleted", None)
    ]


def test_sync_invoke_of_failed_execution_reports_a_function_error(aws, deploy):
    """Gap 2 (synchronous side): the caller gets the execution's error with
    X-Amz-Function-Error, not the SDK's internal status envelope."""
    lam = aws("lambda")
    name, version, _ = deploy("always_fails")

    response = lam.invoke(FunctionName=name, Qualifier=version, Payload=b"{}")

    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert "the service is still unavailable" in error["errorMessage"]


def test_crashed_worker_is_reinvoked_without_rerunning_completed_steps(aws, deploy):
    """Gap 4: the worker process dies inside step `draft`; the backend
    re-invokes the execution, which replays `outline` from its checkpoint,
    runs `draft` again and succeeds."""
    lam = aws("lambda")
    name, version, call_log = deploy("pipeline", FAULT="crash:draft")

    response = lam.invoke(
        FunctionName=name, Qualifier=version, InvocationType="Event", Payload=json.dumps({"topic": "durable AI"})
    )
    execution = wait_for_status(lam, response["DurableExecutionArn"])

    assert execution["Status"] == "SUCCEEDED"
    assert json.loads(execution["Result"]) == EXPECTED_RESULT
    assert step_calls(call_log) == ["outline", "draft", "draft", "summary"]


def test_resume_runs_the_version_the_execution_started_on(aws, deploy):
    """Gap 5: while an execution of version 1 waits, $LATEST gets new code
    with other step names; the resume still runs version 1's code."""
    lam = aws("lambda")
    name, version, call_log = deploy("pipeline", REVIEW_SECONDS="3")

    response = lam.invoke(
        FunctionName=name, Qualifier=version, InvocationType="Event", Payload=json.dumps({"topic": "durable AI"})
    )
    lam.update_function_code(FunctionName=name, ZipFile=function_zip("pipeline_renamed", "pipeline"))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    latest = lam.invoke(FunctionName=name, Qualifier="$LATEST", Payload=b"{}")
    assert json.loads(latest["Payload"].read())["variant"] == "v2"

    execution = wait_for_status(lam, response["DurableExecutionArn"])

    assert execution["Status"] == "SUCCEEDED", execution.get("Error")
    assert json.loads(execution["Result"]) == EXPECTED_RESULT
    assert step_calls(call_log) == ["outline", "draft", "summary"]
