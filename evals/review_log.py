"""The review queue read from the conversation log (SQLite): disliked or commented exchanges."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


class ReviewError(ValueError):
    """Bad input for a review decision; exit status 2."""


@dataclass
class QueueItem:
    exchange_id: int
    asked_at: str
    channel: str
    question: str
    history: list[str]
    answer: str
    refused: bool
    citations: list[dict[str, Any]]
    awards: list[dict[str, Any]]
    vote: str | None
    reason: str | None  # the user's comment on the answer
    correct_answer: str | None
    feedback_at: str | None
    duplicate_of: str | None = None

    @property
    def turns(self) -> list[str]:
        return [*self.history, self.question]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _open_log(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise ReviewError(f"{path}: no conversation log there (python -m ui writes it)")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"exchanges", "feedback"} <= tables:
        conn.close()
        raise ReviewError(f"{path}: not a conversation log (no exchanges/feedback tables)")
    return conn


def _loads(text: str | None, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default


def read_log(log_path: Path, *, queue_only: bool = True) -> list[QueueItem]:
    """Exchanges with their latest feedback, newest feedback first; ``queue_only`` keeps the
    disliked or commented ones. Written against the columns that exist: ``correct_answer``
    (added by a later migration of the feedback table) is optional."""
    conn = _open_log(log_path)
    try:
        fb_cols = _columns(conn, "feedback")
        ex_cols = _columns(conn, "exchanges")
        correct = "f.correct_answer" if "correct_answer" in fb_cols else "NULL"
        answer_json = "e.answer_json" if "answer_json" in ex_cols else "NULL"
        sql = f"""
            SELECT e.id, e.created_at, e.channel, e.question, e.history, e.answer, e.refused,
                   e.citations, e.award, {answer_json} AS answer_json,
                   f.vote, f.comment, {correct} AS correct_answer, f.created_at AS feedback_at
            FROM exchanges e
            LEFT JOIN (SELECT exchange_id, MAX(id) AS mid FROM feedback GROUP BY exchange_id)
                 last ON last.exchange_id = e.id
            LEFT JOIN feedback f ON f.id = last.mid
        """
        if queue_only:
            sql += """ WHERE f.vote = 'down' OR TRIM(COALESCE(f.comment, '')) != ''
                       OR TRIM(COALESCE(correct_answer, '')) != ''"""
        sql += " ORDER BY COALESCE(f.created_at, e.created_at) DESC, e.id DESC"
        rows = list(conn.execute(sql))
    finally:
        conn.close()
    items = []
    for r in rows:
        full = _loads(r["answer_json"], {})
        award = _loads(r["award"], None)
        awards = full.get("awards") or ([award] if award else [])
        items.append(
            QueueItem(
                exchange_id=int(r["id"]),
                asked_at=r["created_at"],
                channel=r["channel"],
                question=r["question"],
                history=_loads(r["history"], []),
                answer=r["answer"],
                refused=bool(r["refused"]),
                citations=_loads(r["citations"], []),
                awards=awards,
                vote=r["vote"],
                reason=(r["comment"] or "").strip() or None,
                correct_answer=(r["correct_answer"] or "").strip() or None,
                feedback_at=r["feedback_at"],
            )
        )
    return items
