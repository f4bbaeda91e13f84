"""A real Chroma server (``chroma run``, shipped in the chromadb wheel) for tests and benchmarks.

    with chroma_server(tmp_path / "chroma") as server:
        Settings(chroma_host=server.host, chroma_port=server.port)

Starts ``<venv>/bin/chroma run --host 127.0.0.1 --port <free> --path DIR``, waits for
``GET /api/v2/heartbeat`` and stops it with SIGTERM (SIGKILL if it hangs).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from knowledge.loopback import free_port

START_TIMEOUT_S = 60.0


class ChromaServerError(RuntimeError):
    """The server could not be started (message holds its output)."""


@dataclass(frozen=True)
class ChromaServer:
    host: str
    port: int
    path: Path
    pid: int
    log_file: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def output(self) -> str:
        try:
            return self.log_file.read_text("utf-8", errors="replace")[-3000:]
        except OSError:
            return ""


def chroma_executable() -> Path:
    """The ``chroma`` script next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "chroma"
    if beside.exists():
        return beside
    found = shutil.which("chroma")
    if not found:
        raise ChromaServerError("`chroma` not found: install chromadb into the venv (make setup)")
    return Path(found)


@contextmanager
def chroma_server(
    path: Path, host: str = "127.0.0.1", port: int | None = None
) -> Iterator[ChromaServer]:
    path.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_file = path.parent / f"chroma-{port}.log"
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", NO_PROXY="127.0.0.1,localhost")
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            [
                str(chroma_executable()),
                "run",
                "--host",
                host,
                "--port",
                str(port),
                "--path",
                str(path),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # a Ctrl-C in the test run must not hit it first
        )
    server = ChromaServer(host, port, path, process.pid, log_file)
    try:
        _wait_ready(server, process)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _wait_ready(server: ChromaServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=server.url, timeout=2, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ChromaServerError(f"chroma run exited early:\n{server.output()}")
            try:
                if client.get("/api/v2/heartbeat").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    process.kill()
    raise ChromaServerError(f"chroma run not ready in {START_TIMEOUT_S} s:\n{server.output()}")
