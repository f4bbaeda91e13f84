"""Real file-system faults for the fault tests: a small tmpfs, filling it, and a
read-only bind mount. Each yields False (and does nothing) where mounting is not allowed."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


def _mount(*args: str) -> bool:
    done = subprocess.run(["mount", *args], capture_output=True, check=False)
    return done.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@contextlib.contextmanager
def tmpfs(target: Path, size_mb: int) -> Iterator[bool]:
    """A tmpfs of ``size_mb`` at ``target`` for the duration."""
    target.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not _mount(
        "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(target)
    ):
        yield False
        return
    try:
        yield True
    finally:
        _umount(target)


@contextlib.contextmanager
def filled(mount: Path) -> Iterator[Path]:
    """Fill the file system of ``mount`` to the last byte; free it again afterwards."""
    filler = mount / ".filler"
    block = b"\0" * (1 << 16)
    with open(filler, "wb", buffering=0) as out:
        for size in (1 << 16, 4096, 512, 1):
            try:
                while True:
                    out.write(block[:size])
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    try:
        yield filler
    finally:
        filler.unlink(missing_ok=True)


@contextlib.contextmanager
def read_only_bind(source: Path, target: Path) -> Iterator[bool]:
    """``source`` seen read-only at ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not _mount("--bind", str(source), str(target)):
        yield False
        return
    try:
        if not _mount("-o", "remount,bind,ro", str(target)):
            yield False
            return
        yield True
    finally:
        _umount(target)
