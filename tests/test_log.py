"""The SQLite conversation log: round trip, feedback, export, migrations, concurrent writers."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from assistant.answer import Answer, AwardResult, Citation
from assistant.log import (
    _MIGRATIONS,
    SCHEMA_VERSION,
    ConversationLog,
    UnknownExchangeError,
    logs_command,
)
from knowledge.settings import Settings


def make_answer(
    question: str = "首轮流片花了800万元，能补多少？", amount: int | None = 3200000
) -> Answer:
    return Answer(
        question=question,
        answer="可补助320万元。责任单位：市工信局、市财政局",
        citations=[
            Citation(
                id="四.10",
                policy="zhengzhou-ngit-2022",
                title="支持芯片企业首轮流片",
                text="支持芯片企业首轮流片……",
                departments=["市工信局", "市财政局"],
                score=0.9,
            )
        ],
        award=AwardResult(rule="四.10", amount_yuan=amount, steps=["800万元 × 40% = 320万元"]),
        latency_ms=12.5,
    )


def test_record_and_read_back(tmp_path: Path) -> None:
    log = ConversationLog(tmp_path / "log.sqlite3")
    assert log.journal_mode() == "wal"
    first = log.record(make_answer(), ["上一个问题"], "api")
    second = log.record(Answer(question="天气？", answer="不在政策范围", refused=True), [], "web")
    assert second > first
    rows = log.rows(limit=10)
    assert [r["id"] for r in rows] == [second, first]  # newest first
    row = rows[1]
    assert row["channel"] == "api"
    assert row["history"] == ["上一个问题"]
    assert row["citations"][0]["id"] == "四.10"
    assert row["citations"][0]["departments"] == ["市工信局", "市财政局"]
    assert row["award"]["amount_yuan"] == 3200000
    assert row["amount_yuan"] == 3200000 and row["award_rule"] == "四.10"
    assert row["latency_ms"] == pytest.approx(12.5)
    assert row["vote"] is None
    assert rows[0]["refused"] is True and rows[0]["award"] is None
    assert log.rows(limit=1)[0]["id"] == second


def test_feedback_latest_vote_counts(tmp_path: Path) -> None:
    log = ConversationLog(tmp_path / "log.sqlite3")
    a = log.record(make_answer(), [], "web")
    b = log.record(make_answer("另一个问题"), [], "web")
    log.feedback(a, "down")
    log.feedback(a, "up", "很清楚")
    log.feedback(b, "down", "金额不对")
    ups = log.rows(feedback="up")
    downs = log.rows(feedback="down")
    assert [r["id"] for r in ups] == [a] and ups[0]["comment"] == "很清楚"
    assert [r["id"] for r in downs] == [b]
    with pytest.raises(UnknownExchangeError):
        log.feedback(99999, "up")
    with pytest.raises(ValueError):
        log.feedback(a, "meh")
    with pytest.raises(ValueError):
        log.rows(feedback="sideways")


def test_export_csv_and_jsonl(tmp_path: Path) -> None:
    log = ConversationLog(tmp_path / "log.sqlite3")
    a = log.record(make_answer(), ["早先"], "hotline")
    log.record(make_answer("第二问", amount=None), [], "cli")
    log.feedback(a, "up")

    out = io.StringIO()
    assert log.export("jsonl", out) == 2
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [x["question"] for x in lines] == [
        "首轮流片花了800万元，能补多少？",
        "第二问",
    ]  # oldest first
    assert lines[0]["vote"] == "up" and lines[0]["history"] == ["早先"]

    out = io.StringIO()
    assert log.export("csv", out, feedback="up") == 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1
    assert rows[0]["citations"] == "四.10" and rows[0]["amount_yuan"] == "3200000"
    assert rows[0]["channel"] == "hotline"

    with pytest.raises(ValueError):
        log.export("xml", io.StringIO())


def test_logs_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(data_dir=tmp_path)
    assert logs_command(settings, 10, "table", None, None) == 0
    assert "日志为空" in capsys.readouterr().out

    log = ConversationLog(settings.log_path)
    a = log.record(make_answer(), [], "api")
    log.record(make_answer("没有投票的问题"), [], "api")
    log.feedback(a, "down", "不对")

    assert logs_command(settings, 10, "table", None, None) == 0
    table = capsys.readouterr().out
    assert "没有投票的问题" in table and "四.10" in table and "down" in table

    target = tmp_path / "out" / "down.jsonl"
    assert logs_command(settings, None, "jsonl", "down", str(target)) == 0
    exported = [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in exported] == [a]

    assert logs_command(settings, 10, "csv", None, None) == 0
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 2

    assert logs_command(settings, 10, "xml", None, None) == 2
    assert logs_command(settings, 10, "table", "maybe", None) == 2
    assert logs_command(settings, -1, "table", None, None) == 2


def test_migrations_idempotent_and_upgrade_old_file(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    # A file written by the first schema version, holding one row.
    conn = sqlite3.connect(path)
    for statement in _MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO exchanges (created_at, channel, question, answer)"
        " VALUES ('t', 'cli', '旧问题', '旧回答')"
    )
    conn.commit()
    conn.close()

    log = ConversationLog(path)
    assert log.schema_version() == SCHEMA_VERSION
    assert log.migrate() == SCHEMA_VERSION  # again: nothing to do, nothing breaks
    ConversationLog(path)
    assert log.schema_version() == SCHEMA_VERSION
    rows = log.rows()
    assert [r["question"] for r in rows] == ["旧问题"]
    old_id = rows[0]["id"]
    log.feedback(old_id, "up")  # the feedback table came with migration 2
    assert log.rows(feedback="up")[0]["id"] == old_id


def test_concurrent_threads_lose_nothing(tmp_path: Path) -> None:
    log = ConversationLog(tmp_path / "log.sqlite3")
    n_threads, per_thread = 8, 40
    ids: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    barrier = threading.Barrier(n_threads)

    def writer(t: int) -> None:
        try:
            barrier.wait()
            mine = []
            for i in range(per_thread):
                eid = log.record(make_answer(f"线程{t}问题{i}"), [], "api")
                mine.append(eid)
                if i % 4 == 0:
                    log.feedback(eid, "up" if i % 8 == 0 else "down")
            with lock:
                ids.extend(mine)
        except BaseException as exc:  # report in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert log.count() == n_threads * per_thread
    assert len(set(ids)) == n_threads * per_thread
    questions = {r["question"] for r in log.rows(limit=None)}
    assert len(questions) == n_threads * per_thread
    assert len(log.rows(limit=None, feedback="up")) + len(
        log.rows(limit=None, feedback="down")
    ) == n_threads * (per_thread // 4)


def _process_writer(path: str, worker: int, count: int) -> None:
    log = ConversationLog(path)  # every process also runs the migration check
    for i in range(count):
        log.record(make_answer(f"进程{worker}问题{i}"), [], "cli")


def test_concurrent_processes_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "fresh.sqlite3")  # not created yet: the processes race to migrate it
    ctx = multiprocessing.get_context("fork")
    workers, per_worker = 4, 40
    procs = [
        ctx.Process(target=_process_writer, args=(path, w, per_worker)) for w in range(workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * workers
    log = ConversationLog(path)
    assert log.schema_version() == SCHEMA_VERSION
    assert log.count() == workers * per_worker
    assert len({r["question"] for r in log.rows(limit=None)}) == workers * per_worker
