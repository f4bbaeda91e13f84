"""A small OpenAI-compatible chat server on loopback, scripted per test.

It implements ``POST /v1/chat/completions`` (a JSON reply, or Server-Sent Events when the
request says ``"stream": true``) and ``GET /v1/models``, so the real ``openai`` client inside
langchain's ``ChatOpenAI`` talks to it exactly as to vLLM, DeepSeek or a local server.

A test scripts the replies with :meth:`FakeOpenAI.script`: each chat request takes the next
:class:`Step` — a text reply, a tool call, an HTTP error or a slow reply. A step's text may
be a callable that receives the request body, so a reply can use what the client sent (for
example the amount in the tool message). Every request body is recorded in ``requests``
so tests can check what the model was given.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Body = dict[str, Any]


@dataclass
class Step:
    """One scripted model turn."""

    text: str | Callable[[Body], str] = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200  # anything else: an error reply with this status
    delay_s: float = 0.0  # before the first byte
    chunk_chars: int = 4  # piece size when streaming
    chunk_delay_s: float = 0.0  # between streamed pieces


def reply(text: str | Callable[[Body], str], **kw: Any) -> Step:
    return Step(text=text, **kw)


def tool_call(name: str, arguments: dict[str, Any], **kw: Any) -> Step:
    return Step(tool_calls=[(name, arguments)], **kw)


def last_tool_content(body: Body) -> str:
    """The content of the last tool message the client sent (the tool's result)."""
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "tool":
            content = message.get("content")
            if isinstance(content, list):  # content blocks
                return "".join(b.get("text", "") for b in content if isinstance(b, dict))
            return str(content)
    raise AssertionError("the client sent no tool message")


class FakeOpenAI:
    """The server; use as a context manager or call ``start``/``stop``."""

    def __init__(self) -> None:
        self._steps: list[Step] = []
        self._lock = threading.Lock()
        self.requests: list[Body] = []
        self.errors: list[str] = []  # malformed requests the server saw
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, *steps: Step) -> None:
        """Replace the script and forget earlier requests."""
        with self._lock:
            self._steps = list(steps)
            self.requests = []
            self.errors = []

    @property
    def remaining(self) -> int:
        return len(self._steps)

    def _next(self, body: Body) -> Step:
        with self._lock:
            self.requests.append(body)
            if not self._steps:
                return Step(status=500, text="script exhausted")
            return self._steps.pop(0)

    # -- HTTP ----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

            def _send_json(self, status: int, payload: Any) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._send_json(
                        200,
                        {
                            "object": "list",
                            "data": [{"id": "fake", "object": "model", "owned_by": "test"}],
                        },
                    )
                else:
                    self._send_json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    fake.errors.append("body is not JSON")
                    self._send_json(400, {"error": {"message": "body is not JSON"}})
                    return
                problem = _validate(body)
                if problem:
                    fake.errors.append(problem)
                    self._send_json(400, {"error": {"message": problem, "type": "invalid"}})
                    return
                step = fake._next(body)
                try:
                    if step.delay_s:
                        time.sleep(step.delay_s)
                    if step.status != 200:
                        self._send_json(
                            step.status,
                            {
                                "error": {
                                    "message": step.text if isinstance(step.text, str) else "error",
                                    "type": "server_error",
                                }
                            },
                        )
                    elif body.get("stream"):
                        self._stream(body, step)
                    else:
                        self._send_json(200, _completion(body, step))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test): nothing to do

            def _stream(self, body: Body, step: Step) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                for chunk in _chunks(body, step):
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                    self.wfile.flush()
                    if step.chunk_delay_s:
                        time.sleep(step.chunk_delay_s)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler


def _validate(body: Body) -> str:
    """What a real endpoint would reject (so a client bug fails the test)."""
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model missing"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages missing"
    open_calls: set[str] = set()
    for m in messages:
        role = m.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool"):
            return f"bad role {role!r}"
        if role == "assistant":
            for call in m.get("tool_calls") or []:
                open_calls.add(call["id"])
        if role == "tool" and m.get("tool_call_id") not in open_calls:
            return f"tool message answers unknown call {m.get('tool_call_id')!r}"
    return ""


def _text(body: Body, step: Step) -> str:
    return step.text(body) if callable(step.text) else step.text


def _tool_calls(step: Step) -> list[dict[str, Any]]:
    return [
        {
            "id": f"call_{uuid.uuid4().hex[:12]}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
        }
        for name, args in step.tool_calls
    ]


def _completion(body: Body, step: Step) -> Body:
    calls = _tool_calls(step)
    message: Body = {"role": "assistant", "content": None if calls else _text(body, step)}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _chunks(body: Body, step: Step) -> Iterator[Body]:
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
    }

    def chunk(delta: Body, finish: str | None = None) -> Body:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    calls = _tool_calls(step)
    if calls:
        for i, call in enumerate(calls):
            args = call["function"]["arguments"]
            half = len(args) // 2  # arguments arrive in pieces, as from real servers
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": call["id"],
                            "type": "function",
                            "function": {
                                "name": call["function"]["name"],
                                "arguments": args[:half],
                            },
                        }
                    ]
                }
            )
            yield chunk({"tool_calls": [{"index": i, "function": {"arguments": args[half:]}}]})
        yield chunk({}, "tool_calls")
        return
    text = _text(body, step)
    size = max(1, step.chunk_chars)
    for i in range(0, len(text), size):
        yield chunk({"content": text[i : i + size]})
    yield chunk({}, "stop")
