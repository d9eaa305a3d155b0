"""Crash injection for the crash-resume tests and benchmarks, as a plugin of
the durable execution SDK (3.0: `DurableInstrumentationPlugin`, discovered in
the entry-point group `aws_durable_execution.plugins` and switched on by the
DURABLE_EXECUTION_PLUGINS environment variable). It is never in the package
users deploy: only the test build (test_build.py) adds it, so the workflows
carry no test hook.

DURABLE_BEDROCK_TEST_CRASH_BEFORE=<name> kills the process (exit 137, like a
sandbox dying) when the step or check of that name is about to run its code,
the first time only: a marker file in DURABLE_BEDROCK_TEST_MARKER_DIR
remembers it. The name "finish" crashes a successful invocation after its last
step, before its result is returned.
"""

from __future__ import annotations

import os
from pathlib import Path

from aws_durable_execution_sdk_python.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
    InvocationStatus,
    UserFunctionStartInfo,
)

FINISH = "finish"


def crash_point(name: str) -> None:
    """Exit now if this is the configured crash point and it has not fired yet."""
    if os.environ.get("DURABLE_BEDROCK_TEST_CRASH_BEFORE") != name:
        return
    marker = Path(os.environ["DURABLE_BEDROCK_TEST_MARKER_DIR"]) / f"crashed-before-{name}"
    if marker.exists():
        return
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    os._exit(137)


class CrashPlugin(DurableInstrumentationPlugin):
    # The SDK calls this on the operation's thread just before the step's (or
    # the condition check's) code runs, and never for a replayed result.
    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if info.name:
            crash_point(info.name)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        if info.status is InvocationStatus.SUCCEEDED:
            crash_point(FINISH)


class CrashPluginFactory:
    """The SDK builds one plugin per invocation through create_plugin."""

    def create_plugin(self, info: InvocationStartInfo) -> CrashPlugin:
        return CrashPlugin()


factory = CrashPluginFactory()
