"""What every API route needs: the service, its settings, a bounded worker pool for
blocking work, and the assistant once it is loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio

from knowledge.settings import Settings
from ui.api_errors import Unavailable
from ui.service import NotReadyError, Service, worker_count


@dataclass
class ApiContext:
    service: Service
    limiter: anyio.CapacityLimiter = field(
        default_factory=lambda: anyio.CapacityLimiter(worker_count())
    )

    @property
    def settings(self) -> Settings:
        return self.service.settings

    async def run(self, fn: Any, *args: Any) -> Any:
        """Blocking work (model inference, Chroma, SQLite) in a worker thread."""
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter)

    def need_assistant(self) -> Any:
        try:
            return self.service.assistant
        except NotReadyError as exc:
            raise Unavailable(str(exc)) from exc
