"""Scoring one answer against one gold case, and the figures over many.

Pure functions over plain data so they can be tested without a model. An answer is the
CONTRACT §2 object as a dict (``Answer.model_dump()`` or the JSON of ``POST /api/ask``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from evals.answer_checks import (
    answer_awards,
    asks_about_applying,
    context_scores,
    display_amount,
    first_sentence,
    grounding_sources,
    missing_includes,
    notes_validity,
    stated_amount,
    states_amount,
    wrong_amounts,
)
from evals.cases import GoldCase
from evals.figures import extract_figures, ungrounded_figures
from evals.ranking import (
    CITATION_TOP,
    first_rank,
    hit_at,
    normalise_ref,
    reciprocal_rank,
)
from evals.stats import percentile

# The names other modules import from here (the parts live in answer_checks, figures, ranking).
__all__ = [
    "COUNT_FIGURES",
    "LOWER_IS_BETTER",
    "SUMMARY_KEYS",
    "CaseResult",
    "context_scores",
    "display_amount",
    "extract_figures",
    "first_rank",
    "first_sentence",
    "hit_at",
    "missing_includes",
    "normalise_ref",
    "reciprocal_rank",
    "score_case",
    "summarise",
    "ungrounded_figures",
    "wrong_amounts",
]

# -- one case -----------------------------------------------------------------------------------


@dataclass
class CaseResult:
    id: str
    category: str
    question: str
    history: list[str]
    passed: bool
    reasons: list[str] = field(default_factory=list)
    expect: dict[str, Any] = field(default_factory=dict)
    # what came back
    answer: str = ""
    refused: bool | None = None
    citations: list[str] = field(default_factory=list)
    award: dict[str, Any] | None = None
    error: str | None = None
    latency_ms: float = 0.0
    # derived
    citation_rank: int | None = None
    citation_ok: bool | None = None  # None = not checked
    award_ok: bool | None = None
    refusal_ok: bool | None = None
    includes_ok: bool | None = None
    figures: int = 0
    ungrounded: list[str] = field(default_factory=list)
    context_precision: float | None = None  # None = the case names no relevant clause
    context_recall: float | None = None
    awards: list[dict[str, Any]] = field(default_factory=list)
    wrong_amounts: list[int] = field(default_factory=list)
    conclusion_first: bool | None = None  # None = not an award answer with an amount
    validity_noted: bool | None = None  # None = not about awards, applying or departments
    source: str = "unspecified"  # written / reviewed / fresh / dev
    date: str | None = None
    location: str = ""  # file:line

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _fmt_ids(ids: Sequence[str]) -> str:
    return "[" + ", ".join(ids) + "]"


def score_case(
    case: GoldCase,
    answer: Mapping[str, Any] | None,
    *,
    latency_ms: float = 0.0,
    error: str | None = None,
    default_slug: str | None = None,
    extra_facts: Iterable[Decimal] = (),
    validity_markers: Sequence[str] = (),
) -> CaseResult:
    """Check one answer (a CONTRACT §2 dict) against one case; ``error`` = no answer at all.

    ``validity_markers``: the policy's dates as answers write them (2025年6月1日), which
    count as stating its validity besides the words of ``VALIDITY_WORDS``."""
    exp = case.expect
    result = CaseResult(
        id=case.id,
        category=case.category,
        question=case.last_question,
        history=case.history,
        passed=False,
        expect=exp.model_dump(exclude_none=True),
        latency_ms=round(latency_ms, 1),
        source=case.source or "unspecified",
        date=case.date,
        location=case.location,
    )
    award_case = any(a > 0 for a in exp.expected_amounts)
    if answer is None:
        result.error = error or "no answer"
        result.reasons.append(f"error: {result.error}")
        # Every applicable check failed; the figures must count it against the system.
        result.citation_ok = False if (exp.citations_any or exp.refuse) else None
        result.award_ok = False if case.checks_award else None
        result.refusal_ok = False if exp.refuse is not None else None
        result.includes_ok = False if exp.must_include else None
        if exp.citations_any:
            result.context_precision, result.context_recall = 0.0, 0.0
        result.conclusion_first = False if award_case else None
        result.validity_noted = False if asks_about_applying(case) else None
        return result

    text = answer.get("answer") or ""
    result.answer = text
    result.refused = bool(answer.get("refused"))
    result.citations = [str(c.get("id", "")) for c in answer.get("citations") or []]
    result.award = answer.get("award")
    awards = answer_awards(answer)
    result.awards = [dict(a) for a in awards]
    reasons = result.reasons

    # citations
    if exp.citations_any:
        rank = first_rank(exp.citations_any, result.citations, default_slug)
        result.citation_rank = rank
        result.citation_ok = hit_at(rank, CITATION_TOP)
        if not result.citation_ok:
            reasons.append(
                f"citation: expected one of {_fmt_ids(exp.citations_any)} in top {CITATION_TOP}, "
                f"got {_fmt_ids(result.citations[:CITATION_TOP])}"
                + (f" (found at rank {rank})" if rank else "")
            )
        result.context_precision, result.context_recall = context_scores(
            exp.citations_any, result.citations, default_slug
        )
    elif exp.refuse:
        # CONTRACT §2: a refusal cites nothing.
        result.citation_ok = not result.citations
        if not result.citation_ok:
            reasons.append(
                f"citation: a refusal should cite nothing, got {_fmt_ids(result.citations)}"
            )

    # must_include
    if exp.must_include:
        missing = missing_includes(text, exp.must_include)
        result.includes_ok = not missing
        if missing:
            reasons.append(f"must_include: answer lacks {missing}")

    # award
    if exp.no_amount:
        stated = [v for v in (stated_amount(a) for a in awards) if v is not None]
        result.award_ok = not stated
        if stated:
            reasons.append(f"award: expected no amount (a question back), got {stated}")
    elif case.checks_award:
        award = result.award or {}
        ok = True
        if not result.award:
            ok = False
            pairs = (
                ("amount_yuan", exp.amount_yuan),
                ("amounts_yuan", exp.amounts_yuan),
                ("eligible", exp.eligible),
            )
            want = {k: v for k, v in pairs if v is not None}
            reasons.append(f"award: expected {want}, got no award")
        else:
            if exp.amount_yuan is not None and award.get("amount_yuan") != exp.amount_yuan:
                ok = False
                reasons.append(
                    f"amount: expected {exp.amount_yuan} yuan, got {award.get('amount_yuan')}"
                    + (f" (missing {award.get('missing')})" if award.get("missing") else "")
                )
            if exp.eligible is not None and award.get("eligible") != exp.eligible:
                ok = False
                reasons.append(f"eligible: expected {exp.eligible}, got {award.get('eligible')}")
        if exp.amounts_yuan and awards:  # no award at all is said once, above
            stated = [stated_amount(a) for a in awards]
            absent = [a for a in exp.amounts_yuan if a not in stated]
            if absent:
                ok = False
                reasons.append(
                    f"amounts: expected {exp.amounts_yuan} yuan among the awards, got "
                    f"{stated} (missing {absent})"
                )
        result.award_ok = ok
    result.wrong_amounts = wrong_amounts(case, answer)

    # the figures that are reported (and gated by thresholds) but not part of pass/fail
    if award_case:
        opening = first_sentence(text)
        result.conclusion_first = any(
            states_amount(opening, a) for a in exp.expected_amounts if a > 0
        )
    if asks_about_applying(case):
        result.validity_noted = notes_validity(text, validity_markers)

    # refusal
    if exp.refuse is not None:
        result.refusal_ok = result.refused == exp.refuse
        if not result.refusal_ok:
            reasons.append(
                "refusal: expected a refusal, got an answer"
                if exp.refuse
                else "refusal: expected an answer, got a refusal"
            )

    # numeric grounding: reported and gated by its own threshold, not part of pass/fail
    sources, extra = grounding_sources(case, answer)
    figures, bad = ungrounded_figures(text, sources, [*extra, *extra_facts])
    result.figures = len(figures)
    result.ungrounded = list(dict.fromkeys(f.text for f in bad))

    result.passed = not reasons
    return result


# -- many cases ---------------------------------------------------------------------------------

SUMMARY_KEYS = (
    "cases",
    "passed",
    "pass_rate",
    "retrieval_hit_at_1",
    "retrieval_hit_at_3",
    "mrr",
    "citation_accuracy",
    "amount_exact",
    "refusal_accuracy",
    "numeric_grounding_rate",
    "context_precision",
    "context_recall",
    "wrong_amounts",
    "conclusion_first",
    "validity_noted",
    "p50_latency_ms",
    "p95_latency_ms",
)
# Higher is better for every figure except latency and the count of wrong amounts.
LOWER_IS_BETTER = frozenset({"p50_latency_ms", "p95_latency_ms", "wrong_amounts"})
COUNT_FIGURES = frozenset({"cases", "passed", "wrong_amounts"})


def _share(flags: Iterable[bool | None]) -> float | None:
    checked = [f for f in flags if f is not None]
    return round(sum(checked) / len(checked), 4) if checked else None


def _mean(values: Iterable[float | None]) -> float | None:
    checked = [v for v in values if v is not None]
    return round(sum(checked) / len(checked), 4) if checked else None


def _groups(results: Sequence[CaseResult], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[CaseResult]] = {}
    for r in results:
        groups.setdefault(str(getattr(r, key)), []).append(r)
    return {name: summarise(rs, by_category=False) for name, rs in sorted(groups.items())}


def summarise(results: Sequence[CaseResult], *, by_category: bool = True) -> dict[str, Any]:
    """The CONTRACT §4 summary figures; a figure with no applicable case is ``None``."""
    n = len(results)
    passed = sum(r.passed for r in results)
    ranked = [r for r in results if r.expect.get("citations_any")]
    figures = sum(r.figures for r in results)
    ungrounded = sum(len(r.ungrounded) for r in results)
    # Count repeated offending numbers once per case, like the per-case list shows.
    latencies = [r.latency_ms for r in results if r.error is None]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    summary: dict[str, Any] = {
        "cases": n,
        "passed": passed,
        "pass_rate": round(passed / n, 4) if n else None,
        "retrieval_hit_at_1": _share(hit_at(r.citation_rank, 1) for r in ranked),
        "retrieval_hit_at_3": _share(hit_at(r.citation_rank, 3) for r in ranked),
        "mrr": round(sum(reciprocal_rank(r.citation_rank) for r in ranked) / len(ranked), 4)
        if ranked
        else None,
        "citation_accuracy": _share(r.citation_ok for r in results),
        "amount_exact": _share(r.award_ok for r in results),
        "refusal_accuracy": _share(r.refusal_ok for r in results),
        "numeric_grounding_rate": round(1 - ungrounded / figures, 4) if figures else None,
        "context_precision": _mean(r.context_precision for r in results),
        "context_recall": _mean(r.context_recall for r in results),
        "wrong_amounts": sum(bool(r.wrong_amounts) for r in results),
        "wrong_amount_cases": [r.id for r in results if r.wrong_amounts],
        "conclusion_first": _share(r.conclusion_first for r in results),
        "validity_noted": _share(r.validity_noted for r in results),
        "p50_latency_ms": round(p50, 1) if p50 is not None else None,
        "p95_latency_ms": round(p95, 1) if p95 is not None else None,
        "errors": sum(r.error is not None for r in results),
        "numbers_checked": figures,
        "numbers_ungrounded": ungrounded,
    }
    if by_category:
        summary["by_category"] = _groups(results, "category")
        summary["by_source"] = _groups(results, "source")
    return summary
