"""What the API and the web page share: the Assistant (loaded once, in the background),
the conversation log, and helpers that turn clauses and rules into plain data."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.log import ConversationLog
from knowledge.settings import Settings

if TYPE_CHECKING:  # the real import happens in the loader thread (it pulls in torch)
    from assistant.chain import Assistant

logger = logging.getLogger("ui")

LOADING_MESSAGE = "系统正在加载政策知识库和模型，请稍候几秒再试。"
FAILED_MESSAGE = "系统加载失败，暂时无法回答，请联系管理员。"


class NotReadyError(RuntimeError):
    """The Assistant is still loading (or failed to load)."""


def _default_factory(settings: Settings) -> Assistant:
    from assistant.chain import Assistant

    return Assistant.from_settings(settings)


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
        self.log = ConversationLog(settings.log_path)

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
            self._error = f"{type(exc).__name__}: {exc}"
        finally:
            self._ready.set()

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
        if self._error:
            return {"status": "error", "error": self._error}
        if not self.ready:
            return {"status": "loading"}
        kb = self.assistant.knowledge
        model = self.settings.embedding_model or str(self.settings.default_model_dir)
        return {
            "status": "ok",
            "clauses": len(kb.clauses()),
            "policies": [p.slug for p in kb.policies()],
            "rules": len(self.assistant.rules()),
            "model": model,
            "load_seconds": round(self.load_seconds or 0.0, 2),
        }

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
