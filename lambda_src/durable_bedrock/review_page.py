"""The review page: a plain Lambda function behind a function URL that shows a
review's topic and outline with Approve / Reject buttons, and sends the
reviewer's decision. Handler: durable_bedrock.review_page.handler.

The link (review_link.py) is page_url?execution=<ARN>&callback=<id>. What it
lets its holder do is exactly what the callback id already allows: decide this
one review, once. The page checks that the callback is this execution's pending
review callback before it shows or sends anything, and once the review is
decided or expired the link only says so.

- GET never decides anything (mail scanners and link previews open links): it reads the history and shows the form.
- POST (the form) re-reads the history, validates the decision with review.parse_decision, and sends it with
  SendDurableExecutionCallbackSuccess, by "page"; a cross-site POST is refused first (see cross_site_problem).

Function URL events use payload format 2.0 (Lambda developer guide, "Invoking Lambda function URLs",
https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html: "the request and response event
formats follow the same schema as the Amazon API Gateway payload format version 2.0"): the method in
requestContext.http.method, the query as sent in rawQueryString, header names lowercased, the body as a
string with isBase64Encoded saying whether it is base64 (a form POST's body is); the response is
{statusCode, headers, body}.

Environment: DURABLE_FUNCTION_ARN, the unqualified ARN of the durable function whose reviews this page
decides (its executions' ARNs are <that ARN>:<version>/durable-execution/<name>/<id>).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
import os
import re
from typing import Any
from urllib.parse import parse_qs

import boto3
from botocore.exceptions import ClientError

from durable_bedrock.errors import ReviewDecisionError
from durable_bedrock.review import MAX_FEEDBACK_CHARS, parse_decision
from durable_bedrock.review_link import parse_review_link
from durable_bedrock.review_page_html import message, response, review_form
from durable_bedrock.review_state import ReviewState, read_review

logger = logging.getLogger(__name__)

# botocore lambda model (2015-03-31): CallbackId is 1-1024 characters of [A-Za-z0-9+/]+={0,2};
# a DurableExecutionArn is at most 1024 characters.
_CALLBACK_ID = re.compile(r"^[A-Za-z0-9+/]{1,1022}={0,2}$")
_MAX_ARN_CHARS = 1024
# The form has two short fields; anything much larger is not our form.
_MAX_BODY_BYTES = 4 * MAX_FEEDBACK_CHARS + 1024
# "Not found" for the caller: whether the execution is missing is not theirs to learn.
_UNKNOWN_ERRORS = frozenset({"ResourceNotFoundException", "InvalidParameterValueException"})
# What each Lambda call the page makes is for, as the page says it when the role may not make it.
_PURPOSES = {
    "GetDurableExecutionHistory": "read the review",
    "SendDurableExecutionCallbackSuccess": "send the decision",
}


@functools.cache
def _lambda_client() -> Any:
    return boto3.client("lambda")


def handler(event: dict[str, Any], _context: object) -> dict[str, Any]:
    return handle(event, _lambda_client(), os.environ["DURABLE_FUNCTION_ARN"])


def handle(event: dict[str, Any], client: Any, function_arn: str) -> dict[str, Any]:
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    if method not in ("GET", "POST"):
        return message(405, "Method not allowed", "This page answers GET and POST only.", {"Allow": "GET, POST"})
    link = _link(event.get("rawQueryString") or "", function_arn)
    if link is None:
        return message(400, "Incomplete review link", "This link does not name a review; open the link as you got it.")
    execution_arn, callback_id = link
    if method == "POST":
        problem = cross_site_problem(event.get("headers") or {}, event.get("requestContext", {}).get("domainName", ""))
        if problem:
            logger.warning("refused a cross-site POST: %s", problem)
            return message(403, "Refused", f"This decision was not sent from the review page ({problem}).")
    try:
        review = read_review(client, execution_arn, callback_id)
    except ClientError as error:
        return _aws_error(error)
    if review is None:
        return _unknown()
    if review.state != "pending":
        return _gone(review)
    action = "?" + (event.get("rawQueryString") or "")
    if method == "GET":
        return response(200, "Review the outline", review_form(review, action))
    return _decide(event, client, callback_id, review, action)


def _link(query: str, function_arn: str) -> tuple[str, str] | None:
    """(execution ARN, callback id) if the query names a review of this function's executions."""
    link = parse_review_link(query)
    if link is None:
        return None
    execution_arn, callback_id = link
    if len(execution_arn) > _MAX_ARN_CHARS or not execution_arn.startswith(f"{function_arn}:"):
        return None
    if "/durable-execution/" not in execution_arn or not _CALLBACK_ID.match(callback_id):
        return None
    return execution_arn, callback_id


