"""What the API and the web page share: the Assistant (loaded once, in the background),
the conversation log, and helpers that turn clauses and rules into plain data."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer import Answer
from assistant.log import ConversationLog
from knowledge.settings import Settings

if TYPE_CHECKING:  # the real import happens in the loader thread (it pulls in torch)
    from assistant.chain import Assistant

logger = logging.getLogger("ui")

LOADING_MESSAGE = "系统正在加载政策知识库和模型，请稍候几秒再试。"
FAILED_MESSAGE = "系统加载失败，暂时无法回答，请联系管理员。"


# Below this much free space the disk counts as full: SQLite needs room for its WAL.
DISK_FULL_BYTES = 1 << 20
DISK_LOW_BYTES = 64 << 20


class NotReadyError(RuntimeError):
    """The Assistant is still loading (or failed to load)."""


def disk_state(folder: Path) -> dict[str, Any]:
    """``{"state": "ok"|"low"|"full"|"read_only"|"missing", "free_mb": …}`` of the disk
    holding ``folder`` — no path in it (this goes into public answers)."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        stats = os.statvfs(probe)
        free = shutil.disk_usage(probe).free
    except OSError:
        return {"state": "missing", "free_mb": None}
    if stats.f_flag & os.ST_RDONLY or not os.access(probe, os.W_OK):
        state = "read_only"
    elif free < DISK_FULL_BYTES:
        state = "full"
    elif free < DISK_LOW_BYTES:
        state = "low"
    else:
        state = "ok"
    return {"state": state, "free_mb": round(free / (1 << 20), 1)}


class ServerLog(ConversationLog):
    """The conversation log as the server uses it: a write that fails (disk full, a
    read-only folder, a file that cannot be recreated) is logged and reported by
    ``record`` returning ``None`` — the answer already computed still goes out. Opening
    is retried on every write, so the log comes back when the disk does."""

    def __init__(self, path: Path) -> None:
        self._last_failure: str | None = None
        try:
            super().__init__(path)
        except (OSError, sqlite3.Error) as exc:  # a full or read-only disk at start-up
            self._failed("open", exc)

    def _failed(self, what: str, exc: BaseException) -> None:
        # The path and the exception stay in the server's own log, never in an answer.
        logger.error("会话日志%s失败（%s）：%s: %s", what, self.path, type(exc).__name__, exc)
        self._last_failure = what

    def record(  # type: ignore[override]
        self,
        answer: Answer,
        history: Sequence[str] = (),
        channel: str = "cli",
        *,
        feedback_token: str | None = None,
    ) -> int | None:
        try:
            exchange_id = super().record(answer, history, channel, feedback_token=feedback_token)
        except (OSError, sqlite3.Error) as exc:
            self._failed("写入", exc)
            return None
        self._last_failure = None
        return exchange_id

    def status(self) -> dict[str, Any]:
        """Whether answers are being logged, and why not; no paths, no exception text."""
        disk = disk_state(self.path.parent)
        if self._last_failure is not None:
            try:  # has it come back? (a real write: the schema check commits)
                self.migrate()
                self._last_failure = None
            except (OSError, sqlite3.Error):
                pass
        problem = "write_failed" if self._last_failure is not None else None
        if disk["state"] in ("full", "read_only", "missing"):
            problem = "disk_" + disk["state"]
        elif self.path.exists() and not os.access(self.path, os.W_OK):
            problem = "file_read_only"
        return {"writable": problem is None, "problem": problem, "disk": disk}


def _default_factory(settings: Settings) -> Assistant:
    from concurrent.futures import ThreadPoolExecutor

    from knowledge.embedding import load_embedder

    # The model first: onnxruntime (or torch) builds it in C++ with the GIL released, while
    # this thread imports the assistant (chromadb, langchain, … ~3 s of Python).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-loader") as pool:
        model = pool.submit(load_embedder, settings)
        from assistant.chain import Assistant

        return Assistant.from_settings(settings, embedder=model)


def worker_count() -> int:
    """Threads for blocking work: twice the cores (inference releases the GIL), at least 4."""
    return max(4, 2 * (os.cpu_count() or 2))


