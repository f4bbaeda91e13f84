"""Faults, each as an automated test against the real pieces.

- The SQLite log is busy (another process holds a write transaction longer than the busy
  timeout) → writers retry and nothing is lost. tests/test_log.py covers writers racing
  each other; this holds the lock on purpose so the retry path itself runs.
- The server starts with its index folder deleted → it rebuilds, says so in its log, and
  /healthz answers ok.
- A second ``python -m ui`` shares the same data folder and index → it starts without
  rebuilding and answers exactly as the first.

Deleted/corrupted index at the library level, a build killed half-way and a second index
writer are in tests/test_index.py; a missing model folder in tests/test_embedding.py.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.answer import Answer
from assistant.log import ConversationLog
from knowledge.settings import Settings
from tests.conftest import SERVER_START_TIMEOUT_S, LiveServer, server_env
from ui.launch import free_port, spawn

QUESTIONS = [
    "我们首轮流片花了800万元，能补多少？",
    "软件企业首次进入百强有什么奖励？",
    "今天天气怎么样？",
]


# -- SQLite log busy ------------------------------------------------------------------------------


def _hold_write_lock(path: str, hold_s: float, locked: multiprocessing.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")  # the write lock, held like a slow writer would
    conn.execute(
        "INSERT INTO exchanges (created_at, channel, question, answer) VALUES (?, ?, ?, ?)",
        ("2026-01-01T00:00:00", "cli", "占锁的问题", "占锁的回答"),
    )
    locked.set()
    time.sleep(hold_s)
    conn.execute("COMMIT")
    conn.close()


def _write_rows(path: str, worker: int, count: int, started: multiprocessing.Event) -> None:
    # A busy timeout far shorter than the hold: only the retry loop can get these rows in.
    log = ConversationLog(path, timeout_s=0.05, retries=30)
    started.set()
    for i in range(count):
        log.record(Answer(question=f"进程{worker}问题{i}", answer="回答"), [], "api")


def test_busy_log_retries_and_loses_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "log.sqlite3")
    ConversationLog(path)  # schema in place before the lock is taken
    ctx = multiprocessing.get_context("spawn")
    locked, hold_s = ctx.Event(), 1.5
    holder = ctx.Process(target=_hold_write_lock, args=(path, hold_s, locked))
    holder.start()
    assert locked.wait(30), "the lock holder never took the lock"
    held_at = time.monotonic()

    workers, per_worker = 4, 25
    started = [ctx.Event() for _ in range(workers)]
    writers = [
        ctx.Process(target=_write_rows, args=(path, w, per_worker, started[w]))
        for w in range(workers)
    ]
    for p in writers:
        p.start()
    for p in [holder, *writers]:
        p.join(timeout=120)
    finished_after = time.monotonic() - held_at
    assert [p.exitcode for p in [holder, *writers]] == [0] * (workers + 1)
    assert finished_after >= hold_s  # the writers really had to wait for the holder

    log = ConversationLog(path)
    assert log.count() == workers * per_worker + 1
    questions = {r["question"] for r in log.rows(limit=None)}
    assert questions == {"占锁的问题"} | {
        f"进程{w}问题{i}" for w in range(workers) for i in range(per_worker)
    }


def test_busy_log_gives_up_with_an_error_not_silently(tmp_path: Path) -> None:
    """With no retries left the write raises (the caller sees it) — nothing is dropped quietly."""
    path = str(tmp_path / "log.sqlite3")
    impatient = ConversationLog(path, timeout_s=0.02, retries=1)
    ctx = multiprocessing.get_context("spawn")
    locked = ctx.Event()
    holder = ctx.Process(target=_hold_write_lock, args=(path, 2.0, locked))
    holder.start()
    try:
        assert locked.wait(30)
        with pytest.raises(sqlite3.OperationalError, match=r"locked|busy"):
            impatient.record(Answer(question="等不及", answer="回答"), [], "api")
    finally:
        holder.join(timeout=30)
    assert [r["question"] for r in ConversationLog(path).rows(limit=None)] == ["占锁的问题"]


# -- servers: deleted index, second process ------------------------------------------------


def start_server(data_dir: Path, name: str, env: dict[str, str] | None = None) -> LiveServer:
    """``python -m ui`` on a free loopback port over ``data_dir`` (not waited for)."""
    port = free_port()
    log_file = data_dir.parent / f"{name}.log"
    process = spawn(port, {**server_env(data_dir), **(env or {})}, log_file)
    return LiveServer(f"http://127.0.0.1:{port}", port, data_dir, log_file, process)


def wait_ok(server: LiveServer) -> dict:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    with server.client(timeout=10) as client:
        while time.monotonic() < deadline:
            assert server.process.poll() is None, f"server exited:\n{server.server_output()}"
            try:
                r = client.get("/healthz")
            except httpx.TransportError:
                time.sleep(0.25)
                continue
            body = r.json()
            assert body["status"] != "error", f"{body}\n{server.server_output()}"
            if r.status_code == 200 and body["status"] == "ok":
                return body
            time.sleep(0.5)
    pytest.fail(f"server not ready in {SERVER_START_TIMEOUT_S} s:\n{server.server_output()}")


def stop(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


def answers(server: LiveServer) -> list[dict]:
    out = []
    with server.client() as client:
        for q in QUESTIONS:
            r = client.post("/api/ask", json={"question": q})
            assert r.status_code == 200, r.text
            body = r.json()
            out.append({k: body[k] for k in ("answer", "refused", "citations", "award")})
    return out


@pytest.fixture(scope="module")
def rebuilt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose index folder was deleted while it was stopped."""
    default = Settings()
    data_dir = tmp_path_factory.mktemp("faults") / "data"
    data_dir.mkdir()
    if default.index_dir.is_dir():
        shutil.copytree(default.index_dir, data_dir / "index")
    shutil.rmtree(data_dir / "index", ignore_errors=True)  # the fault
    server = start_server(data_dir, "first")
    try:
        wait_ok(server)
        yield server
    finally:
        stop(server)


@pytest.mark.slow
def test_deleted_index_is_rebuilt_at_start(rebuilt_server: LiveServer) -> None:
    with rebuilt_server.client() as client:
        health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["clauses"] >= 57
    log = rebuilt_server.server_output()
    assert "未找到索引" in log, log  # says what it found
    assert "索引已构建" in log, log  # and that it rebuilt
    current = rebuilt_server.data_dir / "index" / "CURRENT"
    assert current.is_file()
    assert answers(rebuilt_server)[0]["award"]["amount_yuan"] == 3_200_000


@pytest.mark.slow
def test_second_process_shares_data_folder_and_index(rebuilt_server: LiveServer) -> None:
    before = (rebuilt_server.data_dir / "index" / "CURRENT").read_text()
    second = start_server(rebuilt_server.data_dir, "second")
    try:
        health = wait_ok(second)
        assert health["status"] == "ok"
        log = second.server_output()
        assert "索引已构建" not in log and "将构建索引" not in log, log  # reused, not rebuilt
        assert (rebuilt_server.data_dir / "index" / "CURRENT").read_text() == before
        first_answers, second_answers = answers(rebuilt_server), answers(second)
        assert first_answers == second_answers
        # Both processes log into the one SQLite file.
        conn = sqlite3.connect(Settings(data_dir=rebuilt_server.data_dir).log_path)
        try:
            n = conn.execute(
                "SELECT COUNT(*) FROM exchanges WHERE question = ?", (QUESTIONS[0],)
            ).fetchone()[0]
        finally:
            conn.close()
        assert n >= 2
    finally:
        stop(second)
