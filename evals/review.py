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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from evals.review_gold import (
    DEFAULT_GOLD_DIR,
    HISTORY_FILE,
    REVIEWED_FILE,
    ReviewError,
    accept,
    default_category,
    parse_expect,
    question_key,
    reject,
    review_queue,
    skip,
)
from evals.review_log import QueueItem
from evals.scoring import extract_figures

__all__ = ["HISTORY_FILE", "REVIEWED_FILE", "main", "parse_amount", "question_key"]

InputFn = Callable[[str], str]


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
