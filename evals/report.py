"""The eval report: one self-contained HTML page (inline CSS and SVG, no scripts, no network)
and the same content as Markdown. Regressions come first, because that is what a reader
opening it before a release needs to see."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.scoring import LOWER_IS_BETTER, SUMMARY_KEYS

RATE_FIGURES = [
    k for k in SUMMARY_KEYS if k not in ("cases", "passed") and k not in LOWER_IS_BETTER
]
LATENCY_FIGURES = ["p50_latency_ms", "p95_latency_ms"]
CATEGORY_COLUMNS = [
    ("cases", "cases"),
    ("passed", "passed"),
    ("pass_rate", "pass rate"),
    ("retrieval_hit_at_1", "hit@1"),
    ("retrieval_hit_at_3", "hit@3"),
    ("mrr", "MRR"),
    ("citation_accuracy", "citation"),
    ("amount_exact", "amount"),
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
    "p50_latency_ms": "p50 latency (ms)",
    "p95_latency_ms": "p95 latency (ms)",
}


# -- comparing with the previous run ----------------------------------------------------------


def compare_runs(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Case by case and figure by figure: what got better, what got worse."""
    before = {c["id"]: c for c in previous.get("cases") or []}
    now = {c["id"]: c for c in current.get("cases") or []}
    regressed, fixed, still = [], [], []
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
        elif not case.get("passed"):
            still.append(entry)
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
    if figure in ("cases", "passed"):
        return f"{sign}{int(delta)}"
    return sign + (f"{delta:.1f}" if figure in LOWER_IS_BETTER else f"{delta:.3f}")


def _bounds(run: Mapping[str, Any], category: str | None = None) -> dict[str, dict]:
    return {
        c["figure"]: c
        for c in run.get("thresholds", {}).get("checks", [])
        if c.get("category") == category
    }


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


def _expect_text(expect: Mapping[str, Any]) -> str:
    return json.dumps(expect, ensure_ascii=False)


# -- the SVG chart ----------------------------------------------------------------------------

_SERIES = [
    ("now", "this run", "#2563eb"),
    ("previous", "previous run", "#9ca3af"),
    ("baseline", "naive baseline", "#f59e0b"),
]


def svg_chart(
    figures: Sequence[str],
    values: Mapping[str, Mapping[str, float | None]],
    bounds: Mapping[str, dict],
    *,
    scale_max: float | None = None,
    title: str = "",
) -> str:
    """Horizontal grouped bars, one group per figure; a red tick marks the threshold."""
    series = [s for s in _SERIES if any(values.get(s[0], {}).get(f) is not None for f in figures)]
    bar_h, gap, label_w, plot_w, right = 11, 10, 200, 460, 60
    group_h = bar_h * max(len(series), 1) + gap
    top = 34
    height = top + group_h * len(figures) + 10
    width = label_w + plot_w + right
    vmax = scale_max
    if vmax is None:
        candidates = [v.get(f) for v in values.values() for f in figures]
        candidates += [bounds[f]["bound"] for f in figures if f in bounds]
        vmax = max([c for c in candidates if c is not None] + [1.0]) * 1.1
    x = lambda v: label_w + plot_w * (v / vmax)  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">'
    ]
    out.append(f'<text x="0" y="14" class="charttitle">{html.escape(title)}</text>')
    lx = label_w
    for _key, name, color in series:
        out.append(
            f'<rect x="{lx}" y="22" width="10" height="8" fill="{color}"/>'
            f'<text x="{lx + 14}" y="30" class="legend">{html.escape(name)}</text>'
        )
        lx += 130
    out.append(
        f'<line x1="{label_w}" y1="{top - 2}" x2="{label_w}" y2="{height - 8}" stroke="#d1d5db"/>'
    )
    for i, figure in enumerate(figures):
        y0 = top + i * group_h
        out.append(
            f'<text x="{label_w - 6}" y="{y0 + group_h / 2}" text-anchor="end" '
            f'class="label">{html.escape(LABELS.get(figure, figure))}</text>'
        )
        for j, (key, _, color) in enumerate(series):
            v = values.get(key, {}).get(figure)
            y = y0 + j * bar_h
            if v is None:
                continue
            w = max(x(min(v, vmax)) - label_w, 1)
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{color}"><title>{html.escape(name_of(key))}: {fmt(v, figure)}'
                f"</title></rect>"
            )
            out.append(
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}" class="val">'
                f"{fmt(v, figure)}</text>"
            )
        if figure in bounds:
            bx = x(min(bounds[figure]["bound"], vmax))
            out.append(
                f'<line x1="{bx:.1f}" y1="{y0 - 2}" x2="{bx:.1f}" '
                f'y2="{y0 + group_h - gap + 2}" stroke="#dc2626" stroke-width="2">'
                f"<title>threshold {html.escape(bounds[figure]['rule'])}</title></line>"
            )
    out.append("</svg>")
    return "".join(out)


