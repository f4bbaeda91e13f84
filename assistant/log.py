# Long for a reason: one concern, the log store (its locking, reopening and retry go together).
"""The SQLite conversation and feedback log.

Every exchange (question, answer, citations, award, latency, channel) is one row;
feedback (up/down and an optional comment) goes to its own table so a vote can be
changed without touching the exchange. Evaluators export it (CSV/JSONL) to turn
real questions into gold cases.

Concurrency: WAL mode lets readers run beside one writer; every write takes the lock
up front (``BEGIN IMMEDIATE``) with a busy timeout, and a short retry loop covers the
rare "database is locked" that still escapes, so parallel threads and processes lose
nothing. The schema is migrated in code by *named* migrations (``log_schema.py``): a list
of ``(name, statements)`` and the names applied are recorded in ``_migrations``, so a
migration is identified by its name, never by its position (files written before names
existed are read from ``PRAGMA user_version``).

Faults: the file is watched by (device, inode). A log file deleted or replaced while the
process runs is noticed at the next write — and also right after a commit, so a row
that went to a file that vanished meanwhile is written again into the new file before
the caller is told it is stored. Ids are never reused: a new file continues after the
highest id this process has handed out (AUTOINCREMENT does the rest within a file).

Feedback from outside (the REST API) carries the token returned with the answer; only
its SHA-256 is stored.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hmac
import json
import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from assistant.answer import Answer
from assistant.log_schema import (
    _LATEST_FEEDBACK,
    _LEGACY_ORDER,
    _MIGRATIONS,
    EXPORT_COLUMNS,
)
from assistant.log_text import (
    HISTORY_LOG_CHARS,
    HISTORY_LOG_ITEMS,
    bounded_history,
    clean_text,
    token_digest,
)

logger = logging.getLogger(__name__)

__all__ = [
    "CHANNELS",
    "HISTORY_LOG_CHARS",
    "HISTORY_LOG_ITEMS",
    "VOTES",
    "ConversationLog",
    "UnknownExchangeError",
    "bounded_history",
    "clean_text",
    "token_digest",
]

Channel = Literal["web", "api", "hotline", "cli"]
Vote = Literal["up", "down"]
VOTES: tuple[str, ...] = ("up", "down")
CHANNELS: tuple[str, ...] = ("web", "api", "hotline", "cli")  # the usual ones; others allowed


class UnknownExchangeError(LookupError):
    """Feedback names an exchange id the log does not hold, or the token does not match."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


