"""The review page's handler with a fake Lambda client: what GET shows, what POST sends, and the
pages for links that no longer (or never did) work."""

import base64
import json
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError

from durable_bedrock.review_link import review_link
from durable_bedrock.review_page import cross_site_problem, handle
from durable_bedrock.review_page_html import CONTENT_SECURITY_POLICY, STYLE
from durable_bedrock.review_state import OUTLINE_STEP, REVIEW_CALLBACK_NAME

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:pipeline"
EXECUTION = f"{FUNCTION}:3/durable-execution/run-1/0b7c"
CALLBACK = "Q2FsbGJhY2s+/id=="
DOMAIN = "abc123.lambda-url.us-east-1.on.aws"
TOPIC = "Tea <script>alert(1)</script> & biscuits"
OUTLINE = '- Brewing <b>basics</b>\n- "Milk" first?'


def history(*ending: dict, callback_id: str = CALLBACK, name: str = REVIEW_CALLBACK_NAME) -> list[dict]:
    """A content pipeline's history up to its waiting review callback, then `ending`."""
    usage = {"input_tokens": 5, "output_tokens": 9, "cache_read_input_tokens": 0, "cache_write_input_tokens": 0}
    reply = {"text": OUTLINE, "usage": usage | {"latency_ms": 40}, "stop_reason": "end_turn"}
    return [
        {
            "EventType": "ExecutionStarted",
            "Id": "e",
            "ExecutionStartedDetails": {"Input": {"Payload": json.dumps({"topic": TOPIC})}},
        },
        {"EventType": "StepStarted", "Id": "1", "Name": OUTLINE_STEP},
        {
            "EventType": "StepSucceeded",
            "Id": "1",
            "Name": OUTLINE_STEP,
            "StepSucceededDetails": {"Result": {"Payload": json.dumps(reply)}},
        },
        {
            "EventType": "CallbackStarted",
            "Id": "4",
            "Name": name,
            "CallbackStartedDetails": {"CallbackId": callback_id},
        },
        *ending,
    ]


class FakeLambda:
    def __init__(
        self, events: list[dict] | None = None, history_error: str | None = None, send_error: str | None = None
    ):
        self.events, self.history_error, self.send_error = events or [], history_error, send_error
        self.history_calls: list[dict] = []
        self.sent: list[dict] = []

    def get_durable_execution_history(self, **kwargs):
        self.history_calls.append(kwargs)
        if self.history_error:
            raise ClientError({"Error": {"Code": self.history_error, "Message": "x"}}, "GetDurableExecutionHistory")
        return {"Events": self.events}

    def send_durable_execution_callback_success(self, **kwargs):
        if self.send_error:
            raise ClientError(
                {"Error": {"Code": self.send_error, "Message": "x"}}, "SendDurableExecutionCallbackSuccess"
            )
        self.sent.append(kwargs)
        return {}


def query(execution: str = EXECUTION, callback: str = CALLBACK) -> str:
    return review_link(f"https://{DOMAIN}/", execution, callback).split("?", 1)[1]


def request(method: str, form: dict | None = None, headers: dict | None = None, raw_query: str | None = None) -> dict:
    """A function URL event (payload format 2.0) as Lambda sends it; a form body is base64, as for binary types."""
    event = {
        "version": "2.0",
        "rawPath": "/",
        "rawQueryString": query() if raw_query is None else raw_query,
        "headers": {"host": DOMAIN, **(headers or {})},
        "requestContext": {"domainName": DOMAIN, "http": {"method": method, "path": "/"}},
        "isBase64Encoded": False,
    }
    if form is not None:
        event["body"] = base64.b64encode(urlencode(form).encode()).decode()
        event["isBase64Encoded"] = True
        event["headers"]["content-type"] = "application/x-www-form-urlencoded"
    return event


SAME_ORIGIN = {"sec-fetch-site": "same-origin", "origin": f"https://{DOMAIN}"}


def post(client: FakeLambda, form: dict, headers: dict | None = None) -> dict:
    return handle(request("POST", form, SAME_ORIGIN if headers is None else headers), client, FUNCTION)


