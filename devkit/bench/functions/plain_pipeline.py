"""Baseline for the crash-resume benchmark: the same three Bedrock calls as the
content pipeline in a plain (non-durable) function. After a crash, Lambda's
asynchronous retry runs it again from the beginning."""

import os

from plain_attempts import attempt_started, succeeded

from durable_bedrock import bedrock
from durable_bedrock.content_pipeline import SYSTEM_PROMPT
from durable_bedrock_crash import FINISH, crash_point


def handler(event, context):
    attempt_started()
    model_id, max_tokens = os.environ["BEDROCK_MODEL_ID"], 256
    text = event["topic"]
    for step in ("generate-outline", "expand-draft", "summarize"):
        crash_point(step)
        text = bedrock.converse(model_id, SYSTEM_PROMPT, f"{step}: {text}", max_tokens).text
    crash_point(FINISH)
    succeeded()
    return {"summary": text}