class ConversationLog:
    """A SQLite file holding exchanges and their feedback; safe across threads and processes."""

    def __init__(self, path: str | Path, *, timeout_s: float = 30.0, retries: int = 20) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.retries = retries
        # One connection per process, shared by its threads under a lock: SQLite takes one
        # writer at a time anyway, and one connection lets a vanished file be reopened in
        # one place. Kept open: closing it checkpointed the WAL on every write (8 ms p50
        # per record under 8 clients, against 1.2 ms kept open).
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._conn_pid = 0
        self._conn_identity: tuple[int, int] | None = None
        self._highest_id = 0  # the highest exchange id handed out: a new file continues here
        self._wal_identity: tuple[int, int] | None = None  # our WAL, seen at the last commit
        self.reopened = 0  # how many times a vanished or replaced file was reopened
        self.migrate()

    # -- connections -----------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=self.timeout_s, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        # WAL keeps every committed row safe across a crash with NORMAL; FULL only adds an
        # fsync per commit.
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _file_changed(self) -> bool:
        return self._conn_identity is None or _identity(self.path) != self._conn_identity

    def _connect(self) -> sqlite3.Connection:
        """The process's connection; (re)opened and migrated when there is none yet, the
        process forked, or the file at ``path`` vanished or was replaced."""
        conn = self._conn
        if conn is not None and self._conn_pid == os.getpid() and not self._file_changed():
            return conn
        self._conn = None
        if conn is not None and self._conn_pid == os.getpid():  # never a parent's connection
            self.reopened += 1
            logger.warning("会话日志文件已被删除或替换，重新打开：%s", self.path.name)
            with contextlib.suppress(sqlite3.Error):
                conn.close()  # SQLite neither checkpoints nor deletes the WAL of a moved file
        with self._reopen_lock():
            wal = Path(f"{self.path}-wal")
            stale = not self.path.exists() or (
                self._wal_identity is not None and _identity(wal) == self._wal_identity
            )
            if stale:
                # A deleted or replaced log leaves its -wal/-shm behind: SQLite would apply
                # the old file's WAL to the new file. Remove them first.
                for suffix in ("-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(f"{self.path}{suffix}")
            self._wal_identity = None
            fresh = self._open()
            try:
                self._migrate_on(fresh)
            except BaseException:
                fresh.close()
                raise
        self._conn, self._conn_pid = fresh, os.getpid()
        self._conn_identity = _identity(self.path)
        return fresh

    def close(self) -> None:
        """Close the connection (the next use opens it again)."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None and self._conn_pid == os.getpid():
                conn.close()

    @contextmanager
    def _reopen_lock(self) -> Iterator[None]:
        """Processes sharing the file recreate it one at a time."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{self.path}.reopen-lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _transaction(
        self, fn: Callable[[sqlite3.Connection], Any], conn: sqlite3.Connection | None = None
    ) -> Any:
        """Run ``fn`` in one write transaction, retrying when another writer holds the lock."""
        delay = 0.01
        for attempt in range(self.retries + 1):
            active = conn or self._connect()
            try:
                active.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(active)
                    active.execute("COMMIT")
                except BaseException:
                    if active.in_transaction:  # a failed COMMIT (disk full) can leave it open
                        with contextlib.suppress(sqlite3.Error):
                            active.execute("ROLLBACK")
                    raise
                return result
            except sqlite3.OperationalError as exc:
                locked = "locked" in str(exc) or "busy" in str(exc)
                if not locked or attempt == self.retries:
                    raise
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """``_transaction``, and again in the new file if the file vanished during it: a
        result is returned only once it is in the file that ``path`` names."""
        with self._lock:
            for _ in range(3):
                result = self._transaction(fn)
                if not self._file_changed():
                    self._wal_identity = _identity(Path(f"{self.path}-wal"))
                    return result
                logger.warning("会话日志文件在写入时被删除或替换，已在新文件中重写该记录")
            raise sqlite3.OperationalError("the log file keeps vanishing; record not stored")

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._connect()

    # -- schema ------------------------------------------------------------------------------

    def migrate(self) -> int:
        """Bring the schema up to date; idempotent and safe when processes race.

        Returns the number of migrations applied to the file (all of them, after this)."""
        with self._lock:
            return self._migrate_on(self._connect())

    def _migrate_on(self, conn: sqlite3.Connection) -> int:
        # WAL is a property of the file; setting it again is a no-op. It cannot be
        # switched inside a transaction, so do it first, retrying if a writer is busy.
        for attempt in range(self.retries + 1):
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if attempt == self.retries or not ("locked" in str(exc) or "busy" in str(exc)):
                    raise
                time.sleep(0.05)

        def apply(conn: sqlite3.Connection) -> int:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
            )
            applied = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
            if not applied:  # a file from before names: user_version counted them
                legacy = conn.execute("PRAGMA user_version").fetchone()[0]
                for name in _LEGACY_ORDER[:legacy]:
                    conn.execute("INSERT INTO _migrations VALUES (?, ?)", (name, "legacy"))
                    applied.add(name)
            for name, statements in _MIGRATIONS:
                if name in applied:
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO _migrations VALUES (?, ?)", (name, _now()))
            conn.execute(f"PRAGMA user_version = {len(_MIGRATIONS)}")
            # Ids continue after any this process handed out, whatever became of that file.
            if self._highest_id:
                seq = conn.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'exchanges'"
                ).fetchone()
                if seq is None:
                    conn.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES ('exchanges', ?)",
                        (self._highest_id,),
                    )
                elif seq[0] < self._highest_id:
                    conn.execute(
                        "UPDATE sqlite_sequence SET seq = ? WHERE name = 'exchanges'",
                        (self._highest_id,),
                    )
            return len(_MIGRATIONS)

        return self._transaction(apply, conn)

    def applied_migrations(self) -> list[str]:
        with self._reader() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]

    def schema_version(self) -> int:
        with self._reader() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    def journal_mode(self) -> str:
        with self._reader() as conn:
            return conn.execute("PRAGMA journal_mode").fetchone()[0]

    # -- writing ----------------------------------------------------------------------------

    def record(
        self,
        answer: Answer,
        history: Sequence[str] = (),
        channel: str = "cli",
        *,
        feedback_token: str | None = None,
    ) -> int:
        """Store one exchange; returns its id (used for feedback).

        ``feedback_token``, when given, is what a later vote from outside must present
        (only its SHA-256 is kept). The history is bounded (``bounded_history``)."""
        if not channel or not isinstance(channel, str):
            raise ValueError("channel must be a non-empty string such as 'web' or 'api'")
        # dumped once: the citations and award columns are parts of the whole answer's JSON
        whole = answer.model_dump(mode="json")
        citations, award = whole["citations"], whole["award"]
        row = (
            _now(),
            clean_text(channel),
            clean_text(answer.question),
            json.dumps(bounded_history(history), ensure_ascii=False),
            clean_text(answer.answer),
            int(answer.refused),
            clean_text(json.dumps(citations, ensure_ascii=False)),
            clean_text(json.dumps(award, ensure_ascii=False)) if award is not None else None,
            float(answer.latency_ms),
            answer.award.rule if answer.award else None,
            answer.award.amount_yuan if answer.award else None,
            clean_text(json.dumps(whole, ensure_ascii=False)),
            token_digest(feedback_token) if feedback_token is not None else None,
        )

        def insert(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                """INSERT INTO exchanges (created_at, channel, question, history, answer,
                   refused, citations, award, latency_ms, award_rule, amount_yuan, answer_json,
                   feedback_token_sha256)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                row,
            )
            exchange_id = int(cur.lastrowid or 0)
            self._highest_id = max(self._highest_id, exchange_id)
            return exchange_id

        return self._retry(insert)

    def feedback(
        self,
        exchange_id: int,
        vote: str,
        comment: str | None = None,
        *,
        correct_answer: str | None = None,
        token: str | None = None,
    ) -> int:
        """Store a vote on an exchange; the latest vote counts. Returns the feedback row id.

        ``token`` is checked against the one stored with the exchange; an unknown id and a
        wrong token raise the same ``UnknownExchangeError``. ``None`` skips the check — for
        callers that hold the exchange id server-side (the web page's session state)."""
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES}, not {vote!r}")
        comment = clean_text(comment) if comment is not None else None
        correct_answer = clean_text(correct_answer) if correct_answer is not None else None

        def insert(conn: sqlite3.Connection) -> int:
            found = conn.execute(
                "SELECT feedback_token_sha256 FROM exchanges WHERE id = ?", (int(exchange_id),)
            ).fetchone()
            if found is None:
                raise UnknownExchangeError(exchange_id)
            if token is not None and not hmac.compare_digest(found[0] or "", token_digest(token)):
                raise UnknownExchangeError(exchange_id)
            cur = conn.execute(
                """INSERT INTO feedback (exchange_id, created_at, vote, comment, correct_answer)
                   VALUES (?, ?, ?, ?, ?)""",
                (int(exchange_id), _now(), vote, comment, correct_answer),
            )
            return int(cur.lastrowid or 0)

        return self._retry(insert)

    # -- reading ----------------------------------------------------------------------------

    def count(self) -> int:
        with self._reader() as conn:
            return conn.execute("SELECT COUNT(*) FROM exchanges").fetchone()[0]

    def rows(self, limit: int | None = 50, feedback: str | None = None) -> list[dict[str, Any]]:
        """Most recent exchanges first, each with its latest vote; ``feedback`` filters by vote."""
        if feedback is not None and feedback not in VOTES:
            raise ValueError(f"feedback must be one of {VOTES}, not {feedback!r}")
        sql = f"""SELECT e.*, fb.vote AS vote, fb.comment AS comment,
                         fb.correct_answer AS correct_answer, fb.created_at AS feedback_at
                  FROM exchanges e LEFT JOIN ({_LATEST_FEEDBACK}) fb ON fb.exchange_id = e.id"""
        params: list[Any] = []
        if feedback is not None:
            sql += " WHERE fb.vote = ?"
            params.append(feedback)
        sql += " ORDER BY e.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, int(limit)))
        with self._reader() as conn:
            out = []
            for r in conn.execute(sql, params):
                item = dict(r)
                item["history"] = json.loads(item["history"] or "[]")
                item["citations"] = json.loads(item["citations"] or "[]")
                item["award"] = json.loads(item["award"]) if item["award"] else None
                item["refused"] = bool(item["refused"])
                item.pop("answer_json", None)
                item.pop("feedback_token_sha256", None)
                out.append(item)
            return out

    def export(
        self,
        fmt: str,
        out: IO[str],
        feedback: str | None = None,
        limit: int | None = None,
    ) -> int:
        """Write exchanges as CSV or JSON Lines (oldest first); returns the number written."""
        rows = list(reversed(self.rows(limit=limit, feedback=feedback)))
        if fmt == "jsonl":
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif fmt == "csv":
            writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                flat = dict(row)
                flat["history"] = json.dumps(row["history"], ensure_ascii=False)
                flat["citations"] = " ".join(c["id"] for c in row["citations"])
                flat["refused"] = int(row["refused"])
                writer.writerow(flat)
        else:
            raise ValueError(f"unknown format {fmt!r}; expected csv or jsonl")
        return len(rows)
