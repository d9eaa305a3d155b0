"""Fixtures that drive the local emulator through boto3 exactly as AWS would be driven."""

import uuid

import boto3
import pytest

from durable_api import CLIENT_KWARGS, create_durable_function, durable_role
from review_page_deployment import ReviewPage, deploy_review_page
from session import local_aws_session


@pytest.fixture(scope="session")
def aws(local_aws):
    """boto3 clients for the emulator: aws("lambda"), aws("iam"), ..."""
    return lambda service: boto3.client(service, endpoint_url=local_aws.endpoint, **CLIENT_KWARGS)


@pytest.fixture(scope="session")
def role_arn(aws):
    return durable_role(aws("iam"), "durable-test")


@pytest.fixture
def deploy(aws, role_arn, tmp_path):
    """deploy(source, **env) creates a durable function from functions/<source>.py
    with a plain DurableConfig (as boto3 or Terraform send it), publishes a
    version and returns (function_name, version, call_log_path)."""
    lam = aws("lambda")

    def _deploy(source: str, **env: str):
        name = f"{source.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        call_log = tmp_path / f"{name}.calls"
        call_log.touch()
        version = create_durable_function(lam, name, role_arn, source, {"CALL_LOG": str(call_log), **env})
        return name, version, call_log

    return _deploy


@pytest.fixture(scope="module")
def iam_local_aws(tmp_path_factory):
    """The endpoint of a local AWS of the test file's own that enforces IAM (the session's may not)."""
    with local_aws_session(tmp_path_factory.mktemp("local-aws-iam"), auth=True) as session:
        yield session.endpoint


@pytest.fixture(scope="module")
def review_page(iam_local_aws) -> ReviewPage:
    """A durable function awaiting reviews and its review page as review_page.tf deploys them."""
    return deploy_review_page(iam_local_aws)
