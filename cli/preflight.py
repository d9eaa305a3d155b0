"""Check that an AWS account is ready for an example, before anything is created.

    python cli preflight --example-dir examples/content-pipeline [--endpoint-url http://127.0.0.1:4566]
    python cli preflight --region us-east-2 --model-id us.anthropic.claude-haiku-4-5-20251001-v1:0
                         [--bedrock-region us-west-2] [--workflow content_pipeline|video_generation|custom]
                         [--model classify=us.amazon.nova-micro-v1:0 --model write=...]
                         [--sqs] [--name durable-content-pipeline] [--json]

Only read-only calls: who the credentials are; whether the region offers
Lambda durable functions; whether the model (or inference profile) exists
there, fits the workflow and is usable by this account and principal
(agreement, authorization, entitlement, region, Anthropic's use-case form),
for each of a custom workflow's named models (the module's `models`: one set
of model lines per name, the check named "<check> (<name>)");
whether the caller may create what `terraform apply` creates (IAM policy
simulation); and the Bedrock quotas that matter for the model. One line per
check: `ok`, `FIX: what to do` or `skip: why it could not be checked`.

--example-dir reads the settings from the example's files (example_settings.py
says how); explicit flags override them. Without --endpoint-url it talks to
AWS with the default credential chain; with it, to local AWS on loopback with
test credentials.

Exit status: 0 nothing to fix (skips allowed); 1 something to fix; 2 could not
run (bad arguments, unreadable example, local AWS not reachable).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypedDict, overload
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

import example_settings

if TYPE_CHECKING:  # stubs only (boto3-stubs, a development requirement)
    from mypy_boto3_bedrock import BedrockClient
    from mypy_boto3_bedrock.literals import InferenceTypeType, ModelModalityType
    from mypy_boto3_bedrock.type_defs import FoundationModelLifecycleTypeDef
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_iam.type_defs import ContextEntryTypeDef, SimulatePrincipalPolicyRequestPaginateTypeDef
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_service_quotas import ServiceQuotasClient
    from mypy_boto3_service_quotas.type_defs import ServiceQuotaTypeDef
    from mypy_boto3_sts import STSClient

DESCRIPTION = "check that an AWS account is ready for an example, before anything is created (read-only)"

# There is no API that lists the regions offering durable functions, and AWS
# has added regions since the launch in us-east-2 (2025-12-02): 14 more in
# 2025-12 and 16 more on 2026-04-22, 31 in all ("Lambda durable functions now
# available in 16 new regions", AWS What's New, 2026-04; aws/aws-lambda-roadmap#80).
# So the check asks Lambda itself: ListDurableExecutionsByFunction (botocore
# lambda 2015-03-31, errors InvalidParameterValueException, ServiceException,
# TooManyRequestsException, ResourceNotFoundException) for a function that
# does not exist answers ResourceNotFoundException where the durable API is
# served; any other answer means it is not.
DURABLE_PROBE_FUNCTION = "durable-bedrock-preflight-probe"
LAMBDA_REGIONS_PAGE = "https://docs.aws.amazon.com/general/latest/gr/lambda-service.html"

# What each workflow needs from its model: FoundationModelDetails.outputModalities
# (botocore bedrock/2023-04-20 service-2.json). VIDEO is newer than the model's
# ModelModality enum (TEXT, IMAGE, EMBEDDING); AWS reports it for video models.
# A custom workflow's code is not known here: any output will do.
NEEDED_OUTPUT = {"content_pipeline": "TEXT", "video_generation": "VIDEO"}
WORKFLOWS = sorted([*NEEDED_OUTPUT, "custom"])

# A system-defined cross-region profile id: <geo>.<provider>.<model> (us., eu., apac., global., us-gov., ...);
# the same rule as the module's bedrock_model.tf.
PROFILE_ID = re.compile(r"^[a-z]{2,6}(-[a-z]+)?\.[a-z0-9-]+\.")

# "This principal may not call that": AccessDenied for the query-protocol services (IAM, STS:
# https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html), AccessDeniedException in the
# Bedrock and Service Quotas models (operation errors, botocore bedrock/2023-04-20 and
# service-quotas/2019-06-24 service-2.json).
DENIED = {"AccessDenied", "AccessDeniedException"}

# How Bedrock answers a model or profile id it does not have in the region: the errors of
# GetFoundationModel, GetInferenceProfile and GetFoundationModelAvailability (botocore bedrock model).
NOT_FOUND = {"ResourceNotFoundException", "ValidationException"}

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Problem(Exception):
    """Something that stops the preflight from running (exit status 2)."""


class Identity(TypedDict):
    account: str
    arn: str
    partition: str


class ModelDetails(TypedDict, total=False):
    """What the checks read of FoundationModelDetails; empty when it could not be read."""

    modelName: str
    providerName: str
    outputModalities: list[ModelModalityType]
    inferenceTypesSupported: list[InferenceTypeType]
    modelLifecycle: FoundationModelLifecycleTypeDef


@dataclass
class Settings:
    region: str
    bedrock_region: str
    model_id: str | None  # None: a custom workflow's models only
    workflow: str
    sqs: bool
    name: str
    endpoint_url: str | None = None
    models: dict[str, str] = field(default_factory=dict)  # the module's `models`: id by name

    @property
    def local(self) -> bool:
        return self.endpoint_url is not None

    @property
    def model(self) -> str:
        """The one model the model checks look at (each named model in turn: for_each_model)."""
        if self.model_id is None:
            raise Problem("no model: pass --model-id, or --model NAME=ID for each of a custom workflow's models")
        return self.model_id

    def for_each_model(self) -> list[tuple[str | None, Settings]]:
        """(name, these settings for that model alone): model_id unnamed, or each named model."""
        if not self.models:
            return [(None, self)]
        return [(name, replace(self, model_id=model, models={})) for name, model in sorted(self.models.items())]


@dataclass
class Line:
    check: str
    status: str  # "ok", "FIX" or "skip"
    detail: str


class Report:
    def __init__(self, live: bool):
        self.lines: list[Line] = []
        self.live = live
        self.model_name: str | None = None  # set while checking one of several named models

    def add(self, check: str, status: str, detail: str) -> None:
        if self.model_name is not None:
            check = f"{check} ({self.model_name})"
        line = Line(check, status, detail)
        self.lines.append(line)
        if self.live:
            print(f"  {check:<28} {status}: {detail}", flush=True)

    def ok(self, check: str, detail: str) -> None:
        self.add(check, "ok", detail)

    def fix(self, check: str, detail: str) -> None:
        self.add(check, "FIX", detail)

    def skip(self, check: str, detail: str) -> None:
        self.add(check, "skip", detail)

    def judge(self, check: str, passed: bool, ok_detail: str, fix_detail: str) -> None:
        """ok with ok_detail when passed, else FIX with fix_detail."""
        self.add(check, "ok" if passed else "FIX", ok_detail if passed else fix_detail)

    @property
    def to_fix(self) -> list[Line]:
        return [line for line in self.lines if line.status == "FIX"]


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def error_text(error: ClientError) -> str:
    return f"{error_code(error)}: {error.response.get('Error', {}).get('Message', '')}".rstrip(": ")


def denied(report: Report, check: str, action: str, error: ClientError) -> None:
    report.skip(check, f"this principal may not call {action} ({error_code(error)}); allow it to run this check")


class Aws:
    """Clients for one session, in the deployment region or the Bedrock region."""

    def __init__(self, session: boto3.Session, settings: Settings):
        self.session, self.settings = session, settings
        self.config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)

    # One overload per service the checks call, so that each gets its own typed client.
    @overload
    def client(self, service: Literal["sts"], bedrock: bool = False) -> STSClient: ...
    @overload
    def client(self, service: Literal["lambda"], bedrock: bool = False) -> LambdaClient: ...
    @overload
    def client(self, service: Literal["iam"], bedrock: bool = False) -> IAMClient: ...
    @overload
    def client(self, service: Literal["bedrock"], bedrock: bool = False) -> BedrockClient: ...
    @overload
    def client(self, service: Literal["service-quotas"], bedrock: bool = False) -> ServiceQuotasClient: ...
    def client(
        self, service: Literal["sts", "lambda", "iam", "bedrock", "service-quotas"], bedrock: bool = False
    ) -> STSClient | LambdaClient | IAMClient | BedrockClient | ServiceQuotasClient:
        region = self.settings.bedrock_region if bedrock else self.settings.region
        return self.session.client(
            service, region_name=region, endpoint_url=self.settings.endpoint_url, config=self.config
        )


# ---------------------------------------------------------------------------
# Credentials and region
# ---------------------------------------------------------------------------


def check_identity(aws: Aws, report: Report) -> Identity | None:
    """sts:GetCallerIdentity (botocore sts/2011-06-15: GetCallerIdentityResponse Account, Arn, UserId)."""
    try:
        identity = aws.client("sts").get_caller_identity()
    except (BotoConnectionError, HTTPClientError):
        raise  # not a credentials problem: main() reports it
    except ClientError as error:
        report.fix(
            "credentials",
            f"AWS rejected the credentials ({error_text(error)}): refresh them (`aws sso login`, "
            "`aws configure`, new keys) and rerun",
        )
        return None
    except BotoCoreError as error:  # NoCredentialsError, expired SSO tokens, unreadable profiles
        report.fix(
            "credentials",
            f"no usable AWS credentials ({error}): run `aws configure` or `aws sso login`, or set AWS_PROFILE",
        )
        return None
    arn = identity["Arn"]
    report.ok("credentials", f"account {identity['Account']} as {arn}")
    return {"account": identity["Account"], "arn": arn, "partition": arn.split(":")[1]}


def check_durable_region(aws: Aws, settings: Settings, report: Report) -> None:
    check = "durable functions"
    try:
        aws.client("lambda").list_durable_executions_by_function(FunctionName=DURABLE_PROBE_FUNCTION, MaxItems=1)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            report.ok(check, f"Lambda serves the durable-execution API in {settings.region}")
        elif error_code(error) in DENIED:
            denied(report, check, "lambda:ListDurableExecutionsByFunction", error)
        else:
            report.fix(
                check,
                f"Lambda's durable-execution API does not answer in {settings.region} ({error_text(error)}): "
                "deploy the function in a region that offers durable functions (see "
                f"{LAMBDA_REGIONS_PAGE}); Bedrock can stay in another region with bedrock_region",
            )
        return
    report.ok(check, f"Lambda serves the durable-execution API in {settings.region}")


# ---------------------------------------------------------------------------
# Model: profile, foundation model, fit, availability, use-case form
# ---------------------------------------------------------------------------


def profile_of(model_id: str) -> bool:
    """Whether model_id names an inference profile (id or ARN) rather than a foundation model."""
    if model_id.startswith("arn:"):
        return model_id.split(":")[5].split("/")[0] in ("inference-profile", "application-inference-profile")
    return bool(PROFILE_ID.match(model_id))


def foundation_model_id(model_id: str) -> str:
    """The foundation model a model id, profile id or ARN names, as far as the id says."""
    if model_id.startswith("arn:"):
        model_id = model_id.split("/", 1)[-1]
    if PROFILE_ID.match(model_id):
        return model_id.split(".", 1)[1]
    return model_id


def check_profile(aws: Aws, settings: Settings, report: Report) -> str | None:
    """bedrock:GetInferenceProfile (botocore bedrock/2023-04-20, GetInferenceProfileResponse: status
    ACTIVE, type, models[].modelArn). Returns the foundation model id it routes to, or None to stop."""
    region = settings.bedrock_region
    try:
        profile = aws.client("bedrock", bedrock=True).get_inference_profile(inferenceProfileIdentifier=settings.model)
    except ClientError as error:
        if error_code(error) in DENIED:
            denied(report, "inference profile", "bedrock:GetInferenceProfile", error)
            # A system-defined profile id names its model; an application profile's ARN does not.
            application = ":application-inference-profile/" in settings.model
            return None if application else foundation_model_id(settings.model)
        if error_code(error) in NOT_FOUND:
            report.fix(
                "inference profile",
                f"there is no inference profile {settings.model} in {region} ({error_text(error)}): profiles "
                f"are regional (a us. profile exists in US regions only); list them with `aws bedrock "
                f"list-inference-profiles --region {region}`, or set model_id to a model offered in {region}",
            )
            return None
        raise
    arns = [model.get("modelArn", "") for model in profile.get("models", [])]
    model_ids = sorted({arn.rsplit("/", 1)[-1] for arn in arns if "foundation-model/" in arn})
    regions = sorted({arn.split(":")[3] for arn in arns if arn.count(":") >= 5 and arn.split(":")[3]})
    if profile.get("status") != "ACTIVE" or not model_ids:
        report.fix("inference profile", f"{settings.model} is {profile.get('status')} with models {arns}")
        return None
    report.ok(
        "inference profile",
        f"{settings.model} ({profile.get('type')}, ACTIVE) routes to {', '.join(model_ids)} "
        f"in {', '.join(regions) or 'any region'}",
    )
    return model_ids[0]


def check_foundation_model(aws: Aws, settings: Settings, report: Report, model_id: str) -> ModelDetails | None:
    """bedrock:GetFoundationModel (FoundationModelDetails: modelName, providerName, outputModalities,
    inferenceTypesSupported, modelLifecycle.status ACTIVE|LEGACY and endOfLifeTime). Returns the
    details, {} when they could not be read, None when the model is not there."""
    region = settings.bedrock_region
    try:
        details = aws.client("bedrock", bedrock=True).get_foundation_model(modelIdentifier=model_id)["modelDetails"]
    except ClientError as error:
        if error_code(error) in DENIED:
            denied(report, "foundation model", "bedrock:GetFoundationModel", error)
            return {}
        if error_code(error) in NOT_FOUND:
            report.fix(
                "foundation model",
                f"{model_id} is not offered in {region} ({error_text(error)}): pick a model from `aws bedrock "
                f"list-foundation-models --region {region}`, or call Bedrock in a region that has it "
                "(bedrock_region; the model card lists its regions)",
            )
            return None
        raise
    lifecycle = details.get("modelLifecycle")
    status = lifecycle.get("status") if lifecycle else None
    end = lifecycle.get("endOfLifeTime") if lifecycle else None
    name = f"{details.get('modelName', model_id)} by {details.get('providerName', '?')} ({model_id})"
    if status == "ACTIVE":
        report.ok("foundation model", f"{name}, Active in {region}")
    elif status == "LEGACY" and (end is None or end > datetime.now(UTC)):
        until = f" until {end:%Y-%m-%d}" if end else ""
        report.ok("foundation model", f"{name} is Legacy: it works{until}; plan a move to an Active model")
    else:
        report.fix(
            "foundation model",
            f"{name} is {status or 'in no lifecycle state'}"
            + (f", end of life {end:%Y-%m-%d}" if end else "")
            + ": choose an Active model (see the Bedrock model lifecycle page)",
        )
    return details


def check_fit(settings: Settings, report: Report, details: ModelDetails, model_id: str) -> None:
    needed = NEEDED_OUTPUT.get(settings.workflow)
    # As str: the stubs' enums lack VIDEO and INFERENCE_PROFILE, which AWS reports.
    outputs: Sequence[str] = details.get("outputModalities") or []
    types: Sequence[str] = details.get("inferenceTypesSupported") or []
    through_profile = profile_of(settings.model)
    if needed is not None and needed not in outputs:
        report.fix(
            "model capabilities",
            f"{model_id} outputs {', '.join(outputs) or 'nothing listed'}; the {settings.workflow} workflow "
            f"needs a model that outputs {needed} (default: {example_settings.DEFAULT_MODEL_IDS[settings.workflow]})",
        )
    elif not through_profile and "ON_DEMAND" not in types:
        # inferenceTypesSupported without ON_DEMAND (current models list only INFERENCE_PROFILE): AWS
        # refuses on-demand calls by id ("Invocation of model ID ... with on-demand throughput isn't
        # supported. Retry your request with the ID or ARN of an inference profile that contains this
        # model."; https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html).
        hint = (
            f"call it through an inference profile: set model_id to one of `aws bedrock list-inference-profiles "
            f"--region {settings.bedrock_region}` that routes to it (e.g. us.{model_id})"
            if "INFERENCE_PROFILE" in types
            else "it needs provisioned throughput; choose an on-demand model"
        )
        report.fix(
            "model capabilities", f"{model_id} cannot be called on demand by its id ({', '.join(types)}): {hint}"
        )
    else:
        how = "through the inference profile" if through_profile else "on demand"
        report.ok("model capabilities", f"outputs {needed or ', '.join(outputs) or 'nothing listed'}, called {how}")


def check_availability(
    aws: Aws, settings: Settings, report: Report, details: ModelDetails, model_id: str, arn: str
) -> None:
    """bedrock:GetFoundationModelAvailability (GetFoundationModelAvailabilityResponse:
    agreementAvailability.status AVAILABLE|PENDING|NOT_AVAILABLE|ERROR and errorMessage,
    authorizationStatus AUTHORIZED|NOT_AUTHORIZED, entitlementAvailability and
    regionAvailability AVAILABLE|NOT_AVAILABLE). The access rules it reflects:
    https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html"""
    region = settings.bedrock_region
    try:
        found = aws.client("bedrock", bedrock=True).get_foundation_model_availability(modelId=model_id)
    except ClientError as error:
        if error_code(error) in DENIED:
            for check in ("model agreement", "model authorization", "model entitlement", "model region"):
                denied(report, check, "bedrock:GetFoundationModelAvailability", error)
            return
        if error_code(error) in NOT_FOUND:
            report.fix(
                "model agreement", f"Bedrock knows no availability for {model_id} in {region} ({error_text(error)})"
            )
            return
        raise
    provider = details.get("providerName", "the provider")
    agreement = found.get("agreementAvailability") or {}
    status = agreement.get("status")
    accept = (
        f"accept it once, as a principal allowed aws-marketplace:Subscribe, aws-marketplace:Unsubscribe and "
        f"aws-marketplace:ViewSubscriptions (the function's role has no Marketplace permissions, so its own first "
        f"call cannot subscribe the account): `aws bedrock list-foundation-model-agreement-offers --model-id "
        f"{model_id} --region {region}`, then `aws bedrock create-foundation-model-agreement --model-id {model_id} "
        f"--offer-token <offerToken> --region {region}` (or invoke the model once in the console playground); "
        "access can take up to 15 minutes"
    )
    if status == "AVAILABLE":
        report.ok("model agreement", f"{model_id} can be used by this account in {region}")
    elif status == "PENDING":
        report.fix(
            "model agreement", f"the agreement for {model_id} is being set up: rerun in a few minutes (up to 15)"
        )
    elif status == "ERROR":
        report.fix(
            "model agreement",
            f"the AWS Marketplace agreement for {model_id} failed ({agreement.get('errorMessage', 'no message')}): "
            f"check the account has a valid payment method for Marketplace purchases, then {accept}",
        )
    else:
        report.fix("model agreement", f"this account has not accepted {provider}'s offer for {model_id}: {accept}")
    report.judge(
        "model authorization",
        found.get("authorizationStatus") == "AUTHORIZED",
        f"{arn} is authorized for {model_id}",
        f"{arn} is {found.get('authorizationStatus')} for {model_id}: an IAM policy, permissions boundary or "
        "service control policy keeps it from the model; allow bedrock:InvokeModel on it (and the "
        "aws-marketplace actions above), or ask your administrator",
    )
    report.judge(
        "model entitlement",
        found.get("entitlementAvailability") == "AVAILABLE",
        f"the account is entitled to {model_id}",
        f"the account is not entitled to {model_id} ({found.get('entitlementAvailability')}): it needs a "
        "valid payment method for AWS Marketplace purchases (Billing and Cost Management > Payment "
        "preferences), then accept the offer again",
    )
    report.judge(
        "model region",
        found.get("regionAvailability") == "AVAILABLE",
        f"{model_id} is available in {region}",
        f"{model_id} is not available in {region} ({found.get('regionAvailability')}): call Bedrock in a "
        "region that offers it (bedrock_region) or choose another model",
    )


def check_use_case(aws: Aws, settings: Settings, report: Report, details: ModelDetails | None, model_id: str) -> None:
    """bedrock:GetUseCaseForModelAccess: formData, or ResourceNotFoundException (botocore bedrock
    GetUseCaseForModelAccess errors) while the account has not submitted Anthropic's form."""
    provider = (details or {}).get("providerName") or model_id.split(".")[0]
    if provider.lower() != "anthropic":
        report.ok("use-case form", f"not needed for {provider} models")
        return
    region = settings.bedrock_region
    try:
        form = aws.client("bedrock", bedrock=True).get_use_case_for_model_access().get("formData")
    except ClientError as error:
        if error_code(error) in DENIED:
            denied(report, "use-case form", "bedrock:GetUseCaseForModelAccess", error)
            return
        if error_code(error) != "ResourceNotFoundException":
            raise
        form = None
    if form:
        report.ok("use-case form", "Anthropic's use-case form has been submitted for this account")
        return
    report.fix(
        "use-case form",
        "Anthropic models need a one-time use-case form per account (or once in the organization's management "
        "account): in the Bedrock console open an Anthropic model in the Model catalog and submit the use case "
        f"details, or `aws bedrock put-use-case-for-model-access --form-data fileb://use-case.json --region {region}`;"
        " access can take up to 15 minutes after it",
    )


