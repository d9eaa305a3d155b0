"""Reads the Terraform AWS provider makes while planning this module answer as on AWS (gap 6)."""

import json

from durable_api import DURABLE_POLICY_ARN


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


def test_a_system_defined_inference_profile_lists_its_destination_models(aws):
    """`data "aws_bedrock_inference_profile"` reads the foundation models a
    cross-region profile routes to; the module grants exactly those."""
    bedrock = aws("bedrock")

    profile = bedrock.get_inference_profile(inferenceProfileIdentifier="us.anthropic.claude-haiku-4-5-20251001-v1:0")

    assert profile["type"] == "SYSTEM_DEFINED"
    assert profile["inferenceProfileArn"].endswith(":inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0")
    assert [model["modelArn"] for model in profile["models"]] == [
        f"arn:aws:bedrock:{region}::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
        for region in ("us-east-1", "us-east-2", "us-west-2")
    ]
