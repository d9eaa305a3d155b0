"""An SQS queue subscribed to an SNS topic, where a test reads what the topic's subscribers receive."""

import json
import uuid


class Inbox:
    def __init__(self, sns, sqs, topic_arn: str) -> None:
        self.sqs = sqs
        self.queue_url = sqs.create_queue(QueueName=f"inbox-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        # SNS delivers to a queue only if the queue's policy lets the topic send (SNS developer guide,
        # subscribe-sqs-queue-to-sns-topic.html).
        delivery = {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
        }
        sqs.set_queue_attributes(
            QueueUrl=self.queue_url,
            Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [delivery]})},
        )
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def messages(self) -> list[dict]:
        """The SNS envelopes delivered so far (waiting briefly for the first)."""
        received = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
        return [json.loads(message["Body"]) for message in received.get("Messages", [])]

    def delete(self) -> None:
        self.sqs.delete_queue(QueueUrl=self.queue_url)
