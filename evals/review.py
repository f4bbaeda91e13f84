"""``python -m evals review``: from a disliked answer in the conversation log to a gold case.

The queue is every logged exchange whose latest feedback is a dislike, or carries a comment
(the user's reason) or a correct answer, newest feedback first, minus the exchanges already
accepted or rejected. A reviewer accepts one as a gold case — writing the expectation
(clause ids, must-include strings, amounts, refuse) from the policy text, not from the
logged answer — rejects it with a reason, or skips it.

- accepted cases are appended to ``<gold dir>/reviewed.jsonl`` with ``source: reviewed``,
  the date and their provenance (exchange id, reviewer, the user's reason);
- every decision (accept, reject, skip) is appended to ``<gold dir>/review-history.jsonl``,
  which is only ever appended to;
- a question that is already a gold case is flagged (``duplicate_of``), not hidden.

Non-interactive: ``--list [--json]``, ``--accept ID --expect-json '{…}' --reviewer NAME``,
``--reject ID --reason TEXT``. Without them it asks, one exchange at a time (``input()``).
Exit status 0, or 2 on bad input (unknown exchange, malformed expectation, no log).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sqlite3
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from evals.cases import Expect, GoldCase
from evals.scoring import extract_figures

EVALS_DIR = Path(__file__).resolve().parent
DEFAULT_GOLD_DIR = EVALS_DIR / "gold"
REVIEWED_FILE = "reviewed.jsonl"
HISTORY_FILE = "review-history.jsonl"
# Held out by its author: never opened here, so a reviewer is never shown its questions.
NOT_READ = frozenset({"fresh.jsonl", HISTORY_FILE})

InputFn = Callable[[str], str]


class ReviewError(ValueError):
    """Bad input for a review decision; exit status 2."""


# -- the queue ---------------------------------------------------------------------------------


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


# -- showing ------------------------------------------------------------------------------


def _amount(a: Any) -> str:
    return "–" if a is None else f"{a}元"


def describe(item: QueueItem) -> str:
    """One exchange as a reviewer needs to see it."""
    lines = [f"── exchange {item.exchange_id} · {item.asked_at[:19]} · {item.channel}"]
    for turn in item.history:
        lines.append(f"   earlier turn: {turn}")
    lines.append(f"   question: {item.question}")
    lines.append(f"   vote: {item.vote or '-'} · reason: {item.reason or '(none given)'}")
    if item.correct_answer:
        lines.append(f"   user's correct answer: {item.correct_answer}")
    if item.duplicate_of:
        lines.append(f"   ⚠ duplicates gold case {item.duplicate_of}")
    text = " ".join(item.answer.split())
    lines.append(f"   answer: {text[:300]}{'…' if len(text) > 300 else ''}")
    if item.refused:
        lines.append("   (refused as outside the policy)")
    for c in item.citations[:5]:
        lines.append(f"   cited {c.get('id')}: {c.get('title', '')}")
    for a in item.awards:
        lines.append(
            f"   award {a.get('rule')}: eligible={a.get('eligible')} "
            f"amount={_amount(a.get('amount_yuan'))}"
            + (f" missing={a.get('missing')}" if a.get("missing") else "")
        )
        for step in a.get("steps") or []:
            lines.append(f"      {step}")
    return "\n".join(lines)


def _list_line(item: QueueItem) -> str:
    cited = ",".join(str(c.get("id")) for c in item.citations[:3]) or "-"
    amounts = ",".join(_amount(a.get("amount_yuan")) for a in item.awards) or "-"
    q = item.question if len(item.question) <= 40 else item.question[:39] + "…"
    flag = f" [duplicate of {item.duplicate_of}]" if item.duplicate_of else ""
    fix = f" | correct: {item.correct_answer}" if item.correct_answer else ""
    return (
        f"{item.exchange_id}\t{(item.feedback_at or item.asked_at)[:19]}\t{item.vote or '-'}\t"
        f"{cited}\t{amounts}\t{q}\t{item.reason or '-'}{fix}{flag}"
    )


# -- the interactive reviewer ----------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,，、;；\s]+", text) if p.strip()]


def parse_amount(text: str) -> int:
    """``3200000``, ``320万``, ``3,200,000元`` → 3200000 (whole yuan only)."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    figures = [f for f in extract_figures(text) if f.kind == "num"]
    if len(figures) != 1 or figures[0].value != figures[0].value.to_integral_value():
        raise ReviewError(f"not one whole amount of yuan: {text!r}")
    return int(figures[0].value)


def _ask_expect(item: QueueItem, ask: InputFn, out: TextIO) -> dict[str, Any]:
    """Prompt for each part of the expectation; the logged answer is only a hint."""
    suggested = ",".join(str(c.get("id")) for c in item.citations[:3])
    print(f"   (logged citations: {suggested or 'none'} — write what the policy says)", file=out)
    expect: dict[str, Any] = {}
    refuse = ask("refuse (outside the policy)? [y/N]: ").strip().lower() in ("y", "yes", "是")
    expect["refuse"] = refuse
    clauses = _split(ask("clause ids, any of (e.g. 四.10,四.(三)); empty for none: "))
    expect["citations_any"] = clauses
    includes = [s for s in re.split(r"[|｜]", ask("must include, separated by | : ")) if s.strip()]
    if includes:
        expect["must_include"] = [s.strip() for s in includes]
    while True:
        raw = _split(ask("amounts in yuan (3200000 or 320万; several for several awards): "))
        try:
            amounts = [parse_amount(a) for a in raw]
            break
        except ReviewError as e:
            print(f"   {e}", file=out)
    if len(amounts) == 1:
        expect["amount_yuan"] = amounts[0]
    elif amounts:
        expect["amounts_yuan"] = amounts
    eligible = ask("eligible? [y/n/empty = not checked]: ").strip().lower()
    if eligible in ("y", "n"):
        expect["eligible"] = eligible == "y"
    return expect