# ---------------------------------------------------------------------------
# Deploy permissions: IAM policy simulation
# ---------------------------------------------------------------------------


def deploy_actions(settings: Settings, account: str, partition: str) -> dict[str, list[str]]:
    """The create/update actions `terraform apply` makes, by resource ARN (Service Authorization
    Reference: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html,
    .../list_awslambda.html, .../list_amazoncloudwatchlogs.html, .../list_amazons3.html,
    .../list_amazonsqs.html). Tag actions: the module tags what it creates."""
    region, name = settings.region, settings.name

    def role(role_name: str) -> str:
        return f"arn:{partition}:iam::{account}:role/{role_name}"

    def function(function_name: str) -> str:
        return f"arn:{partition}:lambda:{region}:{account}:function:{function_name}"

    def log_group(function_name: str) -> str:
        return f"arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{function_name}"

    role_actions = ["iam:CreateRole", "iam:TagRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PassRole"]
    function_actions = ["lambda:CreateFunction", "lambda:TagResource", "lambda:PublishVersion", "lambda:CreateAlias"]
    log_actions = ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource"]
    actions = {role(f"{name}-exec"): role_actions, function(name): function_actions, log_group(name): log_actions}
    if settings.workflow == "video_generation":
        bucket = f"{name.lower().replace('_', '-')}-videos-preflight"  # the module's bucket_prefix, then a suffix
        actions[f"arn:{partition}:s3:::{bucket}"] = [
            "s3:CreateBucket",
            "s3:PutBucketTagging",
            "s3:PutBucketPolicy",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketOwnershipControls",
            "s3:PutEncryptionConfiguration",
            "s3:PutLifecycleConfiguration",
        ]
    if settings.sqs:
        starter = f"{name}-sqs-starter"
        for queue in (f"{name}-requests", f"{name}-dlq"):
            actions[f"arn:{partition}:sqs:{region}:{account}:{queue}"] = ["sqs:CreateQueue", "sqs:TagQueue"]
        actions[role(f"{starter}-exec")] = role_actions
        actions[function(starter)] = function_actions
        actions[log_group(starter)] = log_actions
        actions["*"] = ["lambda:CreateEventSourceMapping"]  # no resource-level permission
    return actions


