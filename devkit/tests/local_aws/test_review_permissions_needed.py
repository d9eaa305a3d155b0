"""Least privilege for the editorial review, shown by ablation on a local AWS that enforces IAM:
every action (and every resource form) of the review page's role policy (review_page.tf) and of
the human reviewers' policy (reviewer_policy.tf, output reviewer_policy_json) is needed. With
the whole policy the page and `make approve` work; with one piece taken out they fail, and say
which action is missing. The policies changed here are the Python mirrors of the module's, and
test_the_mirrors_are_the_policies_the_module_tests_assert ties each to the literal its module
test asserts (which `make test-module` checks against the module), so neither can go stale.

One deployment (review_page_deployment.py) serves the whole file: the page's role policy is
changed in place (put_role_policy) and restored; each reviewer variant is an IAM user of its own."""

import ast
import itertools
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import boto3
import pytest

from durable_api import CLIENT_KWARGS
from durable_bedrock.review_link import review_link
from review_callbacks import review_of
from review_page_deployment import ReviewPage, fetch, page_log_group, page_policy, waiting_review
from test_execution_tools import REPO, applied_example

MODULE_TESTS = REPO / "tests"
# The names the module tests give: var.name "pipeline", the mocked account and region.
TFTEST_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:pipeline"


def reviewer_policy(function_arn: str) -> dict:
    """reviewer_policy.tf's local.reviewer_policy, as tests/iam.tftest.hcl asserts it."""
    executions = f"{function_arn}:*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AnswerReviews",
                "Effect": "Allow",
                "Action": "lambda:SendDurableExecutionCallbackSuccess",
                "Resource": executions,
            },
            {
                "Sid": "FindPendingReviews",
                "Effect": "Allow",
                "Action": ["lambda:GetDurableExecution", "lambda:GetDurableExecutionHistory"],
                "Resource": executions,
            },
            {
                "Sid": "FindExecutionsByName",
                "Effect": "Allow",
                "Action": "lambda:ListDurableExecutionsByFunction",
                "Resource": [function_arn, executions],
            },
        ],
    }


def asserted_literal(tftest: Path, subject: str) -> object:
    """What a module test asserts `jsondecode(<subject>) == {...}` to be, as Python data. The
    literal is HCL's plain subset (Key = value one per line; strings, lists, objects), which
    becomes a Python literal once keys are quoted and each line ending a value ends in a comma."""
    text = tftest.read_text()
    opening = f"jsondecode({subject}) == "
    start = text.index(opening) + len(opening)
    depths = itertools.accumulate({"{": 1, "}": -1}.get(char, 0) for char in text[start:])
    end = start + next(offset for offset, depth in enumerate(depths) if depth == 0)
    lines = []
    for line in text[start : end + 1].splitlines():
        line = re.sub(r"^(\s*)(\w+)\s*=\s*", r'\1"\2": ', line.rstrip())
        lines.append(line + "," if re.search(r'["\]}]$', line) else line)
    return ast.literal_eval("\n".join(lines).rstrip(","))


def test_the_mirrors_are_the_policies_the_module_tests_assert():
    page = asserted_literal(
        MODULE_TESTS / "review_page.tftest.hcl", 'module.review_page[0].role_policies["review-page"].document'
    )
    reviewer = asserted_literal(MODULE_TESTS / "iam.tftest.hcl", "output.reviewer_policy_json")

    assert page_policy(TFTEST_FUNCTION_ARN, "pipeline-review-page") == page
    assert reviewer_policy(TFTEST_FUNCTION_ARN) == reviewer


def without(policy: dict, sid: str, action: str | None = None, resource: str | None = None) -> dict:
    """The policy less one statement, or less one action or one resource of it (a statement left
    with none is left out: IAM refuses an empty Action or Resource list as malformed)."""
    statements = []
    for statement in policy["Statement"]:
        if statement["Sid"] == sid:
            statement = {**statement}
            for key, taken in (("Action", action), ("Resource", resource)):
                values = statement[key] if isinstance(statement[key], list) else [statement[key]]
                assert taken is None or taken in values, f"{sid} has no {key} {taken}"
                statement[key] = [value for value in values if value != taken]
            if (action is None and resource is None) or not statement["Action"] or not statement["Resource"]:
                continue
        statements.append(statement)
    assert len(json.dumps(statements)) < len(json.dumps(policy["Statement"])), f"nothing taken out of {sid}"
    return {**policy, "Statement": statements}


def review_state(endpoint: str, arn: str) -> str | None:
    """Where the execution's review callback stands: pending, answered, ... (read as the account root)."""
    lam = boto3.client("lambda", endpoint_url=endpoint, **CLIENT_KWARGS)
    review = review_of(lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"])
    return review.state if review else None


# --- The review page's role ---------------------------------------------------------------------

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}  # the page's own form, as a browser sends it


