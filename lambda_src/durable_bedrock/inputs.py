"""Validation of execution input payloads: accept_only, require_text and optional_integer for any workflow, and
the built-in workflows' requests.

Runs at the top of each handler, before any step: the input is part of the
execution, so the check is deterministic on every replay, and a bad input
fails the execution at once, with zero Bedrock calls and no retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from durable_bedrock.errors import InputError

MAX_TOPIC_CHARS = 500


def json_object(event: object) -> dict[str, Any]:
    """The payload, when it is a JSON object; `event` is whatever JSON the execution was started with."""
    if not isinstance(event, dict):
        raise InputError("(payload)", f"must be a JSON object, got {type(event).__name__}")
    return event


def accept_only(event: object, allowed: set[str]) -> Mapping[str, object]:
    """The payload as a JSON object with no field outside `allowed`. InputError (never retried) names the
    first field that is not allowed."""
    event = json_object(event)
    unknown = sorted(set(event) - allowed)
    if unknown:
        raise InputError(unknown[0], f"is not accepted; allowed fields are {sorted(allowed)}")
    return event


def require_text(event: Mapping[str, object], field: str, max_chars: int | None = None) -> str:
    """The field's text, stripped: InputError unless it is a non-empty string of at most max_chars."""
    value = event.get(field)
    if value is None:
        raise InputError(field, "is required")
    if not isinstance(value, str):
        raise InputError(field, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InputError(field, "must not be empty")
    if max_chars is not None and len(value) > max_chars:
        raise InputError(field, f"is {len(value)} characters long; at most {max_chars} are allowed")
    return value.strip()


def optional_integer(event: Mapping[str, object], field: str) -> int | None:
    """The field's whole number, or None when absent: InputError for anything else (true is not a number)."""
    value = event.get(field)
    if value is None:
        return None
    # bool is an int in Python; JSON true is not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, f"must be a whole number, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class ContentRequest:
    topic: str


def parse_content_request(event: object) -> ContentRequest:
    payload = accept_only(event, {"topic"})
    return ContentRequest(topic=require_text(payload, "topic", MAX_TOPIC_CHARS))


@dataclass(frozen=True)
class VideoRequest:
    prompt: str
    duration_seconds: int | None
    seed: int | None


def parse_video_request(event: object) -> VideoRequest:
    """Shape and types only; the configured model checks the values (video_models.py)."""
    payload = accept_only(event, {"prompt", "duration_seconds", "seed"})
    return VideoRequest(
        prompt=require_text(payload, "prompt"),
        duration_seconds=optional_integer(payload, "duration_seconds"),
        seed=optional_integer(payload, "seed"),
    )