def policy_source(aws: Aws, arn: str) -> str | None:
    """The IAM ARN SimulatePrincipalPolicy takes for the caller (PolicySourceArn: a user, group or role),
    or None when the caller cannot be simulated (root, federated users)."""
    parts = arn.split(":", 5)
    kind, _, rest = parts[5].partition("/")
    if kind == "user":
        return arn
    if kind != "assumed-role":
        return None
    # arn:aws:sts::<account>:assumed-role/<role>/<session> leaves out the role's path, which the
    # role's ARN has (SSO roles: /aws-reserved/sso.amazonaws.com/); GetRole gives the real one
    # (botocore iam/2010-05-08, GetRoleResponse.Role.Arn).
    role_name = rest.split("/")[0]
    try:
        return aws.client("iam").get_role(RoleName=role_name)["Role"]["Arn"]
    except ClientError:
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{role_name}"


def check_permissions(aws: Aws, settings: Settings, report: Report, identity: Identity) -> None:
    """iam:SimulatePrincipalPolicy (botocore iam/2010-05-08: EvaluationResults[].EvalActionName,
    EvalResourceName, EvalDecision allowed|explicitDeny|implicitDeny, MissingContextValues)."""
    arn = identity["arn"]
    if arn.endswith(":root"):
        report.skip("deploy permissions", "the account's root user may do everything (IAM cannot simulate it)")
        return
    source = policy_source(aws, arn)
    if source is None:
        report.skip("deploy permissions", f"IAM cannot simulate the policies of {arn}")
        return
    iam = aws.client("iam")
    refused: dict[str, list[str]] = {}
    actions = deploy_actions(settings, identity["account"], identity["partition"])
    for resource, names in actions.items():
        # ContextEntries (ContextEntry: ContextKeyName, ContextKeyValues, ContextKeyType) supply the
        # condition keys the real requests carry, so conditions on them can match.
        context: list[ContextEntryTypeDef] = []
        if "iam:PassRole" in names:
            context.append({"ContextKeyName": "iam:PassedToService", "ContextKeyValues": ["lambda.amazonaws.com"]})
        if not resource.startswith(f"arn:{identity['partition']}:iam:"):  # IAM is global
            region = settings.bedrock_region if ":s3:::" in resource else settings.region  # the bucket's region
            context.append({"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": [region]})
        request: SimulatePrincipalPolicyRequestPaginateTypeDef = {
            "PolicySourceArn": source,
            "ActionNames": names,
            "ResourceArns": [resource],
        }
        if context:
            request["ContextEntries"] = [{**entry, "ContextKeyType": "string"} for entry in context]
        try:
            pages = iam.get_paginator("simulate_principal_policy").paginate(**request)
            results = [result for page in pages for result in page["EvaluationResults"]]
        except ClientError as error:
            if error_code(error) in DENIED:
                denied(report, "deploy permissions", "iam:SimulatePrincipalPolicy", error)
            else:
                report.skip("deploy permissions", f"IAM could not simulate {source} ({error_text(error)})")
            return
        for result in results:
            if result["EvalDecision"] != "allowed":
                missing = result.get("MissingContextValues") or []
                how = " (explicitly denied)" if result["EvalDecision"] == "explicitDeny" else ""
                how += f" (depends on {', '.join(missing)})" if missing else ""
                refused.setdefault(resource, []).append(result["EvalActionName"] + how)
    total = sum(len(names) for names in actions.values())
    if not refused:
        report.ok("deploy permissions", f"{source} may make all {total} create calls `terraform apply` makes")
        return
    shown = "; ".join(f"{', '.join(names)} on {resource}" for resource, names in refused.items())
    report.fix(
        "deploy permissions",
        f"{source} may not call {shown}. Deploy as a principal that may (e.g. with AdministratorAccess, or a "
        "deployer policy allowing these), or ask your administrator",
    )


