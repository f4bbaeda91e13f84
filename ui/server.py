"""One process, one port: the REST API and the Gradio page mounted at ``/``."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI

from knowledge.settings import Settings
from ui.service import Service

logger = logging.getLogger("ui")

FONTS = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", "sans-serif"]
MONO_FONTS = ["Noto Sans Mono CJK SC", "WenQuanYi Micro Hei Mono", "monospace"]


def quiet_outside_calls() -> None:
    """No version check, telemetry or hub lookups: the machine reaches only registries."""
    for key, value in (
        ("GRADIO_ANALYTICS_ENABLED", "False"),
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("ANONYMIZED_TELEMETRY", "False"),
    ):
        os.environ.setdefault(key, value)


def create_app(
    settings: Settings,
    factory: Callable[[Settings], Any] | None = None,
    *,
    load: bool = True,
) -> FastAPI:
    """The whole app. API routes are defined before Gradio is mounted at ``/``, which
    would otherwise swallow them. ``load`` starts loading the Assistant at start-up."""
    quiet_outside_calls()
    import gradio as gr

    from ui.api import build_api
    from ui.guard import FrontDoor
    from ui.web import CSS, HEAD, build_web

    service = Service(settings, factory)
    app = build_api(service)
    app.state.service = service

    own_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        if load:
            service.start_loading()  # in a thread: the port opens at once
        async with own_lifespan(app) as state:
            yield state

    app.router.lifespan_context = lifespan

    blocks = build_web(service)
    app = gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        footer_links=["api"],
        run_history=False,
        show_error=False,
        css=CSS,
        head=HEAD,
        # Local fonts only: the default theme would fetch Google Fonts, unreachable here.
        theme=gr.themes.Soft(font=FONTS, font_mono=MONO_FONTS),
        ssr_mode=False,
    )
    # Outermost: refused routes and body limits before anything reads a byte.
    app.add_middleware(FrontDoor)
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    import uvicorn

    app = create_app(settings)
    logger.info("serving on http://%s:%d", host, port)
    # Open gradio streams would hold shutdown for ~10 s without a graceful timeout.
    uvicorn.run(
        app,
        host=host,
        port=port,
        timeout_graceful_shutdown=3,
        log_level="info",
        access_log=False,
    )
