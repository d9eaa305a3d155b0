"""Durable test function: outline -> wait `review` -> draft -> summary.

Every step body appends "<step> <pid>" to the file named by CALL_LOG, so a test
can count how often each step really ran. FAULT=crash:<step> kills the worker
process inside that step on its first attempt only (a marker file next to the
call log remembers it), like a Lambda sandbox dying mid-step; FAULT=slow:<step>
makes that first attempt take SLOW_SECONDS (default 5).
"""

import os
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

VARIANT = "v1"


def _run(step: str, value: str) -> str:
    call_log = os.environ["CALL_LOG"]
    with open(call_log, "a") as f:
        f.write(f"{step} {os.getpid()}\n")
    marker = f"{call_log}.crashed-{step}"
    if os.environ.get("FAULT") == f"crash:{step}" and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(137)
    if os.environ.get("FAULT") == f"slow:{step}" and not os.path.exists(marker):
        open(marker, "w").close()
        time.sleep(float(os.environ.get("SLOW_SECONDS", "5")))
    return value


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    topic = event["topic"]
    outline = context.step(lambda _: _run("outline", f"outline of {topic}"), name="outline")
    context.wait(Duration.from_seconds(int(os.environ.get("REVIEW_SECONDS", "2"))), name="review")
    draft = context.step(lambda _: _run("draft", f"draft from {outline}"), name="draft")
    summary = context.step(lambda _: _run("summary", f"summary of {draft}"), name="summary")
    return {"variant": VARIANT, "topic": topic, "outline": outline, "draft": draft, "summary": summary}
