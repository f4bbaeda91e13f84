"""One process, one port: the REST API, and the Gradio page at ``/`` once it is built."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from fastapi import FastAPI

from knowledge.settings import Settings
from ui.page_slot import PageSlot
from ui.service import Service

logger = logging.getLogger("ui")
_PAGE_BUILD_LOCK = threading.Lock()

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
    page: bool = True,
) -> FastAPI:
    """The whole app. The API answers as soon as the port is open (``/healthz`` says
    ``loading`` until the assistant is ready); the Gradio page is built afterwards and
    served at ``/`` by a :class:`PageSlot`, which shows a loading notice until then
    (``/healthz`` reports it as ``page``). ``load`` starts loading the assistant at
    start-up; ``page`` builds the page (after the assistant when both are on)."""
    quiet_outside_calls()
    from ui.api import build_api
    from ui.guard import FrontDoor

    service = Service(settings, factory)
    app = build_api(service)
    app.state.service = service
    slot = PageSlot()
    app.state.page = slot
    service.page = slot

    own_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with contextlib.AsyncExitStack() as stack:
            if load:
                service.start_loading()  # in a thread: the port opens at once
            building = (
                asyncio.create_task(_open_page(service, slot, stack, after_load=load))
                if page
                else None
            )
            async with own_lifespan(app) as state:
                yield state
            service.stop_pool()
            if building is not None and not building.done():
                building.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await building

    app.router.lifespan_context = lifespan
    app.mount("/", slot)  # after the API routes: a mount at / would otherwise swallow them
    # Outermost: refused routes and body limits before anything reads a byte.
    app.add_middleware(FrontDoor)
    return app


def build_page_app(service: Service) -> FastAPI:
    """A FastAPI app with the Gradio page mounted at ``/`` (Gradio's own app is its last
    route); entering its lifespan starts the page's queue."""
    import gradio as gr

    from ui.web import CSS, HEAD, build_web

    # Gradio keeps the block being built in process-wide state: one page at a time (an app
    # shut down mid-build leaves its thread finishing while the next app builds).
    with _PAGE_BUILD_LOCK:
        blocks = build_web(service)
    return gr.mount_gradio_app(
        FastAPI(),
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


async def _open_page(
    service: Service, slot: PageSlot, stack: contextlib.AsyncExitStack, *, after_load: bool
) -> None:
    started = time.perf_counter()
    try:
        if after_load:
            # Importing Gradio and building the page is Python work that would hold the GIL
            # against the loader's: the answers come first, the page right after.
            await anyio.to_thread.run_sync(service.wait)
        shell = await anyio.to_thread.run_sync(build_page_app, service)
        await stack.enter_async_context(shell.router.lifespan_context(shell))
        slot.open(shell.routes[-1].app)  # Gradio's app, as mount_gradio_app mounted it
        logger.info("web page ready in %.1f s", time.perf_counter() - started)
    except Exception:
        logger.exception("building the web page failed")
        slot.fail()


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
