"""cli/preflight.py (`make preflight`): against local AWS, a ready account
passes every check and an unready one gets a FIX line naming what to do.

Each account is a fresh one (ministack takes a 12-digit access key id as the
account id); a deployer is a role in it, assumed through STS, so the caller is
an assumed role as with SSO. All traffic goes to the loopback emulator.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

import example_settings
import preflight

ROOT = Path(__file__).resolve().parents[2]
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU_PROFILE = f"us.{HAIKU}"
LUMA = "luma.ray-v2:0"
USE_CASE = json.dumps({"companyName": "Example Corp", "useCases": "Drafting articles for our blog"}).encode()
# A ready deployer: what `terraform apply` creates, and the reads the preflight makes (README, "make preflight").
PREFLIGHT_READS = [
    "bedrock:GetFoundationModel",
    "bedrock:GetFoundationModelAvailability",
    "bedrock:GetInferenceProfile",
    "bedrock:GetUseCaseForModelAccess",
    "servicequotas:ListServiceQuotas",
]
DEPLOYER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["iam:*", "lambda:*", "logs:*", "s3:*", "sqs:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": PREFLIGHT_READS, "Resource": "*"},
    ],
}


class Account:
    """A fresh local account: its root session, and deployer roles in it."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.id = str(random.randrange(10**11, 10**12))
        self.root = boto3.Session(aws_access_key_id=self.id, aws_secret_access_key="test")

    def client(self, service: str, region: str = "us-east-1"):
        return self.root.client(service, region_name=region, endpoint_url=self.endpoint)

    def deployer(self, policy: dict, path: str = "/") -> boto3.Session:
        """A session of a role with this inline policy, as `aws sso login` would give."""
        iam = self.client("iam")
        # Trusts this account, as a role assumed through SSO or by an administrator does.
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.id}:root"}, "Action": "sts:AssumeRole"}
            ],
        }
        iam.create_role(RoleName="deployer", Path=path, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName="deployer", PolicyName="deploy", PolicyDocument=json.dumps(policy))
        credentials = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{self.id}:role{path}deployer", RoleSessionName="me"
        )["Credentials"]
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    def accept_offer(self, model_id: str, region: str) -> None:
        """What the FIX line tells the user: list the offers, accept one."""
        bedrock = self.client("bedrock", region)
        offer = bedrock.list_foundation_model_agreement_offers(modelId=model_id)["offers"][0]
        bedrock.create_foundation_model_agreement(modelId=model_id, offerToken=offer["offerToken"])

    def submit_use_case(self, region: str) -> None:
        self.client("bedrock", region).put_use_case_for_model_access(formData=USE_CASE)


@pytest.fixture
def account(local_aws):
    return Account(local_aws.endpoint)


def preflight_json(local_aws, capsys, session, *args: str) -> tuple[int, dict[str, list[dict]]]:
    """Exit status and the lines by check name."""
    status = preflight.main([*args, "--endpoint-url", local_aws.endpoint, "--json"], session=session)
    document = json.loads(capsys.readouterr().out)
    by_check: dict[str, list[dict]] = {}
    for line in document["checks"]:
        by_check.setdefault(line["check"], []).append(line)
    assert document["ready"] is (status == 0)
    return status, by_check


def statuses(by_check: dict[str, list[dict]]) -> dict[str, str]:
    return {check: "/".join(line["status"] for line in lines) for check, lines in by_check.items()}


CONTENT_CHECKS = {
    "credentials",
    "durable functions",
    "inference profile",
    "foundation model",
    "model capabilities",
    "model agreement",
    "model authorization",
    "model entitlement",
    "model region",
    "use-case form",
    "deploy permissions",
    "quota",
}


def test_a_ready_account_passes_every_check(local_aws, capsys, account):
    """The content example's model through its profile, a deployer role (with
    a path, as SSO roles have) allowed to create what apply creates, the
    Marketplace offer accepted and Anthropic's use-case form submitted."""
    example = ROOT / "examples/sqs-trigger"
    bedrock_region = example_settings.read(str(example), {})["bedrock_region"]
    deployer = account.deployer(DEPLOYER_POLICY, path="/deploy/")
    account.accept_offer(HAIKU, bedrock_region)
    account.submit_use_case(bedrock_region)

    status, by_check = preflight_json(local_aws, capsys, deployer, "--example-dir", str(example))

    assert statuses(by_check) == dict.fromkeys(CONTENT_CHECKS, "ok")
    assert status == 0
    assert "role/deploy/deployer may make all" in by_check["deploy permissions"][0]["detail"]
    assert "tokens per minute for Anthropic Claude Haiku 4.5" in by_check["quota"][0]["detail"]


