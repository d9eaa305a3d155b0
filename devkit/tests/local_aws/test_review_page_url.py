"""The review page (durable_bedrock.review_page) deployed on local AWS behind a public function URL,
with the module's role policy and URL grants (review_page.tf), IAM enforced: a browser-like client
reads a waiting review, a cross-site POST is refused, the form's POST approves it, and the execution
finishes with the page's decision; afterwards the link only says the review was decided."""

import io
import json
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import boto3
import pytest

from durable_api import CLIENT_KWARGS, FUNCTIONS, LAMBDA_TRUST, SDK_DIR, durable_role, wait_for_event, wait_for_status
from durable_bedrock.review_link import review_link
from session import local_aws_session

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
    """review_page.tf's local.review_page_policy, as tests/review_page.tftest.hcl asserts it."""
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
                "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{page_name}:*",
            },
        ],
    }


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with local_aws_session(tmp_path_factory.mktemp("local-aws-review-page"), auth=True) as session:
        yield session.endpoint


@pytest.fixture(scope="module")
def deployed(endpoint):
    """(Lambda client, durable function name and version, page URL on local AWS's path-based form)."""
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
    return lam, name, version, f"{endpoint}/_aws/lambda-url/{url_id}/"


def waiting_review(lam, name: str, version: str) -> tuple[str, str]:
    """Starts an execution and waits for its review callback: (execution ARN, callback id)."""
    started = lam.invoke(
        FunctionName=name, Qualifier=version, InvocationType="Event", Payload=json.dumps({"topic": TOPIC}).encode()
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


def test_a_reviewer_reads_the_outline_and_approves_it_through_the_function_url(deployed):
    lam, name, version, page_url = deployed
    arn, callback_id = waiting_review(lam, name, version)
    link = review_link(page_url, arn, callback_id)

    status, headers, body = fetch(link)
    assert status == 200, body
    assert "Tea &lt;script&gt;alert(1)&lt;/script&gt; &amp; biscuits" in body
    assert "- Warm the pot &lt;b&gt;first&lt;/b&gt;\n- Steep &quot;3 minutes&quot; &amp; pour" in body
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "same-origin"
    assert "default-src 'none'" in headers["Content-Security-Policy"]

    status, _, body = fetch(link, {"decision": "approve", "notes": "More on oolong"}, {"Sec-Fetch-Site": "cross-site"})
    assert status == 403, body
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"

    status, _, body = fetch(link, {"decision": "approve", "notes": "More on oolong"}, {"Sec-Fetch-Site": "same-origin"})
    assert status == 200, body
    assert "Decision sent" in body

    execution = wait_for_status(lam, arn, timeout=60)
    assert execution["Status"] == "SUCCEEDED", execution
    review = json.loads(execution["Result"])["review"]
    assert (review["decision"], review["by"], review["feedback"]) == ("approved", "page", "More on oolong")

    status, _, body = fetch(link)
    assert status == 410 and "already been decided (approved)" in body, body


def test_a_link_to_another_callback_of_the_function_is_unknown(deployed):
    lam, name, version, page_url = deployed
    arn, _ = waiting_review(lam, name, version)

    status, _, body = fetch(review_link(page_url, arn, "b3RoZXJjYWxsYmFjaw=="))

    assert status == 404, body
    lam.stop_durable_execution(DurableExecutionArn=arn)


URL_GRANT = {"StatementId": "url", "Action": "lambda:InvokeFunctionUrl", "FunctionUrlAuthType": "NONE"}
INVOKE_GRANT = {"StatementId": "invoke", "Action": "lambda:InvokeFunction", "InvokedViaFunctionUrl": True}


def public_page(endpoint: str, grants: tuple[dict, ...]) -> str:
    """A new page function behind a public (AuthType NONE) URL whose policy has exactly `grants`: its URL."""
    lam = boto3.client("lambda", endpoint_url=endpoint, **CLIENT_KWARGS)
    iam = boto3.client("iam", endpoint_url=endpoint, **CLIENT_KWARGS)
    name = f"public-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=f"{name}-exec", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role["Arn"],
        Handler="durable_bedrock.review_page.handler",
        Code={"ZipFile": package()},
        Timeout=15,
        Environment={"Variables": {"DURABLE_FUNCTION_ARN": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:none"}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    for grant in grants:
        lam.add_permission(FunctionName=name, Principal="*", **grant)
    return f"{endpoint}/_aws/lambda-url/{url.split('//')[1].split('.')[0]}/"


def test_a_public_url_answers_only_once_both_grants_are_in_the_policy(endpoint):
    """AWS: with AuthType NONE the function's resource-based policy must still grant public access:
    lambda:InvokeFunctionUrl, and for new URLs lambda:InvokeFunction too (patch
    public_function_url_needs_its_grants). No grant, either one alone: Forbidden; both: the page answers."""
    answers = []
    for grants in [(), (URL_GRANT,), (INVOKE_GRANT,), (URL_GRANT, INVOKE_GRANT)]:
        status, _, body = fetch(public_page(endpoint, grants))
        answers.append((status, "Incomplete review link" in body if status == 400 else body))

    forbidden = (403, '{"Message":"Forbidden"}')
    assert answers == [forbidden, forbidden, forbidden, (400, True)]  # 400: served by the page, no review named