class PageRole(NamedTuple):
    iam: Any  # boto3 IAM client
    role: str  # the page's execution role
    policy: dict  # the module's policy for it
    log_group: str


@pytest.fixture(scope="module")
def page_role(review_page: ReviewPage, iam_local_aws: str) -> PageRole:
    lam, page_name = review_page.lam, f"{review_page.name}-review-page"
    function_arn = lam.get_function(FunctionName=review_page.name)["Configuration"]["FunctionArn"]
    role = lam.get_function(FunctionName=page_name)["Configuration"]["Role"].rsplit("/", 1)[1]
    iam = boto3.client("iam", endpoint_url=iam_local_aws, **CLIENT_KWARGS)
    return PageRole(iam, role, page_policy(function_arn, page_name), page_log_group(page_name))


@contextmanager
def role_policy(page: PageRole, document: dict) -> Iterator[None]:
    """The page's role holds `document` instead of the module's policy meanwhile (review_page.tf's
    aws_iam_role_policy.review_page is named "review-page": this replaces it in place)."""
    page.iam.put_role_policy(RoleName=page.role, PolicyName="review-page", PolicyDocument=json.dumps(document))
    try:
        yield
    finally:
        page.iam.put_role_policy(RoleName=page.role, PolicyName="review-page", PolicyDocument=json.dumps(page.policy))


@pytest.fixture(scope="module")
def page_link(review_page: ReviewPage) -> tuple[str, str]:
    """(execution ARN, the page's link) of a review waiting for a decision, for this file's page tests."""
    arn, callback_id = waiting_review(review_page.lam, review_page.name, review_page.version)
    return arn, review_link(review_page.page_url, arn, callback_id)


@pytest.mark.parametrize(
    ("sid", "action", "get_status"),
    [
        ("ReadReviewsOfThisFunction", "lambda:GetDurableExecutionHistory", 500),
        ("DecideReviewsOfThisFunction", "lambda:SendDurableExecutionCallbackSuccess", 200),
    ],
)
def test_each_lambda_statement_of_the_page_role_is_needed(iam_local_aws, page_role, page_link, sid, action, get_status):
    """Without the statement the page cannot show the review (read) or cannot send the decision, and
    says which action its role lacks; the review stays pending. With the policy back it shows it."""
    arn, link = page_link
    with role_policy(page_role, without(page_role.policy, sid)):
        shown = fetch(link)
        sent = fetch(link, {"decision": "approve"}, SAME_ORIGIN)
    restored = fetch(link)

    assert shown[0] == get_status, shown[2]
    assert sent[0] == 500 and f"its role lacks {action}" in sent[2], sent[2]
    assert "No decision was sent" in sent[2]
    assert review_state(iam_local_aws, arn) == "pending"
    assert restored[0] == 200 and "Approve" in restored[2], restored[2]


def logged_since(page: PageRole, endpoint: str, start_ms: int) -> list[str]:
    logs = boto3.client("logs", endpoint_url=endpoint, **CLIENT_KWARGS)
    return [
        event["message"] for event in logs.filter_log_events(logGroupName=page.log_group, startTime=start_ms)["events"]
    ]


@pytest.mark.parametrize("action", ["logs:CreateLogStream", "logs:PutLogEvents"])
def test_each_log_action_of_the_page_role_is_needed(page_role, page_link, iam_local_aws, action):
    """WriteOwnLogs: without either action the page still answers but its invocation logs nothing
    (patch function_logs_written_as_the_role; AWS: "the function still runs but it is unable to log
    any output", AWS Lambda Operator Guide, access-logs); with the module's policy it logs again."""
    _, link = page_link
    before = int(time.time() * 1000)
    with role_policy(page_role, without(page_role.policy, "WriteOwnLogs", action=action)):
        shown = fetch(link)
        unlogged = logged_since(page_role, iam_local_aws, before)
    restored = int(time.time() * 1000)
    fetch(link)

    assert shown[0] == 200, shown[2]
    assert unlogged == []
    assert logged_since(page_role, iam_local_aws, restored), "with the module's policy the page logged nothing"


def test_with_the_module_policy_the_page_decides_the_review(iam_local_aws, page_link):
    """The control for the tests above: the same link, the role holding the module's policy."""
    arn, link = page_link
    status, _, body = fetch(link, {"decision": "reject", "notes": "not now"}, SAME_ORIGIN)
    assert status == 200 and "Decision sent" in body, body
    assert review_state(iam_local_aws, arn) == "answered"


# --- The human reviewers' policy, as `make approve` / `make reject` use it ------------------------