# ---------------------------------------------------------------------------
# Quotas
# ---------------------------------------------------------------------------


def _words(text: str) -> str:
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split()) + " "


def model_keys(model_id: str, model_name: str | None) -> set[str]:
    """How quota names may name the model: its modelName ("Claude Haiku 4.5") or its id without
    provider, date and version ("claude-haiku-4-5"), compared as lower-case words."""
    bare = model_id.split(".", 1)[-1].split(":")[0]
    bare = re.sub(r"-v\d+$", "", bare)
    bare = re.sub(r"-\d{8}$", "", bare)
    keys = {_words(bare)}
    if model_name:
        keys.add(_words(model_name))
    return {key for key in keys if key.strip()}


def relevant_quota(settings: Settings, quota_name: str, keys: set[str]) -> bool:
    """A Bedrock quota that limits this model for this workflow: tokens or requests per minute
    of the kind of call made (on-demand, cross-region profile, global profile) for text; for
    videos, concurrent or asynchronous invocations (quota names:
    https://docs.aws.amazon.com/bedrock/latest/userguide/quotas.html)."""
    name = _words(quota_name)
    if not any(key in name for key in keys):
        return False
    if settings.workflow == "video_generation":
        return " concurrent " in name or " async" in name or " asynchronous " in name
    if " per minute " not in name:
        return False
    if not profile_of(settings.model):
        return " on demand " in name
    profile_id = settings.model.rsplit("/", 1)[-1]
    if ":application-inference-profile/" in settings.model:
        return True  # an application profile may wrap any kind of call
    if profile_id.startswith("global."):
        return " global " in name
    return " cross region " in name and " global " not in name


