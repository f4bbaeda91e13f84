"""The evaluator's figures: amounts_yuan, the awards list, ID-based context precision/recall,
wrong amounts, conclusion first, validity noted, source groups; and the case format's extra
keys. Pure scoring, no model."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evals.cases import CaseError, GoldCase, parse_line
from evals.scoring import (
    context_scores,
    display_amount,
    first_sentence,
    score_case,
    summarise,
    wrong_amounts,
)

SLUG = "zhengzhou-ngit-2022"


def case(**kw) -> GoldCase:
    kw.setdefault("id", "c1")
    kw.setdefault("question", "问题")
    return GoldCase.model_validate(kw)


def award(amount, rule="四.10", eligible=True) -> dict:
    return {"rule": rule, "eligible": eligible, "amount_yuan": amount, "steps": [], "missing": []}


def answer(text="", citations=(), awards=None, award_=None, refused=False) -> dict:
    out = {
        "question": "问题",
        "answer": text,
        "refused": refused,
        "citations": [{"id": c, "policy": SLUG, "title": "", "text": text} for c in citations],
        "award": award_ if award_ is not None else (awards[0] if awards else None),
        "latency_ms": 1.0,
    }
    if awards is not None:
        out["awards"] = awards
    return out


# -- the case format --------------------------------------------------------------------------


def test_extra_keys_are_allowed_and_misspelt_expectations_rejected():
    line = json.dumps(
        {
            "id": "x",
            "category": "award",
            "source": "fresh",
            "date": "2026-12-01",
            "note": "四.17: 100万 × 50% = 50万",
            "anything": {"nested": 1},
            "question": "问",
            "expect": {"amounts_yuan": [500000, 200000]},
        },
        ensure_ascii=False,
    )
    c = parse_line(line, "f.jsonl", 1)
    assert c.source == "fresh" and c.date == "2026-12-01"
    assert c.expect.amounts_yuan == [500000, 200000] and c.checks_award
    for bad in (
        '{"amount_yuan": 1, "amounts_yuans": [1]}',
        '{"amounts_yuan": []}',
        '{"amounts_yuan": [-1]}',
        '{"amounts_yuan": ["50万"]}',
        '{"notes": "x"}',
    ):
        with pytest.raises(CaseError, match=r"f\.jsonl:7"):
            parse_line(f'{{"id": "x", "question": "问", "expect": {bad}}}', "f.jsonl", 7)


# -- amounts_yuan and the awards list ----------------------------------------------------------


def test_amounts_yuan_each_must_be_one_of_the_awards():
    c = case(expect={"amounts_yuan": [500000, 200000]})
    both = answer(awards=[award(200000, "四.17-广告"), award(500000, "四.17-展会")])
    assert score_case(c, both).award_ok
    one = score_case(c, answer(awards=[award(500000)]))
    assert not one.award_ok and "missing [200000]" in one.reasons[0]
    assert one.wrong_amounts == []  # a missing award is a miss, not a wrong amount
    wrong = score_case(c, answer(awards=[award(500000), award(300000)]))
    assert not wrong.award_ok and wrong.wrong_amounts == [300000]
    extra = score_case(c, answer(awards=[award(500000), award(200000), award(0, "四.16")]))
    assert extra.award_ok and extra.wrong_amounts == []  # an extra award is not a wrong one


def test_old_server_without_awards_key_falls_back_to_award():
    c = case(expect={"amounts_yuan": [3200000]})
    old = answer(award_=award(3200000))
    assert "awards" not in old
    assert score_case(c, old).award_ok
    assert not score_case(c, answer(awards=[])).award_ok


# -- context precision / recall (ragas, ID-based) ----------------------------------------------


def test_context_precision_and_recall_over_clause_ids():
    assert context_scores(["四.10"], ["四.10", "尾"]) == (0.5, 1.0)
    assert context_scores(["四.10", "四.(三)"], ["四.(三)", "四.10", "四.9"]) == (2 / 3, 1.0)
    assert context_scores(["四.10"], ["三.1", "三.2", "三.3", "四.10"]) == (0.0, 1.0)  # rank 4
    assert context_scores(["四.10"], ["三.1"]) == (0.0, 0.0)
    assert context_scores(["四.10"], []) == (0.0, 0.0)
    assert context_scores(["四.10"], [f"{SLUG}:四.10", "四.10"], SLUG) == (1.0, 1.0)  # dedup
    r = score_case(case(expect={"refuse": True, "citations_any": []}), answer(refused=True))
    assert r.context_precision is None and r.context_recall is None  # nothing relevant


@given(
    st.lists(st.sampled_from(["四.1", "四.2", "四.10", "尾", "三.1"]), min_size=1, max_size=3),
    st.lists(st.sampled_from(["四.1", "四.2", "四.10", "尾", "三.1"]), max_size=6),
)
def test_context_scores_are_bounded_and_recall_follows_any_hit(expected, cited):
    precision, recall = context_scores(expected, cited)
    assert 0.0 <= precision <= 1.0 and recall in (0.0, 1.0)
    assert recall == float(bool(set(expected) & set(cited)))
    assert precision <= recall or not cited[:3]  # a relevant id in the top 3 is a cited one


# -- wrong amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expect", "stated", "wrong"),
    [
        ({"amount_yuan": 3200000}, award(3200000), []),
        ({"amount_yuan": 3200000}, award(5000000), [5000000]),  # a different number
        ({"amount_yuan": 3200000}, award(0, eligible=False), [0]),  # told "nothing"
        ({"amount_yuan": 0, "eligible": False}, award(3000000), [3000000]),
        ({"amount_yuan": 3200000}, award(None), []),  # asked back: a miss, not wrong
        ({"amount_yuan": 3200000}, None, []),  # no award at all: a miss
        ({"amount_yuan": None, "eligible": None}, award(5000000), []),  # nothing expected
        ({"citations_any": ["四.10"]}, award(5000000), []),
    ],
)
def test_wrong_amount_is_a_stated_number_that_differs(expect, stated, wrong):
    assert wrong_amounts(case(expect=expect), answer(award_=stated or {})) == wrong


def test_wrong_amounts_are_counted_with_case_ids():
    c1 = case(id="a", category="award", expect={"amount_yuan": 100})
    c2 = case(id="b", category="award", expect={"amount_yuan": 100})
    c3 = case(id="c", category="award", expect={"amount_yuan": 100})
    results = [
        score_case(c1, answer(awards=[award(100)])),
        score_case(c2, answer(awards=[award(200)])),
        score_case(c3, answer(awards=[award(None)])),
    ]
    s = summarise(results)
    assert s["wrong_amounts"] == 1 and s["wrong_amount_cases"] == ["b"]
    assert s["by_category"]["award"]["wrong_amounts"] == 1


# -- conclusion first --------------------------------------------------------------------------


def test_display_amount_and_first_sentence():
    assert display_amount(3200000) == "320万"
    assert display_amount(2814000) == "281.4万"
    assert display_amount(3500) == "3500元"
    assert display_amount(10_000) == "1万"
    assert first_sentence("\n可获得320万元。计算过程：…") == "可获得320万元"


def test_conclusion_first_needs_the_amount_in_the_opening_sentence():
    c = case(expect={"amount_yuan": 3200000})
    first = score_case(c, answer("可获得 320万元。依据四.10……", awards=[award(3200000)]))
    late = score_case(
        c, answer("根据四.10，给予40%的补助。可获得320万元。", awards=[award(3200000)])
    )
    by_value = score_case(c, answer("可获3,200,000元。", awards=[award(3200000)]))
    assert first.conclusion_first and by_value.conclusion_first and not late.conclusion_first
    # not an award answer: not applicable (an ineligible 0 has no amount to lead with)
    assert score_case(case(expect={"amount_yuan": 0}), answer("不符合。")).conclusion_first is None
    assert score_case(case(expect={"refuse": False}), answer("x")).conclusion_first is None
    # several awards: any expected amount in the opening sentence
    multi = case(expect={"amounts_yuan": [500000, 200000]})
    assert score_case(multi, answer("展会补贴可获20万元。")).conclusion_first
    assert summarise([first, late, by_value])["conclusion_first"] == pytest.approx(2 / 3, 1e-3)


# -- validity noted --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "text", "noted"),
    [
        ({"category": "award", "expect": {"amount_yuan": 1}}, "本政策有效期三年。", True),
        ({"category": "award", "expect": {"amount_yuan": 1}}, "目前已过有效期。", True),
        ({"category": "award", "expect": {"amount_yuan": 1}}, "该政策已失效。", True),
        ({"category": "award", "expect": {"amount_yuan": 1}}, "施行至2025年6月1日。", True),
        ({"category": "award", "expect": {"amount_yuan": 1}}, "可获得1元。", False),
        ({"category": "departments"}, "请找市工信局。", False),
        ({"category": "clause-lookup", "question": "流片补贴去哪里申请？"}, "市工信局", False),
        ({"category": "clause-lookup", "question": "四.10写了什么"}, "原文", None),
        ({"category": "out-of-scope", "expect": {"refuse": True}}, "无法回答", None),
    ],
)
def test_validity_noted_on_answers_about_awards_applying_departments(kw, text, noted):
    r = score_case(case(**kw), answer(text), validity_markers=["2025年6月1日", "2025-06-01"])
    assert r.validity_noted is noted


# -- groups ------------------------------------------------------------------------------------


def test_summary_groups_by_source():
    cs = [
        case(id="w", source="written", expect={"refuse": False}),
        case(id="r", source="reviewed", expect={"refuse": False}),
        case(id="u", expect={"refuse": False}),
    ]
    results = [score_case(c, answer("x")) for c in cs]
    groups = summarise(results)["by_source"]
    assert {k: v["cases"] for k, v in groups.items()} == {
        "reviewed": 1,
        "unspecified": 1,
        "written": 1,
    }
    assert results[0].source == "written" and results[0].location == ""


@given(
    data=st.data(), expected=st.lists(st.integers(0, 10**8), min_size=1, max_size=3, unique=True)
)
def test_a_wrong_amount_always_fails_the_amount_check(data, expected):
    """Invariant: a stated amount counted as wrong never passes as exact, and an answer whose
    every stated amount is expected has no wrong amount."""
    amount = st.one_of(st.none(), st.sampled_from(expected), st.integers(0, 10**8))
    stated = data.draw(st.lists(amount, max_size=4))
    c = case(expect={"amounts_yuan": expected})
    r = score_case(c, answer(awards=[award(a) for a in stated]))
    outside = {a for a in stated if a is not None} - set(expected)
    complete = all(a in stated for a in expected)
    assert set(r.wrong_amounts) == (set() if complete else outside)
    if r.wrong_amounts:
        assert r.award_ok is False and not r.passed
    exact = score_case(c, answer(awards=[award(a) for a in expected]))
    assert exact.wrong_amounts == [] and exact.award_ok
    single = case(expect={"amount_yuan": expected[0]})
    first = stated[0] if stated else None
    wrong_first = score_case(single, answer(awards=[award(a) for a in stated])).wrong_amounts
    assert wrong_first == ([first] if first is not None and first != expected[0] else [])
