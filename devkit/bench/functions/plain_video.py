"""Baseline for the cost benchmark: the video workflow's calls in a plain
(non-durable) function that waits for the job in the process, checking every
CHECK_EVERY_SECONDS. After a crash, Lambda's asynchronous retry runs it again
from the beginning: a new client token, so Bedrock starts (and bills) a new
job. The crash points carry the durable workflow's step names."""

import os
import time
import uuid

from plain_attempts import attempt_started, succeeded

from durable_bedrock import bedrock
from durable_bedrock.inputs import parse_video_request
from durable_bedrock.video_models import video_model_for
from durable_bedrock.video_output import find_video
from durable_bedrock_crash import FINISH, crash_point

CHECK_EVERY_SECONDS = 1


def handler(event, context):
    attempt_started()
    model_id, output = os.environ["BEDROCK_MODEL_ID"], os.environ["OUTPUT_S3_URI"]
    job = video_model_for(model_id).job(parse_video_request(event))
    crash_point("mint-idempotency-token")
    token = uuid.uuid4().hex
    crash_point("start-async-invoke")
    arn = bedrock.start_async_invoke(model_id, job.model_input, f"{output}{token}/", token)
    status = "InProgress"
    while status == "InProgress":
        time.sleep(CHECK_EVERY_SECONDS)
        crash_point("wait-for-video")
        status = bedrock.get_async_invoke(arn).status
    crash_point("build-result")
    video = find_video(f"{output}{token}/")
    crash_point(FINISH)
    succeeded()
    return {"status": status, "output_s3_uri": video}
