"""The web page's place at ``/`` while it is being built.

Importing Gradio and building the page take longer than loading the assistant (≈ 6 of 16 s
measured on this machine), and both are Python work under one GIL. So the server opens
its port with the API alone, builds the page after the assistant has loaded, and until
then answers the page's paths with a short Chinese notice that reloads itself. Once the
page is built, this slot hands every request to Gradio's app exactly as a mount would.
"""

from __future__ import annotations

import html
import json
import threading
from typing import Any, Literal

PageState = Literal["loading", "ready", "error"]

LOADING_TEXT = "页面正在加载，请稍候…（问答接口已可使用）"
FAILED_TEXT = "页面加载失败，请联系管理员。问答接口 /api/ask 仍可使用。"
RETRY_S = 2

_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{refresh}<title>郑州新一代信息技术产业政策助手</title></head>
<body style="font-family: 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif; margin: 3em">
<h1 style="font-size: 1.3em">郑州新一代信息技术产业政策助手</h1>
<p id="page-loading">{text}</p>
</body></html>
"""


class PageSlot:
    """An ASGI app mounted at ``/``: a notice until :meth:`open` gives it the page's app."""

    def __init__(self) -> None:
        self._app: Any = None
        self._state: PageState = "loading"
        self._done = threading.Event()

    @property
    def state(self) -> PageState:
        return self._state

    def open(self, app: Any) -> None:
        self._app = app
        self._state = "ready"
        self._done.set()

    def fail(self) -> None:
        self._state = "error"
        self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the page is built (or failed); True when it is served."""
        self._done.wait(timeout)
        return self._state == "ready"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is not None:
            await self._app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})  # try again later
            return
        if scope["type"] != "http":
            return
        loading = self._state == "loading"
        text = LOADING_TEXT if loading else FAILED_TEXT
        wants_page = scope.get("method") in ("GET", "HEAD") and "text/html" in _accept(scope)
        if wants_page or scope.get("path", "") in ("", "/"):
            refresh = f'<meta http-equiv="refresh" content="{RETRY_S}">\n' if loading else ""
            body = _HTML.format(refresh=refresh, text=html.escape(text)).encode("utf-8")
            kind = b"text/html; charset=utf-8"
        else:
            body = json.dumps({"error": text}, ensure_ascii=False).encode("utf-8")
            kind = b"application/json"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        if loading:
            headers.append((b"retry-after", str(RETRY_S).encode()))
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        if scope.get("method") == "HEAD":
            body = b""
        await send({"type": "http.response.body", "body": body})


def _accept(scope: Any) -> str:
    for name, value in scope.get("headers") or []:
        if name == b"accept":
            return value.decode("latin-1")
    return ""
