"""The review page's link for one review: the page's URL with the execution and
the callback it waits on. It carries nothing secret: the callback id is an
unguessable token that only this review has, the page's role may answer
callbacks of this function's executions only, and a decided or expired callback
cannot be answered again (the link then stops working)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

EXECUTION_PARAMETER = "execution"
CALLBACK_PARAMETER = "callback"


def review_link(page_url: str, execution_arn: str, callback_id: str) -> str:
    """The link a reviewer opens: page_url?execution=<ARN>&callback=<id> (URL-encoded)."""
    query = urlencode({EXECUTION_PARAMETER: execution_arn, CALLBACK_PARAMETER: callback_id})
    return f"{page_url.rstrip('/')}/?{query}"


def parse_review_link(query_string: str) -> tuple[str, str] | None:
    """(execution ARN, callback id) from a link's query string; None unless each is there exactly once."""
    values = parse_qs(urlsplit(f"?{query_string.lstrip('?')}").query, keep_blank_values=False)
    execution, callback = values.get(EXECUTION_PARAMETER, []), values.get(CALLBACK_PARAMETER, [])
    if len(execution) != 1 or len(callback) != 1:
        return None
    return execution[0], callback[0]
