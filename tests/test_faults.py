"""Faults, each as an automated test against the real pieces.

- The SQLite log is busy (another process holds a write transaction longer than the busy
  timeout) → writers retry and nothing is lost. tests/test_log.py covers writers racing
  each other; this holds the lock on purpose so the retry path itself runs.
- The server starts with its index folder deleted → it rebuilds, says so in its log, and
  /healthz answers ok.
- A second ``python -m ui`` shares the same data folder and index → it starts without
  rebuilding and answers exactly as the first.
- ``log.sqlite3`` is deleted while the server runs → the next answers are logged in a new
  file, no acknowledged record is lost, and ids are never reused, not even after a restart.
- The disk fills up (a real tmpfs) → answers still come (``recorded: false``), /healthz says
  ``degraded`` with the disk ``full``; once there is room again answers are logged. A server
  started on a full disk starts.
- The data folder is read-only (a real read-only bind mount) → the valid index is used, the
  log is reported unwritable, answers come.

Deleted/corrupted index at the library level, a build killed half-way and a second index
writer are in tests/test_index.py; a missing model folder in tests/test_embedding.py.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.answer import Answer
from assistant.log import ConversationLog
from knowledge.settings import Settings
from tests.conftest import SERVER_START_TIMEOUT_S, LiveServer, server_env
from tests.mounts import filled, read_only_bind, tmpfs
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


def start_server(
    data_dir: Path, name: str, env: dict[str, str] | None = None, log_dir: Path | None = None
) -> LiveServer:
    """``python -m ui`` on a free loopback port over ``data_dir`` (not waited for)."""
    port = free_port()
    log_file = (log_dir or data_dir.parent) / f"{name}.log"
    process = spawn(port, {**server_env(data_dir), **(env or {})}, log_file)
    return LiveServer(f"http://127.0.0.1:{port}", port, data_dir, log_file, process)


def wait_ok(server: LiveServer, accept: tuple[str, ...] = ("ok",)) -> dict:
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
            if r.status_code == 200 and body["status"] in accept:
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


# -- the conversation log vanishes, the disk fills, the folder is read-only ----------------------


def data_copy(target: Path) -> Path:
    """A data folder holding a copy of the built index (the model is found by its path)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(Settings().index_dir, target / "index")
    return target


def ready_index(data_dir: Path) -> None:
    """Make the index in ``data_dir`` current for the server's environment (the copy may
    have been built for another model path)."""
    done = subprocess.run(
        [sys.executable, "-m", "knowledge", "rebuild", "--if-stale"],
        env=server_env(data_dir),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def ask(client: httpx.Client, question: str = QUESTIONS[0], **extra: object) -> dict:
    r = client.post("/api/ask", json={"question": question, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def logged_ids(data_dir: Path) -> list[int]:
    conn = sqlite3.connect(Settings(data_dir=data_dir).log_path)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM exchanges ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.slow
def test_log_deleted_while_serving_loses_nothing_and_reuses_no_id(tmp_path: Path) -> None:
    data_dir = data_copy(tmp_path / "data")
    server = start_server(data_dir, "vanish")
    try:
        wait_ok(server)
        with server.client() as client:
            before = [ask(client)["exchange_id"] for _ in range(3)]
            for suffix in ("", "-wal", "-shm"):  # the fault: rm log.sqlite3*
                Path(f"{server.log_path}{suffix}").unlink(missing_ok=True)
            # Several at once, on several worker threads.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(6) as pool:
                after = list(pool.map(lambda q: ask(client, q), QUESTIONS * 4))
            assert all(a["recorded"] and a["exchange_id"] for a in after)
            after_ids = [a["exchange_id"] for a in after]
            assert min(after_ids) > max(before) and len(set(after_ids)) == len(after_ids)
            # Every acknowledged record is in the file now at the path.
            assert logged_ids(data_dir) == sorted(after_ids)
            # The token still works on the new file.
            vote = client.post(
                "/api/feedback",
                json={
                    "exchange_id": after[0]["exchange_id"],
                    "vote": "up",
                    "token": after[0]["feedback_token"],
                },
            )
            assert vote.status_code == 200, vote.text
            assert client.get("/healthz").json()["status"] == "ok"
    finally:
        stop(server)
    # After a restart ids continue past every id handed out before.
    again = start_server(data_dir, "vanish-restart")
    try:
        wait_ok(again)
        with again.client() as client:
            assert ask(client)["exchange_id"] > max(after_ids)
    finally:
        stop(again)


@pytest.mark.slow
def test_full_disk_answers_unrecorded_and_healthz_says_so(tmp_path: Path) -> None:
    mount = tmp_path / "disk"
    with tmpfs(mount, size_mb=12) as ok:
        if not ok:
            pytest.skip("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)")
        data_dir = data_copy(mount / "data")
        server = start_server(data_dir, "full", log_dir=tmp_path)
        try:
            assert wait_ok(server)["log"]["writable"] is True
            with server.client() as client:
                first = ask(client)
                assert first["recorded"] is True
                with filled(mount):
                    full = [ask(client, q, history=["前一个问题" * 50]) for q in QUESTIONS]
                    # The answers are computed and sent; none claims to be logged.
                    assert all(a["answer"] and a["recorded"] is False for a in full)
                    assert all(
                        a["exchange_id"] is None and a["feedback_token"] is None for a in full
                    )
                    assert full[0]["award"]["amount_yuan"] == 3_200_000
                    health = client.get("/healthz")
                    assert health.status_code == 200
                    body = health.json()
                    assert body["status"] == "degraded"
                    assert body["log"]["writable"] is False
                    assert body["log"]["disk"]["state"] == "full"
                # Room again: logged again, and /healthz says ok.
                back = ask(client)
                assert back["recorded"] is True and back["exchange_id"] > first["exchange_id"]
                assert client.get("/healthz").json()["status"] == "ok"
        finally:
            stop(server)

        # A server started on a full disk starts, answers and says it cannot log.
        with filled(mount):
            late = start_server(data_dir, "full-start", log_dir=tmp_path)
            try:
                body = wait_ok(late, accept=("ok", "degraded"))
                assert body["status"] == "degraded" and body["log"]["disk"]["state"] == "full"
                with late.client() as client:
                    assert ask(client)["recorded"] is False
            finally:
                stop(late)


@pytest.mark.slow
def test_read_only_data_folder_uses_the_index_and_reports_the_log(tmp_path: Path) -> None:
    data_dir = data_copy(tmp_path / "data")
    ready_index(data_dir)
    ConversationLog(Settings(data_dir=data_dir).log_path).close()  # an existing log, too
    view = tmp_path / "ro"
    with read_only_bind(data_dir, view) as ok:
        if not ok:
            pytest.skip("cannot make a read-only bind mount here (needs root / CAP_SYS_ADMIN)")
        server = start_server(view, "readonly", log_dir=tmp_path)
        try:
            body = wait_ok(server, accept=("ok", "degraded"))
            assert body["status"] == "degraded", body
            assert body["log"] == {
                "writable": False,
                "problem": "disk_read_only",
                "disk": {"state": "read_only", "free_mb": body["log"]["disk"]["free_mb"]},
            }
            log = server.server_output()
            assert "索引已损坏" not in log and "将重建索引" not in log, log
            with server.client() as client:
                answer = ask(client)
                assert answer["award"]["amount_yuan"] == 3_200_000
                assert answer["recorded"] is False
        finally:
            stop(server)