def test_an_unready_account_is_told_what_to_do(local_aws, capsys, account):
    """A fresh account whose deployer may create roles but not functions or
    log groups: three FIX lines, each naming the step that fixes it."""
    create, reads = DEPLOYER_POLICY["Statement"]
    deployer = account.deployer({**DEPLOYER_POLICY, "Statement": [{**create, "Action": "iam:*"}, reads]})

    status, by_check = preflight_json(
        local_aws, capsys, deployer, "--example-dir", str(ROOT / "examples/content-pipeline")
    )

    assert status == 1
    assert {check for check, lines in by_check.items() if lines[0]["status"] == "FIX"} == {
        "model agreement",
        "use-case form",
        "deploy permissions",
    }
    assert (
        "aws bedrock create-foundation-model-agreement --model-id " + HAIKU in by_check["model agreement"][0]["detail"]
    )
    assert "aws-marketplace:Subscribe" in by_check["model agreement"][0]["detail"]
    assert "put-use-case-for-model-access" in by_check["use-case form"][0]["detail"]
    denied = by_check["deploy permissions"][0]["detail"]
    assert re.search(r"lambda:CreateFunction, [^;]* on arn:aws:lambda:[a-z0-9-]+:\d{12}:function:", denied)
    assert "logs:CreateLogGroup" in denied
    assert "iam:CreateRole" not in denied


def test_the_video_model_is_ready_once_its_offer_is_accepted(local_aws, capsys, account):
    """Luma Ray 2 (Marketplace, no use-case form), called in us-west-2 from a
    function elsewhere: a FIX for the agreement, then ready after accepting it
    (as the account's root user, whose permissions cannot be simulated)."""
    args = ("--example-dir", str(ROOT / "examples/video-generation"), "--bedrock-region", "us-west-2")

    before, unready = preflight_json(local_aws, capsys, account.root, *args)
    account.accept_offer(LUMA, "us-west-2")
    after, ready = preflight_json(local_aws, capsys, account.root, *args)

    assert before == 1 and statuses(unready)["model agreement"] == "FIX"
    assert "--region us-west-2" in unready["model agreement"][0]["detail"]
    assert after == 0
    assert statuses(ready)["deploy permissions"] == "skip"
    assert statuses(ready)["use-case form"] == "ok"
    assert ready["quota"][0]["detail"].startswith("On-demand model inference concurrent requests for Luma Ray V2 = 1")


@pytest.mark.parametrize("model_id", ["anthropic.claude-nonexistent-v9:0", "us.example.nonexistent-v1:0"])
def test_a_model_that_does_not_exist_is_a_fix(local_aws, capsys, account, model_id):
    status, by_check = preflight_json(local_aws, capsys, account.root, "--region", "us-east-1", "--model-id", model_id)

    assert status == 1
    assert statuses(by_check)["foundation model"] == "FIX"
    assert "is not offered in us-east-1" in by_check["foundation model"][0]["detail"]
    assert "list-foundation-models --region us-east-1" in by_check["foundation model"][0]["detail"]


def test_a_profile_only_model_called_by_its_id_is_a_fix(local_aws, capsys, account):
    account.accept_offer(HAIKU, "us-east-1")
    account.submit_use_case("us-east-1")

    status, by_check = preflight_json(local_aws, capsys, account.root, "--region", "us-east-1", "--model-id", HAIKU)

    assert status == 1
    assert statuses(by_check)["model capabilities"] == "FIX"
    assert f"us.{HAIKU}" in by_check["model capabilities"][0]["detail"]


