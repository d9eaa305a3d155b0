"""The review notification through Amazon SNS: a short message to a topic the editors subscribe to.

    notify = SnsReviewNotifier(topic_arn, page_url)
    await_review(context, title=topic, text=outline, settings=settings, notify=notify)

The message names the run's topic, shows the start of the outline, the
callback id and the review's deadline with what a timeout means, and the
review link when a review page is configured (else the AWS CLI commands that
decide). await_review runs the notifier inside the callback's submitter step,
so a replay never publishes again; an AWS error raised here is retried by
the submitter's retry strategy (transient ones with backoff), like any step's.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Mapping
from typing import Protocol, cast

import boto3
from aws_durable_execution_sdk_python.types import LoggerInterface
from botocore.config import Config

from durable_bedrock.review import ReviewRequest, decision_commands, log_review_request
from durable_bedrock.review_link import review_link

# Publish's Subject: "UTF-8 text with no line breaks or control characters, and
# less than 100 characters long" (botocore sns 2010-03-31 model, PublishInput.Subject;
# older SNS docs asked for ASCII). Kept to printable ASCII, which satisfies both,
# and reaches email clients unencoded.
MAX_SUBJECT_CHARS = 99
SUBJECT_PREFIX = "Review waiting: "
# The message stays short (an email or chat notice, not the document): far
# below Publish's 262,144-byte default limit (same model, PublishInput.Message).
MAX_TITLE_CHARS = 300
MAX_EXCERPT_CHARS = 1000
ELLIPSIS = "..."

_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")
_WHITESPACE = re.compile(r"\s+")


class SnsPublisher(Protocol):
    """The part of boto3's SNS client used here (a fake in tests)."""

    def publish(self, *, TopicArn: str, Subject: str, Message: str) -> Mapping[str, object]: ...


@functools.cache
def sns_client(region: str) -> SnsPublisher:
    # One attempt: retries belong to the submitter step (retry_policy.py), as for Bedrock and S3.
    client = boto3.client(
        "sns", region_name=region, config=Config(retries={"mode": "standard", "total_max_attempts": 1})
    )
    return cast(SnsPublisher, client)


def topic_region(topic_arn: str) -> str:
    """The region in a topic ARN (arn:<partition>:sns:<region>:<account>:<name>): a topic is published to there."""
    return topic_arn.split(":")[3]


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def subject_for(title: str) -> str:
    """'Review waiting: <title>' on one line of printable ASCII, under SNS's 100-character limit."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    one_line = _WHITESPACE.sub(" ", _NOT_PRINTABLE_ASCII.sub(" ", ascii_title)).strip() or "an outline"
    return _shortened(SUBJECT_PREFIX + one_line, MAX_SUBJECT_CHARS)


def duration_words(seconds: int) -> str:
    """86400 -> '1 day', 5400 -> '1 hour 30 minutes', 45 -> '45 seconds' (the two largest units)."""
    units = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))
    parts = []
    for name, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(parts[:2]) or "0 seconds"


def message_for(request: ReviewRequest, page_url: str | None, region: str | None) -> str:
    """The notification's text: what to review, where, by when, and what silence means."""
    outline = request.text.strip()
    excerpt = _shortened(outline, MAX_EXCERPT_CHARS)
    shown_chars = len(excerpt) - len(ELLIPSIS)  # when cut: the outline's characters shown before the ellipsis
    shown = "Outline:" if excerpt == outline else f"Outline (the first {shown_chars} of {len(outline)} characters):"
    if request.on_timeout == "proceed":
        silence = "the draft is written from the outline as it is"
    else:
        silence = "the run fails, and no draft is written"
    lines = [
        "An outline waits for your review: approve it (optionally with notes for the writer) or reject it.",
        "",
        f"Topic: {_shortened(request.title.strip(), MAX_TITLE_CHARS)}",
        "",
        shown,
        excerpt,
        "",
        f"Decide within {duration_words(request.timeout_seconds)}; without a decision by then, {silence}.",
        "",
    ]
    if page_url:
        lines.append(f"Review it here: {review_link(page_url, request.execution_arn, request.callback_id)}")
    else:
        commands = decision_commands(request.callback_id, region)
        lines += ["Decide with the AWS CLI:", f"  approve: {commands['approve']}", f"  reject:  {commands['reject']}"]
    lines += ["", f"Execution: {request.execution_arn}", f"Callback id: {request.callback_id}"]
    return "\n".join(lines)


class SnsReviewNotifier:
    """A Notifier (review.py) that publishes the review request to an SNS topic (and logs it as the default does)."""

    def __init__(self, topic_arn: str, page_url: str | None = None) -> None:
        self.topic_arn = topic_arn
        self.page_url = page_url

    def __call__(self, request: ReviewRequest, logger: LoggerInterface) -> None:
        log_review_request(request, logger)
        region = topic_region(self.topic_arn)
        response = sns_client(region).publish(
            TopicArn=self.topic_arn,
            Subject=subject_for(request.title),
            Message=message_for(request, self.page_url, os.environ.get("AWS_REGION")),  # noqa: TID251 in a step
        )
        logger.info(
            "review notification published",
            extra={
                "topic_arn": self.topic_arn,
                "message_id": response.get("MessageId"),
                "callback_id": request.callback_id,
            },
        )
