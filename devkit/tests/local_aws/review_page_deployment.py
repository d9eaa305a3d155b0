"""The review page as review_page.tf deploys it, on a local AWS that enforces IAM: a durable function
awaiting its review (functions/awaits_review.py) and the page function with the module's role policy
behind a public function URL with its two grants. Shared by the page's HTTP test
(test_review_page_url.py) and its browser test (test_review_page_browser.py); the fixtures that use
it are in conftest.py."""

import io
import json
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode

import boto3

from durable_api import CLIENT_KWARGS, FUNCTIONS, LAMBDA_TRUST, SDK_DIR, durable_role, wait_for_event

ACCOUNT = "000000000000"
REGION = CLIENT_KWARGS["region_name"]
PACKAGE = Path(__file__).resolve().parents[3] / "lambda_src" / "durable_bedrock"
TOPIC = "Tea <script>alert(1)</script> & biscuits"


def package(*function_sources: str) -> bytes:
    """functions/<source>.py files, the durable_bedrock package and the durable SDK (boto3 comes with the runtime)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for source in function_sources:
            zf.write(FUNCTIONS / f"{source}.py", f"{source}.py")
        for directory in (PACKAGE, SDK_DIR):
            for path in sorted(directory.rglob("*.py")):
                zf.write(path, f"{directory.name}/{path.relative_to(directory)}")
    return buf.getvalue()


def page_policy(function_arn: str, page_name: str) -> dict:
    """review_page.tf's local.review_page_policy, as tests/review_page.tftest.hcl asserts it
    (test_review_permissions_needed.py checks that this is that literal)."""
    _, partition, _, region, account = function_arn.split(":")[:5]
    executions = f"{function_arn}:*/durable-execution/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadReviewsOfThisFunction",
                "Effect": "Allow",
                "Action": "lambda:GetDurableExecutionHistory",
                "Resource": executions,
            },
            {
                "Sid": "DecideReviewsOfThisFunction",
                "Effect": "Allow",
                "Action": "lambda:SendDurableExecutionCallbackSuccess",
                "Resource": executions,
            },
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{page_name}:*",
            },
        ],
    }


def page_log_group(page_name: str) -> str:
    """review_page.tf's aws_cloudwatch_log_group.review_page (the function's logging_config names it)."""
    return f"/aws/lambda/{page_name}"


class ReviewPage(NamedTuple):
    lam: Any  # boto3 Lambda client
    name: str  # the durable function awaiting reviews
    version: str  # its published version
    page_url: str  # the page's function URL, in local AWS's path-based form


def deploy_review_page(endpoint: str) -> ReviewPage:
    """The durable function (published) and its review page behind a public function URL."""
    iam = boto3.client("iam", endpoint_url=endpoint, **CLIENT_KWARGS)
    lam = boto3.client("lambda", endpoint_url=endpoint, **CLIENT_KWARGS)
    suffix = uuid.uuid4().hex[:8]
    name, page_name = f"awaits-review-{suffix}", f"awaits-review-{suffix}-review-page"
    code = package("awaits_review")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=durable_role(iam, f"{name}-exec"),
        Handler="awaits_review.handler",
        Code={"ZipFile": code},
        Timeout=30,
        DurableConfig={"ExecutionTimeout": 120, "RetentionPeriodInDays": 1},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    version = lam.publish_version(FunctionName=name)["Version"]

    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    role = iam.create_role(RoleName=f"{page_name}-exec", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
    iam.put_role_policy(
        RoleName=f"{page_name}-exec",
        PolicyName="review-page",
        PolicyDocument=json.dumps(page_policy(function_arn, page_name)),
    )
    lam.create_function(
        FunctionName=page_name,
        Runtime="python3.13",
        Role=role["Arn"],
        Handler="durable_bedrock.review_page.handler",
        Code={"ZipFile": code},
        Timeout=15,
        Environment={"Variables": {"DURABLE_FUNCTION_ARN": function_arn}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=page_name)
    # Its log group, made first as review_page.tf makes it (the role may not create it).
    boto3.client("logs", endpoint_url=endpoint, **CLIENT_KWARGS).create_log_group(
        logGroupName=page_log_group(page_name)
    )
    url = lam.create_function_url_config(FunctionName=page_name, AuthType="NONE")["FunctionUrl"]
    # The two grants of review_page.tf (aws_lambda_permission.review_page_url / _invoke).
    lam.add_permission(
        FunctionName=page_name,
        StatementId="PublicReviewPageUrl",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    lam.add_permission(
        FunctionName=page_name,
        StatementId="InvokeOnlyThroughTheUrl",
        Action="lambda:InvokeFunction",
        Principal="*",
        InvokedViaFunctionUrl=True,
    )
    url_id = url.split("://", 1)[1].split(".", 1)[0]
    return ReviewPage(lam, name, version, f"{endpoint}/_aws/lambda-url/{url_id}/")


def waiting_review(lam, name: str, version: str, topic: str = TOPIC) -> tuple[str, str]:
    """Starts an execution and waits for its review callback: (execution ARN, callback id)."""
    started = lam.invoke(
        FunctionName=name, Qualifier=version, InvocationType="Event", Payload=json.dumps({"topic": topic}).encode()
    )
    arn = started["DurableExecutionArn"]
    wait_for_event(lam, arn, "CallbackStarted", timeout=60)
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    callback = next(e for e in events if e["EventType"] == "CallbackStarted")
    return arn, callback["CallbackStartedDetails"]["CallbackId"]


def fetch(url: str, form: dict | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
    """An unsigned request, as a browser sends it (a form POST is application/x-www-form-urlencoded)."""
    data = urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    if data:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, dict(reply.headers), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
