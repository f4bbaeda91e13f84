"""Share of award answers whose amount is in the first 80 characters, and that state validity.

``python -m evals.amount_first [--gold FILE …]`` (default: every evals/gold/*.jsonl except
fresh.jsonl, and evals/dev/chain.jsonl). An award answer is one whose first award has an
amount; the amount is looked for as the answer shows it (320万元), spaces removed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.awards.format import format_money
from evals.cases import load_cases
from knowledge.settings import PROJECT_ROOT, Settings

FIRST_CHARS = 80


def measure(assistant, paths: list[Path]) -> dict[str, float | int]:
    n = first = valid = 0
    for path in paths:
        for case in load_cases([path]):
            answer = assistant.ask(case.last_question, case.history)
            awards = answer.awards or ([answer.award] if answer.award else [])
            if not awards or not awards[0].amount_yuan:
                continue
            n += 1
            text = answer.answer.replace(" ", "")
            first += format_money(awards[0].amount_yuan) in text[:FIRST_CHARS]
            valid += "有效期" in text
    return {
        "award_answers": n,
        "amount_in_first_80": first,
        "share": round(first / n, 3) if n else 0.0,
        "validity_stated": valid,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.amount_first")
    parser.add_argument("--gold", action="append", type=Path)
    args = parser.parse_args(argv)
    from assistant.chain import Assistant

    gold = sorted(
        p for p in (PROJECT_ROOT / "evals" / "gold").glob("*.jsonl") if p.name != "fresh.jsonl"
    )
    sets = (
        {"chosen": args.gold}
        if args.gold
        else {"gold": gold, "dev": [PROJECT_ROOT / "evals" / "dev" / "chain.jsonl"]}
    )
    assistant = Assistant.from_settings(Settings(), progress=False)
    print(
        json.dumps(
            {name: measure(assistant, paths) for name, paths in sets.items()}, ensure_ascii=False
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
