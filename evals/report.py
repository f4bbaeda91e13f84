"""The eval report: one self-contained HTML page (inline CSS and SVG, no scripts, no network)
and the same content as Markdown, both rendered by Jinja2 from the one data dict that
:func:`report_data` builds. Regressions come first, because that is what a reader opening it
before a release needs to see."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from evals.scoring import COUNT_FIGURES, LOWER_IS_BETTER, SUMMARY_KEYS

TEMPLATES = Path(__file__).resolve().parent / "templates"

RATE_FIGURES = [k for k in SUMMARY_KEYS if k not in COUNT_FIGURES and k not in LOWER_IS_BETTER]
LATENCY_FIGURES = ["p50_latency_ms", "p95_latency_ms"]
GROUP_COLUMNS = [
    ("cases", "cases"),
    ("passed", "passed"),
    ("pass_rate", "pass rate"),
    ("retrieval_hit_at_1", "hit@1"),
    ("retrieval_hit_at_3", "hit@3"),
    ("mrr", "MRR"),
    ("citation_accuracy", "citation"),
    ("context_precision", "ctx prec"),
    ("context_recall", "ctx recall"),
    ("amount_exact", "amount"),
    ("wrong_amounts", "wrong amt"),
    ("conclusion_first", "concl. first"),
    ("validity_noted", "validity"),
    ("refusal_accuracy", "refusal"),
    ("numeric_grounding_rate", "grounding"),
    ("p50_latency_ms", "p50 ms"),
    ("p95_latency_ms", "p95 ms"),
]
LABELS = {
    "cases": "cases",
    "passed": "passed",
    "pass_rate": "pass rate 通过率",
    "retrieval_hit_at_1": "retrieval hit@1",
    "retrieval_hit_at_3": "retrieval hit@3",
    "mrr": "MRR",
    "citation_accuracy": "citation accuracy 引用",
    "amount_exact": "amount exact 金额",
    "refusal_accuracy": "refusal accuracy 拒答",
    "numeric_grounding_rate": "numeric grounding 数字有据",
    "context_precision": "context precision 条款精确率",
    "context_recall": "context recall 条款召回率",
    "wrong_amounts": "wrong amounts stated 错误金额",
    "conclusion_first": "conclusion first 结论先行",
    "validity_noted": "validity noted 注明有效期",
    "p50_latency_ms": "p50 latency (ms)",
    "p95_latency_ms": "p95 latency (ms)",
}


# -- comparing two runs -----------------------------------------------------------------------


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


# -- formatting helpers -----------------------------------------------------------------------


def fmt(value: Any, figure: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if figure in LOWER_IS_BETTER:
            return f"{value:.1f}"
        return f"{value:.3f}"
    return str(value)


def fmt_delta(delta: float | None, figure: str) -> str:
    if not delta:
        return ""
    sign = "+" if delta > 0 else ""
    if figure in COUNT_FIGURES:
        return f"{sign}{int(delta)}"
    return sign + (f"{delta:.1f}" if figure in LOWER_IS_BETTER else f"{delta:.3f}")


def _excerpt(text: str, n: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n] + "…"


def _award_text(award: Mapping[str, Any] | None) -> str:
    if not award:
        return "none"
    parts = [
        f"rule {award.get('rule')}",
        f"eligible={award.get('eligible')}",
        f"amount_yuan={award.get('amount_yuan')}",
    ]
    if award.get("missing"):
        parts.append(f"missing={award.get('missing')}")
    if award.get("steps"):
        parts.append("steps: " + " / ".join(award["steps"]))
    return "; ".join(parts)


def _awards_text(case: Mapping[str, Any]) -> str:
    awards = case.get("awards") or ([case["award"]] if case.get("award") else [])
    return " | ".join(_award_text(a) for a in awards) or "none"


# -- the SVG chart, as geometry for the template ------------------------------------------------

_SERIES = [
    ("now", "this run", "#2563eb"),
    ("previous", "previous run", "#9ca3af"),
    ("compare", "compared run", "#7c3aed"),
    ("baseline", "naive baseline", "#f59e0b"),
]


def chart(
    figures: Sequence[str],
    values: Mapping[str, Mapping[str, float | None]],
    bounds: Mapping[str, dict],
    *,
    scale_max: float | None = None,
    title: str = "",
) -> dict[str, Any]:
    """Horizontal grouped bars, one group per figure; a red tick marks the threshold."""
    series = [s for s in _SERIES if any(values.get(s[0], {}).get(f) is not None for f in figures)]
    bar_h, gap, label_w, plot_w, right = 11, 10, 220, 460, 60
    group_h = bar_h * max(len(series), 1) + gap
    top = 34
    height = top + group_h * len(figures) + 10
    vmax = scale_max
    if vmax is None:
        candidates = [v.get(f) for v in values.values() for f in figures]
        candidates += [bounds[f]["bound"] for f in figures if f in bounds]
        vmax = max([c for c in candidates if c is not None] + [1.0]) * 1.1

    def x(v: float) -> float:
        return round(label_w + plot_w * (min(v, vmax) / vmax), 1)

    groups = []
    for i, figure in enumerate(figures):
        y0 = top + i * group_h
        bars = []
        for j, (key, name, color) in enumerate(series):
            v = values.get(key, {}).get(figure)
            if v is None:
                continue
            w = max(x(v) - label_w, 1)
            y = y0 + j * bar_h
            bars.append(
                {
                    "y": y,
                    "w": round(w, 1),
                    "h": bar_h - 2,
                    "color": color,
                    "name": name,
                    "value": fmt(v, figure),
                    "tx": round(label_w + w + 4, 1),
                    "ty": y + bar_h - 3,
                }
            )
        tick = None
        if figure in bounds:
            tick = {
                "x": x(bounds[figure]["bound"]),
                "y1": y0 - 2,
                "y2": y0 + group_h - gap + 2,
                "rule": bounds[figure]["rule"],
            }
        groups.append(
            {
                "label": LABELS.get(figure, figure),
                "ly": y0 + group_h / 2,
                "bars": bars,
                "tick": tick,
            }
        )
    return {
        "title": title,
        "width": label_w + plot_w + right,
        "height": height,
        "label_w": label_w,
        "top": top,
        "legend": [
            {"x": label_w + 130 * k, "name": name, "color": color}
            for k, (_, name, color) in enumerate(series)
        ],
        "groups": groups,
    }


# -- the one data dict ------------------------------------------------------------------------


def _bounds(run: Mapping[str, Any], category: str | None = None) -> dict[str, dict]:
    return {
        c["figure"]: c
        for c in run.get("thresholds", {}).get("checks", [])
        if c.get("category") == category
    }


def _side(
    name: str, anchor: str, info: Mapping[str, Any], changes: Mapping[str, Any]
) -> dict[str, Any]:
    """One comparison (the previous run, or ``--compare``) for the templates."""
    return {
        "name": name,
        "anchor": anchor,
        "file": info.get("file"),
        "timestamp": info.get("timestamp"),
        "commit": info.get("commit") or "unknown",
        "gold_files": info.get("gold_files") or [],
        "regressed": changes.get("regressed", []),
        "fixed": changes.get("fixed", []),
        "still_failing": changes.get("still_failing", []),
        "changed": changes.get("changed", []),
        "grounding_changed": changes.get("grounding_changed", []),
        "new": changes.get("new", []),
        "removed": changes.get("removed", []),
    }


def _group_rows(
    groups: Mapping[str, Mapping[str, Any]], base_groups: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "failing": s["passed"] < s["cases"],
            "cells": [fmt(s.get(k), k) for k, _ in GROUP_COLUMNS],
            "baseline": fmt((base_groups or {}).get(name, {}).get("pass_rate"))
            if base_groups is not None
            else None,
        }
        for name, s in groups.items()
    ]


def report_data(run: Mapping[str, Any]) -> dict[str, Any]:
    """Everything either report shows, formatted, in one dict."""
    summary = run["summary"]
    meta = run.get("run", {})
    base = run.get("baseline")
    prev_info = run.get("previous") or {}
    prev = prev_info.get("summary")
    compared = run.get("compare") or {}
    cmp_summary = compared.get("summary")
    bounds = _bounds(run)
    figure_changes = {
        "previous": (run.get("changes") or {}).get("figures") or {},
        "compare": (compared.get("changes") or {}).get("figures") or {},
    }

    rows = []
    for key in SUMMARY_KEYS:
        b = bounds.get(key)
        row: dict[str, Any] = {
            "key": key,
            "label": LABELS.get(key, key),
            "value": fmt(summary.get(key), key),
            "bound": b["rule"].split(" ", 1)[1] if b else "",
            "status": None if not b else ("na" if b["ok"] is None else "ok" if b["ok"] else "bad"),
            "miss": "below" if b and b["op"] == "min" else "above",
        }
        for side, other in (("previous", prev), ("compare", cmp_summary)):
            if other:
                f = figure_changes[side].get(key, {})
                row[side] = fmt(other.get(key), key)
                row[side + "_delta"] = fmt_delta(f.get("delta"), key)
                row[side + "_class"] = (
                    "better" if f.get("better") else "worse" if f.get("better") is False else ""
                )
        if base:
            row["baseline"] = fmt(base.get(key), key)
        rows.append(row)

    values = {
        "now": summary,
        "previous": prev or {},
        "compare": cmp_summary or {},
        "baseline": base or {},
    }
    comparisons = []
    if run.get("changes"):
        comparisons.append(
            _side(
                "the previous run",
                "changes",
                prev_info,
                run["changes"],
            )
        )
    if compared:
        comparisons.append(
            _side(f"compared run {compared.get('file')}", "compare", compared, compared["changes"])
        )

    cases = list(run["cases"])
    base_by_id = {c["id"]: c for c in run.get("baseline_cases") or []}
    by_cat: dict[str, list[Mapping[str, Any]]] = {}
    for c in cases:
        by_cat.setdefault(c["category"], []).append(c)
    wrong_ids = set(summary.get("wrong_amount_cases") or [])
    return {
        "meta": {
            "timestamp": meta.get("timestamp", ""),
            "target": meta.get("target", ""),
            "commit": meta.get("commit") or "unknown",
            "gold": meta.get("gold", []),
            "gold_files": meta.get("gold_files") or [{"path": g} for g in meta.get("gold", [])],
            "limit": meta.get("limit"),
            "cases": summary["cases"],
            "previous_timestamp": prev_info.get("timestamp"),
        },
        "verdict": {
            "ok": not run.get("thresholds", {}).get("failed"),
            "failed": run.get("thresholds", {}).get("failed", []),
            "passed": summary["passed"],
            "cases": summary["cases"],
            "regressed": [c["id"] for c in (run.get("changes") or {}).get("regressed", [])],
            "fixed": len((run.get("changes") or {}).get("fixed", [])),
            "has_previous": bool(run.get("changes")),
            "errors": summary.get("errors") or 0,
        },
        "columns": {
            "previous": bool(prev),
            "compare": bool(cmp_summary),
            "compare_label": f"compared ({(compared.get('commit') or 'unknown')[:10]})",
            "baseline": base.get("name") if base else None,
        },
        "summary_rows": rows,
        "charts": [
            chart(
                RATE_FIGURES,
                values,
                bounds,
                scale_max=1.0,
                title="Rates (0–1), red tick = threshold",
            ),
            chart(LATENCY_FIGURES, values, bounds, title="Latency (ms), lower is better"),
        ],
        "wrong_amounts": [
            {
                "id": c["id"],
                "question": c["question"],
                "expected": c["expect"].get("amounts_yuan") or c["expect"].get("amount_yuan"),
                "stated": c.get("wrong_amounts") or [],
                "awards": _awards_text(c),
            }
            for c in cases
            if c["id"] in wrong_ids
        ],
        "comparisons": comparisons,
        "group_columns": [label for _, label in GROUP_COLUMNS],
        "groupings": [
            {
                "title": "By source 来源",
                "rows": _group_rows(summary.get("by_source") or {}, None),
                "baseline": False,
            },
            {
                "title": "By category 分类",
                "rows": _group_rows(
                    summary.get("by_category") or {},
                    (base or {}).get("by_category") or {} if base else None,
                ),
                "baseline": bool(base),
            },
        ],
        "case_groups": [
            {
                "name": cat,
                "passed": sum(c["passed"] for c in cs),
                "cases": [
                    {
                        "id": c["id"],
                        "passed": c["passed"],
                        "reasons": "; ".join(c["reasons"]),
                        "question": c["question"],
                        "citations": ", ".join(c["citations"][:3]),
                        "ms": f"{c['latency_ms']:.0f}",
                        "source": c.get("source", ""),
                        "baseline": (
                            "pass" if base_by_id.get(c["id"], {}).get("passed") else "fail"
                        )
                        if base
                        else None,
                    }
                    for c in cs
                ],
            }
            for cat, cs in by_cat.items()
        ],
        "failing": [
            {
                "id": c["id"],
                "category": c["category"],
                "question": c["question"],
                "history": " → ".join(c.get("history") or []),
                "reasons": c["reasons"],
                "expect": json.dumps(c["expect"], ensure_ascii=False),
                "answer": _excerpt(c.get("answer", "")),
                "refused": c.get("refused"),
                "citations": ", ".join(c.get("citations", [])) or "none",
                "awards": _awards_text(c),
                "source": c.get("source", ""),
                "location": c.get("location", ""),
            }
            for c in cases
            if not c["passed"]
        ],
        "ungrounded": [
            {
                "id": c["id"],
                "numbers": ", ".join(c["ungrounded"]),
                "citations": ", ".join(c["citations"]) or "none",
                "answer": _excerpt(c.get("answer", ""), 200),
            }
            for c in cases
            if c.get("ungrounded")
        ],
        "baseline": bool(base),
    }


# -- rendering --------------------------------------------------------------------------------


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,  # the HTML page escapes every value; Markdown keeps them
        undefined=StrictUndefined,  # a misspelt key fails loudly, not as an empty cell
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    return env


def render_html(run: Mapping[str, Any]) -> str:
    return _environment(True).get_template("report.html.j2").render(**report_data(run))


def render_markdown(run: Mapping[str, Any]) -> str:
    return _environment(False).get_template("report.md.j2").render(**report_data(run))


def write_report(run: Mapping[str, Any], folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    html_path, md_path = folder / "report.html", folder / "report.md"
    html_path.write_text(render_html(run), "utf-8")
    md_path.write_text(render_markdown(run), "utf-8")
    return html_path, md_path