def quota_lines(
    settings: Settings, report: Report, quotas: list[ServiceQuotaTypeDef], keys: set[str], model_id: str
) -> None:
    region = settings.bedrock_region
    matching = [quota for quota in quotas if relevant_quota(settings, quota.get("QuotaName", ""), keys)]
    if not matching:
        report.skip("quotas", f"no Amazon Bedrock quota in {region} names {model_id} for this kind of call")
        return
    for quota in matching:
        value, code = quota.get("Value"), quota.get("QuotaCode")
        if value == 0:
            report.fix(
                "quota",
                f"{quota['QuotaName']} is 0 in {region}, so every call is throttled: request an increase in the "
                f"Service Quotas console or with `aws service-quotas request-service-quota-increase --service-code "
                f"bedrock --quota-code {code} --desired-value <value> --region {region}`",
            )
        else:
            # Value is optional in the stubs; ListServiceQuotas sets it on every quota (without one, float() raises).
            shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"  # type: ignore[arg-type]
            report.ok("quota", f"{quota['QuotaName']} = {shown} ({code})")


def check_quotas(aws: Aws, settings: Settings, report: Report, model_id: str, details: ModelDetails | None) -> None:
    """servicequotas:ListServiceQuotas, ServiceCode bedrock, all pages (botocore service-quotas/2019-06-24:
    Quotas[].QuotaName, QuotaCode, Value; NextToken). Informational: only a 0 is something to fix."""
    try:
        pages = aws.client("service-quotas", bedrock=True).get_paginator("list_service_quotas")
        quotas = [quota for page in pages.paginate(ServiceCode="bedrock") for quota in page.get("Quotas", [])]
    except ClientError as error:
        if error_code(error) in DENIED:
            denied(report, "quotas", "servicequotas:ListServiceQuotas", error)
        else:
            report.skip("quotas", f"Service Quotas did not list Amazon Bedrock's quotas ({error_text(error)})")
        return
    quota_lines(settings, report, quotas, model_keys(model_id, (details or {}).get("modelName")), model_id)


