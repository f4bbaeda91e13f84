"""The OpenAPI document states the limits the handlers check (so a client, or
schemathesis, knows that a blank question is refused) and writes integer bounds."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ui.api_models import MAX_HISTORY_ITEMS, question_schema


def _integral(node: Any) -> Any:
    """FastAPI writes every bound as a float (``maximum: 9.0e15``); integers read better."""
    if isinstance(node, dict):
        out = {k: _integral(v) for k, v in node.items()}
        if out.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(out.get(key), float) and out[key].is_integer():
                    out[key] = int(out[key])
        return out
    if isinstance(node, list):
        return [_integral(v) for v in node]
    return node


def document_limits(app: FastAPI, max_chars: int) -> None:
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = _integral(plain_openapi())
            ask = spec["components"]["schemas"]["AskRequest"]["properties"]
            ask["question"].update(question_schema(max_chars))
            ask["history"].update(maxItems=MAX_HISTORY_ITEMS)
            ask["history"]["items"].update(maxLength=max_chars)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
