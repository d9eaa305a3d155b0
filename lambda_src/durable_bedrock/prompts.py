"""The content pipeline's prompt templates: their placeholders, the built-in texts, checking and filling.

A template is plain text with placeholders in braces, {topic}, {outline}, {draft} or {feedback}; a
literal brace is written twice, {{ or }}. Nothing else is special, so a prompt can hold any other
text, and the values filled in (a topic, a model's outline) are inserted as they are, braces and all.
The module's `prompts` input is checked at plan with the same grammar and the same messages
(variables.tf; locals in prompts.tf), and the function checks it again at a cold start (config.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

TemplateName = Literal["outline", "draft", "feedback", "summary"]

# One token: an escaped brace, a brace pair with anything but braces inside, or a brace left alone.
# Terraform's regexall (RE2) and Python's re both take the leftmost alternative that matches,
# so the same text splits into the same tokens at plan and at a cold start.
_TOKEN = re.compile(r"\{\{|\}\}|\{[^{}]*\}|[{}]")
_ESCAPED = {"{{": "{", "}}": "}"}


@dataclass(frozen=True)
class TemplateRule:
    allowed: tuple[str, ...]  # placeholder names the template may use
    required: str  # the one it must use, or the step would ignore what came before it
    builtin: str  # today's prompt, used when the input leaves the template unset


RULES: Mapping[TemplateName, TemplateRule] = {
    "outline": TemplateRule(
        allowed=("topic",),
        required="topic",
        builtin="Write a concise outline (5-7 bullet points) about: {topic}",
    ),
    "draft": TemplateRule(
        allowed=("topic", "outline"),
        required="outline",
        builtin="Expand this outline into a short article:\n\n{outline}",
    ),
    # Appended to the draft prompt when the reviewer approved with notes ({feedback}), and only then.
    "feedback": TemplateRule(
        allowed=("topic", "outline", "feedback"),
        required="feedback",
        builtin="\n\nThe editor approved the outline with these notes; follow them:\n\n{feedback}",
    ),
    "summary": TemplateRule(
        allowed=("topic", "outline", "draft"),
        required="draft",
        builtin="Summarize this article in two sentences:\n\n{draft}",
    ),
}


def template_problem(name: TemplateName, template: str) -> str | None:
    """What is wrong with a template, in the words the plan-time check uses; None when it is sound."""
    rule = RULES[name]
    allowed = [f"{{{placeholder}}}" for placeholder in rule.allowed]
    tokens = _TOKEN.findall(template)
    unknown = [token for token in tokens if token not in _ESCAPED and token not in allowed]
    if unknown:
        return (
            f"uses unknown placeholder {', '.join(unknown)}; the {name} template allows {', '.join(allowed)} "
            "(a literal brace is written {{ or }})"
        )
    required = f"{{{rule.required}}}"
    if required not in tokens:
        return f"must use {required}, or the {name} step would not see it; it allows {', '.join(allowed)}"
    return None


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with its placeholders replaced by the values and {{ and }} by single braces."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        return _ESCAPED.get(token) or values[token[1:-1]]

    return _TOKEN.sub(replace, template)


@dataclass(frozen=True)
class PromptTemplates:
    """The four templates the content pipeline fills (outline, draft, feedback, summary)."""

    outline: str = RULES["outline"].builtin
    draft: str = RULES["draft"].builtin
    feedback: str = RULES["feedback"].builtin
    summary: str = RULES["summary"].builtin

    def outline_prompt(self, topic: str) -> str:
        return fill(self.outline, {"topic": topic})

    def draft_prompt(self, topic: str, outline: str, feedback: str | None) -> str:
        """The draft prompt; the feedback template is appended when the reviewer left notes."""
        prompt = fill(self.draft, {"topic": topic, "outline": outline})
        if feedback:
            prompt += fill(self.feedback, {"topic": topic, "outline": outline, "feedback": feedback})
        return prompt

    def summary_prompt(self, topic: str, outline: str, draft: str) -> str:
        return fill(self.summary, {"topic": topic, "outline": outline, "draft": draft})
