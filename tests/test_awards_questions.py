"""End-to-end: Chinese questions -> rule and exact amount via answer_award (hand-written cases)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from assistant.awards import answer_award, asks_about_awards, is_award_question

DATA = yaml.safe_load(
    (Path(__file__).resolve().parent / "award_questions.yaml").read_text(encoding="utf-8")
)
TODAY: date = DATA["today"]


def _params() -> list:
    out = []
    for case in DATA["cases"]:
        rankings = [case.get("ranked", [])]
        if case.get("ranked") and not case.get("ranked_only"):
            rankings.append([])  # must also work from keywords alone
        for ranked in rankings:
            out.append(pytest.param(case, ranked, id=f"{case['id']}-ranked{len(ranked)}"))
    return out


def _ask(case: dict, ranked: list[str], today: date = TODAY):
    turns = case.get("turns") or [case["question"]]
    return answer_award(turns[-1], turns[:-1], ranked, today)


def test_enough_cases() -> None:
    assert len(DATA["cases"]) >= 40
    assert sum(1 for c in DATA["cases"] if "turns" in c and len(c["turns"]) > 1) >= 3


@pytest.mark.parametrize(("case", "ranked"), _params())
def test_question(case: dict, ranked: list[str]) -> None:
    expect = case["expect"]
    result = _ask(case, ranked)
    if expect.get("none"):
        assert result is None
        return
    assert result is not None
    assert result.rule == expect["rule"], result.model_dump()
    assert result.amount_yuan == expect["amount_yuan"], result.model_dump()
    for key in ("eligible", "missing", "negotiated"):
        if key in expect:
            assert getattr(result, key) == expect[key], result.model_dump()
    if expect.get("error"):
        assert result.error and result.follow_up


def test_exact_rate_report() -> None:
    """The closing figure: share of amount cases answered exactly with ranked=[]."""
    cases = [c for c in DATA["cases"] if not c["expect"].get("none") and not c.get("ranked_only")]
    exact = 0
    for case in cases:
        r = _ask(case, [])
        if (
            r is not None
            and r.rule == case["expect"]["rule"]
            and (r.amount_yuan == case["expect"]["amount_yuan"])
        ):
            exact += 1
    print(f"\naward e2e exact: {exact}/{len(cases)}")
    assert exact == len(cases)


def test_expired_answers_still_compute_and_warn() -> None:
    r = answer_award("我们首轮流片花了800万元，能补多少？", [], [], date(2025, 6, 2))
    assert r is not None and r.amount_yuan == 3200000
    assert r.expired is True and "市工信局" in (r.validity_note or "")
    assert any("到期" in a for a in r.assumptions)
    r = answer_award("我们首轮流片花了800万元，能补多少？", [], [], date(2025, 6, 1))
    assert r is not None and r.expired is False


def test_stated_fact_beats_assumption_and_unstated_is_assumed() -> None:
    r = answer_award("营收增长20%，能奖多少", [], [], TODAY)
    assert r is not None and r.eligible is True
    assert any("入库" in a for a in r.assumptions)
    assert any("规模以上" in a for a in r.assumptions)
    r = answer_award("我们不是规上企业，营收增长20%，能奖多少", [], [], TODAY)
    assert r is not None and r.eligible is False and r.amount_yuan == 0
    assert any("规模以上" in s for s in r.steps)


def test_missing_quantity_asks_back() -> None:
    r = answer_award("首轮流片补助怎么算？", [], [], TODAY)
    assert r is not None and r.amount_yuan is None
    assert r.missing == ["工程产品首轮流片费用"]
    assert r.follow_up and "流片费用" in r.follow_up


def test_history_about_another_rule_is_not_mixed_in() -> None:
    history = ["智能化改造投资2000万能补多少？"]
    r = answer_award("首轮流片补助能拿多少？", history, [], TODAY)
    assert r is not None and r.rule == "四.10" and r.amount_yuan is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们首轮流片花了800万元，能补多少？", True),
        ("首轮流片补助怎么算？", True),
        ("上云服务券最多能领多少", True),
        ("这个政策的有效期是多久？", False),
        ("郑州有哪些新一代信息技术产业园区？", False),
        ("", False),
    ],
)
def test_is_award_question(text: str, expected: bool) -> None:
    assert is_award_question(text) is expected


def test_traces_say_why() -> None:
    """The trace names the rule-out fact: derived revenue, the missing step, 就高."""
    r = answer_award(
        "入库规上传感器企业，上年主营业务收入4000万元，今年增长了20%，能奖多少？", [], [], TODAY
    )
    assert r is not None and r.eligible is False
    assert any("4000万元 × (1 + 20%) = 4800万元" in s for s in r.steps)
    assert any("5000万元" in s and "4800万元" in s and "不符合条件" in s for s in r.steps)
    r = answer_award("新增标识注册量180万条，解析量2000万次，能补多少", [], [], TODAY)
    assert r is not None and r.eligible is False
    assert any("未达到一档" in s and "每超过200万条" in s for s in r.steps)
    r = answer_award(
        "同一年还拿了省级大数据试点示范，一共能拿多少",
        ["我们今年获得了国家级工业互联网试点示范"],
        [],
        TODAY,
    )
    assert r is not None and any("就高" in s for s in r.steps)


def test_stated_industry_outside_the_list_rules_out_but_unstated_is_assumed() -> None:
    r = answer_award(
        "我们是做软件开发的规上企业，去年主营收入1亿，今年增长了20%，奖励多少", [], [], TODAY
    )
    assert r is not None and r.eligible is False
    assert any("传感器、芯片、晶圆、面板" in s for s in r.steps)
    r = answer_award("规上企业，去年主营收入1亿，今年增长了20%，奖励多少", [], [], TODAY)
    assert r is not None and r.eligible is True
    assert any("传感器、芯片、晶圆、面板" in a for a in r.assumptions)
    # a listed field named alongside another wins over the catch-all
    r = answer_award("我们做芯片也做软件，营收增长了10%，奖励多少", [], [], TODAY)
    assert r is not None and r.eligible is True and r.amount_yuan == 500000


def test_later_turn_adds_titles_or_replaces_them() -> None:
    history = ["我们今年获得了国家级工业互联网试点示范，奖励多少"]
    added = answer_award("同一年还拿了省级大数据试点示范，能拿多少", history, [], TODAY)
    assert added is not None and added.amount_yuan == 1000000
    replaced = answer_award("如果是省级的呢", history, [], TODAY)
    assert replaced is not None and replaced.amount_yuan == 500000


@pytest.mark.parametrize(
    ("text", "award", "topic"),
    [
        ("两化融合贯标有什么奖励", False, True),
        ("数字化转型揭榜挂帅项目怎么支持", False, True),
        ("我们首轮流片花了800万元，能补多少？", True, True),
        ("这个政策的有效期是多久？", False, False),
        ("郑州有哪些新一代信息技术产业园区？", False, False),
    ],
)
def test_overview_questions_open_a_calculation_without_being_one(
    text: str, award: bool, topic: bool
) -> None:
    # the router keeps "…有什么奖励" an overview question; only a later turn with facts computes
    assert is_award_question(text) is award
    assert asks_about_awards(text) is topic
