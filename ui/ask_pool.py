"""Answer processes: ``ASSISTANT_WORKERS`` > 1 computes ``/api/ask`` answers in that many
processes beside the server's own.

A question is Python work under one GIL (front door, routing, frames, composing) plus the
embedding; one process therefore caps new-question throughput at 1 / (that time) however
many cores there are. The server process keeps everything else — the HTTP, the web page
(Gradio's queue keeps per-process session state, so the page must stay in one process),
the conversation log (one SQLite writer) and its own Assistant for the page and the
catalog routes; the worker processes only turn (question, history) into an ``Answer``.
They are started after the server is ready (``/healthz`` does not wait for them) and load
their own Assistant from the same settings and the already built index; until one has
loaded, and if the pool breaks, questions are answered in the server process as before.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from knowledge.settings import Settings

logger = logging.getLogger("ui")

_ASSISTANT: Any = None  # in a worker process: its own Assistant
PARENT_CHECK_S = 0.5


def _exit_with(parent: int) -> None:
    """A worker ends with the server, however the server ended (a kill leaves no time to
    shut the pool down): its parent changes when the server process is gone."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _load_worker(settings: Settings) -> None:
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    from ui.server import quiet_outside_calls

    quiet_outside_calls()
    from assistant.chain import Assistant

    global _ASSISTANT
    # The server built (or checked) the index before starting the pool: open, never build.
    _ASSISTANT = Assistant.from_settings(settings, progress=False)
    _ASSISTANT.warm_up()


def _ready() -> int:
    return os.getpid()


def _ask(question: str, history: Sequence[str]) -> Any:
    return _ASSISTANT.ask(question, list(history))


class AskPool:
    """``processes`` worker processes, each with its own Assistant."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.processes = processes
        self.answered = 0  # questions these processes answered (shown in /healthz)
        self._ready = threading.Event()
        self._broken = False
        # spawn: the server process has threads (onnxruntime, the event loop) that fork
        # would copy half-way through.
        self._pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_load_worker,
            initargs=(settings,),
        )
        # One call per process starts them all; the first to answer makes the pool usable.
        for _ in range(processes):
            self._pool.submit(_ready).add_done_callback(self._started)

    def _started(self, future: Future[int]) -> None:
        if future.exception() is not None:
            self._fail(future.exception())
        elif not self._broken:
            self._ready.set()

    def _fail(self, exc: BaseException | None) -> None:
        if not self._broken:
            logger.error("answer processes failed, answering in the server process: %s", exc)
        self._broken = True
        self._ready.clear()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._broken

    def wait(self, timeout: float | None = None) -> bool:
        self._ready.wait(timeout)
        return self.ready

    def submit(self, question: str, history: Sequence[str]) -> Future[Any]:
        return self._pool.submit(_ask, question, list(history))

    def broke(self, exc: BaseException) -> None:
        """A submitted question found the pool broken (a worker died): stop using it."""
        self._fail(exc)

    def status(self) -> dict[str, Any]:
        return {"processes": self.processes, "ready": self.ready, "answered": self.answered}

    def shutdown(self) -> None:
        """Stop at once: a worker still loading would otherwise finish loading first."""
        self._broken = True
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()


__all__ = ["AskPool", "BrokenProcessPool"]
