"""Scoring functions of the eval runner: pure, no model needed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evals.cases import GoldCase
from evals.scoring import (
    extract_figures,
    first_rank,
    hit_at,
    missing_includes,
    normalise_ref,
    reciprocal_rank,
    score_case,
    summarise,
    ungrounded_figures,
)
from evals.stats import percentile

SLUG = "zhengzhou-ngit-2022"


def case(**kw) -> GoldCase:
    kw.setdefault("id", "c1")
    kw.setdefault("question", "问题")
    return GoldCase.model_validate(kw)


def answer(text="", citations=(), award=None, refused=False) -> dict:
    return {
        "question": "问题",
        "answer": text,
        "refused": refused,
        "citations": [
            c
            if isinstance(c, dict)
            else {"id": c, "policy": SLUG, "title": "", "text": "", "departments": [], "score": 0.5}
            for c in citations
        ],
        "award": award,
        "latency_ms": 1.0,
    }


# -- ranks ------------------------------------------------------------------------------------


def test_first_rank_and_hits():
    cited = ["四.12", "四.13", "四.10", "四.11"]
    assert first_rank(["四.10"], cited) == 3
    assert first_rank(["四.11", "四.13"], cited) == 2  # the earliest of any expected id
    assert first_rank(["三.7"], cited) is None
    assert hit_at(1, 1) and hit_at(3, 3) and not hit_at(4, 3) and not hit_at(None, 3)
    assert reciprocal_rank(None) == 0.0
    assert reciprocal_rank(4) == 0.25


def test_ids_compare_width_and_slug_insensitively():
    assert normalise_ref("二.（二）") == "二.(二)"
    assert normalise_ref(f"{SLUG}:四.1", SLUG) == "四.1"
    assert normalise_ref("other-policy:四.1", SLUG) == "other-policy:四.1"
    assert first_rank(["二.(二)"], ["一", "二.（二）"]) == 2
    # an id of another policy is not the default policy's clause
    assert first_rank(["四.1"], ["other-policy:四.1"], SLUG) is None


def test_mrr_counts_only_cases_with_expected_citations():
    results = [
        score_case(case(id="a", expect={"citations_any": ["四.10"]}), answer(citations=["四.10"])),
        score_case(
            case(id="b", expect={"citations_any": ["四.10"]}), answer(citations=["四.1", "四.10"])
        ),
        score_case(
            case(id="c", expect={"citations_any": ["四.10"]}),
            answer(citations=["四.1", "四.2", "四.3", "四.10"]),
        ),
        # no citation expectation: excluded from hit@k and MRR
        score_case(case(id="d", expect={"refuse": False}), answer(citations=["一"])),
    ]
    s = summarise(results)
    assert s["retrieval_hit_at_1"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["retrieval_hit_at_3"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["mrr"] == pytest.approx((1 + 0.5 + 0.25) / 3, abs=1e-4)
    assert s["citation_accuracy"] == pytest.approx(2 / 3, abs=1e-4)


def test_citation_reason_is_specific():
    r = score_case(
        case(expect={"citations_any": ["四.10"]}),
        answer(citations=["四.12", "四.13", "四.9", "四.10"]),
    )
    assert not r.passed
    assert r.reasons == [
        "citation: expected one of [四.10] in top 3, got [四.12, 四.13, 四.9] (found at rank 4)"
    ]


# -- must_include -----------------------------------------------------------------------------


def test_must_include_ignores_spaces():
    assert missing_includes("可补助 320 万元", ["320万", "补助"]) == []
    assert missing_includes("可补助320万元", ["320 万"]) == []  # spaces in the expectation too
    assert missing_includes("可补助\u3000320\n万元", ["320万"]) == []
    assert missing_includes("可补助300万元", ["320万", "补助"]) == ["320万"]
    r = score_case(case(expect={"must_include": ["320万", "市工信局"]}), answer("补助320 万元"))
    assert not r.passed and r.reasons == ["must_include: answer lacks ['市工信局']"]


# -- award ------------------------------------------------------------------------------------


AWARD = {
    "rule": "四.10",
    "eligible": True,
    "amount_yuan": 3_200_000,
    "steps": ["800万元 × 40% = 320万元"],
    "assumptions": [],
    "missing": [],
}


def test_amount_null_means_not_checked():
    c = case(expect={"amount_yuan": None, "eligible": None, "citations_any": ["四.10"]})
    r = score_case(c, answer("", ["四.10"], award=None))
    assert r.passed and r.award_ok is None
    assert summarise([r])["amount_exact"] is None  # no case applies


def test_amount_compared_exactly():
    ok = score_case(case(expect={"amount_yuan": 3_200_000, "eligible": True}), answer(award=AWARD))
    assert ok.passed and ok.award_ok
    off = score_case(case(expect={"amount_yuan": 3_200_001}), answer(award=AWARD))
    assert not off.passed
    assert off.reasons == ["amount: expected 3200001 yuan, got 3200000"]
    none = score_case(case(expect={"amount_yuan": 3_200_000}), answer(award=None))
    assert not none.passed and "got no award" in none.reasons[0]
    inel = score_case(case(expect={"eligible": False}), answer(award=AWARD))
    assert inel.reasons == ["eligible: expected False, got True"]
    # eligible alone checked; the amount then is not
    only = score_case(case(expect={"eligible": True}), answer(award={**AWARD, "amount_yuan": 1}))
    assert only.passed
    s = summarise([ok, off, none, inel, only])
    assert s["amount_exact"] == pytest.approx(2 / 5)


def test_no_amount_expects_a_question_back():
    want = case(expect={"no_amount": True})
    asked = score_case(want, answer(award={**AWARD, "amount_yuan": None}))
    assert asked.passed and asked.award_ok and not asked.wrong_amounts
    nothing = score_case(want, answer(award=None))
    assert nothing.passed
    stated = score_case(want, answer(award=AWARD))
    assert not stated.passed and stated.wrong_amounts == [3_200_000]
    assert "expected no amount" in stated.reasons[0]
    assert summarise([asked, nothing, stated])["wrong_amounts"] == 1


# -- refusal ----------------------------------------------------------------------------------


def test_refusal_checks():
    good = score_case(case(expect={"refuse": True}), answer("请咨询12345热线", refused=True))
    assert good.passed and good.refusal_ok and good.citation_ok
    cites = score_case(case(expect={"refuse": True}), answer("…", ["四.1"], refused=True))
    assert not cites.passed
    assert cites.reasons == ["citation: a refusal should cite nothing, got [四.1]"]
    missed = score_case(case(expect={"refuse": True}), answer("…"))
    assert missed.reasons == ["refusal: expected a refusal, got an answer"]
    over = score_case(case(expect={"refuse": False}), answer("…", refused=True))
    assert over.reasons == ["refusal: expected an answer, got a refusal"]
    assert summarise([good, cites, missed, over])["refusal_accuracy"] == 0.5


def test_no_answer_fails_every_applicable_check():
    c = case(expect={"citations_any": ["四.10"], "amount_yuan": 1, "refuse": False})
    r = score_case(c, None, error="QuestionError: 问题为空")
    assert not r.passed and r.reasons == ["error: QuestionError: 问题为空"]
    s = summarise([r])
    assert s["retrieval_hit_at_3"] == 0 and s["amount_exact"] == 0 and s["refusal_accuracy"] == 0
    assert s["errors"] == 1 and s["p50_latency_ms"] is None


def test_by_category_and_percentiles():
    rs = [
        score_case(
            case(id=f"a{i}", category="award", expect={"refuse": False}),
            answer(),
            latency_ms=float(i),
        )
        for i in range(1, 11)
    ] + [score_case(case(id="r", category="refusal", expect={"refuse": True}), answer())]
    s = summarise(rs)
    assert set(s["by_category"]) == {"award", "refusal"}
    assert s["by_category"]["award"]["pass_rate"] == 1.0
    assert s["by_category"]["refusal"]["pass_rate"] == 0.0
    assert s["passed"] == 10 and s["cases"] == 11
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([float(i) for i in range(1, 101)], 95) == pytest.approx(95.05)
    assert percentile([], 50) is None


# -- numeric grounding -----------------------------------------------------------------------


def values(text: str) -> list[tuple[str, str]]:
    return [(str(f.value.normalize()), f.kind) for f in extract_figures(text)]


def test_amounts_normalise_across_styles():
    same = {str(Decimal(3_200_000).normalize())}
    for text in ("320万元", "320万", "3200000元", "3,200,000元", "三百二十万元"):
        assert {v for v, _ in values(text)} == same, text
    assert values("281.4万元") == [(str(Decimal("2814000").normalize()), "num")]
    assert values("2.5亿") == [(str(Decimal("250000000").normalize()), "num")]
    assert values("3千万") == [(str(Decimal("30000000").normalize()), "num")]


def test_percentages_are_their_own_kind():
    assert values("40%") == [("4E+1", "pct")]
    assert values("百分之四十") == [("4E+1", "pct")]
    assert values("40％") == [("4E+1", "pct")]
    assert values("每增长1个百分点") == [("1", "pct")]
    # 40% never grounds 40万元
    _, bad = ungrounded_figures("补助40万元", ["给予40%的补助"])
    assert [f.text for f in bad] == ["40万"]


def test_clause_numbering_and_names_are_not_figures():
    for text in (
        "第四部分第10条（四.10）",
        "见二.(二)和三.7",
        f"{SLUG}:四.12",
        "（一）支持企业做大做强",
        "1.加大龙头企业支持力度",
        "5G基站、4K/8K电视",
        "请拨打12345热线",
        "12345政务服务热线",
        "新一代信息技术",
        "一次性奖励",
        "万企上云上平台",
        "两化融合",
        "百强企业",
        "千亿级",
        "十大战略",
    ):
        assert values(text) == [], text


def test_chinese_quantities_count():
    assert values("有效期三年") == [("3", "num")]
    assert values("二〇二五年") == [("2025", "num")]
    assert values("十万家企业") == [("1E+5", "num")]


def test_enumerated_amounts_share_their_unit():
    # 四.15: 分别给予30、50、100万元 — 30 means 30万元
    _, bad = ungrounded_figures("省级智能车间奖励30万元", ["分别给予30、50、100万元一次性奖励"])
    assert bad == []
    _, bad = ungrounded_figures("奖励30元", ["分别给予30、50、100万元一次性奖励"])
    assert [f.text for f in bad] == ["30"]


def test_grounding_against_citations_award_and_question():
    c = case(question="我们首轮流片花了800万元，能补多少？", expect={"citations_any": ["四.10"]})
    cite = {
        "id": "四.10",
        "policy": SLUG,
        "title": "支持芯片企业首轮流片",
        "text": "给予工程产品首轮流片费用40%的补助,单个企业每年补助总额不超过500万元。",
        "departments": [],
        "score": 0.9,
    }
    text = "按首轮流片费用800万元的40%计算，可补助320万元（上限500万元），即3200000元。"
    r = score_case(c, answer(text, [cite], award=AWARD))
    assert r.figures == 5 and r.ungrounded == []
    invented = score_case(c, answer(text + "另可叠加50万元。", [cite], award=AWARD))
    assert invented.ungrounded == ["50万"]
    assert invented.passed  # grounding is gated by its own threshold, not per case
    s = summarise([r, invented])
    assert s["numbers_checked"] == 11 and s["numbers_ungrounded"] == 1
    assert s["numeric_grounding_rate"] == pytest.approx(10 / 11, abs=1e-4)


def test_grounding_extra_facts_cover_dates():
    c = case(question="现在还能申报吗？")
    r = score_case(
        c, answer("本意见有效期至2025年6月1日"), extra_facts=[Decimal(2025), Decimal(6), Decimal(1)]
    )
    assert r.ungrounded == [] and r.figures == 3
    r2 = score_case(
        c, answer("本意见有效期至2026年6月1日"), extra_facts=[Decimal(2025), Decimal(6), Decimal(1)]
    )
    assert r2.ungrounded == ["2026"]


def test_no_numbers_means_rate_not_applicable():
    r = score_case(case(), answer("您好"))
    assert summarise([r])["numeric_grounding_rate"] is None