def test_a_text_model_for_the_video_workflow_is_a_fix(local_aws, capsys, account):
    status, by_check = preflight_json(
        local_aws, capsys, account.root, "--region", "us-east-1", "--workflow", "video_generation",
        "--model-id", "amazon.nova-lite-v1:0",
    )  # fmt: skip

    assert status == 1
    assert statuses(by_check)["model capabilities"] == "FIX"
    assert "needs a model that outputs VIDEO" in by_check["model capabilities"][0]["detail"]
    assert statuses(by_check)["model agreement"] == "ok"  # Amazon models need no Marketplace offer


def test_each_named_model_of_a_custom_workflow_gets_its_own_model_checks(local_aws, capsys, account):
    """The module's models: one set of model lines per name, then the account-wide checks once."""
    status, by_check = preflight_json(
        local_aws, capsys, account.root, "--region", "us-east-1",
        "--model", "classify=amazon.nova-lite-v1:0", "--model", "draft=anthropic.claude-nonexistent-v9:0",
    )  # fmt: skip

    assert status == 1
    found = statuses(by_check)
    assert found["foundation model (classify)"] == "ok" and found["model agreement (classify)"] == "ok"
    assert found["foundation model (draft)"] == "FIX" and "model agreement (draft)" not in found
    assert "anthropic.claude-nonexistent-v9:0 is not offered" in by_check["foundation model (draft)"][0]["detail"]
    assert {"credentials", "durable functions", "deploy permissions"} <= set(found)
    assert not any(check.startswith(("foundation model", "quota")) and "(" not in check for check in found)


def test_named_models_are_for_a_custom_workflow_alone(capsys):
    args = ["--region", "us-east-1", "--model", "classify=amazon.nova-lite-v1:0"]

    assert preflight.main([*args, "--workflow", "content_pipeline"]) == 2
    assert "are for a custom workflow" in capsys.readouterr().err
    assert preflight.main([*args, "--model", "classify"]) == 2
    assert "--model takes NAME=ID" in capsys.readouterr().err


def test_without_credentials_every_account_check_is_skipped(local_aws, capsys, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata lookup off loopback
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)

    status, by_check = preflight_json(local_aws, capsys, boto3.Session(), "--region", "us-east-2")

    assert status == 1
    assert statuses(by_check) == {"credentials": "FIX", "durable functions, model and access": "skip"}
    assert "aws configure" in by_check["credentials"][0]["detail"]


def test_text_output_has_one_line_per_check_and_a_verdict(local_aws, capsys, account):
    status = preflight.main(
        ["--region", "us-east-1", "--model-id", "amazon.nova-lite-v1:0", "--endpoint-url", local_aws.endpoint],
        session=account.root,
    )
    out = capsys.readouterr().out.splitlines()

    assert status == 0
    assert out[0].startswith("preflight on local AWS at http://127.0.0.1:")
    assert re.match(r"^  credentials +ok: account \d{12} as arn:aws:iam::\d{12}:root$", out[1])
    assert all(re.match(r"^  [a-z -]+ +(ok|FIX|skip): ", line) for line in out[1:-2])
    assert out[-1] == "ready: nothing to fix"


# ---------------------------------------------------------------------------
# Without local AWS
# ---------------------------------------------------------------------------


def test_only_a_loopback_endpoint_gets_test_credentials(capsys):
    status = preflight.main(["--region", "us-east-1", "--endpoint-url", "http://example.com:4566"])

    assert status == 2
    assert "loopback" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("ResourceNotFoundException", 404, "ok"),  # the API is served: the probe function just does not exist
        ("UnknownOperationException", 404, "FIX"),
        ("AccessDeniedException", 403, "skip"),
    ],
)
def test_the_durable_region_check_asks_lambda(code, status, expected):
    settings = preflight.Settings("ap-south-2", "ap-south-2", HAIKU_PROFILE, "content_pipeline", False, "fn")
    aws = preflight.Aws(boto3.Session(aws_access_key_id="test", aws_secret_access_key="test"), settings)
    lam = aws.client("lambda")
    stubber = Stubber(lam)
    stubber.add_client_error(
        "list_durable_executions_by_function",
        service_error_code=code,
        http_status_code=status,
        expected_params={"FunctionName": preflight.DURABLE_PROBE_FUNCTION, "MaxItems": 1},
    )
    aws.client = lambda service, bedrock=False: lam
    report = preflight.Report(live=False)

    with stubber:
        preflight.check_durable_region(aws, settings, report)

    (line,) = report.lines
    assert (line.check, line.status) == ("durable functions", expected)
    if expected == "FIX":
        assert "ap-south-2" in line.detail and "bedrock_region" in line.detail


