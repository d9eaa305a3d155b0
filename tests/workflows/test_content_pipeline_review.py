"""The content pipeline with a reviewer in the loop (REVIEW_MODE=callback), on the official testing runner.

A callback's timeout is a real timer in the runner (see test_review.py), so
the timeout tests configure one second and the others a day.
"""

import json
import logging

import pytest

from durable_bedrock import content_pipeline
from durable_runner import (
    TOKENS,
    decide,
    finished,
    pending_callback,
    review_callback_id,
    run_workflow,
    started_workflow,
)

SUCCEEDED, FAILED = "SUCCEEDED", "FAILED"
OUTLINE, ARTICLE, SUMMARY = "- point one\n- point two", "The full article.", "Two sentences."


@pytest.fixture
def reviewed(configure, fake_bedrock):
    """The pipeline configured for a reviewer with a day to decide; returns the fake Bedrock."""
    configure(BEDROCK_MODEL_ID="us.amazon.nova-lite-v1:0", REVIEW_MODE="callback", REVIEW_TIMEOUT_SECONDS="86400")
    return fake_bedrock


def answer_all_three(fake):
    fake.reply(OUTLINE, input_tokens=20, output_tokens=8)
    fake.reply(ARTICLE, input_tokens=30, output_tokens=40)
    fake.reply(SUMMARY, input_tokens=50, output_tokens=6)


def run_with_decision(fake, **decision) -> tuple:
    """Runs the pipeline; while it waits, checks Bedrock was asked for the outline only, then decides."""
    with started_workflow(content_pipeline.handler, {"topic": "durable functions"}) as (runner, arn):
        callback_id = pending_callback(runner, arn)
        assert len(fake.calls_to("Converse")) == 1, "only the outline may be asked for before the decision"
        decide(runner, callback_id, **decision)
        return finished(runner, arn)


def prompt_of(call: dict) -> str:
    return call["messages"][0]["content"][0]["text"]


def test_an_approval_with_feedback_reaches_the_draft_prompt(reviewed):
    answer_all_three(reviewed)

    result, _ = run_with_decision(reviewed, decision="approve", feedback="Add a section on costs.", by="cli")

    assert result.status.value == SUCCEEDED, result.error
    _, draft_call, _ = reviewed.calls_to("Converse")
    assert OUTLINE in prompt_of(draft_call)
    assert "Add a section on costs." in prompt_of(draft_call)
    output = json.loads(result.result)
    assert output["review"] == {
        "decision": "approved",
        "by": "cli",
        "feedback": "Add a section on costs.",
        "reason": None,
        "waited_seconds": output["review"]["waited_seconds"],
    }
    assert (output["draft"], output["summary"]) == (ARTICLE, SUMMARY)
    assert output["cost"]["tokens"] == TOKENS | {"input_tokens": 100, "output_tokens": 54}


def test_an_approval_without_feedback_sends_the_plain_draft_prompt(reviewed):
    answer_all_three(reviewed)

    result, _ = run_with_decision(reviewed, decision="approve")

    assert result.status.value == SUCCEEDED, result.error
    _, draft_call, _ = reviewed.calls_to("Converse")
    assert prompt_of(draft_call) == f"Expand this outline into a short article:\n\n{OUTLINE}"


def test_a_rejection_succeeds_with_the_reason_and_no_draft(reviewed):
    reviewed.reply(OUTLINE, input_tokens=20, output_tokens=8)

    result, _ = run_with_decision(reviewed, decision="reject", reason="Too generic.", by="page")

    assert result.status.value == SUCCEEDED, result.error
    assert len(reviewed.calls_to("Converse")) == 1
    output = json.loads(result.result)
    cost = output.pop("cost")
    assert output == {
        "topic": "durable functions",
        "outline": OUTLINE,
        "review": {
            "decision": "rejected",
            "by": "page",
            "feedback": None,
            "reason": "Too generic.",
            "waited_seconds": output["review"]["waited_seconds"],
        },
        "model_id": "us.amazon.nova-lite-v1:0",
        "truncated_steps": [],
    }
    assert cost["tokens"] == TOKENS | {"input_tokens": 20, "output_tokens": 8}  # the outline's call only
    assert [op.name for op in result.operations][-2:] == ["editorial-review-decided", "execution-metrics"]


def test_the_outline_step_is_not_run_again_after_the_decision(reviewed):
    answer_all_three(reviewed)

    result, events = run_with_decision(reviewed, decision="approve")

    assert len([e for e in events if e.event_type == "InvocationCompleted"]) >= 2  # suspended, then replayed
    assert result.get_step("generate-outline").attempt == 1
    assert [e.name for e in events if e.event_type == "StepStarted"].count("generate-outline") == 1
    assert len(reviewed.calls_to("Converse")) == 3
    reviewed.assert_all_answers_used()


def test_the_callback_id_and_the_commands_are_logged_once(reviewed, caplog, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    answer_all_three(reviewed)

    with caplog.at_level(logging.INFO):
        result, _ = run_with_decision(reviewed, decision="approve")

    waiting = [r for r in caplog.records if r.getMessage() == "waiting for review"]
    assert len(waiting) == 1
    callback_id = review_callback_id(result)
    assert waiting[0].callback_id == callback_id
    command = "aws lambda send-durable-execution-callback-success --region eu-west-1"
    assert waiting[0].approve_command.startswith(command)
    assert f"--callback-id {callback_id}" in waiting[0].approve_command
    assert '"decision": "approve"' in waiting[0].approve_command
    assert '"decision": "reject"' in waiting[0].reject_command
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert OUTLINE not in logged and "durable functions" not in logged  # no prompt text in the logs


def test_a_timeout_under_proceed_drafts_the_outline_as_it_is(configure, fake_bedrock):
    configure(REVIEW_MODE="callback", REVIEW_TIMEOUT_SECONDS="1", REVIEW_TIMEOUT_MEANS="proceed")
    answer_all_three(fake_bedrock)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == SUCCEEDED, result.error
    output = json.loads(result.result)
    assert output["review"]["decision"] == "timed_out_proceeded"
    assert output["draft"] == ARTICLE
    _, draft_call, _ = fake_bedrock.calls_to("Converse")
    assert prompt_of(draft_call) == f"Expand this outline into a short article:\n\n{OUTLINE}"


def test_a_timeout_under_fail_fails_after_the_outline_only(configure, fake_bedrock):
    configure(REVIEW_MODE="callback", REVIEW_TIMEOUT_SECONDS="1", REVIEW_TIMEOUT_MEANS="fail")
    fake_bedrock.reply(OUTLINE)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert result.error.type.endswith("ReviewTimeoutError")
    assert "no decision within 1 s" in result.error.message
    assert len(fake_bedrock.calls_to("Converse")) == 1


def test_a_timeout_fails_by_default(configure, fake_bedrock):
    configure(REVIEW_MODE="callback", REVIEW_TIMEOUT_SECONDS="1")
    fake_bedrock.reply(OUTLINE)

    result, _ = run_workflow(content_pipeline.handler, {"topic": "durable functions"})

    assert result.status.value == FAILED
    assert result.error.type.endswith("ReviewTimeoutError")
