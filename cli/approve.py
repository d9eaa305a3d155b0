"""Answer an execution's pending editorial review: `make approve` / `make reject`.

    python cli approve --example-dir examples/content-pipeline [--execution NAME|last]
                       [--feedback TEXT] [--no-follow] [--timeout SECONDS] [--endpoint-url ...] [--json]
    python cli reject  --example-dir ... [--execution NAME|last] --reason TEXT [...]

Finds the execution (by name, or the newest of the published version), finds
its review callback in the history (review_callbacks.py), checks the decision
with the review block's own parse_decision before anything is sent, then sends
SendDurableExecutionCallbackSuccess with the decision as JSON, "by": "cli"
(a rejection is a decision too, not a callback failure: the execution ends
SUCCEEDED with "review": {"decision": "rejected", ...}). Then it follows the
execution to its end, as `make invoke` does, unless --no-follow.

Exit status: as `invoke` once it has followed the execution (0 SUCCEEDED, 1
failed/stopped/timed out, 3 not ended); 0 with --no-follow once sent; 2 when
nothing was sent: no such execution, no pending review (none, already
answered, expired), an invalid decision, no access (said with the IAM action
refused: devkit/tests/local_aws/test_review_permissions_needed.py shows each
action of reviewer_policy_json needed so).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

import invoke
from invoke import HistoryReader, Problem, error_code
from review_callbacks import Review, ReviewDecisionError, Verdict, parse_decision, review_of

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement)
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import EventTypeDef

DESCRIPTIONS: dict[str, str] = {
    "approve": "approve the pending editorial review of an execution (optionally with feedback for the writer)",
    "reject": "reject the pending editorial review of an execution, with a reason",
}
# The reviewer's tool: the decision payload says so (parse_decision's "by").
SENDER = "cli"


def decision_payload(verdict: Verdict, feedback: str | None, reason: str | None) -> str:
    """The callback's Result: the decision as JSON, refused (Problem) unless the review block would accept it."""
    if verdict == "reject" and not (reason or "").strip():
        raise Problem("a rejection needs a reason: REASON='why' (it is recorded in the execution's result)")
    fields = {"decision": verdict, "feedback": feedback, "reason": reason, "by": SENDER}
    payload = json.dumps({key: value for key, value in fields.items() if value is not None})
    try:
        parse_decision(payload)
    except ReviewDecisionError as error:
        raise Problem(f"nothing sent: {error}") from None
    return payload


def refusal(review: Review | None, name: str, status: str) -> str | None:
    """Why the execution's review cannot be answered now, or None when it can."""
    if review is None:
        if status in invoke.NOT_ENDED:
            return f"execution {name} ({status}) has no review waiting for a decision (not yet, or review mode timer)"
        return f"execution {name} ended {status} without a review callback: nothing to answer"
    when = f" at {review.closed_at:%Y-%m-%d %H:%M:%S}" if review.closed_at else ""
    if review.state == "answered":
        return f"the review of {name} was already answered{when}: a callback takes one answer only"
    if review.state == "failed":
        return f"the review of {name} was already closed with a failure{when}"
    if review.state == "expired":
        return f"the review of {name} expired{when}: nobody answered within its timeout"
    if status not in invoke.NOT_ENDED:
        return f"execution {name} ended {status}: its review can no longer be answered"
    return None


def send(client: LambdaClient, arn: str, name: str, review: Review, payload: str) -> None:
    """SendDurableExecutionCallbackSuccess; AWS's refusals said in one line (Problem).

    Errors of the operation (botocore 1.44.5 lambda model, its `errors`):
    CallbackTimeoutException, "The callback ID token has either expired or the
    callback associated with the token has already been closed";
    ResourceNotFoundException, "The resource specified in the request does not
    exist"; InvalidParameterValueException. A call retried after a lost answer
    meets the callback closed by its own first attempt: the history then holds
    our payload as the callback's result, and that counts as sent.
    """
    try:
        client.send_durable_execution_callback_success(CallbackId=review.callback_id, Result=payload.encode())
        return
    except ClientError as error:
        code = error_code(error)
        if code == "CallbackTimeoutException":
            events = HistoryReader(client, arn, include_data=True).read()
            if answered_with(events, payload):
                return
            status = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)["Status"]
            closed = review_of(events)
            raise Problem(
                refusal(closed, name, status)
                or f"the review of {name} is closed (already answered, or expired): CallbackTimeoutException"
            ) from None
        if code == "ResourceNotFoundException":
            raise Problem(
                f"callback {review.callback_id} of {name} is unknown to Lambda (ResourceNotFoundException): "
                "the execution was deleted, or its retention period is over"
            ) from None
        if code == "AccessDeniedException":
            raise not_allowed("answer the review", error) from None
        raise


