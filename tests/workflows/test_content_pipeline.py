"""The content pipeline on the official testing runner, with Bedrock faked at the client."""

import json

import pytest

from durable_bedrock import content_pipeline
from durable_bedrock.inputs import MAX_TOPIC_CHARS
from durable_bedrock.retry_policy import MAX_ATTEMPTS
from durable_runner import TOKENS, run_workflow

SUCCEEDED, FAILED = "SUCCEEDED", "FAILED"
OPERATIONS = [
    ("generate-outline", "STEP"),
    ("editorial-review", "WAIT"),
    ("expand-draft", "STEP"),
    ("summarize", "STEP"),
    ("execution-metrics", "STEP"),  # metrics.py: the execution's metrics, once
]


def operations(result) -> list[tuple[str, str, str]]:
    return [(op.name, op.operation_type.value, op.status.value) for op in result.operations]


def step(result, name: str):
    return next(op for op in result.operations if op.name == name)


@pytest.fixture
def pipeline(configure, fake_bedrock):
    configure(BEDROCK_MODEL_ID="us.amazon.nova-lite-v1:0", MAX_TOKENS="512", REVIEW_WAIT_SECONDS="30")
    return fake_bedrock


def answer_all_three(fake):
    fake.reply("- point one\n- point two", input_tokens=20, output_tokens=8)
    fake.reply("The full article.", input_tokens=30, output_tokens=40)
    fake.reply("Two sentences.", input_tokens=50, output_tokens=6)


def test_every_step_succeeds_and_the_result_sums_the_tokens(pipeline):
    answer_all_three(pipeline)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == SUCCEEDED, result.error
    assert operations(result) == [(name, kind, SUCCEEDED) for name, kind in OPERATIONS]
    output = json.loads(result.result)
    assert output.pop("cost")["tokens"] == TOKENS | {"input_tokens": 100, "output_tokens": 54}
    assert output == {
        "topic": "durable functions",
        "outline": "- point one\n- point two",
        "review": {"decision": "timer_elapsed", "by": None, "feedback": None, "reason": None, "waited_seconds": 30},
        "draft": "The full article.",
        "summary": "Two sentences.",
        "model_id": "us.amazon.nova-lite-v1:0",
        "truncated_steps": [],
    }


def test_each_prompt_builds_on_the_previous_reply_through_converse(pipeline):
    answer_all_three(pipeline)

    run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    outline_call, draft_call, summary_call = pipeline.calls_to("Converse")
    for call in (outline_call, draft_call, summary_call):
        assert call["modelId"] == "us.amazon.nova-lite-v1:0"
        assert call["inferenceConfig"] == {"maxTokens": 512}
    assert "durable functions" in outline_call["messages"][0]["content"][0]["text"]
    assert "- point one\n- point two" in draft_call["messages"][0]["content"][0]["text"]
    assert "The full article." in summary_call["messages"][0]["content"][0]["text"]


def test_bedrock_is_called_once_per_step_across_the_resume(pipeline):
    answer_all_three(pipeline)

    result, events = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    invocations = [e for e in events if e.event_type == "InvocationCompleted"]
    assert len(invocations) >= 2  # suspended at the review wait, then resumed
    assert len(pipeline.calls_to("Converse")) == 3
    assert step(result, "editorial-review").status.value == SUCCEEDED
    pipeline.assert_all_answers_used()


def test_throttling_on_the_first_call_is_retried(pipeline):
    pipeline.fail("converse", "ThrottlingException", 429)
    answer_all_three(pipeline)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == SUCCEEDED, result.error
    assert len(pipeline.calls_to("Converse")) == 4
    assert step(result, "generate-outline").attempt == 2


def test_persistent_throttling_fails_after_the_attempt_budget(pipeline):
    for _ in range(MAX_ATTEMPTS):
        pipeline.fail("converse", "ThrottlingException", 429)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert len(pipeline.calls_to("Converse")) == MAX_ATTEMPTS
    assert "ThrottlingException" in result.error.message


@pytest.mark.parametrize(
    "code,status", [("ValidationException", 400), ("AccessDeniedException", 403), ("ResourceNotFoundException", 404)]
)
def test_non_transient_errors_fail_after_exactly_one_call(pipeline, code, status):
    pipeline.fail("converse", code, status, message=f"{code} from the fake")

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert len(pipeline.calls_to("Converse")) == 1
    assert code in result.error.message


# Bedrock's texts for the model-access refusals (quoted in model_access.py).
MARKETPLACE_DENIAL = (
    "Model access is denied due to IAM user or service role is not authorized to perform the required AWS "
    "Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this "
    "model. Refer to the Amazon Bedrock documentation for further details. Your AWS Marketplace subscription for "
    "this model cannot be completed at this time. If you recently fixed this issue, try again after 2 minutes."
)
USE_CASE_MISSING = (
    "Model use case details have not been submitted for this account. Fill out the Anthropic use case details "
    "form before using the model. If you have already filled out the form, try again in 15 minutes."
)


