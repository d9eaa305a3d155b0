"""The review notification through SNS (review_sns.py) in the content pipeline, on the official testing runner,
with a fake SNS client: published once across replays, what the message says, a link only with a review page."""

import json

import pytest
from botocore.exceptions import ClientError

from durable_bedrock import content_pipeline, review_sns
from durable_bedrock.review import ReviewRequest, decision_commands
from durable_bedrock.review_link import review_link
from durable_runner import decide, finished, pending_callback, run_workflow, started_workflow

SUCCEEDED, FAILED = "SUCCEEDED", "FAILED"
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:editors"
PAGE_URL = "https://abcdefghij.lambda-url.us-east-1.on.aws/"
OUTLINE, ARTICLE, SUMMARY = "- point one\n- point two", "The full article.", "Two sentences."


class FakeSns:
    """Records every Publish; `failures` are raised, one per call, before anything is recorded."""

    def __init__(self) -> None:
        self.published: list[dict] = []
        self.regions: list[str] = []
        self.failures: list[Exception] = []

    def client(self, region: str) -> "FakeSns":
        self.regions.append(region)
        return self

    def publish(self, **request: str) -> dict:
        if self.failures:
            raise self.failures.pop(0)
        self.published.append(request)
        return {"MessageId": f"message-{len(self.published)}"}


@pytest.fixture
def sns(monkeypatch):
    fake = FakeSns()
    monkeypatch.setattr(review_sns, "sns_client", fake.client)
    return fake


@pytest.fixture
def pipeline(configure, fake_bedrock, sns):
    """configure_review(**extra) sets callback mode with a day to decide; Bedrock answers all three prompts."""

    def configure_review(**extra: str):
        configure(REVIEW_MODE="callback", REVIEW_TIMEOUT_SECONDS="86400", **extra)
        for text in (OUTLINE, ARTICLE, SUMMARY):
            fake_bedrock.reply(text, input_tokens=1, output_tokens=1)

    return configure_review


def approved_run(topic: str = "durable functions") -> tuple:
    """Runs the pipeline to its end through an approval; (result, events, execution ARN, callback id)."""
    with started_workflow(content_pipeline.handler, {"topic": topic}) as (runner, arn):
        callback_id = pending_callback(runner, arn)
        decide(runner, callback_id, decision="approve")
        result, events = finished(runner, arn)
    return result, events, arn, callback_id


def test_the_review_is_published_once_across_replays_with_what_to_decide(pipeline, sns):
    pipeline(REVIEW_TOPIC_ARN=TOPIC_ARN)

    result, events, arn, callback_id = approved_run()

    assert result.status.value == SUCCEEDED, result.error
    assert len([e for e in events if e.event_type == "InvocationCompleted"]) >= 2  # suspended, then replayed
    assert len(sns.published) == 1
    assert sns.regions == ["eu-west-1"]  # the topic's region, whatever the function's
    published = sns.published[0]
    assert published["TopicArn"] == TOPIC_ARN
    assert published["Subject"] == "Review waiting: durable functions"
    message = published["Message"]
    assert "Topic: durable functions" in message
    assert f"Outline:\n{OUTLINE}\n" in message
    assert "Decide within 1 day; without a decision by then, the run fails, and no draft is written." in message
    assert f"Callback id: {callback_id}" in message
    assert f"Execution: {arn}" in message


def test_without_a_page_the_message_has_no_link_but_the_commands_that_decide(pipeline, sns):
    pipeline(REVIEW_TOPIC_ARN=TOPIC_ARN, REVIEW_TIMEOUT_MEANS="proceed")

    _, _, _, callback_id = approved_run()

    message = sns.published[0]["Message"]
    assert "http" not in message
    assert decision_commands(callback_id)["approve"] in message
    assert decision_commands(callback_id)["reject"] in message
    assert "the draft is written from the outline as it is" in message


def test_with_a_page_the_message_links_to_this_review(pipeline, sns):
    pipeline(REVIEW_TOPIC_ARN=TOPIC_ARN, REVIEW_PAGE_URL=PAGE_URL)

    _, _, arn, callback_id = approved_run()

    message = sns.published[0]["Message"]
    assert f"Review it here: {review_link(PAGE_URL, arn, callback_id)}\n" in message
    assert "send-durable-execution-callback-success" not in message


