"""``python -m assistant logs``: list the conversation log as a table or export it."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any

from assistant.log import VOTES, ConversationLog
from assistant.log_schema import EXPORT_COLUMNS


def _table(rows: list[dict[str, Any]]) -> str:
    """A plain text table, one line per exchange, newest first."""
    lines = ["id\ttime\tchannel\tvote\trefused\tcitations\tamount_yuan\tquestion"]
    for r in rows:
        question = r["question"].replace("\n", " ")
        if len(question) > 40:
            question = question[:39] + "…"
        lines.append(
            "\t".join(
                [
                    str(r["id"]),
                    r["created_at"][:19].replace("T", " "),
                    r["channel"],
                    r["vote"] or "-",
                    "yes" if r["refused"] else "no",
                    ",".join(c["id"] for c in r["citations"][:3]) or "-",
                    "-" if r["amount_yuan"] is None else str(r["amount_yuan"]),
                    question,
                ]
            )
        )
    return "\n".join(lines) + "\n"


def logs_command(
    settings: Any,
    limit: int | None = 50,
    fmt: str = "table",
    feedback: str | None = None,
    out: str | Path | None = None,
) -> int:
    """``python -m assistant logs``: list or export the log. Returns the exit status."""
    if fmt not in ("table", "csv", "jsonl"):
        print(f"未知格式 {fmt!r}：可选 table、csv、jsonl", file=sys.stderr)
        return 2
    if feedback is not None and feedback not in VOTES:
        print(f"未知反馈 {feedback!r}：可选 up、down", file=sys.stderr)
        return 2
    if limit is not None and limit < 0:
        print("--limit 不能为负数", file=sys.stderr)
        return 2
    path = Path(settings.log_path)
    log = ConversationLog(path) if path.exists() else None

    buffer = io.StringIO()
    if log is None:
        count = 0
        if fmt == "table":
            buffer.write(f"（日志为空：{path} 尚不存在）\n")
        elif fmt == "csv":
            csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS).writeheader()
    elif fmt == "table":
        rows = log.rows(limit=limit, feedback=feedback)
        count = len(rows)
        buffer.write(_table(rows))
    else:
        count = log.export(fmt, buffer, feedback=feedback, limit=limit)

    if out is None or str(out) == "-":
        sys.stdout.write(buffer.getvalue())
    else:
        target = Path(out)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(buffer.getvalue(), encoding="utf-8")
        except OSError as exc:
            print(f"无法写入 {target}：{exc}", file=sys.stderr)
            return 2
        print(f"已导出 {count} 条记录到 {target}", file=sys.stderr)
    return 0