class Reviewing(NamedTuple):
    cli: list[str]  # the command line's options for the applied example
    function_arn: str
    version: str
    arn: str  # a review's execution, waiting for a decision
    name: str  # its execution name


@pytest.fixture(scope="module")
def reviewing(review_page: ReviewPage, iam_local_aws: str, tmp_path_factory) -> Iterator[Reviewing]:
    """The page's durable function applied like an example, and one of its reviews waiting, started
    after the page's (so it is the version's newest execution: EXECUTION=last)."""
    lam, example_dir = review_page.lam, tmp_path_factory.mktemp("reviewed-example")
    with pytest.MonkeyPatch.context() as monkeypatch:
        applied_example(lam, review_page.name, review_page.version, example_dir, monkeypatch)
        arn, _ = waiting_review(lam, review_page.name, review_page.version)
        yield Reviewing(
            ["--example-dir", str(example_dir), "--endpoint-url", iam_local_aws],
            lam.get_function(FunctionName=review_page.name)["Configuration"]["FunctionArn"],
            review_page.version,
            arn,
            lam.get_durable_execution(DurableExecutionArn=arn)["DurableExecutionName"],
        )


def as_reviewer(endpoint: str, policy: dict, verb: str, *argv: str) -> subprocess.CompletedProcess:
    """`make approve` / `make reject`'s tool run as a new IAM user holding exactly `policy` (the
    Makefile passes a local user's keys as LOCAL_AWS_ACCESS_KEY_ID / LOCAL_AWS_SECRET_ACCESS_KEY)."""
    iam = boto3.client("iam", endpoint_url=endpoint, **CLIENT_KWARGS)
    user = f"reviewer-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="reviewer", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    env = {k: v for k, v in os.environ.items() if k not in ("FEEDBACK", "REASON")}
    env |= {"LOCAL_AWS_ACCESS_KEY_ID": key["AccessKeyId"], "LOCAL_AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    return subprocess.run(
        [sys.executable, "cli", verb, *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


# (statement, the action or the resource taken out of it, the command, which execution: its name or
# "last"): EXECUTION=<name> lists the function's executions unqualified (authorized on the function's
# ARN), EXECUTION=last the published version's (on the version's ARN, which "<function>:*" matches).
REVIEWER_ABLATIONS = [
    ("AnswerReviews", "lambda:SendDurableExecutionCallbackSuccess", "approve", "name"),
    ("FindPendingReviews", "lambda:GetDurableExecution", "reject", "name"),
    ("FindPendingReviews", "lambda:GetDurableExecutionHistory", "approve", "last"),
    ("FindExecutionsByName", "{function}", "approve", "name"),
    ("FindExecutionsByName", "{function}:*", "reject", "last"),
]


@pytest.mark.parametrize(("sid", "taken", "verb", "execution"), REVIEWER_ABLATIONS)
def test_each_permission_of_the_reviewer_policy_is_needed(reviewing, iam_local_aws, sid, taken, verb, execution):
    """Without it `make approve` / `make reject` sends nothing, exits 2 and names the refused action."""
    full = reviewer_policy(reviewing.function_arn)
    if taken.startswith("lambda:"):
        policy, action = without(full, sid, action=taken), taken
    else:
        policy = without(full, sid, resource=taken.format(function=reviewing.function_arn))
        action = "lambda:ListDurableExecutionsByFunction"
    selector = reviewing.name if execution == "name" else "last"
    note = ["--reason", "off topic"] if verb == "reject" else ["--feedback", "shorter"]

    answered = as_reviewer(iam_local_aws, policy, verb, *reviewing.cli, "--execution", selector, *note, "--no-follow")

    assert answered.returncode == 2, answered.stdout + answered.stderr
    assert answered.stderr.startswith(f"{verb}: not allowed to "), answered.stderr
    assert f"{action} was refused (AccessDeniedException); a reviewer needs the module's reviewer_policy_json" in (
        answered.stderr
    )
    assert review_state(iam_local_aws, reviewing.arn) == "pending"


def test_with_the_whole_reviewer_policy_both_lookups_reach_the_review(reviewing, iam_local_aws):
    """The control for the test above: by name the review is answered; then EXECUTION=last finds the
    same review (its answer is refused only because it is already answered)."""
    policy = reviewer_policy(reviewing.function_arn)
    approved = as_reviewer(
        iam_local_aws, policy, "approve", *reviewing.cli, "--execution", reviewing.name, "--no-follow"
    )
    again = as_reviewer(iam_local_aws, policy, "reject", *reviewing.cli, "--execution", "last", "--reason", "late")

    assert approved.returncode == 0, approved.stderr
    assert review_state(iam_local_aws, reviewing.arn) == "answered"
    assert again.returncode == 2
    assert again.stderr.startswith(f"reject: the review of {reviewing.name} was already answered at "), again.stderr
