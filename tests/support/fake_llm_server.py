"""A loopback HTTP server speaking Ollama's documented API and the OpenAI-compatible one, scripted per test.

Wire formats follow docs.ollama.com/api (``/api/chat`` NDJSON with a final ``done`` line carrying nanosecond
durations, ``/api/tags``, ``/api/version``, errors as ``{"error": "..."}`` even mid-stream) and OpenAI's chat
completions streaming (``data:`` chunks, ``data: [DONE]``, errors as ``{"error": {"message": ...}}``).
Streams use chunked transfer encoding, as both real servers do. Every wait is cut short when the server stops.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OLLAMA_VERSION = "0.12.6"


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Defaults give a healthy three-token stream."""

    status: int = 200
    tokens: Sequence[str] = ("Hello", ",", " world")
    token_delay: float = 0.0
    hang_before_headers: float = 0.0
    hang_after_tokens: float = 0.0
    error_line: str | None = None
    raw_lines: Sequence[str] = ()
    finish: bool = True
    eval_count: int | None = None
    eval_duration_ns: int = 1_000_000_000
    total_duration_ns: int = 1_500_000_000
    usage_tokens: int | None = None
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    body: Any


class FakeLLMServer:
    """Start with ``with FakeLLMServer() as server:``; ``server.url`` is the base URL on 127.0.0.1."""

    def __init__(self, models: Sequence[str] = ("llama3.2",)) -> None:
        self.models = list(models)
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self.max_concurrent_streams = 0
        self._active_streams = 0
        self._scripts: dict[str, deque[Reply]] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def script(self, path: str, *replies: Reply) -> None:
        """Queue replies for ``path``; once they are used up the default healthy reply is given."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(replies)

    def next_reply(self, path: str) -> Reply:
        with self._lock:
            queued = self._scripts.get(path)
            return queued.popleft() if queued else Reply()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def stream_started(self) -> None:
        with self._lock:
            self._active_streams += 1
            self.max_concurrent_streams = max(self.max_concurrent_streams, self._active_streams)

    def stream_ended(self) -> None:
        with self._lock:
            self._active_streams -= 1

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for request in self.requests if request.path == path)

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def fake(self) -> FakeLLMServer:
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def do_GET(self) -> None:
        self.fake.record(RecordedRequest("GET", self.path, None))
        if self.path == "/api/tags":
            models = [
                {"name": name, "model": name, "size": 1, "digest": "0" * 12} for name in self.fake.models
            ]
            self._send_json(200, {"models": models})
        elif self.path == "/api/version":
            self._send_json(200, {"version": OLLAMA_VERSION})
        elif self.path == "/v1/models":
            models = [{"id": name, "object": "model", "owned_by": "fake"} for name in self.fake.models]
            self._send_json(200, {"object": "list", "data": models})
        else:
            self._send_text(404, "404 page not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        self.fake.record(RecordedRequest("POST", self.path, body))
        if self.path not in ("/api/chat", "/v1/chat/completions"):
            self._send_text(404, "404 page not found")
            return
        ollama = self.path == "/api/chat"
        model = body.get("model") if isinstance(body, dict) else None
        reply = self.fake.next_reply(self.path)
        try:
            if reply.hang_before_headers and self.fake.stopping.wait(reply.hang_before_headers):
                return
            if reply.status != 200:
                self._send_json(reply.status, reply.body, reply.headers)
            elif model not in self.fake.models:
                self._send_missing_model(str(model), ollama)
            else:
                self.fake.stream_started()
                try:
                    self._stream(reply, str(model), ollama)
                finally:
                    self.fake.stream_ended()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout or cancel): expected in those tests

    def _send_missing_model(self, model: str, ollama: bool) -> None:
        if ollama:
            self._send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
        else:
            error = {"message": f"The model `{model}` does not exist.", "type": "invalid_request_error"}
            self._send_json(404, {"error": {**error, "code": "model_not_found"}})

    def _stream(self, reply: Reply, model: str, ollama: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson" if ollama else "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for index, token in enumerate(reply.tokens):
            if index and reply.token_delay and self.fake.stopping.wait(reply.token_delay):
                return
            if ollama:
                message = {"role": "assistant", "content": token}
                self._chunk_json({"model": model, "created_at": "2025-10-26T17:21:21Z", "message": message})
            else:
                self._chunk_sse(_openai_chunk(model, {"content": token}, None))
        if reply.hang_after_tokens and self.fake.stopping.wait(reply.hang_after_tokens):
            return
        if reply.error_line is not None and ollama:
            self._chunk_json({"error": reply.error_line})
        elif reply.error_line is not None:
            self._chunk_sse({"error": {"message": reply.error_line}})
        for line in reply.raw_lines:
            self._chunk((line + "\n").encode())
        if reply.finish:
            self._finish(reply, model, ollama)
        self._chunk(b"")

    def _finish(self, reply: Reply, model: str, ollama: bool) -> None:
        count = len(reply.tokens) if reply.eval_count is None else reply.eval_count
        if ollama:
            self._chunk_json(
                {
                    "model": model,
                    "created_at": "2025-10-26T17:21:22Z",
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "stop",
                    "total_duration": reply.total_duration_ns,
                    "load_duration": 1000,
                    "prompt_eval_count": 10,
                    "prompt_eval_duration": 2000,
                    "eval_count": count,
                    "eval_duration": reply.eval_duration_ns,
                }
            )
            return
        self._chunk_sse(_openai_chunk(model, {}, "stop"))
        if reply.usage_tokens is not None:
            usage = {"prompt_tokens": 10, "completion_tokens": reply.usage_tokens}
            self._chunk_sse({"id": "chatcmpl-1", "model": model, "choices": [], "usage": usage})
        self._chunk(b"data: [DONE]\n\n")

    def _chunk_json(self, value: Any) -> None:
        self._chunk((json.dumps(value) + "\n").encode())

    def _chunk_sse(self, value: Any) -> None:
        self._chunk(f"data: {json.dumps(value)}\n\n".encode())

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_json(self, status: int, value: Any, headers: Mapping[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(value).encode(), "application/json", headers or {})

    def _send_text(self, status: int, text: str) -> None:
        self._send_bytes(status, text.encode(), "text/plain; charset=utf-8", {})

    def _send_bytes(self, status: int, data: bytes, content_type: str, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def _openai_chunk(model: str, delta: Mapping[str, str], finish_reason: str | None) -> dict[str, Any]:
    choice = {"index": 0, "delta": dict(delta), "finish_reason": finish_reason}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [choice],
    }
