"""The figures' names and number formats, shared by the report and its chart."""

from __future__ import annotations

from typing import Any

from evals.scoring import COUNT_FIGURES, LOWER_IS_BETTER, SUMMARY_KEYS

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
