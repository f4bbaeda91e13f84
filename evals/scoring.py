"""Scoring one answer against one gold case, and the figures over many.

Pure functions over plain data so they can be tested without a model. An answer is the
CONTRACT §2 object as a dict (``Answer.model_dump()`` or the JSON of ``POST /api/ask``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.awards.format import format_money
from assistant.numbers import chinese_numeral_or_none
from evals.cases import GoldCase
from evals.stats import percentile

CITATION_TOP = 3  # CONTRACT §3: one of citations_any among the first 3 citations

# -- clause ids ---------------------------------------------------------------------------------


def normalise_ref(ref: str, default_slug: str | None = None) -> str:
    """Width-insensitive ids: ``二.（二）`` == ``二.(二)``; ``<default slug>:四.1`` == ``四.1``."""
    ref = unicodedata.normalize("NFKC", ref).strip().replace(" ", "")
    if default_slug and ref.startswith(default_slug + ":"):
        ref = ref[len(default_slug) + 1 :]
    return ref


def first_rank(
    expected: Iterable[str], cited: Sequence[str], default_slug: str | None = None
) -> int | None:
    """1-based position of the first citation that is one of ``expected``; None if absent."""
    want = {normalise_ref(e, default_slug) for e in expected}
    for i, ref in enumerate(cited, start=1):
        if normalise_ref(ref, default_slug) in want:
            return i
    return None


def hit_at(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / rank


# -- answer text --------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def strip_spaces(text: str) -> str:
    """CONTRACT §3 compares must_include after removing spaces (any Unicode whitespace)."""
    return _SPACES.sub("", text.replace("\u3000", ""))


def missing_includes(answer: str, must_include: Iterable[str]) -> list[str]:
    flat = strip_spaces(answer)
    return [s for s in must_include if strip_spaces(s) not in flat]


# -- numbers and numeric grounding ------------------------------------------------------------
#
# A number is compared by value and kind, so "320万元", "320万" and "3200000元" are the same
# figure and "40%" equals "百分之四十", while "40%" never equals "40万元". Clause numbering
# (四.10, 第10条, （二）, list markers "1."), the policy slug, product names (5G, 4K) and the
# 12345 hotline are not figures and are skipped. Chinese numerals count only where they
# quantify (followed by a unit such as 元/年/家/个, or after 百分之): "一批", "新一代",
# "万企上云", "两化融合" and "百强" are words, not figures, and a lone 一 is never a figure.

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "亿": 10**8}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL) + "".join(_CN_BIG)

# Units after a Chinese numeral that make it a quantity.
_CN_UNITS = "元年个家项倍次台套名月日天岁位户条件人%％"

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_MULT = r"[十百千]?[万亿]*"  # 3千万, 2.5亿, 8000亿, 320万
_PERCENT = r"%|％|个百分点"

_TOKEN = re.compile(
    rf"(?P<pctcn>百分之(?P<pctnum>[{_CN_CHARS}点]+))"
    rf"|(?P<arabic>{_ARABIC})(?P<amult>{_MULT})(?P<apct>{_PERCENT})?"
    rf"|(?P<cn>[{_CN_CHARS}]+(?:点[{''.join(_CN_DIGITS)}]+)?)"
    rf"(?P<cpct>{_PERCENT})?"
)

# Spans blanked out before extraction (replaced by spaces to keep offsets).
_NOT_FIGURES = [
    re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+:"),  # policy slug in qualified ids
    # clause ids: 四.10, 二.(二)
    re.compile(r"[一二三四五六七八九十]+[.．](?:\d+|[(（][一二三四五六七八九十]+[)）])"),
    re.compile(rf"第[\d{_CN_CHARS}]+(?:部分|条|项|款|章|节|点|批|次|届|个)?"),  # 第10条, 第四部分
    re.compile(r"[(（](?:\d+|[一二三四五六七八九十]+)[)）]"),  # (一), （2）
    re.compile(r"(?m)^\s*(?:\d+|[一二三四五六七八九十]+)[.．、)）](?!\d)"),  # list markers "1."
    re.compile(r"\[\d+\]"),  # footnote markers
    re.compile(r"[A-Za-z]+\d+[A-Za-z\d]*|\d+[A-Za-z]+[A-Za-z\d]*"),  # 5G, 4K, e5, MP3
    # the 12345 government-service hotline, a phone number rather than a figure
    re.compile(r"(?<![\d.,])12345(?![\d.,万亿千百十%元])"),
]


@dataclass(frozen=True)
class Figure:
    """One number as written, with its value normalised for comparison."""

    text: str
    value: Decimal
    kind: str  # "num" or "pct"


def _multiplier(mult: str) -> int:
    m = 1
    for ch in mult:
        m *= {**_CN_SMALL, **_CN_BIG}[ch]
    return m


_JOINERS = re.compile(r"\s*(?:[、，,/或和及与至到~～\-－—]|以及)\s*")


def _blank(text: str) -> str:
    for pattern in _NOT_FIGURES:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def extract_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, in order (see the comment above for what counts)."""
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text)  # full-width digits and ％ to ASCII
    blanked = _blank(text)
    # (figure text, mantissa, multiplier-or-None, kind, start, end)
    raw: list[tuple[str, Decimal, int | None, str, int, int]] = []
    for m in _TOKEN.finditer(blanked):
        start, end = m.span()
        if m.group("pctcn"):
            value = chinese_numeral_or_none(m.group("pctnum"))
            if value is not None:
                raw.append((m.group(0), value, 1, "pct", start, end))
            continue
        if m.group("arabic"):
            try:
                mantissa = Decimal(m.group("arabic").replace(",", ""))
            except InvalidOperation:
                continue
            mult = m.group("amult")
            kind = "pct" if m.group("apct") else "num"
            factor = _multiplier(mult) if mult else None
            raw.append((m.group(0), mantissa, factor, kind, start, end))
            continue
        cn = m.group("cn")
        value = chinese_numeral_or_none(cn)
        if value is None or cn == "一":
            continue
        # 万企, 百强, 千亿级: multipliers without a digit are words (十年 is still ten years).
        if not any(ch in _CN_DIGITS for ch in cn) and not cn.startswith("十"):
            continue
        after = blanked[end : end + 1]
        if m.group("cpct"):
            raw.append((m.group(0), value, 1, "pct", start, end))
        elif (after and after in _CN_UNITS) or (cn[-1] in _CN_BIG and len(cn) > 1):
            raw.append((m.group(0), value, 1, "num", start, end))
    # "30、50、100万元" and "10或20%": a bare number joined to the next one takes its unit
    # and kind (right to left, so a whole list inherits from its last member).
    effective: list[tuple[int | None, str]] = [(None, "num")] * len(raw)
    for i in range(len(raw) - 1, -1, -1):
        _, _, mult, kind, _, end = raw[i]
        if mult is None and kind == "num" and i + 1 < len(raw):
            next_mult, next_kind = effective[i + 1]
            joined = _JOINERS.fullmatch(blanked[end : raw[i + 1][4]]) is not None
            if joined and (next_mult is not None or next_kind == "pct"):
                mult, kind = next_mult, next_kind
        effective[i] = (mult, kind)
    return [
        Figure(text_i, (mantissa * (mult or 1)).normalize(), kind)
        for (text_i, mantissa, _, _, _, _), (mult, kind) in zip(raw, effective, strict=True)
    ]


