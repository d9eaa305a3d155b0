"""Test-only fault injection, off unless a test sets its variables.

DURABLE_BEDROCK_TEST_CRASH_BEFORE=<step name> kills the process (exit 137, like
a sandbox dying) when that step starts, the first time only: a marker file in
DURABLE_BEDROCK_TEST_MARKER_DIR remembers it. The content pipeline also has the
point "finish", after its last step and before it returns. The end-to-end tests and the
benchmarks use it to show that a resumed execution does not repeat the steps
(and Bedrock calls) it had finished.
"""

from __future__ import annotations

import os
from pathlib import Path


def crash_point(step_name: str) -> None:
    if os.environ.get("DURABLE_BEDROCK_TEST_CRASH_BEFORE") != step_name:
        return
    marker = Path(os.environ["DURABLE_BEDROCK_TEST_MARKER_DIR"]) / f"crashed-before-{step_name}"
    if marker.exists():
        return
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    os._exit(137)