def quota(name: str, value: float) -> dict:
    return {"QuotaName": name, "QuotaCode": "L-12345678", "Value": value}


QUOTAS = [
    quota("On-demand model inference tokens per minute for Anthropic Claude Haiku 4.5", 10.0),
    quota("Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5", 0.0),
    quota("Global cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5", 20.0),
    quota("Cross-region model inference tokens per minute for Anthropic Claude 3.5 Haiku", 30.0),
    quota("Model invocation max tokens per day for Anthropic Claude Haiku 4.5", 40.0),
]


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        (HAIKU_PROFILE, [("FIX", QUOTAS[1]["QuotaName"])]),  # cross-region, 0
        (f"global.{HAIKU}", [("ok", QUOTAS[2]["QuotaName"])]),  # global cross-region
        (HAIKU, [("ok", QUOTAS[0]["QuotaName"])]),  # on demand
    ],
)
def test_quotas_of_the_kind_of_call_are_reported_and_only_zero_is_a_fix(model_id, expected):
    report = preflight.Report(live=False)
    settings = preflight.Settings("us-east-1", "us-east-1", model_id, "content_pipeline", False, "fn")

    preflight.quota_lines(settings, report, QUOTAS, preflight.model_keys(HAIKU, "Claude Haiku 4.5"), HAIKU)

    assert [(line.status, line.detail.split(" = ")[0].split(" is 0 ")[0]) for line in report.lines] == expected
    if expected[0][0] == "FIX":
        assert "request-service-quota-increase --service-code bedrock --quota-code L-12345678" in report.lines[0].detail


def test_no_matching_quota_is_a_skip_not_a_fix():
    report = preflight.Report(live=False)
    settings = preflight.Settings("us-west-2", "us-west-2", LUMA, "video_generation", False, "fn")

    preflight.quota_lines(settings, report, QUOTAS, preflight.model_keys(LUMA, "Ray v2"), LUMA)

    assert [(line.check, line.status) for line in report.lines] == [("quotas", "skip")]


# ---------------------------------------------------------------------------
# Reading an example's settings
# ---------------------------------------------------------------------------


def test_every_example_is_readable():
    examples = sorted(path for path in (ROOT / "examples").iterdir() if path.is_dir())
    found = {path.name: example_settings.read(str(path), {}) for path in examples}

    assert found["content-pipeline"]["model_id"] == HAIKU_PROFILE
    assert found["content-pipeline"]["sqs"] is False
    assert found["sqs-trigger"]["sqs"] is True
    assert found["video-generation"]["workflow"] == "video_generation"
    assert found["video-generation"]["model_id"] == LUMA
    assert all(settings["region"] and settings["name"] for settings in found.values())


def test_default_models_match_the_module():
    workflow_tf = (ROOT / "workflow.tf").read_text()

    for workflow, model_id in example_settings.DEFAULT_MODEL_IDS.items():
        block = re.search(rf"{workflow}\s*=\s*\{{(.*?)\}}", workflow_tf, re.S)
        assert block and f'default_model_id = "{model_id}"' in " ".join(block.group(1).split())


EXAMPLE = """
provider "aws" {
  region = var.region
}

module "pipeline" {
  source   = "../.."
  name     = var.name # the function
  model_id = var.model_id
  sqs_trigger = var.queue
  tags = {
    a = "b"
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}
variable "name" {
  description = <<-EOT
    Heredocs { with braces } are skipped.
  EOT
  default = "fn"
}
variable "model_id" {
  default = "amazon.nova-lite-v1:0"
}
variable "queue" {
  default = null
}
"""


