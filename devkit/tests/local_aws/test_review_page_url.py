"""The review page (durable_bedrock.review_page) deployed on local AWS behind a public function URL,
with the module's role policy and URL grants (review_page.tf), IAM enforced: a browser-like client
reads a waiting review, a cross-site POST is refused, the form's POST approves it, and the execution
finishes with the page's decision; afterwards the link only says the review was decided."""

import json
import uuid

import boto3

from durable_api import CLIENT_KWARGS, LAMBDA_TRUST, wait_for_status
from durable_bedrock.review_link import review_link
from review_page_deployment import ACCOUNT, REGION, fetch, package, waiting_review


def test_a_reviewer_reads_the_outline_and_approves_it_through_the_function_url(review_page):
    lam, name, version, page_url = review_page
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


def test_a_link_to_another_callback_of_the_function_is_unknown(review_page):
    lam, name, version, page_url = review_page
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


def test_a_public_url_answers_only_once_both_grants_are_in_the_policy(iam_local_aws):
    """AWS: with AuthType NONE the function's resource-based policy must still grant public access:
    lambda:InvokeFunctionUrl, and for new URLs lambda:InvokeFunction too (patch
    public_function_url_needs_its_grants). No grant, either one alone: Forbidden; both: the page answers."""
    answers = []
    for grants in [(), (URL_GRANT,), (INVOKE_GRANT,), (URL_GRANT, INVOKE_GRANT)]:
        status, _, body = fetch(public_page(iam_local_aws, grants))
        answers.append((status, "Incomplete review link" in body if status == 400 else body))

    forbidden = (403, '{"Message":"Forbidden"}')
    assert answers == [forbidden, forbidden, forbidden, (400, True)]  # 400: served by the page, no review named