def not_allowed(purpose: str, error: ClientError) -> Problem:
    """The reviewer's own permissions refused a call: said with the IAM action it needs, which for
    these Lambda APIs is lambda:<operation> (Lambda developer guide, durable-security.html), and
    AWS's own message (it names the principal, and on AWS the resource too)."""
    aws_said = error.response.get("Error", {}).get("Message") or ""
    return Problem(
        f"not allowed to {purpose}: lambda:{error.operation_name} was refused (AccessDeniedException); a reviewer "
        f"needs the module's reviewer_policy_json, which grants it. {aws_said}".rstrip()
    )


def find_review(
    client: LambdaClient, function_name: str, version: str, execution: str
) -> tuple[str, str, str, Review | None]:
    """(execution ARN, name, status, its newest review callback or None); a denied lookup said as such (Problem)."""
    try:
        arn = invoke.find_execution(client, function_name, version, execution)
        found = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)
        return arn, found["DurableExecutionName"], found["Status"], review_of(HistoryReader(client, arn).read())
    except ClientError as error:
        if error_code(error) == "AccessDeniedException":
            raise not_allowed("find the review", error) from None
        raise


def answered_with(events: list[EventTypeDef], payload: str) -> bool:
    """Whether the review callback succeeded with exactly this payload (history read with execution data)."""
    review = review_of(events)
    if not review or review.state != "answered":
        return False
    results = [
        (e.get("CallbackSucceededDetails", {}).get("Result") or {}).get("Payload")
        for e in events
        if e.get("EventType") == "CallbackSucceeded"
    ]
    return bool(results) and results[-1] == payload


def run(verdict: Verdict, args: argparse.Namespace) -> int:
    payload = decision_payload(verdict, args.feedback or None, args.reason or None)  # before any call
    outputs = invoke.example_outputs(args.example_dir)
    alias_arn = outputs["alias_arn"]
    function_name = alias_arn.split(":")[6]
    client = invoke.lambda_client(alias_arn, args.endpoint_url)
    arn, name, status, review = find_review(client, function_name, str(outputs["version"]), args.execution)
    why_not = refusal(review, name, status)
    if why_not or review is None:
        raise Problem(why_not or "no review")
    send(client, arn, name, review, payload)
    live = not args.json
    if live:
        print(f"sent {verdict} for the review of {name} (callback {review.callback_id})\n  {payload}", flush=True)
    if args.no_follow:
        return 0
    if live:
        print(f"following {name} to its end", flush=True)
    return invoke.follow_to_the_end(client, arn, args.example_dir, name, args.timeout, live)


def parser_for(verdict: Verdict) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"durable-bedrock {verdict}", description=DESCRIPTIONS[verdict])
    parser.add_argument(
        "--example-dir",
        required=True,
        help="an applied root module that uses this module: an example (examples/content-pipeline) or your own folder",
    )
    parser.add_argument("--endpoint-url", help="local AWS endpoint; omit for AWS")
    parser.add_argument(
        "--execution", default="last", help="the execution's name, or last (the default): the newest of the version"
    )
    # Defaults from the environment: make passes FEEDBACK and REASON through it, so any text survives quoting.
    parser.add_argument(
        "--feedback", default=os.environ.get("FEEDBACK"), help="approve: notes for the writer (default: $FEEDBACK)"
    )
    parser.add_argument("--reason", default=os.environ.get("REASON"), help="reject: why (default: $REASON)")
    parser.add_argument("--no-follow", action="store_true", help="send the decision and return at once")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to follow before giving up (default 900)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of live lines")
    return parser


def main(argv: list[str], verdict: Verdict) -> int:
    args = parser_for(verdict).parse_args(argv)
    return invoke.guarded(verdict, args.endpoint_url, lambda: run(verdict, args))
