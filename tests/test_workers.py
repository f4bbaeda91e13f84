"""ASSISTANT_WORKERS: answers computed in worker processes (ui.ask_pool), against the real
assistant and the real server on loopback; and the SQLite log written by two server
processes at once."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import httpx
import pytest

from assistant.errors import QuestionError
from knowledge.settings import Settings
from tests.conftest import LiveServer, _wait_ready
from ui.ask_pool import AskPool, _ready
from ui.launch import free_port, offline_env, spawn, stop

pytestmark = pytest.mark.slow

QUESTIONS = [
    "我们自主设计的芯片首轮流片花了1200万，能补多少？",
    "首轮流片补贴的上限是多少？",
    "揭榜挂帅项目怎么支持？",
    "今天天气怎么样？",
    "上海的集成电路政策有哪些？",
    "软件企业首次进入百强有奖励吗？",
]


def _settings(data_dir: Path) -> Settings:
    default = Settings()
    return Settings(
        data_dir=data_dir, embedding_model=default.embedding_model or str(default.default_model_dir)
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("workers-data")
    if Settings().index_dir.is_dir():
        shutil.copytree(Settings().index_dir, folder / "index")
    return folder


@pytest.fixture(scope="module")
def in_process(data_dir: Path):  # type: ignore[no-untyped-def]
    from assistant.chain import Assistant

    return Assistant.from_settings(_settings(data_dir), progress=False)


def test_pool_answers_as_the_server_process_does(data_dir: Path, in_process) -> None:  # type: ignore[no-untyped-def]
    pool = AskPool(_settings(data_dir), 1)
    try:
        assert pool.wait(240), "the answer process did not load"
        for question in QUESTIONS:
            mine = in_process.ask(question)
            theirs = pool.submit(question, []).result(60)
            assert theirs.answer == mine.answer
            assert theirs.citations == mine.citations
            assert theirs.award == mine.award
            assert theirs.refused == mine.refused
        history = ["首轮流片有补贴吗？"]
        assert pool.submit("花了800万呢", history).result(60).answer == (
            in_process.ask("花了800万呢", history).answer
        )
        with pytest.raises(QuestionError):  # the assistant's own refusal crosses processes
            pool.submit("", []).result(60)
        # A worker that dies breaks the pool: it says so and is no longer used.
        pid = pool._pool.submit(_ready).result(60)
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            pool.submit(QUESTIONS[0], []).result(60)
        pool.broke(BrokenProcessPool("test"))
        assert not pool.ready
        assert pool.status()["ready"] is False
    finally:
        pool.shutdown()


def _server(data_dir: Path, name: str, **env: str) -> LiveServer:
    port = free_port()
    log_file = data_dir / f"{name}.log"
    process = spawn(port, offline_env(data_dir, **env), log_file)
    return LiveServer(f"http://127.0.0.1:{port}", port, data_dir, log_file, process)


@pytest.fixture(scope="module")
def servers(data_dir: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers on one data folder (one log file): one with two answer processes, one
    without. Started one after the other, so only the first may rebuild the index."""
    pooled = _server(data_dir, "pooled", ASSISTANT_WORKERS="2")
    plain: LiveServer | None = None
    try:
        _wait_ready(pooled)
        plain = _server(data_dir, "plain")
        _wait_ready(plain)
        with pooled.client() as c:
            for _ in range(960):  # up to 4 minutes
                if (c.get("/healthz").json().get("workers") or {}).get("ready"):
                    break
                time.sleep(0.25)
            else:
                pytest.fail(f"answer processes not ready:\n{pooled.server_output()}")
        yield pooled, plain
    finally:
        if plain is not None:
            stop(plain.process)
        stop(pooled.process)


def test_pooled_server_answers_in_its_worker_processes(
    servers: tuple[LiveServer, LiveServer],
    in_process,  # type: ignore[no-untyped-def]
) -> None:
    pooled, _ = servers
    with pooled.client() as c:
        before = c.get("/healthz").json()["workers"]
        assert before == {"processes": 2, "ready": True, "answered": before["answered"]}
        for question in QUESTIONS:
            r = c.post("/api/ask", json={"question": question})
            assert r.status_code == 200, r.text
            assert r.json()["answer"] == in_process.ask(question).answer
        r = c.post("/api/ask", json={"question": "   "})
        assert r.status_code == 400 and r.json()["error"]
        after = c.get("/healthz").json()["workers"]
    assert after["answered"] - before["answered"] == len(QUESTIONS)


def test_two_server_processes_write_one_log_concurrently(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    """Both servers (and the pooled one's answer processes) busy at once: every answer is
    logged once, under its own id, and its feedback token works on either server."""
    pooled, plain = servers
    jobs = [(server, f"{q}（{n}）") for n in range(12) for server in servers for q in QUESTIONS]

    def ask(job: tuple[LiveServer, str]) -> tuple[LiveServer, dict]:
        server, question = job
        with httpx.Client(base_url=server.url, timeout=120, trust_env=False) as c:
            r = c.post("/api/ask", json={"question": question})
            assert r.status_code == 200, r.text
            return server, r.json()

    with ThreadPoolExecutor(max_workers=16) as threads:
        results = list(threads.map(ask, jobs))
    ids = [body["exchange_id"] for _, body in results]
    assert all(body["recorded"] for _, body in results)
    assert len(set(ids)) == len(ids) == len(jobs)
    conn = sqlite3.connect(pooled.log_path)
    try:
        rows = dict(conn.execute("SELECT id, question FROM exchanges"))
    finally:
        conn.close()
    for (_, body), (_, question) in zip(results, jobs, strict=True):
        assert rows[body["exchange_id"]] == question
    # Feedback through the other server than the one that answered: one log, one truth.
    for server, body in results[:: len(QUESTIONS)]:
        other = plain if server is pooled else pooled
        with other.client() as c:
            r = c.post(
                "/api/feedback",
                json={
                    "exchange_id": body["exchange_id"],
                    "vote": "up",
                    "token": body["feedback_token"],
                },
            )
            assert r.status_code == 200, r.text
