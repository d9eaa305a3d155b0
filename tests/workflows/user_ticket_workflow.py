"""A user's own workflow, written only against durable_bedrock's public API (test_public_api.py checks that):
classify a support ticket with a small model, draft a reply with a larger one for the urgent ones, and have a
person review the draft before it goes out. The module's `models` input names the two models."""

from typing import Any

from durable_bedrock import BedrockRun, bedrock_workflow, require_text

URGENT = "urgent"


@bedrock_workflow
def handler(event: dict[str, Any], run: BedrockRun) -> dict[str, Any]:
    ticket = require_text(event, "ticket", max_chars=4000)
    label = (
        run.converse(
            "classify",
            f"Answer with one word, urgent or routine. Ticket: {ticket}",
            model="classify",
            max_tokens=5,
        )["text"]
        .strip()
        .lower()
    )
    if label != URGENT:
        return {"label": label}
    draft = run.converse(
        "draft-reply", f"Write a short, kind reply to this ticket: {ticket}", model="write", system="Support agent."
    )
    review = run.review(f"Reply to: {ticket[:60]}", draft["text"], name="reply-review")
    if review["decision"] == "rejected":
        return {"label": label, "reply": None, "review": review}
    return {"label": label, "reply": draft["text"], "review": review}
