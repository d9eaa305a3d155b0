"""The editorial review as a durable execution's history shows it: is a review
callback waiting for a decision, and how does a reviewer answer it.

The review block (lambda_src/durable_bedrock/review.py, await_review) under the
name it is given (the content pipeline's "editorial-review"; a custom workflow's
run.review names its own) first records the step "<name>-requested", then waits
in a child context "<name>" holding the callback "<name> create callback id"
(the SDK names the callback so: operation/callback.py, wait_for_callback_handler).
The history shows that callback as a CallbackStarted event whose
CallbackStartedDetails.CallbackId is what SendDurableExecutionCallbackSuccess
takes, and closes it with CallbackSucceeded, CallbackFailed or CallbackTimedOut
carrying the same operation Id (botocore 1.44.5 lambda model: EventType,
Event.Id / ParentId / Name, CallbackStartedDetails). The id is not execution
data: a history read with IncludeExecutionData=false has it too.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

# The review block's own code (the decision's format and the commands that send it) is the
# Lambda package's: the command line imports it from there, and re-exports it for approve.py.
sys.path.append(str(Path(__file__).resolve().parents[1] / "lambda_src"))
from durable_bedrock.errors import ReviewDecisionError
from durable_bedrock.review import Verdict, decision_commands, parse_decision
from durable_bedrock.review_link import review_link

__all__ = ["ReviewDecisionError", "Verdict", "parse_decision"]

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement)
    from mypy_boto3_lambda.type_defs import EventTypeDef

REQUESTED_SUFFIX = "-requested"  # the review block's first step: "<name>-requested"
CALLBACK_SUFFIX = " create callback id"
ReviewState = Literal["pending", "answered", "failed", "expired"]
CLOSING_EVENTS: dict[str, ReviewState] = {
    "CallbackSucceeded": "answered",
    "CallbackFailed": "failed",
    "CallbackTimedOut": "expired",
}


@dataclass(frozen=True)
class Review:
    """The newest review callback of an execution and where it stands."""

    callback_id: str
    state: ReviewState
    started_at: datetime | None
    closed_at: datetime | None = None


def review_names(events: list[EventTypeDef]) -> set[str]:
    """The names of the execution's reviews: each started with its step "<name>-requested"."""
    return {
        name.removesuffix(REQUESTED_SUFFIX)
        for e in events
        if e.get("EventType") == "StepStarted" and (name := e.get("Name", "")).endswith(REQUESTED_SUFFIX)
    }


def is_review_callback(event: EventTypeDef, review_contexts: set[str], names: set[str]) -> bool:
    """A CallbackStarted of the review block: under a review's context, or named as a review's callback."""
    return event.get("ParentId") in review_contexts or event.get("Name") in {n + CALLBACK_SUFFIX for n in names}


def review_of(events: list[EventTypeDef]) -> Review | None:
    """The execution's newest review callback (a replayed or repeated review starts a new one), or None."""
    names = review_names(events)
    contexts = {
        e["Id"] for e in events if e.get("EventType") == "ContextStarted" and e.get("Name") in names and "Id" in e
    }
    review: Review | None = None
    operation_id: str | None = None
    for event in events:
        kind = event.get("EventType", "")
        if kind == "CallbackStarted" and is_review_callback(event, contexts, names):
            callback_id = event.get("CallbackStartedDetails", {}).get("CallbackId")
            if callback_id:
                review = Review(callback_id, "pending", event.get("EventTimestamp"))
                operation_id = event.get("Id")
        elif review and kind in CLOSING_EVENTS and event.get("Id") == operation_id:
            review = Review(review.callback_id, CLOSING_EVENTS[kind], review.started_at, event.get("EventTimestamp"))
    return review


def answer_commands(selector: str, execution_name: str, callback_id: str, region: str) -> list[str]:
    """How to answer a pending review: `make approve` / `make reject`, and the AWS CLI equivalent.
    selector picks the root module in make's terms (make_selector.py: EXAMPLE=... or EXAMPLE_DIR=...)."""
    target = f"{selector} EXECUTION={shlex.quote(execution_name)}"
    raw = decision_commands(callback_id, region)
    return [
        f"  approve: make approve {target} [FEEDBACK='notes for the writer']",
        f"  reject:  make reject {target} REASON='why'",
        "  (add TARGET=aws for a deployed example; the same, with the AWS CLI:",
        f"   {raw['approve']}",
        f"   {raw['reject']})",
    ]


def waiting_notice(
    review: Review, selector: str, execution_name: str, region: str, following: bool, page_link: str | None = None
) -> list[str]:
    """What `make invoke` and `make history` print while the review waits for a decision
    (with the review page's link for this review when the example has a page)."""
    lines = [
        f"waiting for review: callback {review.callback_id}",
        *([f"  review page: {page_link}"] if page_link else []),
        *answer_commands(selector, execution_name, review.callback_id, region),
    ]
    if following:
        lines.append(
            "still following (a reviewer may take hours): Ctrl-C stops following, not the execution; "
            f"`make history {selector}` shows it again, and `make approve`/`make reject` follow it to its end"
        )
    return lines


def reachable_page_url(page_url: str | None, endpoint_url: str | None) -> str | None:
    """The review page's URL as this machine can open it. Local AWS names a function URL as AWS
    does (https://<url id>.lambda-url.<region>.on.aws/), a host that resolves nowhere, and serves
    the same URL at <endpoint>/_aws/lambda-url/<url id>/ (ministack's path-based function URLs)."""
    if not page_url or not endpoint_url:
        return page_url
    url_id = urlsplit(page_url).netloc.split(".", 1)[0]
    return f"{endpoint_url.rstrip('/')}/_aws/lambda-url/{url_id}/"


def page_link(page_url: str | None, execution_arn: str, review: Review) -> str | None:
    """The review page's link for this review (None without a page: review.page unset)."""
    return review_link(page_url, execution_arn, review.callback_id) if page_url else None
