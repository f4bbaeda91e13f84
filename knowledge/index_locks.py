"""The index folder's locks: one writer at a time; a build held open is never removed."""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger("knowledge.index")

LOCK_TIMEOUT_S = 900.0


class IndexError_(RuntimeError):
    """The index cannot be opened or built (message says what to do)."""


@contextmanager
def writer_lock(index_dir: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """One writer per index folder; a second one waits (and says so) instead of corrupting."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "a+")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise IndexError_(
            f"索引目录不可写（只读或磁盘已满：{exc.strerror}），无法构建索引；"
            "请检查数据目录 ASSISTANT_DATA_DIR"
        ) from exc
    with handle:
        deadline = time.monotonic() + timeout_s
        announced = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not announced:
                    log.warning("另一个进程正在构建索引，等待其完成… (%s)", index_dir)
                    announced = True
                if time.monotonic() > deadline:
                    raise IndexError_(f"等待索引写锁超时：{index_dir}") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def hold_in_use(build_dir: Path) -> Any:
    """A shared lock on the build's manifest, held while the index is open."""
    handle = open(build_dir / "manifest.json", "rb")  # noqa: SIM115 - held for the lifetime
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def in_use(build_dir: Path) -> bool:
    """Whether any process (this one included) holds a build open."""
    try:
        with open(build_dir / "manifest.json", "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False
    except OSError:
        return False
