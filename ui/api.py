"""The REST API of CONTRACT §5 (plus /api/feedback and /api/clauses as extensions).

Every bad input gets a 4xx and ``{"error": "..."}``; nothing reaches the client as a 500.
Blocking work (model inference, Chroma, SQLite) runs in worker threads, off the event loop.
The parts: models in ``ui.api_models``, refusals in ``ui.api_errors``, routes in
``ui.api_ask`` and ``ui.api_catalog``, the catch-all in ``ui.api_fallback``, the OpenAPI
touch-ups in ``ui.api_schema``. Their public names stay importable from here.
"""

from __future__ import annotations

from fastapi import FastAPI

from ui.api_ask import ask_router, feedback_router, health_router
from ui.api_catalog import MAX_INPUT_CHARS, catalog_router
from ui.api_context import ApiContext
from ui.api_errors import MAX_ERROR_CHARS, install_error_handlers, logger, short
from ui.api_fallback import add_fallback_routes
from ui.api_models import (
    ERRORS,
    MAX_EXCHANGE_ID,
    MAX_FEEDBACK_TEXT,
    MAX_HISTORY_ITEMS,
    AskRequest,
    AskResponse,
    AwardRequest,
    ClauseOut,
    ClauseWithGuide,
    ErrorOut,
    FeedbackRequest,
    FeedbackResponse,
    HealthOut,
    RuleInput,
    RuleOut,
    question_schema,
)
from ui.api_schema import document_limits
from ui.page_meta import assistant_name, default_meta
from ui.service import Service

__all__ = [
    "ERRORS",
    "MAX_ERROR_CHARS",
    "MAX_EXCHANGE_ID",
    "MAX_FEEDBACK_TEXT",
    "MAX_HISTORY_ITEMS",
    "MAX_INPUT_CHARS",
    "AskRequest",
    "AskResponse",
    "AwardRequest",
    "ClauseOut",
    "ClauseWithGuide",
    "ErrorOut",
    "FeedbackRequest",
    "FeedbackResponse",
    "HealthOut",
    "RuleInput",
    "RuleOut",
    "build_api",
    "logger",
    "question_schema",
    "short",
]


def build_api(service: Service) -> FastAPI:
    """The FastAPI app with every API route; the caller mounts the web page at ``/`` after."""
    meta = default_meta(service.settings)  # the policy's own metadata, not strings in code
    app = FastAPI(
        title=f"{assistant_name(service.settings)} API",
        version="1.0",
        description=(
            "问答、条款、补贴计算。Answers questions about "
            + (f"《{meta.title}》" if meta is not None else "the loaded policies")
            + ", with clause citations and award calculations."
        ),
    )
    ctx = ApiContext(service)
    install_error_handlers(app)
    # The order here is the order of the OpenAPI document's paths.
    routers = [r(ctx) for r in (health_router, ask_router, catalog_router, feedback_router)]
    for router in routers:
        app.include_router(router)
    add_fallback_routes(app, [route for router in routers for route in router.routes])
    document_limits(app, service.settings.max_question_chars)
    return app
