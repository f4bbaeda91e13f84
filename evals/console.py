"""The terminal summary of an eval run: the table with baseline and previous columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from evals.scoring import LOWER_IS_BETTER, SUMMARY_KEYS


def _fmt(value: Any, figure: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}" if figure in LOWER_IS_BETTER else f"{value:.3f}"
    return str(value)


def held_out(case: Mapping[str, Any]) -> bool:
    """A case of a held-out file (``source: fresh``, ``fresh.jsonl``, ``*_holdout.jsonl``): its
    question and expectations stay out of logs that developers read (CI prints this summary)."""
    where = str(case.get("location") or "").split(":", 1)[0]
    name = where.rsplit("/", 1)[-1]
    return case.get("source") == "fresh" or name == "fresh.jsonl" or name.endswith("_holdout.jsonl")


def print_human(run: Mapping[str, Any], out: TextIO) -> None:
    """A terminal summary: the table (with baseline and previous columns), verdicts, failures."""
    summary, base = run["summary"], run.get("baseline")
    prev = (run.get("previous") or {}).get("summary")
    bounds: dict[str, str] = {
        c["figure"]: ("≥ " if c["op"] == "min" else "≤ ") + f"{c['bound']:g}"
        for c in run["thresholds"]["checks"]
        if c["category"] is None
    }
    header = ["figure", "system", "threshold"]
    if base:
        header.append(f"baseline ({base.get('name')})")
    if prev:
        header.append("previous")
    rows = [header]
    for key in SUMMARY_KEYS:
        row = [key, _fmt(summary.get(key), key), bounds.get(key, "")]
        if base:
            row.append(_fmt(base.get(key), key))
        if prev:
            row.append(_fmt(prev.get(key), key))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)), file=out)
        if i == 0:
            print("  ".join("-" * w for w in widths), file=out)
    print(file=out)
    cats = summary.get("by_category", {})
    if cats:
        print(
            "by category: " + ", ".join(f"{c} {s['passed']}/{s['cases']}" for c, s in cats.items()),
            file=out,
        )
    failing = [c for c in run["cases"] if not c["passed"]]
    if failing:
        print(f"\n{len(failing)} failing case(s):", file=out)
        for c in failing:
            if held_out(c):  # read by nobody but its author: the id, never the text
                print(f"  {c['id']} [{c['category']}] (held out: text not shown)", file=out)
                continue
            print(f"  {c['id']} [{c['category']}] {c['question'][:40]}", file=out)
            for reason in c["reasons"]:
                print(f"      - {reason}", file=out)
    ungrounded = [c for c in run["cases"] if c["ungrounded"]]
    if ungrounded:
        print(
            f"\n{len(ungrounded)} answer(s) with numbers found in no cited clause or award:",
            file=out,
        )
        for c in ungrounded:
            print(f"  {c['id']}: {', '.join(c['ungrounded'])}", file=out)
    if summary.get("wrong_amount_cases"):
        print(f"\nwrong amounts stated: {', '.join(summary['wrong_amount_cases'])}", file=out)
    changes = run.get("changes")
    if changes and (changes["regressed"] or changes["fixed"]):
        print(
            f"\nvs previous run: {len(changes['regressed'])} regressed "
            f"{[c['id'] for c in changes['regressed']]}, {len(changes['fixed'])} fixed",
            file=out,
        )
    compared = run.get("compare")
    if compared:
        ch = compared["changes"]
        print(
            f"\nvs {compared['file']} (commit {compared.get('commit') or 'unknown'}): "
            f"{len(ch['regressed'])} regressed {[c['id'] for c in ch['regressed']]}, "
            f"{len(ch['fixed'])} fixed {[c['id'] for c in ch['fixed']]}, "
            f"{len(ch['changed'])} changed without a verdict change",
            file=out,
        )
