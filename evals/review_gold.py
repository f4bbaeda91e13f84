"""The gold folder side of the review: questions already there, and the decisions
(accept, reject, skip) appended to reviewed.jsonl and the append-only history."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evals.cases import Expect, GoldCase
from evals.review_log import QueueItem, ReviewError, read_log

EVALS_DIR = Path(__file__).resolve().parent
DEFAULT_GOLD_DIR = EVALS_DIR / "gold"
REVIEWED_FILE = "reviewed.jsonl"
HISTORY_FILE = "review-history.jsonl"
# Held out by its author: never opened here, so a reviewer is never shown its questions.
NOT_READ = frozenset({"fresh.jsonl", HISTORY_FILE})


# -- the gold folder: existing questions, decisions --------------------------------------------

_NOISE = re.compile(r"[\s\u3000，。？！、；：,.?!;:“”\"'‘’（）()]+")


def question_key(turns: Iterable[str]) -> tuple[str, ...]:
    """Two questions are the same case when they differ only in width, spaces, punctuation."""
    return tuple(_NOISE.sub("", unicodedata.normalize("NFKC", t)).lower() for t in turns)


def existing_questions(gold_dir: Path) -> dict[tuple[str, ...], str]:
    """Question (all turns) → case id over the gold folder's files (fresh.jsonl unread)."""
    known: dict[tuple[str, ...], str] = {}
    if not gold_dir.is_dir():
        return known
    for path in sorted(gold_dir.glob("*.jsonl")):
        if path.name in NOT_READ:
            continue
        for line in path.read_text("utf-8").splitlines():
            try:
                case = json.loads(line)
            except ValueError:
                continue  # the runner names bad lines; the queue need not
            if not isinstance(case, dict):
                continue
            turns = case.get("turns") or ([case["question"]] if case.get("question") else None)
            if turns:
                known.setdefault(question_key(turns), str(case.get("id")))
    return known


def read_history(gold_dir: Path) -> list[dict[str, Any]]:
    path = gold_dir / HISTORY_FILE
    if not path.is_file():
        return []
    out = []
    for line in path.read_text("utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def decided(gold_dir: Path) -> dict[int, dict[str, Any]]:
    """Exchange id → its last accept or reject (skips leave it in the queue)."""
    out: dict[int, dict[str, Any]] = {}
    for entry in read_history(gold_dir):
        if entry.get("decision") in ("accept", "reject"):
            out[int(entry["exchange_id"])] = entry
    return out


def review_queue(log_path: Path, gold_dir: Path) -> list[QueueItem]:
    """What is left to review, newest first, each with its duplicate flag."""
    done = decided(gold_dir)
    known = existing_questions(gold_dir)
    queue = [i for i in read_log(log_path) if i.exchange_id not in done]
    for item in queue:
        item.duplicate_of = known.get(question_key(item.turns))
    return queue


def _append(path: Path, record: Mapping[str, Any]) -> None:
    """One JSON line, appended and synced: the history is never rewritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- decisions ------------------------------------------------------------------------------


def find_exchange(log_path: Path, exchange_id: int) -> QueueItem:
    for item in read_log(log_path, queue_only=False):
        if item.exchange_id == exchange_id:
            return item
    raise ReviewError(f"exchange {exchange_id} is not in the log {log_path}")


def parse_expect(raw: str | Mapping[str, Any]) -> dict[str, Any]:
    """The reviewer's expectation, checked as strictly as the runner checks gold files."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as e:
            raise ReviewError(f"--expect-json is not valid JSON: {e}") from None
    if not isinstance(raw, Mapping):
        raise ReviewError("--expect-json must be a JSON object")
    try:
        expect = Expect.model_validate(dict(raw))
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
        raise ReviewError(f"malformed expectation: {problems}") from None
    if not expect.model_dump(exclude_none=True):
        raise ReviewError("the expectation checks nothing: give citations_any, amounts or refuse")
    return expect.model_dump(exclude_none=True)


def accept(
    log_path: Path,
    gold_dir: Path,
    exchange_id: int,
    expect: str | Mapping[str, Any],
    *,
    reviewer: str,
    category: str | None = None,
    case_id: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Write the exchange as a gold case to reviewed.jsonl and record the decision."""
    if not reviewer or not reviewer.strip():
        raise ReviewError("say who reviews: --reviewer NAME")
    exp = parse_expect(expect)
    item = find_exchange(log_path, exchange_id)
    earlier = decided(gold_dir).get(exchange_id)
    if earlier and earlier["decision"] == "accept":
        raise ReviewError(
            f"exchange {exchange_id} was already accepted as {earlier.get('case_id')} "
            f"by {earlier.get('reviewer')} on {earlier.get('at')}"
        )
    known = existing_questions(gold_dir)
    case_id = case_id or f"rv-{exchange_id}"
    if case_id in set(known.values()):
        raise ReviewError(f"case id {case_id!r} is already in {gold_dir}")
    duplicate = known.get(question_key(item.turns))
    today = date.today().isoformat()
    case: dict[str, Any] = {
        "id": case_id,
        "category": category or default_category(exp),
        "source": "reviewed",
        "date": today,
    }
    if item.history:
        case["turns"] = item.turns
    else:
        case["question"] = item.question
    case["expect"] = exp
    case["provenance"] = {
        "exchange_id": exchange_id,
        "asked_at": item.asked_at,
        "channel": item.channel,
        "reviewer": reviewer.strip(),
        "reviewed_at": _now(),
        "reason": item.reason,
        "correct_answer": item.correct_answer,
        "logged_citations": [c.get("id") for c in item.citations],
        "logged_amounts": [a.get("amount_yuan") for a in item.awards],
    }
    if note:
        case["note"] = note
    if duplicate:
        case["duplicate_of"] = duplicate
    GoldCase.model_validate(case)  # the runner will read it: check it the same way now
    _append(gold_dir / REVIEWED_FILE, case)
    _append(
        gold_dir / HISTORY_FILE,
        {
            "at": case["provenance"]["reviewed_at"],
            "decision": "accept",
            "exchange_id": exchange_id,
            "reviewer": reviewer.strip(),
            "case_id": case_id,
            "user_reason": item.reason,
            "duplicate_of": duplicate,
            "case": case,
        },
    )
    return case


def reject(
    log_path: Path, gold_dir: Path, exchange_id: int, *, reason: str, reviewer: str
) -> dict[str, Any]:
    if not reason or not reason.strip():
        raise ReviewError("say why it is rejected: --reason TEXT")
    item = find_exchange(log_path, exchange_id)
    record = {
        "at": _now(),
        "decision": "reject",
        "exchange_id": exchange_id,
        "reviewer": reviewer,
        "reason": reason.strip(),
        "user_reason": item.reason,
        "question": item.question,
    }
    _append(gold_dir / HISTORY_FILE, record)
    return record


def skip(gold_dir: Path, exchange_id: int, *, reviewer: str) -> dict[str, Any]:
    record = {"at": _now(), "decision": "skip", "exchange_id": exchange_id, "reviewer": reviewer}
    _append(gold_dir / HISTORY_FILE, record)
    return record


def default_category(expect: Mapping[str, Any]) -> str:
    if expect.get("refuse"):
        return "out-of-scope"
    if expect.get("amount_yuan") is not None or expect.get("amounts_yuan"):
        return "award"
    return "reviewed"
