"""With IAM enforced (LOCAL_AWS_AUTH=1: ministack's AUTH=true), Bedrock runtime calls are authorized as on AWS
(gap 7, Bedrock part): bedrock:InvokeModel on the model or on the inference
profile and every model it routes to, bedrock:GetAsyncInvoke on the job, and
the async job's output written with the caller's s3:PutObject.

These tests run on their own local AWS with enforcement on, started once for
the module. Callers are IAM users with inline policies; the setup calls run as
the root ("test") identity, which is never checked against policies."""

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from durable_api import CLIENT_KWARGS
from session import local_aws_session

ACCOUNT = "000000000000"
PROFILE_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
PROFILE_ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{PROFILE_ID}"
MODEL_ID = "anthropic.claude-haiku-4-5-20251001-v1:0"
DESTINATION_MODELS = [
    f"arn:aws:bedrock:{region}::foundation-model/{MODEL_ID}" for region in ("us-east-1", "us-east-2", "us-west-2")
]
VIDEO_MODEL_ARN = "arn:aws:bedrock:us-west-2::foundation-model/luma.ray-v2:0"
MESSAGES = [{"role": "user", "content": [{"text": "hello"}]}]


@pytest.fixture(scope="module")
def enforcing_aws(tmp_path_factory):
    """A private local AWS with IAM enforcement on (LOCAL_AWS_AUTH=1), whose
    root credentials are test/test."""
    with local_aws_session(tmp_path_factory.mktemp("local-aws-auth"), auth=True) as session:
        yield session


def client(session, service: str, region: str = "us-east-1", keys: tuple[str, str] = ("test", "test")):
    access_key, secret = keys
    kwargs = {**CLIENT_KWARGS, "region_name": region, "aws_access_key_id": access_key}
    return boto3.client(service, endpoint_url=session.endpoint, **{**kwargs, "aws_secret_access_key": secret})


def caller(session, *statements: dict) -> tuple[str, str]:
    """The access key pair of a new IAM user whose only permissions are `statements`."""
    iam = client(session, "iam")
    name = f"caller-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def allow(action, resource, **condition) -> dict:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return {**statement, "Condition": condition} if condition else statement


# The module's policy for a profile (iam.tf, InvokeThroughInferenceProfile and
# ProfileDestinationModels): the profile, and its models only through it.
def through_profile(models: list[str], operator: str = "StringEquals") -> list[dict]:
    return [
        allow("bedrock:InvokeModel", PROFILE_ARN),
        allow("bedrock:InvokeModel", models, **{operator: {"bedrock:InferenceProfileArn": PROFILE_ARN}}),
    ]


def denied_action(call) -> str:
    """The error message of a call that must be refused with AccessDenied."""
    with pytest.raises(ClientError) as refused:
        call()
    error = refused.value.response["Error"]
    assert "AccessDenied" in error["Code"], error
    return error["Message"]


def test_the_modules_profile_policy_allows_converse_through_the_profile(enforcing_aws):
    for operator in ("StringEquals", "ArnEquals"):
        keys = caller(enforcing_aws, *through_profile(DESTINATION_MODELS, operator))
        bedrock = client(enforcing_aws, "bedrock-runtime", keys=keys)

        for model_id in (PROFILE_ID, PROFILE_ARN):
            reply = bedrock.converse(modelId=model_id, messages=MESSAGES)
            assert reply["output"]["message"]["role"] == "assistant"


def test_a_profile_call_needs_the_model_in_every_destination_region(enforcing_aws):
    keys = caller(enforcing_aws, *through_profile(DESTINATION_MODELS[:-1]))  # no us-west-2
    bedrock = client(enforcing_aws, "bedrock-runtime", keys=keys)

    assert "bedrock:InvokeModel" in denied_action(lambda: bedrock.converse(modelId=PROFILE_ID, messages=MESSAGES))


def test_a_deny_on_the_routed_models_denies_the_profile_call(enforcing_aws):
    deny = {
        "Effect": "Deny",
        "Action": "bedrock:InvokeModel",
        "Resource": "arn:aws:bedrock:*::foundation-model/anthropic.*",
    }
    keys = caller(enforcing_aws, *through_profile(DESTINATION_MODELS), deny)
    bedrock = client(enforcing_aws, "bedrock-runtime", keys=keys)

    assert "bedrock:InvokeModel" in denied_action(lambda: bedrock.converse(modelId=PROFILE_ID, messages=MESSAGES))


def test_converse_is_not_an_iam_action(enforcing_aws):
    keys = caller(enforcing_aws, allow(["bedrock:Converse", "bedrock:ConverseStream"], "*"))
    bedrock = client(enforcing_aws, "bedrock-runtime", keys=keys)

    assert "bedrock:InvokeModel" in denied_action(lambda: bedrock.converse(modelId=PROFILE_ID, messages=MESSAGES))
    message = denied_action(lambda: bedrock.converse_stream(modelId=MODEL_ID, messages=MESSAGES))
    assert "bedrock:InvokeModelWithResponseStream" in message


def test_a_model_granted_only_through_the_profile_cannot_be_called_directly(enforcing_aws):
    keys = caller(enforcing_aws, through_profile(DESTINATION_MODELS)[1])
    bedrock = client(enforcing_aws, "bedrock-runtime", keys=keys)

    assert "bedrock:InvokeModel" in denied_action(lambda: bedrock.converse(modelId=MODEL_ID, messages=MESSAGES))