def test_without_a_topic_nothing_is_published(pipeline, sns):
    pipeline(REVIEW_PAGE_URL=PAGE_URL)

    result, _, _, _ = approved_run()

    assert result.status.value == SUCCEEDED, result.error
    assert sns.published == []


def test_a_throttled_publish_is_retried_and_sent_once(pipeline, sns):
    throttled = ClientError({"Error": {"Code": "Throttled"}, "ResponseMetadata": {"HTTPStatusCode": 429}}, "Publish")
    sns.failures = [throttled, throttled]
    pipeline(REVIEW_TOPIC_ARN=TOPIC_ARN)

    result, _, _, _ = approved_run()

    assert result.status.value == SUCCEEDED, result.error
    assert len(sns.published) == 1


def test_a_refused_publish_fails_the_review_at_once(pipeline, sns, fake_bedrock):
    """AuthorizationError (403 in the botocore sns model) is permanent: the role may not publish to the topic."""
    refused = ClientError({"Error": {"Code": "AuthorizationError", "Message": "not authorized"}}, "Publish")
    sns.failures = [refused]
    pipeline(REVIEW_TOPIC_ARN=TOPIC_ARN)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert "AuthorizationError" in json.dumps(result.error.to_dict())
    assert sns.published == []
    assert len(fake_bedrock.calls_to("Converse")) == 1  # the outline only


def request(title: str = "durable functions", text: str = OUTLINE) -> ReviewRequest:
    return ReviewRequest(
        "cb-1", "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/n/i", title, text, 5400, "fail"
    )


def test_a_long_outline_is_cut_to_a_bounded_excerpt_saying_so():
    outline = "- " + "word " * 1000

    message = review_sns.message_for(request(text=outline), None, "us-east-1")

    excerpt = message.split("characters):\n", 1)[1].split("\n", 1)[0]
    assert len(excerpt) <= review_sns.MAX_EXCERPT_CHARS and excerpt.endswith("...")
    assert outline.startswith(excerpt.removesuffix("..."))
    shown = len(excerpt) - 3
    assert f"Outline (the first {shown} of {len(outline.strip())} characters):" in message
    assert len(message) < 3000
    assert "Decide within 1 hour 30 minutes;" in message


@pytest.mark.parametrize(
    "title,subject",
    [
        ("Café économie", "Review waiting: Cafe economie"),
        ("two\nlines\tand\x07bell", "Review waiting: two lines and bell"),
        ("日本語", "Review waiting: an outline"),
    ],
)
def test_the_subject_is_one_line_of_printable_ascii(title, subject):
    assert review_sns.subject_for(title) == subject


def test_a_long_title_is_cut_under_the_subject_limit():
    subject = review_sns.subject_for("x" * 500)

    assert len(subject) == review_sns.MAX_SUBJECT_CHARS < 100  # "less than 100 characters" (botocore sns model)
    assert subject.endswith("...")


@pytest.mark.parametrize(
    "variable,value,rule",
    [
        ("REVIEW_TOPIC_ARN", "editors", "the ARN of a standard (not FIFO) SNS topic"),
        ("REVIEW_TOPIC_ARN", "arn:aws:sqs:us-east-1:123456789012:editors", "SNS topic"),
        ("REVIEW_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:editors.fifo", "not FIFO"),
        ("REVIEW_PAGE_URL", "http://review.example.com/", "an https:// URL"),
        ("REVIEW_PAGE_URL", "https://review.example.com/?token=1", "without query or fragment"),
        ("REVIEW_PAGE_URL", "javascript:alert(1)", "an https:// URL"),
    ],
)
def test_a_bad_notification_setting_fails_naming_the_variable(configure, fake_bedrock, variable, value, rule):
    configure(REVIEW_MODE="callback", **{variable: value})

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert f"environment variable {variable}" in result.error.message
    assert rule in result.error.message
    assert fake_bedrock.calls == []


@pytest.mark.parametrize(
    "url", [PAGE_URL, "https://review.example.com/decide", "http://abc.lambda-url.us-east-1.localhost:4566/"]
)
def test_https_pages_and_local_aws_pages_are_accepted(configure, url):
    configure(REVIEW_PAGE_URL=url)

    assert content_pipeline.settings().review_page_url == url