# ---------------------------------------------------------------------------


def run_checks(aws: Aws, settings: Settings, report: Report) -> None:
    identity = check_identity(aws, report)
    if identity is None:
        report.skip("durable functions, model and access", "need credentials")
        return
    check_durable_region(aws, settings, report)
    # The same checks for every model: model_id, or each named model of a custom workflow.
    found: list[tuple[str | None, Settings, str, ModelDetails]] = []
    for name, one in settings.for_each_model():
        report.model_name = name
        model_id: str | None = foundation_model_id(one.model)
        if profile_of(one.model):
            model_id = check_profile(aws, one, report)
        details = None if model_id is None else check_foundation_model(aws, one, report, model_id)
        if model_id is not None and details is not None:  # the model is there (or could not be looked up)
            if details:
                check_fit(one, report, details, model_id)
            check_availability(aws, one, report, details, model_id, identity["arn"])
            check_use_case(aws, one, report, details, model_id)
            found.append((name, one, model_id, details))
    report.model_name = None
    check_permissions(aws, settings, report, identity)
    for name, one, model_id, details in found:
        report.model_name = name
        check_quotas(aws, one, report, model_id, details)
    report.model_name = None


def settings_from(args: argparse.Namespace) -> Settings:
    found: Mapping[str, object] = {}
    if args.example_dir:
        if not os.path.isdir(args.example_dir):
            raise Problem(f"no example directory {args.example_dir}")
        try:
            found = example_settings.read(args.example_dir)
        except example_settings.Unreadable as error:
            raise Problem(f"cannot read the settings of {args.example_dir} ({error}): pass them as flags") from None
        except OSError as error:
            raise Problem(f"cannot read {args.example_dir}: {error}") from None
    explicit = {
        key: value
        for key, value in {
            "region": args.region,
            "bedrock_region": args.bedrock_region,
            "model_id": args.model_id,
            "workflow": args.workflow,
            "sqs": args.sqs,
            "name": args.name,
        }.items()
        if value is not None
    }
    if "region" in explicit and "bedrock_region" not in explicit and found.get("bedrock_region") == found.get("region"):
        explicit["bedrock_region"] = explicit["region"]  # the example calls Bedrock in its own region
    # Settings takes them as they are: the flags (argparse) and what the example's files say.
    merged: dict[str, Any] = {**found, **explicit}
    if not merged.get("region"):
        raise Problem("no region: pass --example-dir or --region")
    if args.model:
        merged["models"] = named_models(args.model)
    merged.setdefault("workflow", "custom" if merged.get("models") else example_settings.DEFAULT_WORKFLOW)
    merged.setdefault("bedrock_region", merged["region"])
    if merged.get("models"):
        if merged["workflow"] != "custom" or merged.get("model_id"):
            raise Problem("named models (--model, the module's models) are for a custom workflow, without model_id")
        merged["model_id"] = None
    elif merged.get("model_id") is None:
        if merged["workflow"] not in example_settings.DEFAULT_MODEL_IDS:
            raise Problem("a custom workflow has no default model: pass --model-id, or --model NAME=ID per model")
        merged["model_id"] = example_settings.DEFAULT_MODEL_IDS[merged["workflow"]]
    merged.setdefault("sqs", False)
    merged.setdefault("name", "durable-bedrock")
    if args.endpoint_url:
        host = urlparse(args.endpoint_url).hostname
        if host not in LOOPBACK_HOSTS:
            raise Problem(f"--endpoint-url must be local AWS on loopback (127.0.0.1), not {host}")
    return Settings(**merged, endpoint_url=args.endpoint_url)