def start_video(bedrock, s3_uri: str) -> str:
    return bedrock.start_async_invoke(
        modelId="luma.ray-v2:0",
        modelInput={"prompt": "a boat", "duration": "5s"},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": s3_uri}},
    )["invocationArn"]


@pytest.fixture(scope="module")
def video_bucket(enforcing_aws):
    name = f"videos-{uuid.uuid4().hex[:8]}"
    client(enforcing_aws, "s3").create_bucket(Bucket=name)
    return name


def test_start_async_invoke_is_authorized_as_invoke_model_on_the_model(enforcing_aws, video_bucket):
    write = allow("s3:PutObject", f"arn:aws:s3:::{video_bucket}/*")
    allowed = caller(enforcing_aws, allow("bedrock:InvokeModel", VIDEO_MODEL_ARN), write)
    other_region = caller(enforcing_aws, allow("bedrock:InvokeModel", VIDEO_MODEL_ARN.replace("west", "east")), write)

    arn = start_video(client(enforcing_aws, "bedrock-runtime", "us-west-2", allowed), f"s3://{video_bucket}/a/")
    assert arn.startswith(f"arn:aws:bedrock:us-west-2:{ACCOUNT}:async-invoke/")
    refused = client(enforcing_aws, "bedrock-runtime", "us-west-2", other_region)
    assert "bedrock:InvokeModel" in denied_action(lambda: start_video(refused, f"s3://{video_bucket}/a/"))


def test_get_async_invoke_is_authorized_on_the_job(enforcing_aws, video_bucket):
    arn = start_video(client(enforcing_aws, "bedrock-runtime", "us-west-2"), f"s3://{video_bucket}/b/")
    jobs_in = {region: f"arn:aws:bedrock:{region}:{ACCOUNT}:async-invoke/*" for region in ("us-west-2", "us-east-1")}
    here = caller(enforcing_aws, allow("bedrock:GetAsyncInvoke", jobs_in["us-west-2"]))
    elsewhere = caller(enforcing_aws, allow("bedrock:GetAsyncInvoke", jobs_in["us-east-1"]))

    job = client(enforcing_aws, "bedrock-runtime", "us-west-2", here).get_async_invoke(invocationArn=arn)
    assert job["invocationArn"] == arn
    refused = client(enforcing_aws, "bedrock-runtime", "us-west-2", elsewhere)
    assert "bedrock:GetAsyncInvoke" in denied_action(lambda: refused.get_async_invoke(invocationArn=arn))


def test_an_async_job_writes_its_output_with_the_callers_permissions(enforcing_aws, video_bucket):
    root_bedrock = client(enforcing_aws, "bedrock-runtime", "us-west-2")
    s3 = client(enforcing_aws, "s3")
    invoke = allow("bedrock:InvokeModel", VIDEO_MODEL_ARN)
    writer = caller(enforcing_aws, invoke, allow("s3:PutObject", f"arn:aws:s3:::{video_bucket}/allowed/*"))

    def run(folder: str) -> dict:
        arn = start_video(
            client(enforcing_aws, "bedrock-runtime", "us-west-2", writer), f"s3://{video_bucket}/{folder}/"
        )
        return root_bedrock.get_async_invoke(invocationArn=arn)

    def written(folder: str) -> list[str]:
        return [
            item["Key"] for item in s3.list_objects_v2(Bucket=video_bucket, Prefix=f"{folder}/").get("Contents", [])
        ]

    # Outside the caller's prefix: StartAsyncInvoke succeeds, the job fails and writes nothing.
    job = run("elsewhere")
    assert job["status"] == "Failed"
    assert "s3:PutObject" in job["failureMessage"]
    assert written("elsewhere") == []
    # Inside it: the job completes with its video.
    job = run("allowed")
    assert job["status"] == "Completed"
    assert written("allowed") == [f"allowed/{job['invocationArn'].rsplit('/', 1)[-1]}/output.mp4"]


def test_a_tls_only_bucket_takes_writes_and_reads_from_allowed_callers(enforcing_aws):
    """Gap 7d: the module's video bucket denies every request whose
    aws:SecureTransport is false. Local AWS serves plain HTTP where AWS's
    endpoints are HTTPS, so without loopback_requests_count_as_tls that policy
    denies the async job's write and the function's listing of its folder."""
    bucket = f"tls-only-{uuid.uuid4().hex[:8]}"
    s3 = client(enforcing_aws, "s3")
    s3.create_bucket(Bucket=bucket)
    tls_only = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [tls_only]}))
    keys = caller(
        enforcing_aws,
        allow("bedrock:InvokeModel", VIDEO_MODEL_ARN),
        allow("s3:PutObject", f"arn:aws:s3:::{bucket}/videos/*"),
        allow("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
    )

    arn = start_video(client(enforcing_aws, "bedrock-runtime", "us-west-2", keys), f"s3://{bucket}/videos/")
    job = client(enforcing_aws, "bedrock-runtime", "us-west-2").get_async_invoke(invocationArn=arn)
    listed = client(enforcing_aws, "s3", keys=keys).list_objects_v2(Bucket=bucket, Prefix="videos/")

    assert job["status"] == "Completed", job.get("failureMessage")
    assert [item["Key"] for item in listed["Contents"]] == [f"videos/{arn.rsplit('/', 1)[-1]}/output.mp4"]
