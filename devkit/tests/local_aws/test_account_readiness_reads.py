"""The reads `make preflight` makes to judge an account answer as on AWS.

Each test works in an account of its own (ministack takes a 12-digit access
key id as the account id), so what one accepts or creates no other sees, and
fails without the compatibility patch its docstring names.
"""

import json
import random

import boto3
import pytest
from botocore.exceptions import ClientError

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
LUMA = "luma.ray-v2:0"


@pytest.fixture
def account_client(local_aws):
    """account_client(service) -> a client for a fresh account, as its root user."""
    account = str(random.randrange(10**11, 10**12))

    def client(service: str, region: str = "us-east-1"):
        return boto3.client(
            service,
            endpoint_url=local_aws.endpoint,
            region_name=region,
            aws_access_key_id=account,
            aws_secret_access_key="test",
        )

    client.account = account
    return client


def test_current_models_are_in_the_foundation_model_catalog(account_client):
    """current_foundation_models_in_catalog: the workflows' default models
    exist, with the inference types and outputs AWS reports, and follow the
    Marketplace rule (not available until the offer is accepted)."""
    bedrock = account_client("bedrock", "us-west-2")

    haiku = bedrock.get_foundation_model(modelIdentifier=HAIKU)["modelDetails"]
    luma = bedrock.get_foundation_model(modelIdentifier=LUMA)["modelDetails"]

    assert (haiku["providerName"], haiku["outputModalities"], haiku["inferenceTypesSupported"]) == (
        "Anthropic",
        ["TEXT"],
        ["INFERENCE_PROFILE"],
    )
    assert (luma["providerName"], luma["outputModalities"], luma["inferenceTypesSupported"]) == (
        "Luma AI",
        ["VIDEO"],
        ["ON_DEMAND"],
    )
    assert luma["modelLifecycle"]["status"] == "ACTIVE"
    assert bedrock.get_foundation_model_availability(modelId=LUMA)["agreementAvailability"]["status"] == "NOT_AVAILABLE"
    offer = bedrock.list_foundation_model_agreement_offers(modelId=LUMA)["offers"][0]
    bedrock.create_foundation_model_agreement(modelId=LUMA, offerToken=offer["offerToken"])
    assert bedrock.get_foundation_model_availability(modelId=LUMA)["agreementAvailability"]["status"] == "AVAILABLE"


def test_the_use_case_form_is_absent_until_submitted(account_client):
    """use_case_form_absent_until_submitted: GetUseCaseForModelAccess answers
    ResourceNotFoundException before the form, the form after."""
    bedrock = account_client("bedrock")

    with pytest.raises(ClientError) as absent:
        bedrock.get_use_case_for_model_access()
    form = json.dumps({"companyName": "Example Corp", "useCases": "Drafting articles"}).encode()
    bedrock.put_use_case_for_model_access(formData=form)

    assert absent.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert bedrock.get_use_case_for_model_access()["formData"] == form


def test_simulation_resolves_a_role_arn_with_its_path_and_refuses_unknown_principals(account_client):
    """simulation_resolves_principal_arn: a role with a path is simulated with
    its own policies; an ARN naming no role answers NoSuchEntity."""
    iam = account_client("iam")
    iam.create_role(RoleName="deployer", Path="/teams/platform/", AssumeRolePolicyDocument="{}")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName="deployer", PolicyName="deploy", PolicyDocument=json.dumps(policy))
    role_arn = f"arn:aws:iam::{account_client.account}:role/teams/platform/deployer"

    results = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=["lambda:CreateFunction", "iam:CreateRole"]
    )["EvaluationResults"]
    with pytest.raises(ClientError) as unknown:
        iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{account_client.account}:role/nobody", ActionNames=["lambda:CreateFunction"]
        )

    assert {r["EvalActionName"]: r["EvalDecision"] for r in results} == {
        "lambda:CreateFunction": "allowed",
        "iam:CreateRole": "implicitDeny",
    }
    assert unknown.value.response["Error"]["Code"] == "NoSuchEntity"


def test_service_quotas_lists_bedrock_quotas_page_by_page(account_client):
    """service_quotas_lists_bedrock_quotas: ListServiceQuotas answers Amazon
    Bedrock's quotas, in pages of MaxResults with NextToken."""
    quotas = account_client("service-quotas", "us-west-2")

    first = quotas.list_service_quotas(ServiceCode="bedrock", MaxResults=2)
    pages = quotas.get_paginator("list_service_quotas").paginate(
        ServiceCode="bedrock", PaginationConfig={"PageSize": 2}
    )
    every = [quota for page in pages for quota in page["Quotas"]]

    assert len(first["Quotas"]) == 2 and first["NextToken"]
    assert len(every) > 2 and len({quota["QuotaCode"] for quota in every}) == len(every)
    luma = next(quota for quota in every if quota["QuotaName"].endswith("Luma Ray V2"))
    assert luma["Value"] == 1.0
    assert luma["QuotaArn"] == f"arn:aws:servicequotas:us-west-2:{account_client.account}:bedrock/{luma['QuotaCode']}"