class Service:
    """Holds the Assistant once loaded; every handler asks it for the Assistant."""

    def __init__(
        self,
        settings: Settings,
        factory: Callable[[Settings], Any] | None = None,
    ) -> None:
        self.settings = settings
        self._factory = factory or _default_factory
        self._assistant: Any = None
        self._error: str | None = None
        self._ready = threading.Event()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None
        self.load_seconds: float | None = None
        self.log = ServerLog(settings.log_path)
        self.page: Any = None  # the web page's PageSlot (ui.server); its state goes in health
        self.pool: Any = None  # answer processes (ui.ask_pool) when settings.workers > 1

    def _page_state(self) -> str:
        return "none" if self.page is None else str(self.page.state)

    # -- loading ---------------------------------------------------------------------------

    def start_loading(self) -> None:
        """Start loading in a daemon thread so the port opens at once; idempotent."""
        with self._started:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._load, name="assistant-loader", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        start = time.perf_counter()
        try:
            self._assistant = self._factory(self.settings)
            self.load_seconds = time.perf_counter() - start
            logger.info("assistant ready in %.1f s", self.load_seconds)
        except Exception as exc:  # reported by /healthz; the server stays up to say so
            logger.exception("loading the assistant failed")
            self._error = f"{type(exc).__name__}: {exc}"  # for the operator; never sent
        finally:
            self._ready.set()
        warm_up = getattr(self._assistant, "warm_up", None)
        if callable(warm_up):  # after ready: what the first question would load
            try:
                warm_up()
            except Exception:  # the question that needs it will say what is wrong
                logger.exception("warming up the assistant failed")
        if self._assistant is not None and self.settings.workers > 1:
            self.start_pool()

    def start_pool(self) -> None:
        """The answer processes (after ready: the index they open is built by then)."""
        from ui.ask_pool import AskPool

        with self._started:
            if self.pool is None:
                self.pool = AskPool(self.settings, self.settings.workers)

    def stop_pool(self) -> None:
        with self._started:
            pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._assistant is not None

    @property
    def error(self) -> str | None:
        return self._error

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loading finished (ok or not); True when the Assistant is usable."""
        self._ready.wait(timeout)
        return self.ready

    @property
    def assistant(self) -> Assistant:
        if self._assistant is None:
            raise NotReadyError(FAILED_MESSAGE if self._error else LOADING_MESSAGE)
        return self._assistant

    # -- plain data for the API and the page ---------------------------------------------------

    def health(self) -> dict[str, Any]:
        """What /healthz says: ``ok``; ``degraded`` when answers are given but cannot be
        logged; ``loading``; ``error``. Never a path or an exception's text."""
        log = self.log.status()
        if self._error:
            page = self._page_state()
            return {"status": "error", "error": FAILED_MESSAGE, "log": log, "page": page}
        if not self.ready:
            return {"status": "loading", "log": log, "page": self._page_state()}
        kb = self.assistant.knowledge
        model = self.settings.embedding_model or str(self.settings.default_model_dir)
        if os.path.isabs(model):
            model = Path(model).name
        return {
            "status": "ok" if log["writable"] else "degraded",
            "clauses": len(kb.clauses()),
            "policies": [p.slug for p in kb.policies()],
            "rules": len(self.assistant.rules()),
            "model": model,
            "load_seconds": round(self.load_seconds or 0.0, 2),
            "log": log,
            "page": self._page_state(),  # the web page: loading (built after the API), ready
            **({"workers": self.pool.status()} if self.pool is not None else {}),
        }

    @staticmethod
    def new_feedback_token() -> str:
        return secrets.token_urlsafe(18)

    def clause_dict(self, clause: Any) -> dict[str, Any]:
        kb = self.assistant.knowledge
        return {
            "id": kb.qualified_id(clause),
            "policy": clause.slug,
            "kind": clause.kind,
            "title": clause.title,
            "path": list(clause.path),
            "text": clause.text,
            "departments": list(clause.departments),
            "order": clause.order,
        }

    def find_clause(self, ref: str) -> Any | None:
        ref = (ref or "").strip()
        if not ref or len(ref) > 200:
            return None
        try:
            return self.assistant.knowledge.clause(ref)
        except (KeyError, ValueError):
            return None

    def rules(self) -> list[dict[str, Any]]:
        return [normalize_rule(r) for r in self.assistant.rules()]

    def rule(self, rule_id: str) -> dict[str, Any] | None:
        for r in self.rules():
            if r["id"] == rule_id:
                return r
        return None


def normalize_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """The rule dict as Assistant.rules() gives it, with ``id``/``clause``/``inputs`` present."""
    out = dict(rule)
    out["id"] = str(rule.get("id") or rule.get("rule") or rule.get("clause") or "")
    out.setdefault("clause", out["id"].split("-", 1)[0])
    out.setdefault("title", "")
    inputs = []
    for spec in rule.get("inputs") or []:
        if isinstance(spec, str):
            spec = {"name": spec}
        item = dict(spec)
        item.setdefault("label", item.get("name", ""))
        item.setdefault("unit", "")
        item.setdefault("type", "number")
        inputs.append(item)
    out["inputs"] = inputs
    return out