def test_get_shows_the_escaped_topic_and_outline_and_the_form_and_sends_nothing():
    client = FakeLambda(history())

    page = handle(request("GET"), client, FUNCTION)

    assert page["statusCode"] == 200
    body = page["body"]
    assert "Tea &lt;script&gt;alert(1)&lt;/script&gt; &amp; biscuits" in body
    assert "- Brewing &lt;b&gt;basics&lt;/b&gt;\n- &quot;Milk&quot; first?" in body
    assert "<script" not in body and "<b>" not in body
    assert '<form method="post" action="?execution=' in body
    assert 'name="decision" value="approve"' in body and 'name="decision" value="reject"' in body
    assert client.sent == []
    assert client.history_calls == [{"DurableExecutionArn": EXECUTION, "IncludeExecutionData": True, "MaxItems": 1000}]


def test_every_page_forbids_scripts_framing_caching_and_referrers():
    for client, method in [
        (FakeLambda(history()), "GET"),
        (FakeLambda(history_error="ResourceNotFoundException"), "GET"),
    ]:
        headers = handle(request(method), client, FUNCTION)["headers"]
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "script-src" not in CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_the_inline_style_is_allowed_by_its_hash_only():
    import base64 as b64
    import hashlib

    digest = b64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


def test_approve_with_feedback_sends_once_by_page():
    client = FakeLambda(history())

    page = post(client, {"decision": "approve", "notes": "  Add a section on oolong. "})

    assert page["statusCode"] == 200 and "Decision sent" in page["body"]
    assert len(client.sent) == 1
    assert client.sent[0]["CallbackId"] == CALLBACK
    assert json.loads(client.sent[0]["Result"]) == {
        "decision": "approve",
        "by": "page",
        "feedback": "Add a section on oolong.",
    }


def test_reject_sends_the_reason_by_page():
    client = FakeLambda(history())

    page = post(client, {"decision": "reject", "notes": "Off topic"})

    assert page["statusCode"] == 200 and "rejected" in page["body"]
    assert [json.loads(s["Result"]) for s in client.sent] == [
        {"decision": "reject", "by": "page", "reason": "Off topic"}
    ]


def test_approve_without_notes_sends_no_feedback():
    client = FakeLambda(history())
    post(client, {"decision": "approve", "notes": "   "})
    assert json.loads(client.sent[0]["Result"]) == {"decision": "approve", "by": "page"}


def test_a_reason_too_long_for_the_workflow_is_refused_on_the_page_with_the_form_kept():
    client = FakeLambda(history())

    page = post(client, {"decision": "reject", "notes": "x" * 2001})

    assert page["statusCode"] == 422
    assert "at most 2000 are allowed" in page["body"] and "x" * 2001 in page["body"]
    assert client.sent == []


@pytest.mark.parametrize(
    "form",
    [{}, {"decision": "maybe"}, {"decision": ["approve", "reject"]}, {"decision": "approve", "notes": ["a", "b"]}],
)
def test_a_post_that_is_not_one_decision_sends_nothing(form):
    client = FakeLambda(history())
    event = request("POST", {}, SAME_ORIGIN)
    event["body"] = base64.b64encode(urlencode(form, doseq=True).encode()).decode()
    page = handle(event, client, FUNCTION)
    assert page["statusCode"] == 400
    assert client.sent == []


def test_a_plain_text_body_is_read_as_well():
    client = FakeLambda(history())
    event = request("POST", {"decision": "approve"}, SAME_ORIGIN)
    event["body"], event["isBase64Encoded"] = "decision=approve&notes=ok", False
    assert handle(event, client, FUNCTION)["statusCode"] == 200
    assert json.loads(client.sent[0]["Result"])["feedback"] == "ok"


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
        {"sec-fetch-site": "same-site", "origin": "https://other.lambda-url.us-east-1.on.aws"},
        {"sec-fetch-site": "none"},
        {"origin": "https://evil.example"},
        {"origin": "null"},
    ],
)
def test_a_cross_site_post_is_refused_before_any_call(headers):
    client = FakeLambda(history())

    page = post(client, {"decision": "approve"}, headers)

    assert page["statusCode"] == 403
    assert client.sent == [] and client.history_calls == []


def test_a_post_without_browser_headers_is_allowed():
    """curl or a script holds the callback id and could send it directly: nothing to protect."""
    assert cross_site_problem({}, DOMAIN) is None
    assert cross_site_problem({"origin": f"https://{DOMAIN}"}, DOMAIN) is None


