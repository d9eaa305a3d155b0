"""Start a durable execution of an applied example and follow it to its end;
show the newest one; stop the unfinished ones.

    python cli invoke --example-dir examples/content-pipeline [--payload JSON] [--name NAME]
                      [--timeout SECONDS] [--endpoint-url http://127.0.0.1:4566] [--json]
    python cli history --example-dir ... [--execution NAME|last] [--endpoint-url ...] [--json]
    python cli stop-executions --example-dir ... [--endpoint-url ...] [--confirm]

Reads the example's outputs with terraform/tofu (the TF environment variable
names the binary). `invoke` starts the published version through its alias,
asynchronously and with a durable execution name (a retried start is the same
execution), then prints one line per history event until the execution ends;
while an editorial review waits for a decision it says so, with the commands
that answer it (review_callbacks.py; `approve` and `reject` are approve.py).
`history` prints the timeline of the published version's newest execution
(or of the one named with --execution);
`stop-executions` stops the unfinished executions of every version
(stop_executions.py). Without --endpoint-url it talks to AWS with the default
credential chain.

Exit status: 0 SUCCEEDED (stop-executions: nothing left running); 1 the
execution failed, timed out, was stopped or is being deleted (stop-executions:
some could not be stopped); 2 nothing to invoke (not applied, no credentials,
bad payload, ...); 3 the execution has not ended: still running when --timeout
ran out or following was interrupted (Ctrl-C), or paused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

import stop_executions
from cost_summary import cost_line
from make_selector import make_selector
from review_callbacks import Review, page_link, reachable_page_url, review_of, waiting_notice
from timeline import lines

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement)
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import (
        ErrorObjectOutputTypeDef,
        EventTypeDef,
        ExecutionTypeDef,
        GetDurableExecutionHistoryRequestTypeDef,
        GetDurableExecutionResponseTypeDef,
    )

# Every value of ExecutionStatus (botocore 1.44.5, botocore/data/lambda/2015-03-31/service-2.json,
# shape ExecutionStatus): RUNNING, PAUSING, PAUSED, SUCCEEDED, FAILED, TIMED_OUT, STOPPED, DELETING.
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}
NOT_ENDED = {"RUNNING", "PAUSING", "PAUSED"}

# follow(): the first poll comes soon, quiet polls back off up to the cap, and
# anything new (an event, another status) brings the interval back down. The
# Lambda control-plane API rate is shared by the whole account
# (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html#api-requests).
POLL_INITIAL_SECONDS = 0.5
POLL_MAX_SECONDS = 8.0
THROTTLED_MAX_SECONDS = 30.0
# GetDurableExecutionHistoryRequest.MaxItems: "The default is 100 and the maximum allowed is 1000".
HISTORY_PAGE_SIZE = 100
# TooManyRequestsException is what the model names for these operations (their `errors`);
# ThrottlingException is the generic AWS throttling code, handled the same way.
THROTTLING_CODES = {"TooManyRequestsException", "ThrottlingException"}


class Problem(Exception):
    """Something to tell the user, with exit status 2."""


class NotApplied(Problem):
    """The example has no outputs: never applied (with this TARGET), or destroyed."""

    def __init__(self, example_dir: str):
        self.example_dir = example_dir
        super().__init__(
            f"{example_dir} is not applied yet (no outputs): run `make apply {make_selector(example_dir)}` first, "
            "with the same TARGET"
        )


class Outcome(TypedDict):
    """What `invoke` and `history` report (printed as JSON with --json)."""

    execution_arn: str
    status: str
    elapsed_seconds: float
    result: object  # the execution's result, decoded from JSON; None without one
    error: ErrorObjectOutputTypeDef | None
    timeline: list[str]
    pending_review: str | None  # the callback id of a review waiting for a decision, else None


def example_outputs(example_dir: str) -> dict[str, Any]:
    """{output name: value}; each value is raw JSON, as `terraform output -json` gives it."""
    engine = os.environ.get("TF", "terraform")
    result = subprocess.run([engine, f"-chdir={example_dir}", "output", "-json"], capture_output=True, text=True)
    outputs = json.loads(result.stdout or "{}") if result.returncode == 0 else {}
    if "alias_arn" not in outputs:
        raise NotApplied(example_dir)
    return {name: output["value"] for name, output in outputs.items()}


def lambda_client(alias_arn: str, endpoint_url: str | None, attempts: int = 3) -> LambdaClient:
    region = alias_arn.split(":")[3]
    # Retries of the Invoke call reuse its DurableExecutionName, so they cannot start a second execution.
    # `attempts` counts the first call too: total_max_attempts (botocore's max_attempts counts retries only).
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts}, read_timeout=60)
    if endpoint_url:  # local AWS: its root keys (test/test), or a local IAM user's keys to act as that user
        return boto3.client(
            "lambda",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=os.environ.get("LOCAL_AWS_ACCESS_KEY_ID") or "test",
            aws_secret_access_key=os.environ.get("LOCAL_AWS_SECRET_ACCESS_KEY") or "test",
            config=config,
        )
    return boto3.client("lambda", region_name=region, config=config)


def start(client: LambdaClient, alias_arn: str, payload: str, name: str) -> str:
    response = client.invoke(
        FunctionName=alias_arn,
        InvocationType="Event",
        DurableExecutionName=name,
        Payload=payload.encode("utf-8"),
    )
    arn = response.get("DurableExecutionArn")
    if not arn:
        raise Problem(f"{alias_arn} answered without a durable execution ARN: is it a durable function?")
    return arn


class HistoryReader:
    """Reads the history of one durable execution incrementally.

    It keeps the marker of the page it has not finished (None for the first
    page) and how many events of that page it has already handed out; each
    read() asks for that page again, goes on through NextMarker while there is
    one, and returns only events it has not returned before. A page holds the
    same events whenever it is read and only grows at the end of the history
    (GetDurableExecutionHistory: events "ordered chronologically unless
    ReverseOrder is set"), so nothing is returned twice or missed. Markers
    expire after 24 hours (GetDurableExecutionHistoryRequest.Marker); if a
    kept marker is refused, the reader starts again from the first page and
    skips what it has already returned.
    """

    def __init__(self, client: LambdaClient, arn: str, include_data: bool = False, page_size: int | None = None):
        self.client, self.arn, self.include_data = client, arn, include_data
        self.page_size = page_size or HISTORY_PAGE_SIZE
        self.marker: str | None = None
        self.taken_from_page = 0  # events of the marker's page already handed out
        self.returned = 0  # events handed out in all
        self._skip = 0  # after a refused marker: events to pass over again
        self._unreturned: list[EventTypeDef] = []  # read, not yet handed out (a read interrupted by an error)

    def read(self) -> list[EventTypeDef]:
        restarted = False
        while True:
            request: GetDurableExecutionHistoryRequestTypeDef = {
                "DurableExecutionArn": self.arn,
                # Event payloads (step results, inputs, errors) are left out while following:
                # GetDurableExecutionHistoryRequest.IncludeExecutionData, "The default is true".
                "IncludeExecutionData": self.include_data,
                "MaxItems": self.page_size,
            }
            if self.marker:
                request["Marker"] = self.marker
            try:
                page = self.client.get_durable_execution_history(**request)
            except ClientError as error:
                if not self.marker or restarted or error_code(error) != "InvalidParameterValueException":
                    raise
                restarted, self._skip, self._unreturned = True, self.returned, []
                self.marker, self.taken_from_page = None, 0
                continue
            events = page.get("Events", [])
            fresh = events[self.taken_from_page :]
            passed_over = min(self._skip, len(fresh))
            self._skip -= passed_over
            self._unreturned += fresh[passed_over:]
            next_marker = page.get("NextMarker")
            if not next_marker:
                self.taken_from_page = len(events)
                new, self._unreturned = self._unreturned, []
                self.returned += len(new)
                return new
            self.marker, self.taken_from_page = next_marker, 0


def error_code(error: ClientError) -> str | None:
    return error.response.get("Error", {}).get("Code")


def retry_after_seconds(error: ClientError) -> float:
    """TooManyRequestsException.retryAfterSeconds (the Retry-After header, botocore model), or 0."""
    # Not in the stubs' error response; either value may be anything, and float() decides.
    value: Any = error.response.get("retryAfterSeconds")
    if value is None:
        value = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("retry-after")
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0


def follow(
    client: LambdaClient,
    arn: str,
    timeout: float,
    live: bool,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    watch: Callable[[list[EventTypeDef]], list[str]] | None = None,
) -> tuple[GetDurableExecutionResponseTypeDef, list[EventTypeDef]]:
    """Polls until the execution stops moving; prints one timeline line per new
    history event as it appears. Returns the last execution description (with
    its result or error once it has ended) and every history event.

    Each poll is one GetDurableExecution without execution data and one read
    of the history from the page not finished yet (HistoryReader). Polls start
    POLL_INITIAL_SECONDS apart and double while nothing changes, up to
    POLL_MAX_SECONDS; a new event or status brings them back to the start. A
    throttled call (TooManyRequestsException, ThrottlingException) waits at
    least its Retry-After and doubles the interval, up to
    THROTTLED_MAX_SECONDS, then polls again.

    Statuses (every value of ExecutionStatus):
      SUCCEEDED, FAILED, TIMED_OUT, STOPPED: ended; returns.
      RUNNING: keeps following.
      PAUSING: keeps following (said once): the execution pauses at its next
        checkpoint, and a stop or a timeout can still end it first.
      PAUSED: returns: Lambda does not invoke a paused execution until a
        ResumeDurableExecution call, which may never come; polling it would
        only spend the API rate. `make history` shows it later.
      DELETING: returns: DeleteDurableExecution is removing it and its history.
      Any other (newer) status: said once, keeps following.
    Raises TimeoutError when `timeout` seconds pass first.

    `watch`, given every event so far whenever new ones arrive, returns lines
    to print after theirs (live only): the pending-review notice.
    """
    reader = HistoryReader(client, arn)
    deadline = clock() + timeout
    delay, status, events = POLL_INITIAL_SECONDS, None, []
    while True:
        try:
            execution = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)
            # Any status, as a str: the stubs' ExecutionStatus lacks DELETING, PAUSING and PAUSED.
            now: str = execution["Status"]
            new = [] if now == "DELETING" else reader.read()
        except ClientError as error:
            delay = throttled(error, delay)
        else:
            events += new
            if live:
                for line in lines(new, execution["StartTimestamp"]):
                    print(line, flush=True)
                for line in watch(events) if watch and new else []:
                    print(line, flush=True)
            changed = bool(new) or now != status
            status = now
            if status in TERMINAL:  # once more, with the result or error
                return with_data(client, arn, sleep), events
            if status in ("PAUSED", "DELETING"):
                return execution, events
            if changed and status != "RUNNING" and live:
                note = "it pauses at its next checkpoint" if status == "PAUSING" else "a status this tool does not know"
                print(f"  execution {status}: {note}; still following", flush=True)
            delay = POLL_INITIAL_SECONDS if changed else min(delay * 2, POLL_MAX_SECONDS)
        remaining = deadline - clock()
        if remaining <= 0:
            raise TimeoutError(arn)
        sleep(min(delay, remaining))


def throttled(error: ClientError, delay: float) -> float:
    """The next polling interval after a throttled call; re-raises any other error."""
    if error_code(error) not in THROTTLING_CODES:
        raise error
    delay = max(retry_after_seconds(error), min(delay * 2, THROTTLED_MAX_SECONDS))
    print(f"invoke: throttled ({error_code(error)}), next call in {delay:.1f} s", file=sys.stderr, flush=True)
    return delay


def with_data(client: LambdaClient, arn: str, sleep: Callable[[float], None]) -> GetDurableExecutionResponseTypeDef:
    """GetDurableExecution with its input, result and error, waiting out throttling."""
    delay = POLL_INITIAL_SECONDS
    while True:
        try:
            return client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=True)
        except ClientError as error:
            delay = throttled(error, delay)
            sleep(delay)


def named_execution(client: LambdaClient, function_name: str, name: str) -> ExecutionTypeDef | None:
    """The function's execution named `name`, on whichever version it runs:
    without a Qualifier the listing "returns executions across all versions"
    (botocore 1.44.5, ListDurableExecutionsByFunctionRequest.Qualifier), and a
    name is unique within the function (DurableExecutionAlreadyStartedException)."""
    page = client.list_durable_executions_by_function(FunctionName=function_name, DurableExecutionName=name, MaxItems=1)
    found = page.get("DurableExecutions", [])
    return found[0] if found else None


def latest_execution_arn(client: LambdaClient, function_name: str, version: str) -> str:
    """The newest execution of the published version (executions belong to
    versions, not aliases), in two calls of one item each.

    ListDurableExecutionsByFunction pages (100 items by default) come in one
    order or the other, and the two documented meanings of ReverseOrder
    disagree: botocore 1.44.5 (ListDurableExecutionsByFunctionRequest
    .ReverseOrder) says "Set to true to return results in chronological order
    (oldest first). Default is false.", earlier SDK documentation of the same
    member "Set to true to return results in reverse chronological order
    (newest first)". The newest execution heads one of the two orders either
    way, so it is the later of the two heads.
    """
    heads: list[ExecutionTypeDef] = []
    for reverse in (False, True):
        page = client.list_durable_executions_by_function(
            FunctionName=function_name, Qualifier=version, ReverseOrder=reverse, MaxItems=1
        )
        heads += page.get("DurableExecutions", [])[:1]
    if not heads:
        raise Problem(f"version {version} of {function_name} has no durable executions yet: run `make invoke` first")
    return max(heads, key=lambda e: e["StartTimestamp"])["DurableExecutionArn"]


def pending_review(execution: GetDurableExecutionResponseTypeDef, events: list[EventTypeDef]) -> Review | None:
    """The review callback waiting for a decision, if the execution still runs and has one."""
    review = review_of(events)
    return review if review and review.state == "pending" and execution["Status"] in NOT_ENDED else None


def review_watch(
    example_dir: str, execution_name: str, execution_arn: str, page_url: str | None
) -> Callable[[list[EventTypeDef]], list[str]]:
    """follow()'s watch: the waiting-for-review notice, once per review callback."""
    region = execution_arn.split(":")[3]
    shown: set[str] = set()
    selector = make_selector(example_dir)

    def watch(events: list[EventTypeDef]) -> list[str]:
        review = review_of(events)
        if not review or review.state != "pending" or review.callback_id in shown:
            return []
        shown.add(review.callback_id)
        link = page_link(page_url, execution_arn, review)
        return waiting_notice(review, selector, execution_name, region, following=True, page_link=link)

    return watch


def summary(execution: GetDurableExecutionResponseTypeDef, events: list[EventTypeDef]) -> Outcome:
    end = execution.get("EndTimestamp") or datetime.now(UTC)
    result = execution.get("Result")
    review = pending_review(execution, events)
    return {
        "execution_arn": execution["DurableExecutionArn"],
        "status": execution["Status"],
        "elapsed_seconds": round((end - execution["StartTimestamp"]).total_seconds(), 1),
        "result": json.loads(result) if result else None,
        "error": execution.get("Error"),
        "timeline": [line.strip() for line in lines(events, execution["StartTimestamp"])],
        "pending_review": review.callback_id if review else None,
    }


def exit_status(status: str) -> int:
    if status == "SUCCEEDED":
        return 0
    return 3 if status in NOT_ENDED else 1


def report(outcome: Outcome, as_json: bool) -> int:
    status = outcome["status"]
    if as_json:
        print(json.dumps(outcome, indent=2, default=str))
    else:
        print(f"\n{status} after {outcome['elapsed_seconds']} s  ({outcome['execution_arn']})")
        if outcome["result"] is not None:
            print(json.dumps(outcome["result"], indent=2))
        if outcome["error"]:
            print(f"error: {outcome['error'].get('ErrorType')}: {outcome['error'].get('ErrorMessage')}")
        if status == "PAUSED":
            print("paused: Lambda runs it again once it is resumed (ResumeDurableExecution); see `make history`")
        elif status == "DELETING":
            print("being deleted (DeleteDurableExecution): its history and result go with it")
        cost = cost_line(outcome["result"])
        if cost:
            print(cost)
    return exit_status(status)


def run(command: str, args: argparse.Namespace) -> int:
    try:
        outputs = example_outputs(args.example_dir)
    except NotApplied:
        if command != "stop-executions":
            raise
        print(
            f"stop-executions: {args.example_dir} has no outputs (not applied, or already destroyed): nothing to stop"
        )
        return 0
    alias_arn = outputs["alias_arn"]
    function_name = alias_arn.split(":")[6]
    if command == "stop-executions":
        client = lambda_client(alias_arn, args.endpoint_url, attempts=stop_executions.CLIENT_ATTEMPTS)
        return stop_executions.run(client, function_name, confirm=args.confirm)
    live = not args.json
    client = lambda_client(alias_arn, args.endpoint_url)
    region = alias_arn.split(":")[3]
    if command == "history":
        arn = find_execution(client, function_name, str(outputs["version"]), args.execution)
        execution = client.get_durable_execution(DurableExecutionArn=arn)
        events = HistoryReader(client, arn, include_data=True).read()
        review = pending_review(execution, events)
        if live:
            which = "last execution" if args.execution == "last" else "execution"
            print(f"{which} {execution['DurableExecutionName']} of {alias_arn}:")
            print("\n".join(lines(events, execution["StartTimestamp"])))
            if review:
                selector = make_selector(args.example_dir)
                name = execution["DurableExecutionName"]
                link = page_link(reachable_page_url(outputs.get("review_page_url"), args.endpoint_url), arn, review)
                print("\n".join(waiting_notice(review, selector, name, region, following=False, page_link=link)))
        return report(summary(execution, events), args.json)

    payload = args.payload or os.environ.get("PAYLOAD") or outputs.get("sample_payload") or "{}"
    try:
        json.loads(payload)
    except ValueError as error:
        raise Problem(f"--payload is not valid JSON ({error}): {payload}") from None
    name = args.name or f"invoke-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    earlier = named_execution(client, function_name, name) if args.name else None
    try:
        arn = start(client, alias_arn, payload, name)
    except ClientError as error:
        if error_code(error) != "DurableExecutionAlreadyStartedException":
            raise
        raise Problem(
            f"an execution named {name} was already started with another payload: choose another --name, "
            "or leave --name out for a new one"
        ) from None
    if live and earlier:
        print(
            f"{name} was already started at {earlier['StartTimestamp']:%Y-%m-%d %H:%M:%S} ({earlier['Status']}): "
            f"the same name and payload start nothing new; following it\n  payload {payload}"
        )
    elif live:
        print(f"started {name} on {alias_arn}\n  payload {payload}")
    page_url = reachable_page_url(outputs.get("review_page_url"), args.endpoint_url)
    return follow_to_the_end(client, arn, args.example_dir, name, args.timeout, live, page_url)


def follow_to_the_end(
    client: LambdaClient, arn: str, example_dir: str, name: str, timeout: float, live: bool, page_url: str | None = None
) -> int:
    """follow(), announcing a pending review; reports the outcome. Running out of time or Ctrl-C
    only stop the following: the execution goes on, and the message says how to find it again."""
    again = f"`make history {make_selector(example_dir)} EXECUTION={name}` shows it"
    try:
        execution, events = follow(client, arn, timeout, live, watch=review_watch(example_dir, name, arn, page_url))
    except TimeoutError:
        print(f"still running after {timeout:.0f} s: {again} ({arn})", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print(f"\nstopped following; the execution goes on: {again} ({arn})", file=sys.stderr)
        return 3
    return report(summary(execution, events), as_json=not live)


def find_execution(client: LambdaClient, function_name: str, version: str, execution: str) -> str:
    """The ARN of the execution named `execution`, or with "last" the newest of the published version."""
    if execution == "last":
        return latest_execution_arn(client, function_name, version)
    found = named_execution(client, function_name, execution)
    if not found:
        raise Problem(f"{function_name} has no durable execution named {execution} (EXECUTION=<name>|last)")
    return found["DurableExecutionArn"]


COMMANDS = {
    "invoke": "start an execution of the applied example and follow it to its end",
    "history": "print the timeline of the newest execution of the example's published version",
    "stop-executions": "stop the unfinished executions of every version of the example's function "
    "(nothing to stop when the example has no outputs)",
}


def parser_for(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"durable-bedrock {command}", description=COMMANDS[command])
    parser.add_argument(
        "--example-dir",
        required=True,
        help="an applied root module that uses this module: an example (examples/content-pipeline) or your own folder",
    )
    parser.add_argument("--endpoint-url", help="local AWS endpoint; omit for AWS")
    if command == "invoke":
        parser.add_argument("--payload", help="execution input as JSON (default: the example's sample_payload output)")
        parser.add_argument(
            "--name",
            help="durable execution name (default: invoke-<time>-<random>); a name already used with the same "
            "payload follows that execution instead of starting another",
        )
        parser.add_argument(
            "--timeout", type=float, default=900, help="seconds to follow before giving up (default 900)"
        )
    if command in ("invoke", "history"):
        parser.add_argument("--json", action="store_true", help="print one JSON document instead of live lines")
    if command == "history":
        parser.add_argument(
            "--execution",
            default="last",
            help="the execution's name, or last (the default): the newest of the published version",
        )
    if command == "stop-executions":
        parser.add_argument("--confirm", action="store_true", help="ask before stopping any")
    return parser


def main(argv: list[str] | None = None, command: str = "invoke") -> int:
    parser = parser_for(command)
    args = parser.parse_args(argv)
    return guarded(command, args.endpoint_url, lambda: run(command, args))


def guarded(command: str, endpoint_url: str | None, action: Callable[[], int]) -> int:
    """action()'s exit status; the problems every command may meet said in one line, with exit status 2."""
    try:
        return action()
    except Problem as problem:
        print(f"{command}: {problem}", file=sys.stderr)
    except NoCredentialsError:
        print(
            f"{command}: no AWS credentials found: configure them (aws configure, AWS_PROFILE) or use TARGET=local",
            file=sys.stderr,
        )
    except EndpointConnectionError as error:
        hint = " : is local AWS running? `make up`" if endpoint_url else ""
        print(f"{command}: cannot reach {error.kwargs.get('endpoint_url')}{hint}", file=sys.stderr)
    except ClientError as error:
        code = error_code(error)
        hint = " (was the example destroyed? `make apply`)" if code == "ResourceNotFoundException" else ""
        print(f"{command}: {code}: {error.response.get('Error', {}).get('Message')}{hint}", file=sys.stderr)
    return 2
