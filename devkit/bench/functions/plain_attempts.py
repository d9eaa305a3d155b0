"""What the plain baselines leave in the marker folder for the bench: a file per attempt (the bench
counts them: a plain function has no execution history that says how often it ran), and `done`
when one succeeds."""

import os
import uuid
from pathlib import Path


def _markers() -> Path:
    return Path(os.environ["DURABLE_BEDROCK_TEST_MARKER_DIR"])


def attempt_started() -> None:
    (_markers() / f"attempt-{uuid.uuid4().hex}").touch()


def succeeded() -> None:
    (_markers() / "done").touch()
