"""The review notification (durable_bedrock.review_sns) published through local AWS's real SNS, with IAM
enforced (a private local AWS with LOCAL_AWS_AUTH=1): as a role granted what the module grants the
function's role (sns:Publish on the review topic, nothing else), it reaches the topic's subscribers; to any
other topic it is refused with AuthorizationError (403, botocore sns model), which the submitter's retry
strategy does not retry. A topic encrypted with a customer managed key also needs the module's grant on
the key (patch sns_publish_needs_the_topic_key)."""

import json
import logging
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from durable_api import CLIENT_KWARGS
from durable_bedrock import review_sns
from durable_bedrock.retry_policy import bedrock_retry_strategy
from durable_bedrock.review import ReviewRequest
from durable_bedrock.review_link import review_link
from session import local_aws_session
from sns_inbox import Inbox

ACCOUNT = "000000000000"
PAGE_URL = "http://review.lambda-url.us-east-1.localhost:4566/"
EXECUTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pipeline:1/durable-execution/run-1/abc"


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """(endpoint, root clients) of a private local AWS with IAM enforced."""
    with local_aws_session(tmp_path_factory.mktemp("local-aws-review-sns"), auth=True) as session:
        yield session.endpoint, lambda service: boto3.client(service, endpoint_url=session.endpoint, **CLIENT_KWARGS)


class Editors:
    """A review topic with an inbox (where an editor's message can be read), another
    topic, and a role that may publish to the review topic only (the module's AnnounceReviews statement)."""

    def __init__(self, root, kms_key_arn: str | None = None) -> None:
        sns, sqs, iam, sts = root("sns"), root("sqs"), root("iam"), root("sts")
        suffix = uuid.uuid4().hex[:8]
        attributes = {"KmsMasterKeyId": kms_key_arn} if kms_key_arn else {}
        self.topic_arn = sns.create_topic(Name=f"pipeline-review-{suffix}", Attributes=attributes)["TopicArn"]
        self.other_topic_arn = sns.create_topic(Name=f"other-{suffix}")["TopicArn"]
        self.inbox = Inbox(sns, sqs, self.topic_arn)

        trust = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        self.iam = iam
        role = iam.create_role(
            RoleName=f"announcer-{suffix}",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
        )["Role"]
        self.role_name = role["RoleName"]
        self.grant()
        self.credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="announcer")["Credentials"]

    def grant(self, *more: dict) -> None:
        """The role's policy: the module's AnnounceReviews statement, and `more`."""
        publish = {"Sid": "AnnounceReviews", "Effect": "Allow", "Action": "sns:Publish", "Resource": self.topic_arn}
        self.iam.put_role_policy(
            RoleName=self.role_name,
            PolicyName="review-notification",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [publish, *more]}),
        )

    def messages(self) -> list[dict]:
        """The SNS envelopes the editors' queue received so far."""
        return self.inbox.messages()


@pytest.fixture
def key_arn(local) -> str:
    """A customer managed key (its default key policy lets the account's IAM policies decide)."""
    _, root = local
    return root("kms").create_key(Description="review topic")["KeyMetadata"]["Arn"]


@pytest.fixture(params=[False, True], ids=["plain-topic", "topic-with-customer-key"])
def encrypted(request) -> bool:
    return request.param


@pytest.fixture
def editors(local, monkeypatch, encrypted, key_arn):
    """Editors (their topic encrypted with key_arn or not), with the process's AWS settings those of the
    function: the role's session, local AWS's endpoint. With the key, the role has the module's key grant."""
    endpoint, root = local
    setup = Editors(root, key_arn if encrypted else None)
    if encrypted:
        setup.grant(key_statement(key_arn, "sns.us-east-1.amazonaws.com"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", setup.credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", setup.credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", setup.credentials["SessionToken"])
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    # The client is made from these settings: by a new default session (boto3's caches the credentials it found).
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    review_sns.sns_client.cache_clear()
    yield setup
    review_sns.sns_client.cache_clear()


def key_statement(key_arn: str, via_service: str) -> dict:
    """The module's EncryptAnnouncementsWithTheTopicKey statement (review_notification.tf)."""
    return {
        "Sid": "EncryptAnnouncementsWithTheTopicKey",
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": key_arn,
        "Condition": {"StringEquals": {"kms:ViaService": via_service}},
    }


def request(callback_id: str) -> ReviewRequest:
    return ReviewRequest(callback_id, EXECUTION_ARN, "Durable functions", "- one\n- two", 86_400, "proceed")


def test_the_role_announces_a_review_on_its_topic(editors):
    notify = review_sns.SnsReviewNotifier(editors.topic_arn, PAGE_URL)

    notify(request("cb-allowed"), logging.getLogger("review"))

    [envelope] = editors.messages()
    assert envelope["TopicArn"] == editors.topic_arn
    assert envelope["Subject"] == "Review waiting: Durable functions"
    message = envelope["Message"]
    assert "Topic: Durable functions" in message
    assert "Outline:\n- one\n- two\n" in message
    assert f"Review it here: {review_link(PAGE_URL, EXECUTION_ARN, 'cb-allowed')}\n" in message
    assert "Callback id: cb-allowed" in message


def test_the_role_may_not_announce_on_another_topic(editors):
    notify = review_sns.SnsReviewNotifier(editors.other_topic_arn)

    with pytest.raises(ClientError) as refused:
        notify(request("cb-refused"), logging.getLogger("review"))

    assert refused.value.response["Error"]["Code"] == "AuthorizationError", refused.value.response
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert not bedrock_retry_strategy(refused.value, 1).should_retry  # the review fails at once
    assert editors.messages() == []


@pytest.mark.parametrize("encrypted", [True], ids=["topic-with-customer-key"])
def test_a_topic_with_a_customer_key_needs_the_grant_on_the_key_through_sns(editors, key_arn):
    """Without the key grant, or with it for another service, Publish fails with KMSAccessDenied
    (400, botocore sns model), which is not retried; nothing is delivered."""
    notify = review_sns.SnsReviewNotifier(editors.topic_arn)
    for statements in ([], [key_statement(key_arn, "sqs.us-east-1.amazonaws.com")]):
        editors.grant(*statements)

        with pytest.raises(ClientError) as refused:
            notify(request("cb-no-key"), logging.getLogger("review"))

        assert refused.value.response["Error"]["Code"] == "KMSAccessDenied", refused.value.response
        assert "kms:GenerateDataKey" in refused.value.response["Error"]["Message"]
        assert not bedrock_retry_strategy(refused.value, 1).should_retry
        assert editors.messages() == []

    editors.grant(key_statement(key_arn, "sns.us-east-1.amazonaws.com"))
    notify(request("cb-with-key"), logging.getLogger("review"))
    assert [envelope["Subject"] for envelope in editors.messages()] == ["Review waiting: Durable functions"]
