"""Support-ticket triage, a durable Bedrock workflow written only against durable_bedrock's public API.

Input: {"tickets": [{"id": "T-1", "text": "..."}, ...]}. For each ticket, at a bounded concurrency
(the module's fan_out input), the small model ("classify") labels it urgent or routine, and the
larger model ("write") drafts a reply for every ticket that is not clearly routine. The larger model
then sums up the batch, and a person approves or rejects the drafted replies (the module's review
input). Every model call is a checkpointed step: a crash or a wait never calls Bedrock again for a
finished one. The result holds each ticket's label and reply, the summary, the decision and the cost.
"""

from __future__ import annotations

from typing import Any

from durable_bedrock import BedrockRun, InputError, bedrock_workflow

MAX_TICKETS = 10_000
MAX_TEXT_CHARS = 4_000
MAX_ID_CHARS = 64

CLASSIFY_SYSTEM = "You label customer support tickets. Answer with one word: urgent or routine."
CLASSIFY_PROMPT = (
    "A ticket is urgent when a customer cannot use the product, loses money or data, or has a deadline. "
    "Otherwise it is routine.\n\nTicket:\n{text}"
)
REPLY_SYSTEM = "You are a calm, precise support agent. Write only the reply: no subject line, no signature."
REPLY_PROMPT = "Draft a short first reply to this urgent support ticket. Say what we will do next.\n\nTicket:\n{text}"
SUMMARY_PROMPT = (
    "Summarise this batch of support tickets for the support lead in three sentences: what is urgent, "
    "what the routine ones are about, and any pattern.\n\n{lines}"
)


def parse_tickets(event: dict[str, Any]) -> list[dict[str, str]]:
    """The tickets, checked: InputError (the execution fails at once, without retries) names what is wrong."""
    tickets = event.get("tickets")
    if not isinstance(tickets, list) or not 1 <= len(tickets) <= MAX_TICKETS:
        raise InputError("tickets", f"must be a list of 1 to {MAX_TICKETS:,} tickets; got {type(tickets).__name__}")
    seen: set[str] = set()
    for index, ticket in enumerate(tickets):
        if not isinstance(ticket, dict) or set(ticket) != {"id", "text"}:
            raise InputError(f"tickets[{index}]", "must be an object with exactly 'id' and 'text'")
        ticket_id, text = ticket["id"], ticket["text"]
        if not isinstance(ticket_id, str) or not 1 <= len(ticket_id) <= MAX_ID_CHARS or ticket_id in seen:
            raise InputError(f"tickets[{index}].id", f"must be a unique string of 1 to {MAX_ID_CHARS} characters")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
            raise InputError(
                f"tickets[{index}].text", f"must be non-empty text of at most {MAX_TEXT_CHARS:,} characters"
            )
        seen.add(ticket_id)
    return tickets


def label_of(reply: str) -> str:
    """The model's label: "urgent", "routine", or "unclear" for anything else (then a reply is drafted too,
    so that no ticket waits because the classifier answered off-script)."""
    words = reply.strip().lower().split()
    first = words[0].strip(".,:;!\"'") if words else ""
    return first if first in ("urgent", "routine") else "unclear"


def triage_ticket(run: BedrockRun, ticket: dict[str, str], index: int) -> dict[str, Any]:
    """One ticket: its label, and a drafted reply unless it is clearly routine. Runs in the ticket's own
    child context (run is that context's run), so its step names need only be unique within the ticket."""
    prompt = CLASSIFY_PROMPT.format(text=ticket["text"])
    label = label_of(run.converse("classify", prompt, model="classify", system=CLASSIFY_SYSTEM, max_tokens=5)["text"])
    if label == "routine":
        return {"id": ticket["id"], "label": label}
    draft = run.converse("draft-reply", REPLY_PROMPT.format(text=ticket["text"]), model="write", system=REPLY_SYSTEM)
    return {"id": ticket["id"], "label": label, "reply": draft["text"]}


@bedrock_workflow
def handler(event: dict[str, Any], run: BedrockRun) -> dict[str, Any]:
    tickets = parse_tickets(event)
    # No failure tolerated (the default): a ticket that cannot be triaged fails the run, naming it.
    triaged: list[dict[str, Any]] = run.map("triage-tickets", tickets, triage_ticket).results

    lines = "\n".join(
        f"- {t['id']} ({t['label']}): {ticket['text'][:300]}" for t, ticket in zip(triaged, tickets, strict=True)
    )
    summary = run.converse("summarize-batch", SUMMARY_PROMPT.format(lines=lines), model="write")["text"]

    replies = [t for t in triaged if "reply" in t]
    review = None
    if replies:
        drafts = "\n\n".join(f"{t['id']}:\n{t['reply']}" for t in replies)
        review = run.review(f"{len(replies)} replies to {len(tickets)} tickets", drafts, name="approve-replies")
    approved = review is not None and review["decision"] != "rejected"
    return {
        "tickets": triaged,
        "summary": summary,
        "replies_approved": approved,
        "review": review,
    }
