"""A Converse endpoint on 127.0.0.1 that counts calls per benchmark run.

The run id travels in the prompt (the topic) and every reply repeats it, so
the outline, draft and summary prompts of one run all carry it.

An optional `fault` decides, per run id and call number (1, 2, ... within
the run), whether the call is answered with an error instead: a Bedrock
runtime error code, as the botocore bedrock-runtime model (rest-json) gives
it: HTTP status, `x-amzn-ErrorType` header and a `{"message": ...}` body.
Answered errors are counted per run id and code in `faults`."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections import Counter
from collections.abc import Callable

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


class FakeBedrockServer:
    def __init__(self, fault: Fault | None = None) -> None:
        self.calls: Counter[str] = Counter()
        self.faults: dict[str, Counter[str]] = {}
        lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                match = RUN_ID.search(body)
                run_id = match.group(0) if match else "unknown"
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
                    "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
                    "metrics": {"latencyMs": 1},
                }
                self._answer(200, reply, {})

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
