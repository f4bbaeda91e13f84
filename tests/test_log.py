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
    HISTORY_LOG_CHARS,
    HISTORY_LOG_ITEMS,
    ConversationLog,
    UnknownExchangeError,
)
from assistant.log_cli import logs_command
from assistant.log_schema import _MIGRATIONS, MIGRATION_NAMES, SCHEMA_VERSION
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


def _old_file(path: Path, version: int) -> None:
    """A file as the numbered migrations of an earlier release wrote it, holding one row."""
    conn = sqlite3.connect(path)
    for _, statements in _MIGRATIONS[:version]:
        for statement in statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO exchanges (created_at, channel, question, answer)"
        " VALUES ('t', 'cli', '旧问题', '旧回答')"
    )
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", [1, 3])
def test_migrations_idempotent_and_upgrade_old_file(tmp_path: Path, version: int) -> None:
    path = tmp_path / "log.sqlite3"
    _old_file(path, version)

    log = ConversationLog(path)
    assert log.schema_version() == SCHEMA_VERSION
    assert log.applied_migrations() == list(MIGRATION_NAMES)
    assert log.migrate() == SCHEMA_VERSION  # again: nothing to do, nothing breaks
    ConversationLog(path)
    assert log.applied_migrations() == list(MIGRATION_NAMES)
    rows = log.rows()
    assert [r["question"] for r in rows] == ["旧问题"]
    old_id = rows[0]["id"]
    log.feedback(old_id, "up", "好", correct_answer="应为320万元")  # columns of later migrations
    row = log.rows(feedback="up")[0]
    assert row["id"] == old_id and row["correct_answer"] == "应为320万元"


def test_migrations_are_identified_by_name_not_position(tmp_path: Path) -> None:
    """A file that has a later migration applied but lacks an earlier one gets that one."""
    path = tmp_path / "log.sqlite3"
    ConversationLog(path)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM _migrations WHERE name = 'answer-json-and-award-columns'")
    conn.execute("ALTER TABLE exchanges DROP COLUMN answer_json")
    conn.execute("ALTER TABLE exchanges DROP COLUMN award_rule")
    conn.execute("ALTER TABLE exchanges DROP COLUMN amount_yuan")
    conn.commit()
    conn.close()
    log = ConversationLog(path)
    assert sorted(log.applied_migrations()) == sorted(MIGRATION_NAMES)
    assert log.record(make_answer(), [], "cli") == 1  # every column is back


def test_feedback_needs_the_token_returned_with_the_answer(tmp_path: Path) -> None:
    log = ConversationLog(tmp_path / "log.sqlite3")
    a = log.record(make_answer(), [], "api", feedback_token="secret-a")
    b = log.record(make_answer("网页上的问题"), [], "web")  # no token: held server-side
    log.feedback(a, "down", "金额不对", correct_answer="应为300万元", token="secret-a")
    with pytest.raises(UnknownExchangeError):
        log.feedback(a, "up", token="wrong")
    with pytest.raises(UnknownExchangeError):
        log.feedback(b, "up", token="secret-a")  # someone else's token
    with pytest.raises(UnknownExchangeError):
        log.feedback(99999, "up", token="secret-a")
    log.feedback(b, "up")  # the web page's own session
    [row] = log.rows(feedback="down")
    assert (row["id"], row["comment"], row["correct_answer"]) == (a, "金额不对", "应为300万元")
    assert "feedback_token_sha256" not in row
    conn = sqlite3.connect(log.path)
    stored = conn.execute("SELECT feedback_token_sha256 FROM exchanges WHERE id = ?", (a,))
    assert "secret-a" not in str(stored.fetchone())  # only the digest is kept
    conn.close()


def test_history_is_bounded_and_unencodable_text_cleaned(tmp_path: Path) -> None:
    log = ConversationLog(tmp_path / "log.sqlite3")
    history = [f"第{i}问" + "长" * 1000 for i in range(50)] + ["孤\ud800立"]
    eid = log.record(Answer(question="问\udfff题", answer="答"), history, "api")
    [row] = log.rows()
    assert row["id"] == eid
    assert len(row["history"]) == HISTORY_LOG_ITEMS
    assert all(len(h) <= HISTORY_LOG_CHARS + 1 for h in row["history"])
    assert row["history"][-1] == "孤\ufffd立" and row["question"] == "问\ufffd题"
    log.feedback(eid, "down", "评\ud800论")


def test_deleted_file_is_reopened_and_ids_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log = ConversationLog(path)
    first = [log.record(make_answer(f"删除前{i}"), [], "api") for i in range(3)]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)  # the fault: rm log.sqlite3*
    after = log.record(make_answer("删除后"), [], "api")
    assert after > max(first)  # never an id handed out before
    assert log.reopened == 1
    # The acknowledged row is in the file that now sits at the path, seen by a new reader.
    assert [r["question"] for r in ConversationLog(path).rows(limit=None)] == ["删除后"]
    # A restart (a new ConversationLog on the same file) continues after it.
    assert ConversationLog(path).record(make_answer("重启后"), [], "api") > after


def test_replaced_file_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log = ConversationLog(path)
    log.record(make_answer("旧文件"), [], "api")
    other = tmp_path / "other.sqlite3"
    replacement = ConversationLog(other)
    replacement.record(make_answer("换上来的文件"), [], "cli")
    replacement.close()  # checkpointed: a complete file without a WAL of its own
    other.replace(path)  # e.g. a backup restored over the live file
    eid = log.record(make_answer("替换后"), [], "api")
    questions = [r["question"] for r in ConversationLog(path).rows(limit=None)]
    assert questions == ["替换后", "换上来的文件"]
    assert eid > 1


def test_a_row_written_while_the_file_vanishes_is_written_again(tmp_path: Path) -> None:
    """The file is deleted between the connection check and the commit: the row went to the
    dead file, so it is written once more into the new one before its id is returned."""
    path = tmp_path / "log.sqlite3"
    log = ConversationLog(path)
    real_identity = log._file_changed
    calls = {"n": 0}

    def vanish_during_first_write() -> bool:
        calls["n"] += 1
        if calls["n"] == 1:  # the check before BEGIN passes; then the file goes
            changed = real_identity()
            path.unlink()
            return changed
        return real_identity()

    log._file_changed = vanish_during_first_write  # type: ignore[method-assign]
    eid = log.record(make_answer("竞态"), [], "api")
    assert [r["id"] for r in ConversationLog(path).rows(limit=None)] == [eid]


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
