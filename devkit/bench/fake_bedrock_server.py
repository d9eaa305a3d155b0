"""A Converse endpoint on 127.0.0.1 that counts calls per benchmark run.

The run id travels in the prompt (the topic) and every reply repeats it, so
the outline, draft and summary prompts of one run all carry it.

An optional `fault` decides, per run id and call number (1, 2, ... within
the run), whether the call is answered with an error instead: a Bedrock
runtime error code, as the botocore bedrock-runtime model (rest-json) gives
it: HTTP status, `x-amzn-ErrorType` header and a `{"message": ...}` body.
Answered errors are counted per run id and code in `faults`.

It also answers the asynchronous (video) API, StartAsyncInvoke and
GetAsyncInvoke (botocore model: POST /async-invoke, GET
/async-invoke/{invocationArn}), when given `videos`: each new client token
starts one job, counted per run id in `video_jobs` (the run id travels in the
video prompt), that is Completed `videos.seconds` after its start, and whose
output the bench writes through `videos.write` (into local AWS's S3, where the
workflow lists it). A start repeating a client token gets the same job, as
Bedrock does. Checks are counted per run id in `video_checks`."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

RUN_ID = re.compile(r"run-[0-9a-f]{8}")

# The transient errors of bedrock-runtime (botocore model: ThrottlingException 429, ServiceUnavailableException
# 503, InternalServerException 500) and their messages.
ERRORS = {
    "ThrottlingException": (429, "Too many requests, please wait before trying again."),
    "ServiceUnavailableException": (503, "The service is temporarily unable to handle the request."),
    "InternalServerException": (500, "The server encountered an internal error while processing the request."),
}

# (run id, call number within the run) -> an error code of ERRORS to answer with, or None for a reply.
Fault = Callable[[str, int], str | None]

# Every reply's usage unless the server is given another: (inputTokens, outputTokens).
DEFAULT_USAGE = (10, 5)


@dataclass(frozen=True)
class FakeVideos:
    """How the fake's video jobs behave: done `seconds` after their start; `write(s3_uri)` stores the
    job's video at that s3:// URI (the job's own folder + output.mp4, as Nova Reel names it)."""

    seconds: float
    write: Callable[[str], None]


@dataclass
class _Job:
    run_id: str
    arn: str
    token: str
    output_uri: str
    started: float
    submitted: str


class FakeBedrockServer:
    def __init__(
        self, fault: Fault | None = None, usage: tuple[int, int] = DEFAULT_USAGE, videos: FakeVideos | None = None
    ) -> None:
        self.calls: Counter[str] = Counter()
        self.faults: dict[str, Counter[str]] = {}
        self.video_jobs: Counter[str] = Counter()
        self.video_checks: Counter[str] = Counter()
        jobs: dict[str, _Job] = {}  # by invocation ARN and by client token
        input_tokens, output_tokens = usage
        lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                match = RUN_ID.search(body)
                run_id = match.group(0) if match else "unknown"
                if self.path == "/async-invoke" and videos:
                    self._answer(200, {"invocationArn": self._start_job(run_id, json.loads(body)).arn}, {})
                    return
                with lock:
                    server.calls[run_id] += 1
                    number = server.calls[run_id]
                code = fault(run_id, number) if fault else None
                if code:
                    with lock:
                        server.faults.setdefault(run_id, Counter())[code] += 1
                    status, message = ERRORS[code]
                    self._answer(status, {"message": message}, {"x-amzn-ErrorType": code})
                    return
                reply = {
                    "output": {"message": {"role": "assistant", "content": [{"text": f"reply for {run_id}"}]}},
                    "stopReason": "end_turn",
                    "usage": {
                        "inputTokens": input_tokens,
                        "outputTokens": output_tokens,
                        "totalTokens": input_tokens + output_tokens,
                    },
                    "metrics": {"latencyMs": 1},
                }
                self._answer(200, reply, {})

            def do_GET(self):
                job = jobs.get(unquote(self.path.removeprefix("/async-invoke/")))
                if not (self.path.startswith("/async-invoke/") and job and videos):
                    self._answer(404, {"message": "no such job"}, {"x-amzn-ErrorType": "ResourceNotFoundException"})
                    return
                with lock:
                    server.video_checks[job.run_id] += 1
                done = time.monotonic() - job.started >= videos.seconds
                reply = {
                    "invocationArn": job.arn,
                    "modelArn": "arn:aws:bedrock:us-east-1::foundation-model/fake",
                    "clientRequestToken": job.token,
                    "status": "Completed" if done else "InProgress",
                    "submitTime": job.submitted,
                    "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": job.output_uri}},
                }
                self._answer(200, reply, {})

            def _start_job(self, run_id: str, request: dict) -> _Job:
                token = request.get("clientRequestToken") or uuid.uuid4().hex
                with lock:
                    if token in jobs:
                        return jobs[token]
                    job_id = uuid.uuid4().hex[:12]
                    folder = request["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"].rstrip("/") + f"/{job_id}"
                    job = _Job(run_id, f"arn:aws:bedrock:us-east-1:000000000000:async-invoke/{job_id}", token,
                               folder, time.monotonic(), datetime.now(UTC).isoformat())  # fmt: skip
                    jobs[token] = jobs[job.arn] = job
                    server.video_jobs[run_id] += 1
                assert videos is not None
                videos.write(f"{folder}/output.mp4")
                return job

            def _answer(self, status: int, body: dict, headers: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 256  # hundreds of workers may connect at once (the default backlog is 5)

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
