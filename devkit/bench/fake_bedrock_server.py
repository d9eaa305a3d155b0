"""A Converse endpoint on 127.0.0.1 that counts calls per benchmark run.

The run id travels in the prompt (the topic) and every reply repeats it, so
the outline, draft and summary prompts of one run all carry it."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections import Counter

RUN_ID = re.compile(r"run-[0-9a-f]{8}")


class FakeBedrockServer:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                match = RUN_ID.search(body)
                run_id = match.group(0) if match else "unknown"
                with lock:
                    server.calls[run_id] += 1
                reply = {
                    "output": {"message": {"role": "assistant", "content": [{"text": f"reply for {run_id}"}]}},
                    "stopReason": "end_turn",
                    "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
                    "metrics": {"latencyMs": 1},
                }
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
