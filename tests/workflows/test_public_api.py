"""The public API (durable_bedrock/__init__.py's __all__) and a user's workflow written only against it
(user_ticket_workflow.py): two models by name, a review, the cost in the result, replays calling Bedrock once
per step."""

import ast
import importlib
import inspect
import json
import pkgutil
from pathlib import Path

import pytest

import durable_bedrock
import user_ticket_workflow
from durable_runner import decide, finished, pending_callback, run_workflow, started_workflow

SMALL, LARGE = "us.amazon.nova-micro-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
MODELS = json.dumps({"classify": SMALL, "write": LARGE})
TICKET = {"ticket": "The site is down for every customer."}


def test_the_users_workflow_imports_nothing_private():
    tree = ast.parse(Path(user_ticket_workflow.__file__).read_text())
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported += [(node.module, alias.name) for alias in node.names]
    ours = [(module, name) for module, name in imported if module and module.startswith("durable_bedrock")]
    assert ours and all(module == "durable_bedrock" and name in durable_bedrock.__all__ for module, name in ours)


def test_every_public_name_is_what_its_module_defines_even_with_every_module_imported():
    # A module named as the function it defines (converse_step.py holding converse_step) would shadow the
    # export once imported: the package attribute becomes the module.
    for module in pkgutil.iter_modules(durable_bedrock.__path__):
        if module.name not in ("content_pipeline", "video_generation", "sqs_starter", "review_page"):
            importlib.import_module(f"durable_bedrock.{module.name}")
    for name in durable_bedrock.__all__:
        defining = importlib.import_module(f"durable_bedrock.{durable_bedrock._EXPORTS[name]}")
        assert getattr(durable_bedrock, name) is getattr(defining, name), name
        assert not inspect.ismodule(getattr(durable_bedrock, name)), name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'converse_steps'"):
        durable_bedrock.converse_steps  # noqa: B018


@pytest.fixture
def ticket_workflow(configure, fake_bedrock):
    configure(BEDROCK_MODELS=MODELS, REVIEW_MODE="callback", REVIEW_TIMEOUT_SECONDS="3600")
    return fake_bedrock


def test_an_urgent_ticket_gets_a_reviewed_reply_from_the_larger_model(ticket_workflow):
    ticket_workflow.reply("Urgent", input_tokens=20, output_tokens=1)
    ticket_workflow.reply("We are on it.", input_tokens=40, output_tokens=5)

    with started_workflow(user_ticket_workflow.handler, TICKET) as (runner, arn):
        callback_id = pending_callback(runner, arn)
        assert len(ticket_workflow.calls_to("Converse")) == 2  # classified and drafted, then waiting
        decide(runner, callback_id, decision="approve", by="cli")
        result, events = finished(runner, arn)

    assert result.status.value == "SUCCEEDED", result.error
    output = json.loads(result.result)
    cost = output.pop("cost")
    assert output["label"] == "urgent" and output["reply"] == "We are on it."
    assert output["review"]["decision"] == "approved"
    assert [call["modelId"] for call in ticket_workflow.calls_to("Converse")] == [SMALL, LARGE]
    assert [(call["step"], call["model_id"]) for call in cost["model_calls"]] == [
        ("classify", SMALL),
        ("draft-reply", LARGE),
    ]
    assert cost["operations"]["callbacks"] == 1
    assert len([e for e in events if e.event_type == "StepStarted" and e.name == "execution-metrics"]) == 1


def test_a_routine_ticket_is_only_classified(configure, fake_bedrock):
    configure(BEDROCK_MODELS=MODELS)
    fake_bedrock.reply("routine")

    result, _ = run_workflow(user_ticket_workflow.handler, TICKET)

    output = json.loads(result.result)
    assert output["label"] == "routine" and len(output["cost"]["model_calls"]) == 1
    assert len(fake_bedrock.calls_to("Converse")) == 1


def test_a_ticket_without_text_fails_naming_the_field(configure, fake_bedrock):
    configure(BEDROCK_MODELS=MODELS)

    result, _ = run_workflow(user_ticket_workflow.handler, {"ticket": "  "})

    assert result.error.message == "input field 'ticket': must not be empty"
    assert fake_bedrock.calls == []