def figure_values(texts: Iterable[str]) -> set[tuple[Decimal, str]]:
    values: set[tuple[Decimal, str]] = set()
    for t in texts:
        for f in extract_figures(t):
            values.add((f.value, f.kind))
    return values


def ungrounded_figures(
    answer: str, sources: Iterable[str], extra: Iterable[Decimal] = ()
) -> tuple[list[Figure], list[Figure]]:
    """(all figures in the answer, those found in no source); ``extra`` = known plain values."""
    allowed = figure_values(sources)
    allowed |= {(Decimal(v).normalize(), "num") for v in extra}
    found = extract_figures(answer)
    return found, [f for f in found if (f.value, f.kind) not in allowed]


def grounding_sources(case: GoldCase, answer: Mapping[str, Any]) -> tuple[list[str], list[Decimal]]:
    """What an answer's numbers may come from: the cited clauses, the award trace, and what
    the user said (echoing the user's own figure is not an invention)."""
    texts = [c.get("text", "") or "" for c in answer.get("citations") or []]
    texts += [c.get("title", "") or "" for c in answer.get("citations") or []]
    # every award of the answer (several in one question), and their total
    awards = [a for a in answer_awards(answer) if isinstance(a, Mapping)]
    extra: list[Decimal] = []
    for award in awards:
        for key in ("steps", "assumptions", "missing"):
            texts += [s for s in award.get(key) or [] if isinstance(s, str)]
        if isinstance(award.get("amount_yuan"), int):
            extra.append(Decimal(award["amount_yuan"]))
    if len(extra) > 1:
        extra.append(sum(extra, Decimal(0)))
    texts.append(case.last_question)
    texts += case.history
    return texts, extra