def name_of(key: str) -> str:
    return {k: n for k, n, _ in _SERIES}.get(key, key)


# -- HTML -------------------------------------------------------------------------------------

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","PingFang SC",
"Hiragino Sans GB","Microsoft YaHei",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
margin:24px auto;max-width:1100px;color:#111827;line-height:1.5;padding:0 16px}
h1{font-size:1.5em;margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;margin:8px 0;font-size:14px}
th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#15803d;font-weight:600}.bad{color:#b91c1c;font-weight:600}.na{color:#6b7280}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}
.banner.ok{background:#dcfce7;color:#14532d}.banner.bad{background:#fee2e2;color:#7f1d1d}
.banner.warn{background:#fef3c7;color:#78350f}
.better{color:#15803d}.worse{color:#b91c1c}
.case{border:1px solid #fecaca;border-left:4px solid #dc2626;border-radius:4px;padding:8px 12px;
margin:10px 0;background:#fffafa}
.case .q{font-weight:600}.case dt{font-weight:600;color:#374151}.case dd{margin:0 0 6px 0}
code{background:#f3f4f6;padding:0 3px;border-radius:3px}
svg{font-family:inherit;max-width:100%}svg .label{font-size:12px;fill:#111827}
svg .val{font-size:10px;fill:#374151}svg .legend{font-size:11px;fill:#374151}
svg .charttitle{font-size:13px;font-weight:600;fill:#111827}
details{margin:6px 0}summary{cursor:pointer}.meta{color:#6b7280;font-size:13px}
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _status(ok: bool | None, op: str = "min") -> str:
    if ok is None:
        return '<span class="na">n/a</span>'
    miss = "below" if op == "min" else "above"
    return '<span class="ok">✓ met</span>' if ok else f'<span class="bad">✗ {miss}</span>'


def render_html(run: Mapping[str, Any]) -> str:
    summary = run["summary"]
    base = run.get("baseline")
    prev = (run.get("previous") or {}).get("summary")
    changes = run.get("changes") or {}
    bounds = _bounds(run)
    meta = run.get("run", {})
    parts: list[str] = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Eval report 评测报告 — {_e(meta.get('timestamp', ''))}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Eval report 评测报告</h1>",
        f'<p class="meta">{_e(meta.get("timestamp", ""))} · target {_e(meta.get("target", ""))}'
        f" · gold {_e(', '.join(meta.get('gold', [])))} · {summary['cases']} cases"
        + (f" · limit {meta['limit']}" if meta.get("limit") else "")
        + (
            f" · previous run {_e(run['previous'].get('timestamp'))}"
            if run.get("previous")
            else " · no previous run to compare with"
        )
        + "</p>",
    ]
    # verdict first
    failed = run.get("thresholds", {}).get("failed", [])
    if failed:
        parts.append(
            '<div class="banner bad">✗ Thresholds not met 未达标: '
            + _e("; ".join(failed))
            + "</div>"
        )
    else:
        parts.append(
            '<div class="banner ok">✓ All thresholds met 全部达标 '
            f"({summary['passed']}/{summary['cases']} cases pass)</div>"
        )
    if changes.get("regressed"):
        ids = ", ".join(c["id"] for c in changes["regressed"])
        parts.append(
            f'<div class="banner bad">⚠ {len(changes["regressed"])} case(s) regressed '
            f'since the previous run 回退: {_e(ids)} — <a href="#changes">details</a></div>'
        )
    elif changes:
        parts.append(
            '<div class="banner ok">No case regressed since the previous run '
            f"({len(changes.get('fixed', []))} fixed).</div>"
        )

    # summary table
    parts.append(
        "<h2>Summary 概览</h2><table><tr><th>figure</th><th>this run</th>"
        "<th>threshold</th><th>status</th>"
        + ("<th>previous</th><th>change</th>" if prev else "")
        + (f"<th>baseline ({_e(base.get('name'))})</th>" if base else "")
        + "</tr>"
    )
    for key in SUMMARY_KEYS:
        b = bounds.get(key)
        row = (
            f"<tr><td>{_e(LABELS.get(key, key))}</td>"
            f'<td class="num"><b>{fmt(summary.get(key), key)}</b></td>'
            f"<td>{_e(b['rule'].split(' ', 1)[1]) if b else ''}</td>"
            f"<td>{_status(b['ok'], b['op']) if b else ''}</td>"
        )
        if prev:
            f = (changes.get("figures") or {}).get(key, {})
            cls = "better" if f.get("better") else "worse" if f.get("better") is False else ""
            row += (
                f'<td class="num">{fmt(prev.get(key), key)}</td>'
                f'<td class="num {cls}">{fmt_delta(f.get("delta"), key)}</td>'
            )
        if base:
            row += f'<td class="num">{fmt(base.get(key), key)}</td>'
        parts.append(row + "</tr>")
    parts.append("</table>")
    if summary.get("errors"):
        parts.append(
            f'<p class="bad">{summary["errors"]} case(s) got no answer at all (error).</p>'
        )

    # chart
    values = {"now": summary, "previous": prev or {}, "baseline": base or {}}
    parts.append("<h2>Figures against thresholds 指标与阈值</h2>")
    parts.append(
        svg_chart(
            RATE_FIGURES, values, bounds, scale_max=1.0, title="Rates (0–1), red tick = threshold"
        )
    )
    parts.append("<br>")
    parts.append(svg_chart(LATENCY_FIGURES, values, bounds, title="Latency (ms), lower is better"))

    # changes vs previous
    parts.append('<h2 id="changes">Changes since the previous run 与上次相比</h2>')
    if not changes:
        parts.append("<p>No previous run to compare with.</p>")
    else:
        parts.append(
            f"<p><span class='worse'>{len(changes['regressed'])} regressed</span> · "
            f"<span class='better'>{len(changes['fixed'])} fixed</span> · "
            f"{len(changes['still_failing'])} still failing · {len(changes['new'])} new · "
            f"{len(changes['removed'])} removed</p>"
        )
        for title, key, cls in (
            ("Regressed 回退 (passed before, fails now)", "regressed", "worse"),
            ("Fixed 修复 (failed before, passes now)", "fixed", "better"),
        ):
            if changes[key]:
                parts.append(
                    f"<h3 class='{cls}'>{title}</h3><table><tr><th>case</th>"
                    "<th>question</th><th>before</th><th>now</th></tr>"
                )
                for c in changes[key]:
                    parts.append(
                        f"<tr><td><code>{_e(c['id'])}</code></td><td>{_e(c['question'])}</td>"
                        f"<td>{_e('; '.join(c['before']) or 'pass')}</td>"
                        f"<td>{_e('; '.join(c['now']) or 'pass')}</td></tr>"
                    )
                parts.append("</table>")
        if changes.get("grounding_changed"):
            parts.append(
                "<h3>Ungrounded numbers changed</h3><table><tr><th>case</th><th>before</th>"
                "<th>now</th></tr>"
            )
            for c in changes["grounding_changed"]:
                parts.append(
                    f"<tr><td><code>{_e(c['id'])}</code></td>"
                    f"<td>{_e(', '.join(c['before']) or '—')}</td>"
                    f"<td>{_e(', '.join(c['now']) or '—')}</td></tr>"
                )
            parts.append("</table>")
        for key, label in (("new", "New cases"), ("removed", "Not in this run")):
            ids = changes[key]
            if ids:  # a --limit run leaves hundreds out; name a few, count the rest
                more = f" and {len(ids) - 30} more" if len(ids) > 30 else ""
                parts.append(f"<p class='meta'>{label}: {_e(', '.join(ids[:30]))}{more}</p>")

    # by category
    cats = summary.get("by_category") or {}
    base_cats = (base or {}).get("by_category") or {}
    parts.append(
        "<h2>By category 分类</h2><table><tr><th>category</th>"
        + "".join(f"<th>{_e(label)}</th>" for _, label in CATEGORY_COLUMNS)
        + ("<th>baseline pass rate</th>" if base else "")
        + "</tr>"
    )
    for cat, s in cats.items():
        cls = ' class="bad"' if s["passed"] < s["cases"] else ""
        parts.append(
            f"<tr><td{cls}>{_e(cat)}</td>"
            + "".join(f'<td class="num">{fmt(s.get(k), k)}</td>' for k, _ in CATEGORY_COLUMNS)
            + (
                f'<td class="num">{fmt(base_cats.get(cat, {}).get("pass_rate"))}</td>'
                if base
                else ""
            )
            + "</tr>"
        )
    parts.append("</table>")
    by_cat: dict[str, list[Mapping[str, Any]]] = {}
    for c in run["cases"]:
        by_cat.setdefault(c["category"], []).append(c)
    base_by_id = {c["id"]: c for c in run.get("baseline_cases") or []}
    for cat, cs in by_cat.items():
        npass = sum(c["passed"] for c in cs)
        parts.append(
            f"<details><summary><b>{_e(cat)}</b> — {npass}/{len(cs)} pass</summary>"
            "<table><tr><th>case</th><th>result</th><th>question</th><th>citations</th>"
            "<th>ms</th>" + ("<th>baseline</th>" if base else "") + "</tr>"
        )
        for c in cs:
            res = (
                '<span class="ok">pass</span>'
                if c["passed"]
                else ('<span class="bad">FAIL</span> ' + _e("; ".join(c["reasons"])))
            )
            b = base_by_id.get(c["id"])
            parts.append(
                f"<tr><td><code>{_e(c['id'])}</code></td><td>{res}</td>"
                f"<td>{_e(c['question'])}</td><td>{_e(', '.join(c['citations'][:3]))}</td>"
                f'<td class="num">{c["latency_ms"]:.0f}</td>'
                + (f"<td>{'pass' if b and b['passed'] else 'fail'}</td>" if base else "")
                + "</tr>"
            )
        parts.append("</table></details>")

    # failing cases
    failing = [c for c in run["cases"] if not c["passed"]]
    parts.append(f"<h2>Failing cases 未通过 ({len(failing)})</h2>")
    if not failing:
        parts.append("<p class='ok'>None.</p>")
    for c in failing:
        parts.append(
            '<div class="case">'
            f'<div class="q"><code>{_e(c["id"])}</code> [{_e(c["category"])}] '
            f"{_e(c['question'])}</div><dl>"
        )
        if c.get("history"):
            parts.append(f"<dt>earlier turns</dt><dd>{_e(' → '.join(c['history']))}</dd>")
        parts.append(
            f"<dt>why</dt><dd class='bad'>{'<br>'.join(_e(r) for r in c['reasons'])}</dd>"
            f"<dt>expected</dt><dd><code>{_e(_expect_text(c['expect']))}</code></dd>"
            f"<dt>got</dt><dd>answer: {_e(_excerpt(c.get('answer', '')))}<br>"
            f"refused: {_e(c.get('refused'))} · citations: "
            f"{_e(', '.join(c.get('citations', [])) or 'none')}<br>"
            f"award: {_e(_award_text(c.get('award')))}</dd>"
            f"<dt>source</dt><dd class='meta'>{_e(c.get('source', ''))}</dd></dl></div>"
        )

    # ungrounded numbers
    ungrounded = [c for c in run["cases"] if c.get("ungrounded")]
    parts.append(
        f"<h2>Numbers found in no cited clause or award trace 无据数字 ({len(ungrounded)})</h2>"
    )
    if not ungrounded:
        parts.append("<p class='ok'>Every number in every answer is grounded.</p>")
    else:
        parts.append(
            "<table><tr><th>case</th><th>numbers</th><th>citations</th><th>answer excerpt</th></tr>"
        )
        for c in ungrounded:
            parts.append(
                f"<tr><td><code>{_e(c['id'])}</code></td><td class='bad'>"
                f"{_e(', '.join(c['ungrounded']))}</td>"
                f"<td>{_e(', '.join(c['citations']))}</td>"
                f"<td>{_e(_excerpt(c.get('answer', ''), 200))}</td></tr>"
            )
        parts.append("</table>")

    if base:
        parts.append(
            "<h2>Baseline 基线</h2><p>The naive baseline is LangChain's textbook recipe: "
            "RecursiveCharacterTextSplitter (500/50) over the raw policy text, Chroma "
            "(cosine) with the same embedding model, top-3 chunks, the answer is the top "
            "chunk's text, no award computation, never refuses. Its citations are the "
            "clauses its chunks overlap, so citation figures compare directly.</p>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


# -- Markdown ---------------------------------------------------------------------------------


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(run: Mapping[str, Any]) -> str:
    summary = run["summary"]
    base = run.get("baseline")
    prev = (run.get("previous") or {}).get("summary")
    changes = run.get("changes") or {}
    bounds = _bounds(run)
    meta = run.get("run", {})
    lines = [
        "# Eval report 评测报告",
        "",
        f"{meta.get('timestamp', '')} · target {meta.get('target', '')} · "
        f"gold {', '.join(meta.get('gold', []))} · {summary['cases']} cases",
        "",
    ]
    failed = run.get("thresholds", {}).get("failed", [])
    lines.append(
        f"**✗ Thresholds not met:** {'; '.join(failed)}"
        if failed
        else f"**✓ All thresholds met** ({summary['passed']}/{summary['cases']} pass)"
    )
    if changes.get("regressed"):
        lines.append("")
        lines.append(
            f"**⚠ {len(changes['regressed'])} regressed since the previous run:** "
            + ", ".join(c["id"] for c in changes["regressed"])
        )
    lines += ["", "## Summary", ""]
    head = ["figure", "this run", "threshold", "status"]
    if prev:
        head += ["previous", "change"]
    if base:
        head.append(f"baseline ({base.get('name')})")
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in SUMMARY_KEYS:
        b = bounds.get(key)
        status = "" if not b else {True: "✓", False: "✗", None: "n/a"}[b["ok"]]
        row = [
            LABELS.get(key, key),
            f"**{fmt(summary.get(key), key)}**",
            b["rule"].split(" ", 1)[1] if b else "",
            status,
        ]
        if prev:
            row += [
                fmt(prev.get(key), key),
                fmt_delta((changes.get("figures") or {}).get(key, {}).get("delta"), key),
            ]
        if base:
            row.append(fmt(base.get(key), key))
        lines.append("| " + " | ".join(_md(c) for c in row) + " |")

    lines += ["", "## By category", ""]
    head = (
        ["category"]
        + [label for _, label in CATEGORY_COLUMNS]
        + (["baseline pass"] if base else [])
    )
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    base_cats = (base or {}).get("by_category") or {}
    for cat, s in (summary.get("by_category") or {}).items():
        row = [cat] + [fmt(s.get(k), k) for k, _ in CATEGORY_COLUMNS]
        if base:
            row.append(fmt(base_cats.get(cat, {}).get("pass_rate")))
        lines.append("| " + " | ".join(_md(c) for c in row) + " |")

    lines += ["", "## Changes since the previous run", ""]
    if not changes:
        lines.append("No previous run to compare with.")
    else:
        lines.append(
            f"{len(changes['regressed'])} regressed · {len(changes['fixed'])} fixed · "
            f"{len(changes['still_failing'])} still failing · {len(changes['new'])} new · "
            f"{len(changes['removed'])} removed"
        )
        for title, key in (("Regressed", "regressed"), ("Fixed", "fixed")):
            if changes[key]:
                lines += [
                    "",
                    f"### {title}",
                    "",
                    "| case | question | before | now |",
                    "|---|---|---|---|",
                ]
                for c in changes[key]:
                    lines.append(
                        f"| `{c['id']}` | {_md(c['question'])} | "
                        f"{_md('; '.join(c['before']) or 'pass')} | "
                        f"{_md('; '.join(c['now']) or 'pass')} |"
                    )

    failing = [c for c in run["cases"] if not c["passed"]]
    lines += ["", f"## Failing cases ({len(failing)})", ""]
    if not failing:
        lines.append("None.")
    for c in failing:
        lines += [f"### `{c['id']}` [{c['category']}] {c['question']}", ""]
        if c.get("history"):
            lines.append(f"- earlier turns: {' → '.join(c['history'])}")
        lines += [
            f"- why: {'; '.join(c['reasons'])}",
            f"- expected: `{_expect_text(c['expect'])}`",
            f"- got: {_excerpt(c.get('answer', ''))}",
            f"- refused: {c.get('refused')} · citations: "
            f"{', '.join(c.get('citations', [])) or 'none'}",
            f"- award: {_award_text(c.get('award'))}",
            f"- source: {c.get('source', '')}",
            "",
        ]
    ungrounded = [c for c in run["cases"] if c.get("ungrounded")]
    lines += ["", f"## Ungrounded numbers ({len(ungrounded)})", ""]
    for c in ungrounded:
        lines.append(
            f"- `{c['id']}`: {', '.join(c['ungrounded'])} (cited: "
            f"{', '.join(c['citations']) or 'none'})"
        )
    if not ungrounded:
        lines.append("Every number in every answer is grounded.")
    return "\n".join(lines) + "\n"


def write_report(run: Mapping[str, Any], folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    html_path, md_path = folder / "report.html", folder / "report.md"
    html_path.write_text(render_html(run), "utf-8")
    md_path.write_text(render_markdown(run), "utf-8")
    return html_path, md_path