def interactive(
    log_path: Path,
    gold_dir: Path,
    *,
    reviewer: str | None,
    ask: InputFn,
    out: TextIO,
    limit: int | None = None,
) -> int:
    queue = review_queue(log_path, gold_dir)[:limit]
    if not queue:
        print("the review queue is empty", file=out)
        return 0
    while not reviewer:
        reviewer = ask("reviewer name 审核人: ").strip()
    print(f"{len(queue)} exchange(s) to review, newest first", file=out)
    counts = {"accept": 0, "reject": 0, "skip": 0}
    for item in queue:
        print("\n" + describe(item), file=out)
        choice = ask("[a]ccept as gold / [r]eject / [s]kip / [q]uit: ").strip().lower()[:1]
        if choice == "q":
            break
        if choice == "a":
            while True:
                try:
                    expect = parse_expect(_ask_expect(item, ask, out))
                    break
                except ReviewError as e:
                    print(f"   {e}; again", file=out)
            category = ask(f"category [{default_category(expect)}]: ").strip() or None
            case = accept(
                log_path, gold_dir, item.exchange_id, expect, reviewer=reviewer, category=category
            )
            print(f"   accepted as {case['id']} → {gold_dir / REVIEWED_FILE}", file=out)
            counts["accept"] += 1
        elif choice == "r":
            reason = ""
            while not reason.strip():
                reason = ask("why reject: ")
            reject(log_path, gold_dir, item.exchange_id, reason=reason, reviewer=reviewer)
            counts["reject"] += 1
        else:
            skip(gold_dir, item.exchange_id, reviewer=reviewer)
            counts["skip"] += 1
    print(
        f"\n{counts['accept']} accepted, {counts['reject']} rejected, {counts['skip']} skipped",
        file=out,
    )
    return 0


# -- the command line ------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m evals review",
        description="the review queue: disliked or commented answers → reviewed gold cases",
    )
    p.add_argument("--log", metavar="FILE", help="conversation log (default: the data dir's)")
    p.add_argument(
        "--gold-dir",
        metavar="DIR",
        default=str(DEFAULT_GOLD_DIR),
        help=f"where {REVIEWED_FILE} and {HISTORY_FILE} live (default evals/gold)",
    )
    p.add_argument("--reviewer", help="who decides (default: the login name)")
    p.add_argument("--limit", type=int, metavar="N", help="only the newest N")
    action = p.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list the queue and stop")
    action.add_argument("--accept", type=int, metavar="EXCHANGE_ID")
    action.add_argument("--reject", type=int, metavar="EXCHANGE_ID")
    p.add_argument("--json", action="store_true", help="with --list: one JSON array")
    p.add_argument("--expect-json", metavar="JSON", help="with --accept: the case's expect")
    p.add_argument("--category", help="with --accept (default from the expectation)")
    p.add_argument("--id", dest="case_id", help="with --accept (default rv-<exchange id>)")
    p.add_argument("--note", help="with --accept: e.g. the arithmetic behind the amount")
    p.add_argument("--reason", help="with --reject: why it is not a gold case")
    return p


def main(
    argv: Sequence[str] | None = None,
    *,
    settings: Any = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    input_fn: InputFn | None = None,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    if args.log:
        log_path = Path(args.log)
    else:
        if settings is None:
            from knowledge.settings import Settings

            settings = Settings()
        log_path = Path(settings.log_path)
    gold_dir = Path(args.gold_dir)
    reviewer = args.reviewer or os.environ.get("EVALS_REVIEWER")
    try:
        if args.accept is not None:
            if not args.expect_json:
                raise ReviewError("--accept needs --expect-json '{\"citations_any\": [...], …}'")
            case = accept(
                log_path,
                gold_dir,
                args.accept,
                args.expect_json,
                reviewer=reviewer or getpass.getuser(),
                category=args.category,
                case_id=args.case_id,
                note=args.note,
            )
            if case.get("duplicate_of"):
                print(f"warning: duplicates gold case {case['duplicate_of']}", file=err)
            print(json.dumps(case, ensure_ascii=False), file=out)
            print(f"accepted as {case['id']} → {gold_dir / REVIEWED_FILE}", file=err)
            return 0
        if args.reject is not None:
            record = reject(
                log_path,
                gold_dir,
                args.reject,
                reason=args.reason or "",
                reviewer=reviewer or getpass.getuser(),
            )
            print(json.dumps(record, ensure_ascii=False), file=out)
            return 0
        if args.list:
            queue = review_queue(log_path, gold_dir)[: args.limit]
            if args.json:
                print(json.dumps([i.to_dict() for i in queue], ensure_ascii=False), file=out)
            else:
                print("exchange\tfeedback at\tvote\tcited\tamounts\tquestion\treason", file=out)
                for item in queue:
                    print(_list_line(item), file=out)
            return 0
        return interactive(
            log_path,
            gold_dir,
            reviewer=reviewer,
            ask=input_fn or input,
            out=out,
            limit=args.limit,
        )
    except ReviewError as e:
        print(f"error: {e}", file=err)
        return 2
    except (EOFError, KeyboardInterrupt):
        print("\nstopped; decisions so far are kept", file=err)
        return 0
    except sqlite3.Error as e:
        print(f"error: cannot read the conversation log {log_path}: {e}", file=err)
        return 2


if __name__ == "__main__":
    sys.exit(main())