# -- the figures an evaluator of a policy assistant asks for ----------------------------------


def context_scores(
    expected: Iterable[str], cited: Sequence[str], default_slug: str | None = None
) -> tuple[float, float]:
    """ID-based context precision and recall, as ragas defines them over clause ids.

    The relevant set is the case's ``citations_any``. Precision is the share of the distinct
    ids among the first ``CITATION_TOP`` citations that are relevant (0 when nothing is cited);
    recall is 1 when any relevant id is cited at all, since the case asks for one of them.
    """
    want = {normalise_ref(e, default_slug) for e in expected}
    top = {normalise_ref(r, default_slug) for r in cited[:CITATION_TOP]}
    everything = {normalise_ref(r, default_slug) for r in cited}
    precision = len(top & want) / len(top) if top else 0.0
    recall = 1.0 if everything & want else 0.0
    return precision, recall


def answer_awards(answer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The answer's awards (CONTRACT §2 ``awards``); an old server sends only ``award``."""
    awards = answer.get("awards")
    if awards is None or (not awards and answer.get("award")):
        return [answer["award"]] if answer.get("award") else []
    return [a for a in awards if isinstance(a, Mapping)]


def stated_amount(award: Mapping[str, Any] | None) -> int | None:
    """The amount an award states: an integer (0 when ruled out), or None when it asks back."""
    if not award:
        return None
    value = award.get("amount_yuan")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def wrong_amounts(case: GoldCase, answer: Mapping[str, Any]) -> list[int]:
    """Amounts the answer states that differ from the expected ones (empty = none wrong).

    Only a stated number can be wrong: an award that asks back (amount null) or no award at
    all is a miss, counted by amount_exact, not here. With ``amount_yuan`` the first award
    (``award``) is compared; with ``amounts_yuan``, when an expected amount is missing from the
    awards, every stated amount outside the list is wrong (an extra award next to all the
    expected ones is not). A case that expects no number checks nothing here.
    """
    exp = case.expect
    wrong: list[int] = []
    if exp.amount_yuan is not None:
        first = answer.get("award") or (answer_awards(answer) or [None])[0]
        value = stated_amount(first)
        if value is not None and value != exp.amount_yuan:
            wrong.append(value)
    if exp.amounts_yuan:
        stated = [stated_amount(a) for a in answer_awards(answer)]
        allowed = set(exp.expected_amounts)
        # An extra award beside every expected amount passes (CONTRACT §3) and is not wrong;
        # a stated number is wrong when it stands where an expected amount is missing.
        if any(a not in stated for a in exp.amounts_yuan):
            for value in stated:
                if value is not None and value not in allowed and value not in wrong:
                    wrong.append(value)
    return wrong


def display_amount(yuan: int) -> str:
    """How an answer writes an amount: 320万 (from 1万 up), 3500元 below (gold README)."""
    return format_money(yuan).replace("万元", "万")


_SENTENCE_END = re.compile(r"[。！？!?\n]")


def first_sentence(text: str) -> str:
    for part in _SENTENCE_END.split(text or ""):
        if part.strip():
            return part
    return ""


def states_amount(sentence: str, yuan: int) -> bool:
    """The sentence contains the amount in display form (320万, 3500元) or its value."""
    if strip_spaces(display_amount(yuan)) in strip_spaces(sentence):
        return True
    return any(f.kind == "num" and f.value == Decimal(yuan) for f in extract_figures(sentence))


# Words that state a policy's validity status; the policy's own dates are added by the caller.
VALIDITY_WORDS = ("有效期", "失效", "过期", "到期", "废止")
# A question about applying or whom to ask (the validity matters to whoever means to apply).
_APPLYING = re.compile(r"申请|申报|申领|办理|兑现|部门|单位|找谁|哪里|怎么领|去哪")


def asks_about_applying(case: GoldCase) -> bool:
    """Awards, applying, departments: the answers that must say whether the policy is in force."""
    if case.expect.refuse:
        return False
    category = case.category.lower()
    return (
        case.checks_award
        or category.startswith("award")
        or category.startswith("department")
        or _APPLYING.search(case.last_question) is not None
    )


def notes_validity(answer_text: str, markers: Iterable[str] = ()) -> bool:
    flat = strip_spaces(answer_text)
    return any(strip_spaces(m) in flat for m in (*VALIDITY_WORDS, *markers) if m.strip())


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
    if case.checks_award:
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