@pytest.mark.parametrize(
    ("ending", "title"),
    [
        (
            [
                {
                    "EventType": "CallbackSucceeded",
                    "Id": "4",
                    "CallbackSucceededDetails": {"Result": {"Payload": '{"decision": "approve"}'}},
                }
            ],
            "Already decided",
        ),
        ([{"EventType": "CallbackFailed", "Id": "4"}], "Already decided"),
        ([{"EventType": "CallbackTimedOut", "Id": "4"}], "Review expired"),
        ([{"EventType": "ExecutionStopped", "Id": "e"}], "Review closed"),
    ],
)
def test_a_decided_expired_or_closed_review_is_gone_for_get_and_post(ending, title):
    for method, form in [("GET", None), ("POST", {"decision": "approve"})]:
        client = FakeLambda(history(*ending))
        page = handle(request(method, form, SAME_ORIGIN), client, FUNCTION)
        assert page["statusCode"] == 410, method
        assert title in page["body"]
        assert "<form" not in page["body"]
        assert client.sent == []


def test_the_decided_page_says_how_it_was_decided():
    ending = {
        "EventType": "CallbackSucceeded",
        "Id": "4",
        "CallbackSucceededDetails": {"Result": {"Payload": '{"decision": "reject"}'}},
    }
    page = handle(request("GET"), FakeLambda(history(ending)), FUNCTION)
    assert "(rejected)" in page["body"]


def test_another_callback_of_the_execution_is_unknown():
    for client in [FakeLambda(history(callback_id="b3RoZXI=")), FakeLambda(history(name="some other callback"))]:
        page = handle(request("GET"), client, FUNCTION)
        assert page["statusCode"] == 404 and "Unknown review" in page["body"]


def test_an_unknown_execution_is_unknown():
    page = handle(request("GET"), FakeLambda(history_error="ResourceNotFoundException"), FUNCTION)
    assert page["statusCode"] == 404 and "Unknown review" in page["body"]


def test_a_role_that_may_not_read_the_review_is_named_with_the_missing_action(caplog):
    """The link names this function's execution, which the module's role may read: a denial is the
    role's fault, said as such (not "unknown review"), to the reviewer and in the function's log."""
    page = handle(request("GET"), FakeLambda(history_error="AccessDeniedException"), FUNCTION)

    assert page["statusCode"] == 500
    assert "may not read the review: its role lacks lambda:GetDurableExecutionHistory" in page["body"]
    assert "may not perform lambda:GetDurableExecutionHistory" in caplog.text


def test_a_role_that_may_not_send_the_decision_is_named_with_the_missing_action(caplog):
    client = FakeLambda(history(), send_error="AccessDeniedException")

    page = post(client, {"decision": "approve"})

    assert page["statusCode"] == 500
    assert "may not send the decision: its role lacks lambda:SendDurableExecutionCallbackSuccess" in page["body"]
    assert "No decision was sent" in page["body"] and client.sent == []
    assert "may not perform lambda:SendDurableExecutionCallbackSuccess" in caplog.text


@pytest.mark.parametrize(
    "raw_query",
    [
        "",
        "execution=x",
        query(execution="arn:aws:lambda:us-east-1:123456789012:function:other:1/durable-execution/a/b"),
        query(execution=f"{FUNCTION}x:1/durable-execution/a/b"),
        query(callback="not a callback id!"),
    ],
)
def test_a_link_that_names_no_review_of_this_function_is_refused_without_a_call(raw_query):
    client = FakeLambda(history())
    page = handle(request("GET", raw_query=raw_query), client, FUNCTION)
    assert page["statusCode"] == 400
    assert client.history_calls == []


def test_a_callback_closed_between_read_and_send_is_gone():
    client = FakeLambda(history(), send_error="CallbackTimeoutException")
    page = post(client, {"decision": "approve"})
    assert page["statusCode"] == 410


def test_a_throttled_read_asks_to_try_again():
    page = handle(request("GET"), FakeLambda(history_error="TooManyRequestsException"), FUNCTION)
    assert page["statusCode"] == 503


@pytest.mark.parametrize("method", ["HEAD", "PUT", "DELETE"])
def test_other_methods_are_not_allowed(method):
    client = FakeLambda(history())
    page = handle(request(method), client, FUNCTION)
    assert page["statusCode"] == 405 and page["headers"]["Allow"] == "GET, POST"
    assert client.history_calls == []
