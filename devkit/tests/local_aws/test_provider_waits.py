"""Answers the Terraform AWS provider's waiters poll for, given at once as on AWS.

Not a gap (stock ministack answers this way): these pin why an apply or
destroy against local AWS waits only the provider's own floor (docs/ARCHITECTURE.md,
"Not gaps"). A different answer would make the provider poll until its
3-minute timeout and fail.
"""

import uuid

import pytest
from botocore.exceptions import ClientError


def test_a_deleted_queue_is_reported_missing_with_the_code_the_provider_waits_for(aws):
    """waitQueueDeleted polls GetQueueAttributes until it fails with
    AWS.SimpleQueueService.NonExistentQueue: SQS's JSON protocol is
    awsQueryCompatible (botocore sqs/2012-11-05 metadata), so the legacy code
    comes in the x-amzn-query-error header, which botocore reads as the code."""
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=f"deleted-{uuid.uuid4().hex[:8]}")["QueueUrl"]

    sqs.delete_queue(QueueUrl=url)

    with pytest.raises(ClientError) as missing:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert missing.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"


def test_a_lifecycle_configuration_reads_back_as_written(aws):
    """waitLifecycleConfigEquals compares what GetBucketLifecycleConfiguration
    returns (rules and the x-amz-transition-default-minimum-object-size
    header, which the provider plans as all_storage_classes_128K for a
    general purpose bucket when unset) with what was put; here the module's
    video bucket rules, an empty filter included."""
    s3 = aws("s3")
    bucket = f"lifecycle-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    rules = [
        {"ID": "expire-videos", "Status": "Enabled", "Filter": {"Prefix": "videos/"}, "Expiration": {"Days": 30}},
        {
            "ID": "abort-incomplete-uploads",
            "Status": "Enabled",
            "Filter": {},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
    ]

    put = s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    read = s3.get_bucket_lifecycle_configuration(Bucket=bucket)

    assert read["Rules"] == rules
    assert read["TransitionDefaultMinimumObjectSize"] == put["TransitionDefaultMinimumObjectSize"]
    assert read["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
