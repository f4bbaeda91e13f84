"""Two runs side by side: figure deltas and the cases that changed verdict (--compare)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evals.scoring import LOWER_IS_BETTER, SUMMARY_KEYS


def _award_amounts(case: Mapping[str, Any]) -> list[Any]:
    awards = case.get("awards") or ([case["award"]] if case.get("award") else [])
    return [a.get("amount_yuan") for a in awards if isinstance(a, Mapping)]


def _what_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What moved in a case whose verdict did not: the first citations, amounts, flags."""
    notes = []
    before, now = (old.get("citations") or [])[:3], (new.get("citations") or [])[:3]
    if before != now:
        notes.append(f"citations {before} → {now}")
    if _award_amounts(old) != _award_amounts(new):
        notes.append(f"amounts {_award_amounts(old)} → {_award_amounts(new)}")
    for flag in ("wrong_amounts", "conclusion_first", "validity_noted", "refused"):
        if flag in old and old.get(flag) != new.get(flag):
            notes.append(f"{flag} {old.get(flag)} → {new.get(flag)}")
    return notes


def compare_runs(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Case by case and figure by figure: what got better, what got worse, what moved."""
    before = {c["id"]: c for c in previous.get("cases") or []}
    now = {c["id"]: c for c in current.get("cases") or []}
    regressed, fixed, still, changed = [], [], [], []
    for cid, case in now.items():
        old = before.get(cid)
        if old is None:
            continue
        entry = {
            "id": cid,
            "category": case.get("category"),
            "question": case.get("question"),
            "before": old.get("reasons") or [],
            "now": case.get("reasons") or [],
        }
        if old.get("passed") and not case.get("passed"):
            regressed.append(entry)
        elif not old.get("passed") and case.get("passed"):
            fixed.append(entry)
        else:
            if not case.get("passed"):
                still.append(entry)
            moved = _what_changed(old, case)
            if moved:
                changed.append({**entry, "changes": moved})
    # Grounding changes are worth seeing even where pass/fail did not move.
    grounding = []
    for cid, case in now.items():
        old = before.get(cid)
        if old is not None and set(case.get("ungrounded") or []) != set(
            old.get("ungrounded") or []
        ):
            grounding.append(
                {
                    "id": cid,
                    "before": old.get("ungrounded") or [],
                    "now": case.get("ungrounded") or [],
                }
            )
    figures = {}
    prev_summary, cur_summary = previous.get("summary") or {}, current.get("summary") or {}
    for key in SUMMARY_KEYS:
        a, b = prev_summary.get(key), cur_summary.get(key)
        delta = None if a is None or b is None else round(b - a, 4)
        better = None
        if delta and key not in ("cases", "passed"):
            better = delta < 0 if key in LOWER_IS_BETTER else delta > 0
        figures[key] = {"before": a, "now": b, "delta": delta, "better": better}
    return {
        "regressed": regressed,
        "fixed": fixed,
        "still_failing": still,
        "changed": changed,
        "new": sorted(now.keys() - before.keys()),
        "removed": sorted(before.keys() - now.keys()),
        "grounding_changed": grounding,
        "figures": figures,
    }
