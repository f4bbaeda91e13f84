"""The eval report: one self-contained HTML page (inline CSS and SVG, no scripts, no network)
and the same content as Markdown, both rendered by Jinja2 from the one data dict that
:func:`report_data` builds. Regressions come first, because that is what a reader opening it
before a release needs to see."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from evals.chart import chart
from evals.compare import compare_runs
from evals.report_format import GROUP_COLUMNS, LABELS, LATENCY_FIGURES, RATE_FIGURES, fmt, fmt_delta
from evals.scoring import SUMMARY_KEYS

__all__ = ["compare_runs", "render_html", "render_markdown", "report_data", "write_report"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

# -- formatting helpers -----------------------------------------------------------------------


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
