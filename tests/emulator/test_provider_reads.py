"""Reads the Terraform AWS provider makes while planning this module answer as on AWS (gap 6)."""

import json

DURABLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"


def test_managed_durable_execution_policy_is_readable(aws):
    """`data "aws_iam_policy"` calls GetPolicy and GetPolicyVersion on the
    AWS managed policy the module attaches."""
    iam = aws("iam")

    policy = iam.get_policy(PolicyArn=DURABLE_POLICY_ARN)["Policy"]
    version = iam.get_policy_version(PolicyArn=DURABLE_POLICY_ARN, VersionId=policy["DefaultVersionId"])

    assert policy["PolicyName"] == "AWSLambdaBasicDurableExecutionRolePolicy"
    assert policy["Path"] == "/service-role/"
    document = version["PolicyVersion"]["Document"]
    if isinstance(document, str):
        document = json.loads(document)
    actions = {action for statement in document["Statement"] for action in statement["Action"]}
    assert {"lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"} <= actions


def test_bucket_request_payment_is_readable(aws):
    """aws_s3_bucket reads GetBucketRequestPayment on every refresh."""
    s3 = aws("s3")
    s3.create_bucket(Bucket="request-payment-probe")

    assert s3.get_bucket_request_payment(Bucket="request-payment-probe")["Payer"] == "BucketOwner"