def named_models(pairs: Sequence[str]) -> dict[str, str]:
    """--model NAME=ID, repeated: the ids by name."""
    models: dict[str, str] = {}
    for pair in pairs:
        name, equals, model = pair.partition("=")
        if not equals or not name or not model:
            raise Problem(f"--model takes NAME=ID, e.g. classify=us.amazon.nova-micro-v1:0; got {pair!r}")
        if name in models:
            raise Problem(f"--model {name} is given twice")
        models[name] = model
    return models


def default_session(settings: Settings) -> boto3.Session:
    if settings.local:  # local AWS takes any credentials; these never leave loopback
        return boto3.Session(aws_access_key_id="test", aws_secret_access_key="test")
    return boto3.Session()


def describe_models(settings: Settings) -> str:
    if not settings.models:
        return f"model {settings.model_id}"
    return "models " + ", ".join(f"{name} = {model}" for name, model in sorted(settings.models.items()))


def main(argv: list[str] | None = None, session: boto3.Session | None = None) -> int:
    parser = argparse.ArgumentParser(prog="durable-bedrock preflight", description=DESCRIPTION)
    parser.add_argument("--example-dir", help="read the settings from an example, e.g. examples/content-pipeline")
    parser.add_argument("--region", help="region the function is deployed to")
    parser.add_argument("--bedrock-region", help="region Bedrock is called in (default: --region)")
    parser.add_argument("--model-id", help="model id, inference profile id or ARN")
    parser.add_argument("--workflow", choices=WORKFLOWS)
    parser.add_argument(
        "--model",
        action="append",
        metavar="NAME=ID",
        help="one of a custom workflow's named models (the module's models), once per model",
    )
    parser.add_argument("--sqs", action=argparse.BooleanOptionalAction, default=None, help="with the SQS trigger")
    parser.add_argument("--name", help="the function name (names the role, log group, ...)")
    parser.add_argument("--endpoint-url", help="local AWS endpoint; omit for AWS")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    args = parser.parse_args(argv)
    try:
        settings = settings_from(args)
        report = Report(live=not args.json)
        if not args.json:
            where = f"local AWS at {settings.endpoint_url}" if settings.local else "AWS"
            bedrock = f", Bedrock in {settings.bedrock_region}" if settings.bedrock_region != settings.region else ""
            print(
                f"preflight on {where}: {settings.name} ({settings.workflow}{', SQS trigger' if settings.sqs else ''})"
                f" in {settings.region}{bedrock}, {describe_models(settings)}",
                flush=True,
            )
        run_checks(Aws(session or default_session(settings), settings), settings, report)
    except Problem as problem:
        print(f"preflight: {problem}", file=sys.stderr)
        return 2
    except (BotoConnectionError, HTTPClientError) as error:
        hint = ": is local AWS running? `make up`" if args.endpoint_url else ""
        print(f"preflight: cannot reach {error.kwargs.get('endpoint_url') or error}{hint}", file=sys.stderr)
        return 2
    except ClientError as error:  # an answer no check expects (throttling, a service fault): nothing judged
        print(f"preflight: {error.operation_name} failed ({error_text(error)}); rerun in a moment", file=sys.stderr)
        return 2
    to_fix = report.to_fix
    if args.json:
        checks = [asdict(line) for line in report.lines]
        print(json.dumps({"settings": asdict(settings), "ready": not to_fix, "checks": checks}, indent=2))
    elif to_fix:
        print(f"\nnot ready: {len(to_fix)} thing(s) to fix (FIX above); nothing was created", flush=True)
    else:
        print("\nready: nothing to fix", flush=True)
    return 1 if to_fix else 0
