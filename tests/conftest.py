"""Shared fixtures: the real server (``python -m ui``) on loopback, and Debian's Chromium.

``live_server`` starts one ``python -m ui --port <free port>`` subprocess per test session,
with its own data folder (so its log and index never touch the developer's), reusing the
embedding model from the default data folder instead of rebuilding it. The index is copied
from the default data folder when one is there (otherwise the server builds it: seconds).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from knowledge.settings import Settings
from ui.launch import free_port, offline_env, spawn, stop

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-background-networking",  # no calls home
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 240.0


@dataclass
class LiveServer:
    url: str
    port: int
    data_dir: Path
    log_file: Path
    process: subprocess.Popen[bytes]
    # What the server answered while it was still loading (healthz and /api/ask).
    while_loading: list[tuple[str, int, Any]] = field(default_factory=list)

    @property
    def log_path(self) -> Path:
        """The SQLite conversation log of this server."""
        return Settings(data_dir=self.data_dir).log_path

    def client(self, timeout: float = 60.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout, trust_env=False)

    def server_output(self) -> str:
        try:
            return self.log_file.read_text("utf-8", errors="replace")[-4000:]
        except OSError:
            return ""


def server_env(data_dir: Path) -> dict[str, str]:
    return offline_env(data_dir)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The server under test; with TEST_CHROMA_SERVER=1 (make test runs the API suite so a
    second time) its index lives in a real Chroma server started here."""
    default = Settings()
    if not (default.default_model_dir / "config.json").is_file():
        pytest.fail(f"embedding model missing at {default.default_model_dir}: run `make setup`")
    data_dir = tmp_path_factory.mktemp("server-data")
    if default.index_dir.is_dir():  # reuse the built index: saves the re-embedding
        shutil.copytree(default.index_dir, data_dir / "index")
    env = server_env(data_dir)
    stack = contextlib.ExitStack()
    chroma = None
    if os.environ.get("TEST_CHROMA_SERVER") == "1":
        from knowledge.chroma_server import chroma_server

        chroma = stack.enter_context(chroma_server(tmp_path_factory.mktemp("chroma")))
        env.update(ASSISTANT_CHROMA_HOST=chroma.host, ASSISTANT_CHROMA_PORT=str(chroma.port))
    port = free_port()
    log_file = data_dir / "server.log"
    process = spawn(port, env, log_file)
    server = LiveServer(f"http://127.0.0.1:{port}", port, data_dir, log_file, process)
    try:
        _wait_ready(server)
        if chroma is not None:  # the clauses really are in the Chroma server
            import chromadb

            client = chromadb.HttpClient(host=chroma.host, port=chroma.port)
            assert any(c.name.startswith("clauses-") for c in client.list_collections())
        yield server
    finally:
        stop(process)
        stack.close()  # the Chroma server last: the app may still be talking to it


def _wait_ready(server: LiveServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    with server.client(timeout=10) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                pytest.fail(f"python -m ui exited early:\n{server.server_output()}")
            try:
                r = client.get("/healthz")
            except httpx.TransportError:
                time.sleep(0.25)
                continue
            # The page is built after the API answers: the browser tests need both.
            if r.status_code == 200 and r.json().get("status") == "ok":
                if r.json().get("page") == "ready":
                    return
                if r.json().get("page") == "error":
                    pytest.fail(f"the web page failed to build:\n{server.server_output()}")
                time.sleep(0.25)
                continue
            server.while_loading.append(("healthz", r.status_code, _json(r)))
            if len(server.while_loading) == 1:  # once: what /api/ask says meanwhile
                a = client.post("/api/ask", json={"question": "流片补贴多少？"})
                server.while_loading.append(("ask", a.status_code, _json(a)))
            if r.json().get("status") == "error":
                pytest.fail(f"server failed to load: {r.text}\n{server.server_output()}")
            time.sleep(0.5)
    pytest.fail(f"server not ready in {SERVER_START_TIMEOUT_S} s:\n{server.server_output()}")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (Playwright cannot download browsers here)."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


# -- two policies: the built-in one and the example fixture (never loaded by default) --------

EXAMPLE_POLICY_DIR = Path(__file__).resolve().parent / "fixtures/policies/example-hx-ic-2024"
# A day inside both policies' validity periods (the example runs 2024-03-15 – 2026-03-14).
TWO_POLICIES_TODAY = "2025-01-01"


@dataclass
class TwoPolicies:
    """A data folder holding the example policy added by ``python -m knowledge add <folder>``
    (which checked it and built the index of both policies), and settings that use it."""

    data_dir: Path
    settings: Settings
    add_output: str


@pytest.fixture(scope="session")
def two_policies(tmp_path_factory: pytest.TempPathFactory) -> TwoPolicies:
    default = Settings()
    if not (default.default_model_dir / "config.json").is_file():
        pytest.fail(f"embedding model missing at {default.default_model_dir}: run `make setup`")
    data_dir = tmp_path_factory.mktemp("two-policies")
    env = offline_env(data_dir, ASSISTANT_TODAY=TWO_POLICIES_TODAY)
    added = subprocess.run(
        [sys.executable, "-m", "knowledge", "add", str(EXAMPLE_POLICY_DIR)],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if added.returncode != 0:
        pytest.fail(f"knowledge add failed ({added.returncode}):\n{added.stdout}\n{added.stderr}")
    settings = Settings(
        data_dir=data_dir,
        embedding_model=env["ASSISTANT_EMBEDDING_MODEL"],
        today=TWO_POLICIES_TODAY,
    )
    return TwoPolicies(data_dir, settings, added.stdout + added.stderr)


@pytest.fixture(scope="session")
def two_policy_assistant(two_policies: TwoPolicies) -> Any:
    from assistant.chain import Assistant

    return Assistant.from_settings(two_policies.settings, progress=False)


@pytest.fixture(scope="session")
def two_policy_server(
    two_policies: TwoPolicies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """``python -m ui`` over a copy of the two-policy data folder (its own Chroma files)."""
    data_dir = tmp_path_factory.mktemp("two-policy-server")
    for name in ("index", "policies"):
        shutil.copytree(two_policies.data_dir / name, data_dir / name)
    env = offline_env(data_dir, ASSISTANT_TODAY=TWO_POLICIES_TODAY)
    port = free_port()
    log_file = data_dir / "server.log"
    process = spawn(port, env, log_file)
    server = LiveServer(f"http://127.0.0.1:{port}", port, data_dir, log_file, process)
    try:
        _wait_ready(server)
        yield server
    finally:
        stop(process)


def assistant_in(tmp_path_factory: pytest.TempPathFactory, name: str) -> Any:
    """The default policy's assistant on its own index in a fresh data folder, with the date
    fixed (2026-11-28) so that validity answers do not move with the calendar."""
    from datetime import date

    from assistant.chain import Assistant

    settings = Settings(
        data_dir=tmp_path_factory.mktemp(name),
        embedding_model=str(Settings().default_model_dir),
        today=date(2026, 11, 28),
    )
    return Assistant.from_settings(settings, progress=False)
