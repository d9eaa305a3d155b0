"""durable_bedrock.models: a custom workflow's models by name (BEDROCK_MODELS, the module's `models`
input; BEDROCK_MODEL_ID as "default"), and the message when the code asks for a name it lacks."""

import json

import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution

from durable_bedrock import bedrock
from durable_bedrock.errors import ConfigurationError
from durable_bedrock.models import Models, UnknownModelError, model_id
from durable_runner import run_workflow

# What workflow.tf writes for models = { classify = ..., write = ... } (jsonencode of the map).
TWO_MODELS = {
    "BEDROCK_MODELS": json.dumps(
        {"classify": "us.amazon.nova-micro-v1:0", "write": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}
    )
}


def test_each_name_gives_its_model():
    assert model_id("classify", TWO_MODELS) == "us.amazon.nova-micro-v1:0"
    assert model_id("write", TWO_MODELS) == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def test_an_unknown_name_is_refused_with_the_names_the_function_knows():
    with pytest.raises(UnknownModelError) as refused:
        model_id("summarise", TWO_MODELS)
    assert str(refused.value).startswith("no model named 'summarise': this function knows 'classify', 'write'")
    assert refused.value.known == ("classify", "write")


def test_model_id_alone_is_the_model_named_default():
    env = {"BEDROCK_MODEL_ID": "amazon.nova-lite-v1:0"}
    assert model_id("default", env) == "amazon.nova-lite-v1:0"
    with pytest.raises(UnknownModelError, match="knows 'default'"):
        model_id("write", env)


def test_the_process_environment_is_read_when_none_is_given(monkeypatch):
    monkeypatch.delenv("BEDROCK_MODEL_ID", raising=False)
    monkeypatch.setenv("BEDROCK_MODELS", TWO_MODELS["BEDROCK_MODELS"])
    assert model_id("classify") == "us.amazon.nova-micro-v1:0"


def test_arns_are_models_too():
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
    assert Models.from_env({"BEDROCK_MODELS": json.dumps({"tagged": arn})}).model_id("tagged") == arn


@pytest.mark.parametrize(
    "env,message",
    [
        ({}, "is not set, nor is BEDROCK_MODEL_ID"),
        ({"BEDROCK_MODELS": "{not json"}, "expected a JSON object"),
        ({"BEDROCK_MODELS": "[]"}, "expected a non-empty JSON object"),
        ({"BEDROCK_MODELS": "{}"}, "expected a non-empty JSON object"),
        ({"BEDROCK_MODELS": json.dumps({"Write": "amazon.nova-lite-v1:0"})}, "'Write' is not a snake_case"),
        ({"BEDROCK_MODELS": json.dumps({"write": 3})}, "write: got 3; expected a model id"),
        ({"BEDROCK_MODELS": json.dumps({"write": "anthropic/claude"})}, "expected a model id"),
    ],
)
def test_a_malformed_environment_names_the_variable_and_what_is_allowed(env, message):
    with pytest.raises(ConfigurationError, match="environment variable BEDROCK_MODELS") as refused:
        Models.from_env(env)
    assert message in str(refused.value)


@durable_execution
def two_model_workflow(event: dict, context: DurableContext) -> dict:
    """A user's workflow: a small model classifies, a larger one writes, each in its own step."""
    label = context.step(
        lambda _: bedrock.converse(model_id("classify"), "Classify.", event["ticket"], max_tokens=10).text,
        name="classify",
    )
    reply = context.step(
        lambda _: bedrock.converse(model_id("write"), "Reply.", f"{label}: {event['ticket']}", max_tokens=100).text,
        name="write",
    )
    return {"label": label, "reply": reply}


def test_a_workflow_calls_each_step_with_its_named_model_once_across_replays(monkeypatch, fake_bedrock):
    monkeypatch.delenv("BEDROCK_MODEL_ID", raising=False)
    monkeypatch.setenv("BEDROCK_MODELS", TWO_MODELS["BEDROCK_MODELS"])
    fake_bedrock.reply("urgent")
    fake_bedrock.reply("We are on it.")

    result, _ = run_workflow(two_model_workflow, {"ticket": "The site is down"})

    assert json.loads(result.result) == {"label": "urgent", "reply": "We are on it."}
    assert [call["modelId"] for call in fake_bedrock.calls_to("Converse")] == [
        "us.amazon.nova-micro-v1:0",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ]
    fake_bedrock.assert_all_answers_used()
