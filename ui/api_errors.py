"""How the API refuses: every bad input gets a 4xx and ``{"error": "..."}``, and nothing
reaches the client as a 500 (the last resort turns it into a logged 503)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.log import clean_text

logger = logging.getLogger("ui.api")  # the name operators already filter on

# An error message may quote the input it refuses, but never more than a short prefix.
MAX_ERROR_CHARS = 300


def short(message: str) -> str:
    return message if len(message) <= MAX_ERROR_CHARS else message[:MAX_ERROR_CHARS] + "…"


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": short(clean_text(message))}, status_code=status)


def _describe(errors: list[dict[str, Any]]) -> str:
    """A short readable message from pydantic's error list."""
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = str(err.get("msg", "invalid"))
        if len(msg) > 200:  # never echo a whole oversized input back
            msg = msg[:200] + "…"
        parts.append(f"{loc[:80]}: {msg}" if loc else msg)
    return "请求格式不正确 (invalid request): " + "; ".join(parts)


class LastResort:
    """Turns an unhandled error in /api/* or /healthz into a 503 JSON answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/api/", "/healthz")):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope["path"])
            if started:
                raise
            response = error_response(
                503, "服务暂时无法处理该请求，请稍后再试 (temporarily unavailable)"
            )
            await response(scope, receive, send)


class Unavailable(Exception):
    """Raised by a route that cannot answer yet (or now): a 503 with Retry-After."""

    def __init__(self, message: str) -> None:
        self.message = message


async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "请求体不是合法的 JSON (malformed JSON body)")
    if any(e.get("type") == "missing" and tuple(e.get("loc", ())) == ("body",) for e in errors):
        return error_response(400, "缺少 JSON 请求体 (missing JSON body)")
    return error_response(422, _describe(errors))


async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code if 400 <= exc.status_code < 600 else 400
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if detail == "There was an error parsing the body":  # FastAPI's own words
        detail = "无法解析请求体，请发送 UTF-8 编码的 JSON (could not parse the request body)"
    return JSONResponse({"error": short(detail)}, status_code=status, headers=exc.headers)


async def on_unavailable(request: Request, exc: Unavailable) -> JSONResponse:
    return JSONResponse(
        {"error": short(exc.message)}, status_code=503, headers={"Retry-After": "5"}
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Unavailable, on_unavailable)  # type: ignore[arg-type]
    # Last resort for anything unforeseen: logged here, never sent. A plain ASGI wrapper
    # rather than an Exception handler, which Starlette re-raises (closing the connection).
    app.add_middleware(LastResort)
