"""Stop the unfinished durable executions of every version of a Lambda function.

Run through `python cli stop-executions --example-dir ...`
(`make stop-executions`, and first thing in `make destroy`). A durable
execution belongs to the version it started on, and this module's executions
all run on published versions, so this lists the function's versions
(ListVersionsByFunction, $LATEST included), the unfinished executions of each
(ListDurableExecutionsByFunction with that Qualifier and a Statuses filter),
and stops each one (StopDurableExecution), until a listing finds none.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict, Unpack

from botocore.exceptions import ClientError

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement)
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import ErrorObjectTypeDef, ExecutionTypeDef

# StopDurableExecution "Stops a running or paused durable execution" (botocore 1.44.5,
# botocore/data/lambda/2015-03-31/service-2.json, operation StopDurableExecution); a
# PAUSING execution is on its way to PAUSED. The other ExecutionStatus values have ended
# (SUCCEEDED, FAILED, TIMED_OUT, STOPPED) or are being deleted (DELETING).
UNFINISHED = ("RUNNING", "PAUSING", "PAUSED")
# Every call here can be repeated safely; botocore's standard retry mode backs off on throttling.
CLIENT_ATTEMPTS = 10
# How long stopped executions may take to leave the listing before we give up.
STOP_WAIT_SECONDS = 60
# StopDurableExecutionRequest.Error: "Optional error details explaining why the execution is being stopped".
STOP_ERROR: ErrorObjectTypeDef = {
    "ErrorType": "StoppedByOperator",
    "ErrorMessage": "stopped by durable-bedrock stop-executions (make stop-executions or make destroy)",
}


def function_versions(client: LambdaClient, function_name: str) -> list[str]:
    """Every version, $LATEST first. ListVersionsByFunction "returns a maximum of
    50 items in each response" (ListVersionsByFunctionRequest.MaxItems), so it is paginated."""
    versions = []
    for page in client.get_paginator("list_versions_by_function").paginate(FunctionName=function_name):
        versions += [v["Version"] for v in page.get("Versions", [])]
    return versions


def unfinished_executions(client: LambdaClient, function_name: str, version: str) -> list[ExecutionTypeDef]:
    """The version's executions that have not ended (100 a page by default:
    ListDurableExecutionsByFunctionRequest.MaxItems). The status is checked here
    too, so a server that ignored the filter could not make us stop an ended one."""
    pages = client.get_paginator("list_durable_executions_by_function").paginate(
        FunctionName=function_name,
        Qualifier=version,
        # PAUSING and PAUSED are newer than the stubs' ExecutionStatus (mypy-boto3-lambda 1.43.118; botocore 1.44.5).
        Statuses=list(UNFINISHED),  # type: ignore[arg-type]
    )
    return [e for page in pages for e in page.get("DurableExecutions", []) if e["Status"] in UNFINISHED]


def stop(client: LambdaClient, execution: ExecutionTypeDef, out: Callable[[str], None]) -> bool:
    """Stops one execution; False when it ended by itself since it was listed."""
    arn = execution["DurableExecutionArn"]
    try:
        client.stop_durable_execution(DurableExecutionArn=arn, Error=STOP_ERROR)
        return True
    except ClientError:
        # The API does not document the error for an execution that has already
        # ended, so look at the execution rather than at the error code.
        status = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)["Status"]
        if status in UNFINISHED:
            raise
        out(f"  {execution['DurableExecutionName']} ended by itself ({status})")
        return False


def stop_all(
    client: LambdaClient,
    function_name: str,
    versions: list[str],
    *,
    out: Callable[[str], None] = print,
    wait: float = STOP_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[int, list[ExecutionTypeDef]]:
    """Stops every unfinished execution of the given versions, then lists
    again until nothing unfinished is left or `wait` seconds have passed.
    Returns how many it stopped and what is still unfinished."""
    requested: set[str] = set()
    deadline, delay = clock() + wait, 1.0
    while True:
        left: list[ExecutionTypeDef] = []
        progressed = False
        for version in versions:
            for execution in unfinished_executions(client, function_name, version):
                if execution["DurableExecutionArn"] in requested:
                    left.append(execution)  # stopped, not yet shown as stopped
                elif stop(client, execution, out):
                    requested.add(execution["DurableExecutionArn"])
                    progressed = True
                    out(
                        f"  stopped {execution['DurableExecutionName']}  version {version}, "
                        f"{execution['Status']} since {execution['StartTimestamp']:%Y-%m-%d %H:%M:%S}  "
                        f"({execution['DurableExecutionArn']})"
                    )
        if not left and not progressed:
            return len(requested), []
        if clock() >= deadline:
            return len(requested), left
        if not progressed:  # after a stop, list again at once; otherwise wait a little longer each time
            sleep(min(delay, max(0.0, deadline - clock())))
            delay = min(delay * 2, 10.0)


def confirmed(
    client: LambdaClient,
    function_name: str,
    versions: list[str],
    out: Callable[[str], None],
    ask: Callable[[str], str] = input,
) -> bool:
    """Lists what would be stopped and asks; True when there is nothing to stop or the answer is yes."""
    pending = [e for version in versions for e in unfinished_executions(client, function_name, version)]
    if not pending:
        return True
    out(f"{len(pending)} unfinished execution(s) of {function_name}:")
    for execution in pending:
        out(f"  {execution['DurableExecutionName']}  {execution['Status']}  ({execution['DurableExecutionArn']})")
    try:
        answer = ask("Stop them? Only 'yes' will be accepted: ")
    except EOFError:
        answer = ""
    return answer.strip() == "yes"


class StopOptions(TypedDict, total=False):
    """stop_all's tuning, passed through by run (tests shorten the wait and fake the clock)."""

    wait: float
    sleep: Callable[[float], None]
    clock: Callable[[], float]


def run(
    client: LambdaClient,
    function_name: str,
    *,
    confirm: bool = False,
    out: Callable[[str], None] = print,
    ask: Callable[[str], str] = input,
    **kwargs: Unpack[StopOptions],
) -> int:
    """0 when nothing is left unfinished, 1 otherwise (refused, or not stopped in time)."""
    try:
        versions = function_versions(client, function_name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        out(f"{function_name} does not exist: nothing to stop")
        return 0
    if confirm and not confirmed(client, function_name, versions, out, ask):
        out("nothing stopped")
        return 1
    stopped, left = stop_all(client, function_name, versions, out=out, **kwargs)
    if left:
        out(f"stopped {stopped} execution(s) of {function_name}; {len(left)} still unfinished:")
        for execution in left:
            out(f"  {execution['DurableExecutionName']}  {execution['Status']}  ({execution['DurableExecutionArn']})")
        return 1
    out(f"stopped {stopped} execution(s) of {function_name} ({len(versions)} versions checked); none left running")
    return 0
