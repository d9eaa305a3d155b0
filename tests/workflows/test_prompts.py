"""The content pipeline's prompt templates (PROMPT_*, the module's prompts input), on the official testing runner,
and their grammar (prompts.py), whose messages the plan-time check in variables.tf repeats."""

import json

import pytest

from durable_bedrock import content_pipeline
from durable_bedrock.config import ContentSettings
from durable_bedrock.errors import ConfigurationError
from durable_bedrock.prompts import RULES, PromptTemplates, template_problem
from durable_runner import decide, finished, pending_callback, run_workflow, started_workflow

SUCCEEDED, FAILED = "SUCCEEDED", "FAILED"
TOPIC, OUTLINE, ARTICLE = "durable functions", "- {point} one\n- point two", "The full {article}."


def answer_all_three(fake):
    fake.reply(OUTLINE)
    fake.reply(ARTICLE)
    fake.reply("Two sentences.")


def prompts_sent(fake) -> list[str]:
    return [call["messages"][0]["content"][0]["text"] for call in fake.calls_to("Converse")]


def test_templates_reach_bedrock_with_their_placeholders_filled(configure, fake_bedrock):
    configure(
        PROMPT_OUTLINE='Outline {topic} as JSON {{"points": []}}',
        PROMPT_DRAFT="Article on {topic} from:\n{outline}",
        PROMPT_SUMMARY="{topic} in one line, from {outline} and {draft}",
    )
    answer_all_three(fake_bedrock)

    result, _ = run_workflow(content_pipeline.handler, {"topic": TOPIC})

    assert result.status.value == SUCCEEDED, result.error
    # Escaped braces become single ones; braces in the values (the model's replies) are left as they are.
    assert prompts_sent(fake_bedrock) == [
        'Outline durable functions as JSON {"points": []}',
        f"Article on durable functions from:\n{OUTLINE}",
        f"durable functions in one line, from {OUTLINE} and {ARTICLE}",
    ]


def test_unset_templates_keep_todays_prompts(configure, fake_bedrock):
    configure(PROMPT_SUMMARY="Summarize:\n{draft}")
    answer_all_three(fake_bedrock)

    run_workflow(content_pipeline.handler, {"topic": TOPIC})

    assert prompts_sent(fake_bedrock) == [
        "Write a concise outline (5-7 bullet points) about: durable functions",
        f"Expand this outline into a short article:\n\n{OUTLINE}",
        f"Summarize:\n{ARTICLE}",
    ]


def run_with_approval(fake, **decision) -> tuple:
    with started_workflow(content_pipeline.handler, {"topic": TOPIC}) as (runner, arn):
        decide(runner, pending_callback(runner, arn), decision="approve", **decision)
        return finished(runner, arn)


@pytest.fixture
def reviewed(configure, fake_bedrock):
    configure(
        REVIEW_MODE="callback",
        REVIEW_TIMEOUT_SECONDS="86400",
        PROMPT_DRAFT="Write up {topic}:\n{outline}",
        PROMPT_FEEDBACK="\nEditor on {topic}: {feedback}",
    )
    answer_all_three(fake_bedrock)
    return fake_bedrock


def test_the_reviewers_notes_reach_the_draft_prompt_through_the_feedback_template(reviewed):
    result, _ = run_with_approval(reviewed, feedback="Cover {costs}.")

    assert result.status.value == SUCCEEDED, result.error
    _, draft, _ = prompts_sent(reviewed)
    assert draft == f"Write up durable functions:\n{OUTLINE}\nEditor on durable functions: Cover {{costs}}."
    assert json.loads(result.result)["review"]["feedback"] == "Cover {costs}."


def test_an_approval_without_notes_leaves_the_feedback_template_out(reviewed):
    result, _ = run_with_approval(reviewed)

    assert result.status.value == SUCCEEDED, result.error
    assert prompts_sent(reviewed)[1] == f"Write up durable functions:\n{OUTLINE}"


def test_the_built_in_feedback_template_is_todays_text():
    prompts = PromptTemplates()
    assert prompts.draft_prompt(TOPIC, "- a", "Shorter.") == (
        "Expand this outline into a short article:\n\n- a"
        "\n\nThe editor approved the outline with these notes; follow them:\n\nShorter."
    )


def test_a_bad_template_fails_the_execution_before_any_bedrock_call(configure, fake_bedrock):
    configure(PROMPT_SUMMARY="Summarize {draft} as {")

    result, _ = run_workflow(content_pipeline.handler, {"topic": TOPIC})

    assert result.status.value == FAILED
    assert result.error.type.endswith("ConfigurationError")
    assert result.error.message == (
        "environment variable PROMPT_SUMMARY: uses unknown placeholder {; the summary template allows "
        "{topic}, {outline}, {draft} (a literal brace is written {{ or }})"
    )
    assert fake_bedrock.calls == []


@pytest.mark.parametrize(
    "name,template,problem",
    [
        ("draft", "{outline} {feedback}", "uses unknown placeholder {feedback}; the draft template allows"),
        ("outline", "{topic!r} {0} {}", "uses unknown placeholder {topic!r}, {0}, {}; the outline template"),
        ("outline", "{{topic}", "uses unknown placeholder }; the outline template allows {topic}"),
        ("outline", "{{topic}}", "must use {topic}, or the outline step would not see it; it allows {topic}"),
        ("feedback", "Notes follow.", "must use {feedback}"),
        ("summary", "", "must use {draft}"),
    ],
)
def test_a_template_breaking_the_grammar_is_named_with_what_is_allowed(name, template, problem):
    assert problem in (template_problem(name, template) or "")


@pytest.mark.parametrize("name", list(RULES))
def test_every_built_in_template_is_sound(name):
    assert template_problem(name, RULES[name].builtin) is None


def test_the_templates_share_1024_bytes_counted_in_utf8():
    fits = "é" * 508 + " {topic}"  # 1,024 bytes
    assert ContentSettings.from_env({"PROMPT_OUTLINE": fits}).prompts.outline == fits
    with pytest.raises(
        ConfigurationError, match=r"PROMPT_\*: the prompts take 1033 bytes \(UTF-8\) in all; at most 1024"
    ):
        ContentSettings.from_env({"PROMPT_OUTLINE": fits, "PROMPT_DRAFT": "{outline}"})