@pytest.mark.parametrize(
    "code,status,message,cause,fix",
    [
        ("AccessDeniedException", 403, MARKETPLACE_DENIAL, "not subscribed to this model", "aws-marketplace:Subscribe"),
        ("ResourceNotFoundException", 404, USE_CASE_MISSING, "use-case form has not been", "PutUseCaseForModelAccess"),
    ],
    ids=["marketplace", "anthropic-use-case"],
)
def test_a_model_access_refusal_names_the_cause_and_the_fix(pipeline, code, status, message, cause, fix):
    pipeline.fail("converse", code, status, message=message)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert len(pipeline.calls_to("Converse")) == 1
    assert result.error.message.startswith("Bedrock refused us.amazon.nova-lite-v1:0: ")  # ModelAccessError
    assert cause in result.error.message and fix in result.error.message
    assert message in result.error.message  # Bedrock's own words are kept


def test_an_iam_denial_is_not_mistaken_for_model_access(pipeline):
    denial = "User: arn:aws:sts::123456789012:assumed-role/x-exec/x is not authorized to perform: bedrock:InvokeModel"
    pipeline.fail("converse", "AccessDeniedException", 403, message=denial)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert "Bedrock refused" not in result.error.message
    assert denial in result.error.message


def test_bedrock_is_called_in_the_bedrock_region(configure, fake_bedrock):
    configure(BEDROCK_REGION="eu-central-1")
    answer_all_three(fake_bedrock)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == SUCCEEDED, result.error
    assert fake_bedrock.regions == ["eu-central-1"] * 3


def test_truncated_replies_are_reported(pipeline):
    pipeline.reply("outline", stop_reason="max_tokens")
    pipeline.reply("draft")
    pipeline.reply("summary")

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert json.loads(result.result)["truncated_steps"] == ["generate-outline"]


def test_a_reply_too_large_for_a_checkpoint_fails_clearly_without_retry(pipeline):
    pipeline.reply("x" * 300_000)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert len(pipeline.calls_to("Converse")) == 1
    assert "step 'generate-outline' produced" in result.error.message
    assert "MAX_TOKENS" in result.error.message


@pytest.mark.parametrize(
    "payload,field,rule",
    [
        ({}, "topic", "is required"),
        ({"topic": ""}, "topic", "must not be empty"),
        ({"topic": "   "}, "topic", "must not be empty"),
        ({"topic": 42}, "topic", "must be a string"),
        ({"topic": "x" * (MAX_TOPIC_CHARS + 1)}, "topic", f"at most {MAX_TOPIC_CHARS}"),
        ({"topic": "ok", "tone": "formal"}, "tone", "is not accepted"),
        (["topic"], "(payload)", "must be a JSON object"),
    ],
)
def test_bad_input_fails_at_once_naming_the_field(pipeline, payload, field, rule):
    result, _ = run_workflow(content_pipeline.handler, payload)

    assert result.status.value == FAILED
    assert f"input field '{field}'" in result.error.message
    assert rule in result.error.message
    assert result.error.type.endswith("InputError")
    assert pipeline.calls == []


@pytest.mark.parametrize(
    "variable,value,rule",
    [
        ("MAX_TOKENS", "0", "allowed range is 1 to 16000"),
        ("MAX_TOKENS", "lots", "expected a whole number"),
        ("REVIEW_WAIT_SECONDS", "-5", "allowed range is 1 to"),
        ("REVIEW_MODE", "human", "expected 'timer' or 'callback'"),
        ("REVIEW_TIMEOUT_SECONDS", "0", "allowed range is 1 to 31622400"),
        ("REVIEW_TIMEOUT_SECONDS", "1d", "expected a whole number"),
        ("REVIEW_TIMEOUT_MEANS", "retry", "expected 'proceed' or 'fail'"),
        ("BEDROCK_MODEL_ID", " ", "must not be empty"),
        ("BEDROCK_MODEL_ID", "claude sonnet", "expected a model id"),
        ("BEDROCK_REGION", "Frankfurt", "an AWS region name"),
        ("PROMPT_DRAFT", "Expand {outline} for {audience}", "uses unknown placeholder {audience}; the draft template"),
        ("PROMPT_OUTLINE", "Write an outline.", "must use {topic}"),
    ],
)
def test_bad_configuration_fails_naming_the_variable(configure, fake_bedrock, variable, value, rule):
    configure(**{variable: value})

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert f"environment variable {variable}" in result.error.message
    assert rule in result.error.message
    assert fake_bedrock.calls == []
