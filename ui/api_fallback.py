"""Anything else under /api/ (and any other method on /healthz) would fall through to the
Gradio mount at "/" and get its {"detail": ...}; answer it here in the API's own error
shape, with the Allow header a 405 must carry."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute

from ui.api_errors import error_response

EVERY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY"]


def add_fallback_routes(app: FastAPI, api_routes: Sequence[BaseRoute]) -> None:
    """Add after the API routes, whose methods the 405's Allow header is read from (passed
    in: an included router shows in ``app.routes`` as one opaque entry, not its routes)."""
    own_routes = [r for r in api_routes if getattr(r, "path", "").startswith(("/api/", "/healthz"))]

    async def elsewhere(request: Request) -> JSONResponse:
        allowed: set[str] = set()
        for route in own_routes:
            for method in EVERY_METHOD:
                scope = {"type": "http", "path": request.url.path, "method": method}
                if route.matches(scope)[0].name == "FULL":
                    allowed |= set(getattr(route, "methods", ()) or ())
        if allowed:
            message = f"不支持的请求方法 {request.method[:10]} (method not allowed)"
            response = error_response(405, message)
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        return error_response(404, f"没有这个接口 {request.url.path[:80]} (unknown API path)")

    app.add_api_route(
        "/healthz",
        elsewhere,
        methods=[m for m in EVERY_METHOD if m != "GET"],
        include_in_schema=False,
    )
    app.add_api_route("/api/{rest:path}", elsewhere, methods=EVERY_METHOD, include_in_schema=False)