def cross_site_problem(headers: dict[str, str], domain_name: str) -> str | None:
    """Why a POST did not come from this page's own form, or None.

    The callback id in the link is the only authority here (no cookies, no
    session): a site without it cannot forge a decision, and one with it needs no
    victim's browser. Refusing cross-site POSTs still keeps another site from making
    a reviewer's browser submit a decision the reviewer did not choose, and needs no
    server state:
    - Sec-Fetch-Site (W3C Fetch Metadata Request Headers; sent by Chrome/Edge 76+, Firefox 90+,
      Safari 16.4+): the browser's own judgement; only "same-origin" is our form. "same-site" is
      refused too: other function URLs share the lambda-url.<region>.on.aws parent domain.
    - Otherwise Origin (Fetch standard: sent with every POST a browser makes): it must be this
      URL's host; "null" (sandboxed or opaque origins) is refused.
    - Neither header: not a browser (curl, scripts), which could send the callback directly anyway.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return None if site == "same-origin" else f"Sec-Fetch-Site is {site!r}"
    origin = headers.get("origin")
    if origin is None:
        return None
    host = origin.split("://", 1)[-1].rstrip("/")
    return None if origin != "null" and host == domain_name else f"Origin is {origin!r}"


def _form(event: dict[str, Any]) -> dict[str, list[str]] | None:
    body = event.get("body") or ""
    if len(body) > 2 * _MAX_BODY_BYTES:
        return None
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode()
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if len(raw) > _MAX_BODY_BYTES:
        return None
    try:
        return parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=4)
    except ValueError:
        return None


def _decide(event: dict[str, Any], client: Any, callback_id: str, review: ReviewState, action: str) -> dict[str, Any]:
    form = _form(event)
    if form is None:
        return message(400, "Not a decision", "The form could not be read; go back to the review page and try again.")
    decisions, notes_values = form.get("decision", []), form.get("notes", [""])
    if len(decisions) != 1 or len(notes_values) != 1 or decisions[0] not in ("approve", "reject"):
        return message(400, "Not a decision", "Choose Approve or Reject on the review page.")
    verdict, notes = decisions[0], notes_values[0].strip()
    payload: dict[str, str] = {"decision": verdict, "by": "page"}
    if notes:
        payload["feedback" if verdict == "approve" else "reason"] = notes
    result = json.dumps(payload)
    try:
        parse_decision(result)  # the workflow's own rules (lengths, fields): refuse here what it would fail on
    except ReviewDecisionError as error:
        return response(422, "Review the outline", review_form(review, action, notes, str(error)))
    try:
        client.send_durable_execution_callback_success(CallbackId=callback_id, Result=result.encode())
    except ClientError as error:
        return _aws_error(error)
    logger.info("review decided", extra={"decision": verdict})
    done = "approved: the draft is being written" if verdict == "approve" else "rejected: no draft will be written"
    return message(200, "Decision sent", f"Thank you. The outline is {done}. You can close this page.")


def _unknown() -> dict[str, Any]:
    return message(404, "Unknown review", "There is no review waiting at this link. Check that the link is complete.")


def _gone(review: ReviewState) -> dict[str, Any]:
    """410 Gone (RFC 9110, 15.5.11): the link worked once and, as intended, no longer does."""
    if review.state == "decided":
        decided = {"approve": " (approved)", "reject": " (rejected)"}.get(review.verdict or "", "")
        return message(410, "Already decided", f"This review has already been decided{decided}. Nothing more to do.")
    if review.state == "expired":
        return message(
            410, "Review expired", "The time for this review has run out; the decision can no longer be sent."
        )
    return message(410, "Review closed", "The workflow is no longer waiting for this review.")


def _aws_error(error: ClientError) -> dict[str, Any]:
    code = error.response.get("Error", {}).get("Code", "")
    if code == "AccessDeniedException":
        return _not_allowed(error)
    if code in _UNKNOWN_ERRORS:
        return _unknown()
    if code == "CallbackTimeoutException":
        # "The callback ID token has either expired or the callback associated with the token
        # has already been closed" (botocore lambda model, CallbackTimeoutException).
        return message(410, "Review closed", "This review was decided or expired in the meantime.")
    logger.error("AWS call failed: %s", code)
    return message(503, "Try again", "The review could not be reached just now; reload the page in a minute.")


def _not_allowed(error: ClientError) -> dict[str, Any]:
    """The page's own role may not make this call. Every call names one of this function's executions
    (_link checked the link first), which the module's role policy allows, so a denial means the
    role lacks the action: named to the reviewer (who tells whoever runs the page) and in the log.
    Nothing about the review is revealed, and nothing was sent."""
    action = f"lambda:{error.operation_name}"
    logger.error("the page's execution role may not perform %s: %s", action, error)
    purpose = _PURPOSES.get(error.operation_name, "reach the review")
    return message(
        500,
        "Review page not allowed",
        f"The review page may not {purpose}: its role lacks {action}. "
        "No decision was sent; please tell whoever runs this page.",
    )
