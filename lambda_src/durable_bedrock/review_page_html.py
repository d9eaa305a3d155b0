"""The review page's HTML: plain, server-rendered, no script, every value
escaped with html.escape (quote=True, so it is safe in attributes too).

The style sheet is inline and allowed by its hash in the Content-Security-Policy
(CSP Level 3, hash-source: 'sha256-<base64 of the digest of the element's text>'),
so the policy can forbid every other source, scripts included.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any

from durable_bedrock.review import MAX_FEEDBACK_CHARS, MAX_REASON_CHARS
from durable_bedrock.review_state import ReviewState

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
    "pre{white-space:pre-wrap;background:#f4f4f4;padding:1rem;border-radius:4px}"
    "textarea{width:100%;min-height:8rem;box-sizing:border-box}"
    "button{font-size:1rem;padding:.5rem 1.25rem;margin:.5rem .5rem 0 0}"
    ".error{color:#a00}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()

# default-src 'none': nothing loads, no script runs; form-action 'self': the form posts only back
# here; frame-ancestors 'none' (and X-Frame-Options DENY for older browsers): no framing, so no
# clickjacking of the buttons; base-uri 'none': no <base> can redirect the form's relative action.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Referrer-Policy same-origin: no Referer to any other origin, so the link never leaks (the page
# loads nothing and links nowhere anyway). Not no-referrer: under no-referrer a browser sends
# `Origin: null` with the form's POST (Fetch standard, "append a request `Origin` header":
# for a method other than GET/HEAD, referrer policy no-referrer serializes the origin as null),
# which would leave browsers without Sec-Fetch-Site no same-origin signal to check.
SECURITY_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def response(status: int, title: str, body_html: str, extra_headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A function URL response (payload format 2.0: statusCode, headers, body)."""
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body_html}</body></html>"
    )
    return {"statusCode": status, "headers": {**SECURITY_HEADERS, **(extra_headers or {})}, "body": page}


def message(status: int, title: str, text: str, extra_headers: dict[str, str] | None = None) -> dict[str, Any]:
    return response(status, title, f"<p>{escape(text)}</p>", extra_headers)


def review_form(review: ReviewState, action: str, notes: str = "", error: str | None = None) -> str:
    """The topic, the full outline and the decision form. `action` is the link's own query
    (?execution=...&callback=...): the POST goes back to the same review."""
    if review.outline and not review.outline_truncated:
        outline = f"<pre>{escape(review.outline)}</pre>"
    else:
        outline = "<p>The outline is too long to show here; read it in the execution's history (make invoke).</p>"
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        f"<h2>Topic</h2><p>{escape(review.topic)}</p><h2>Outline</h2>{outline}"
        f'<form method="post" action="{escape(action)}">{problem}'
        f'<p><label for="notes">Feedback for the writer (approve, at most {MAX_FEEDBACK_CHARS} characters) '
        f"or the reason (reject, at most {MAX_REASON_CHARS}):</label></p>"
        f'<textarea id="notes" name="notes" maxlength="{MAX_FEEDBACK_CHARS}">{escape(notes)}</textarea>'
        '<p><button type="submit" name="decision" value="approve">Approve</button>'
        '<button type="submit" name="decision" value="reject">Reject</button></p></form>'
    )
