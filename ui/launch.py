"""Start and stop ``python -m ui`` as a subprocess on loopback — for tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from knowledge.loopback import free_port
from knowledge.settings import PROJECT_ROOT, Settings

__all__ = ["free_port", "offline_env", "spawn", "stop"]


def offline_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a server over ``data_dir`` that reuses the built model and calls
    nobody outside the machine."""
    default = Settings()
    env = dict(os.environ)
    env.update(
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_EMBEDDING_MODEL=default.embedding_model or str(default.default_model_dir),
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def spawn(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """``python -m ui`` on 127.0.0.1:port, its output into ``log_path`` (not waited for)."""
    with log_path.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ui", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
