"""The front door of the one process: what is refused before any route sees the request.

- Bodies are bounded: ``/api/*`` at ``API_BODY_LIMIT`` bytes, the page's own event calls
  (``/gradio_api/*``) at ``PAGE_BODY_LIMIT``; more gets a 413 with a Chinese message,
  whether the size is announced (Content-Length) or only seen while reading (chunked).
- Routes nothing on the page needs are not served: Gradio's file upload (the page has
  no upload component; an upload was kept on disk and served back to anyone) and its
  ``/monitoring`` dashboard (per-function counts and latencies, anonymously).
"""

from __future__ import annotations

import json
from typing import Any

# The largest legitimate /api/ask: a 1000-character question and 50 history items of
# 1000 characters, every character \\u-escaped (6 bytes): ~306 KB.
API_BODY_LIMIT = 512 * 1024
# A chat event carries the conversation shown so far; long sessions stay far below this.
PAGE_BODY_LIMIT = 2 * 1024 * 1024

REFUSED_PREFIXES = (
    "/gradio_api/upload",  # also /upload_progress
    "/gradio_api/process_recording",
    "/gradio_api/vibe-",
    "/gradio_api/undo-vibe-edit",
    "/gradio_api/dev/",
    "/monitoring",
    "/gradio_api/monitoring",
)


def _refused(path: str) -> bool:
    return any(path == p or path.startswith(p) for p in REFUSED_PREFIXES)


async def _send_error(send: Any, status: int, message: str, headers: dict[str, str]) -> None:
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def too_large_message(limit: int) -> str:
    return f"请求内容过大（上限 {limit // 1024} KB），请缩短后再试 (request body too large)"


class FrontDoor:
    """ASGI middleware: refused routes and bounded bodies (see the module docstring)."""

    def __init__(
        self, app: Any, api_limit: int = API_BODY_LIMIT, page_limit: int = PAGE_BODY_LIMIT
    ) -> None:
        self.app = app
        self.api_limit = api_limit
        self.page_limit = page_limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if _refused(path):
            await _send_error(send, 404, "没有这个页面 (not served)", {})
            return
        if path.startswith("/api/"):
            limit = self.api_limit
        elif path.startswith("/gradio_api/"):
            limit = self.page_limit
        else:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_error(send, 413, too_large_message(limit), {"connection": "close"})
            return
        # Read the body here, up to the limit, and hand it on whole: a chunked body that
        # grows past the limit is cut off before it is held in memory.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_error(send, 413, too_large_message(limit), {"connection": "close"})
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # afterwards: wait for the disconnect, as usual

        await self.app(scope, replay, send)


def bounded_text(value: Any, max_chars: int) -> str:
    """What a page event handler reads from a text field: a string, encodable (lone
    surrogates replaced), at most ``max_chars`` long — the browser's ``max_length`` is
    only a hint to a well-behaved client."""
    from assistant.log import clean_text

    text = value if isinstance(value, str) else ""
    return clean_text(text[:max_chars])


def bounded_values(values: tuple[Any, ...], max_chars: int) -> tuple[Any, ...]:
    """``bounded_text`` applied to the text values of a form, others as they are."""
    return tuple(bounded_text(v, max_chars) if isinstance(v, str) else v for v in values)
