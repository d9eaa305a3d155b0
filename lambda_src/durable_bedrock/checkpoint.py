"""Keeps step results inside the durable checkpoint limit.

A step result is checkpointed as one operation payload of at most 256 KiB
(CHECKPOINT_SIZE_LIMIT_BYTES); the service rejects anything larger with an
error that does not say which step or why. MAX_TOKENS is bounded so that this
does not happen by design; this guard turns the rare exception into an error
that names the step, the size and the fix.
"""

from __future__ import annotations

import json
from typing import TypeVar

from aws_durable_execution_sdk_python.constants import CHECKPOINT_SIZE_LIMIT_BYTES

from durable_bedrock.errors import CheckpointTooLargeError

T = TypeVar("T")


def ensure_fits_checkpoint(value: T, step_name: str) -> T:
    """Returns value unchanged, or raises if its JSON checkpoint would be too large."""
    size = len(json.dumps(value).encode("utf-8"))
    if size > CHECKPOINT_SIZE_LIMIT_BYTES:
        raise CheckpointTooLargeError(
            f"step '{step_name}' produced {size} bytes; a durable checkpoint holds at most "
            f"{CHECKPOINT_SIZE_LIMIT_BYTES} bytes. Lower MAX_TOKENS or ask the model for shorter output."
        )
    return value