def test_variables_take_values_in_terraform_precedence(tmp_path):
    (tmp_path / "main.tf").write_text(EXAMPLE)
    env = {"TF_VAR_region": "eu-west-1", "TF_VAR_name": "from-env"}
    (tmp_path / "terraform.tfvars").write_text('region = "eu-central-1"\nqueue = { batch_size = 5 }\n')
    (tmp_path / "b.auto.tfvars.json").write_text(json.dumps({"region": "us-east-2"}))
    (tmp_path / "a.auto.tfvars").write_text('region = "ap-south-1"\n')

    found = example_settings.read(str(tmp_path), env)

    # default < TF_VAR_ < terraform.tfvars < *.auto.tfvars(.json) in lexical order
    assert found == {
        "region": "us-east-2",
        "bedrock_region": "us-east-2",
        "model_id": "amazon.nova-lite-v1:0",
        "models": {},
        "workflow": "content_pipeline",
        "sqs": True,
        "name": "from-env",
    }


CUSTOM_EXAMPLE = """
provider "aws" {
  region = "us-east-2"
}

module "triage" {
  source     = "../.."
  name       = "triage"
  source_dir = "${path.module}/src"
  handler    = "triage.handler"
  models = {
    classify = "us.amazon.nova-micro-v1:0"
    write    = "us.anthropic.claude-sonnet-4-5-20250929-v1:0", other = "amazon.nova-lite-v1:0"
  }
}
"""


def test_a_custom_examples_named_models_are_read(tmp_path):
    (tmp_path / "main.tf").write_text(CUSTOM_EXAMPLE)

    found = example_settings.read(str(tmp_path), {})

    assert (found["workflow"], found["model_id"]) == ("custom", None)
    assert found["models"] == {
        "classify": "us.amazon.nova-micro-v1:0",
        "write": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "other": "amazon.nova-lite-v1:0",
    }


def test_named_models_that_are_not_literals_are_refused(tmp_path):
    (tmp_path / "main.tf").write_text(CUSTOM_EXAMPLE.replace('"amazon.nova-lite-v1:0"', "local.other"))

    with pytest.raises(example_settings.Unreadable, match="cannot read models"):
        example_settings.read(str(tmp_path), {})


def test_a_setting_that_is_an_expression_is_refused_with_the_flag_to_pass(tmp_path, capsys):
    (tmp_path / "main.tf").write_text(EXAMPLE.replace("model_id = var.model_id", 'model_id = "${local.prefix}.x"'))

    status = preflight.main(["--example-dir", str(tmp_path)])

    assert status == 2
    error = capsys.readouterr().err
    assert "cannot read the model" in error and "pass them as flags" in error


def test_flags_override_the_example_and_a_missing_example_is_named(capsys):
    args = argparse.Namespace(
        example_dir=str(ROOT / "examples/content-pipeline"), region="us-east-2", bedrock_region=None,
        model_id=None, model=None, workflow=None, sqs=True, name=None, endpoint_url=None,
    )  # fmt: skip
    example = example_settings.read(args.example_dir, {})

    settings = preflight.settings_from(args)

    assert (settings.region, settings.sqs, settings.model_id) == ("us-east-2", True, example["model_id"])
    assert settings.bedrock_region == (
        "us-east-2" if example["bedrock_region"] == example["region"] else example["bedrock_region"]
    )
    assert preflight.main(["--example-dir", str(ROOT / "examples/no-such-example")]) == 2
    assert "no example directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    "source",
    [
        "127.0.0.1:8443/acme/durable-bedrock/aws",  # a private registry, as the registry end-to-end test uses it
        "acme/durable-bedrock/aws",  # the public registry
        "../durable-bedrock-tf",  # a path of your own: the root's one module block
    ],
)
def test_a_root_of_your_own_is_read_whatever_it_sources_the_module_from(tmp_path, source):
    (tmp_path / "main.tf").write_text(CUSTOM_EXAMPLE.replace('"../.."', f'"{source}"'))

    assert example_settings.read(str(tmp_path), {})["models"]["classify"] == "us.amazon.nova-micro-v1:0"


def test_a_root_with_several_other_modules_is_refused_naming_the_forms(tmp_path):
    other = 'module "network" {\n  source = "./network"\n}\n'
    (tmp_path / "main.tf").write_text(CUSTOM_EXAMPLE.replace('"../.."', '"./mine"') + other)

    with pytest.raises(example_settings.Unreadable, match="no module block with source"):
        example_settings.read(str(tmp_path), {})
