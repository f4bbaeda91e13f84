"""The log's schema: named migrations, the latest-feedback query, the export columns.

A migration is identified by its name (recorded in the ``_migrations`` table), never by its
position; append new ones at the end. ``assistant/log.py`` applies them.
"""

from __future__ import annotations

from collections.abc import Sequence

_MIGRATIONS: list[tuple[str, Sequence[str]]] = [
    (
        "exchanges",
        (
            """CREATE TABLE IF NOT EXISTS exchanges (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at TEXT NOT NULL,
                channel TEXT NOT NULL,
                question TEXT NOT NULL,
                history TEXT NOT NULL DEFAULT '[]',
                answer TEXT NOT NULL,
                refused INTEGER NOT NULL DEFAULT 0,
                citations TEXT NOT NULL DEFAULT '[]',
                award TEXT,
                latency_ms REAL NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX IF NOT EXISTS exchanges_created ON exchanges(created_at)",
        ),
    ),
    (
        # one row per vote; the latest vote of an exchange counts
        "feedback",
        (
            """CREATE TABLE IF NOT EXISTS feedback (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                exchange_id INTEGER NOT NULL REFERENCES exchanges(id),
                created_at TEXT NOT NULL,
                vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
                comment TEXT
            )""",
            "CREATE INDEX IF NOT EXISTS feedback_exchange ON feedback(exchange_id)",
        ),
    ),
    (
        # the whole answer JSON and the award rule/amount as columns for quick filters
        "answer-json-and-award-columns",
        (
            "ALTER TABLE exchanges ADD COLUMN award_rule TEXT",
            "ALTER TABLE exchanges ADD COLUMN amount_yuan INTEGER",
            "ALTER TABLE exchanges ADD COLUMN answer_json TEXT",
        ),
    ),
    (
        # feedback bound to a token returned with the answer; the user's correct answer
        "feedback-token-and-correct-answer",
        (
            "ALTER TABLE exchanges ADD COLUMN feedback_token_sha256 TEXT",
            "ALTER TABLE feedback ADD COLUMN correct_answer TEXT",
        ),
    ),
]

MIGRATION_NAMES: tuple[str, ...] = tuple(name for name, _ in _MIGRATIONS)
# Files from before named migrations: user_version N meant "the first N applied".
_LEGACY_ORDER = MIGRATION_NAMES[:3]

SCHEMA_VERSION = len(_MIGRATIONS)

# The latest feedback row per exchange (highest id wins).
_LATEST_FEEDBACK = """
    SELECT f.exchange_id, f.vote, f.comment, f.correct_answer, f.created_at FROM feedback f
    JOIN (SELECT exchange_id, MAX(id) AS mid FROM feedback GROUP BY exchange_id) last
      ON f.id = last.mid
"""

EXPORT_COLUMNS = (
    "id",
    "created_at",
    "channel",
    "question",
    "history",
    "answer",
    "refused",
    "citations",
    "award_rule",
    "amount_yuan",
    "latency_ms",
    "vote",
    "comment",
    "correct_answer",
)
