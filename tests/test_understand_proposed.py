"""A money figure the user guesses as the award, or quotes as the rule's own rate, is no input
of the award; an amount put up to be checked makes the question an award question."""

from __future__ import annotations

import pytest

from assistant.awards import default_rulebook
from assistant.proposed import proposal_spans
from assistant.understand.asks import is_award_question
from assistant.understand.dialogue import book_context
from assistant.understand.mentions import extract_turn

BOOK = default_rulebook()


def _read(rule_id: str, text: str) -> dict:
    return extract_turn(BOOK.rules[rule_id], text, {}, book_context(BOOK))


@pytest.mark.parametrize(
    "text",
    [
        "芯片企业已入库、规上，营收同比增长20%，去年营收2亿，是不是能拿到100万？",
        "晶圆厂入库规上，主营收入增长了20%，每增长1个百分点奖5万，去年4亿",
        "晶圆厂入库规上，主营收入增长了20%，去年4亿，奖励是100万吗",
    ],
)
def test_a_guessed_or_quoted_amount_is_no_input(text: str) -> None:
    found = _read("四.2", text)
    assert found.get("growth_percent") == 20
    assert "revenue_increase_yuan" not in found
    assert "main_revenue_yuan" not in found


def test_a_condition_asked_of_a_figure_is_no_proposal() -> None:
    assert proposal_spans("新建项目投资是不是2000万以上才行？") == []
    assert proposal_spans("增速15%，是不是75万？") != []


def test_an_amount_put_up_to_be_checked_is_an_award_question() -> None:
    assert is_award_question("传感器企业入库规上，营收涨了12%，是不是60万？", [BOOK])


def test_a_vague_cost_the_award_does_not_cover_leaves_its_input_alone() -> None:
    found = _read("四.17-展会补贴", "展位费50万，布展费30万，另外住宿差旅花了二十几万，能补多少")
    assert found.get("booth_and_setup_cost_yuan") == 800000 or 800000 in found.values()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    from tests.conftest import assistant_in

    return assistant_in(tmp_path_factory, "proposed")


@pytest.mark.slow
def test_the_asking_sentence_names_one_award_of_a_clause(assistant) -> None:
    # facts of two awards of one clause told, one of them asked by its own words
    a = assistant.ask(
        "我们是做标识解析的，去年服务收入600万。二级节点已获省里认定，我们是牵头单位，"
        "建设金额400万。请问二级节点建设的奖励是多少？"
    )
    assert [w.rule for w in a.awards] == ["四.5-二级节点"]
    assert a.awards[0].amount_yuan == 1_200_000


@pytest.mark.slow
def test_an_award_of_a_compound_still_missing_a_figure_is_asked_back(assistant) -> None:
    # "两件事" asks for several awards: the one named without its figure is asked back
    a = assistant.ask("问你两件事：首轮流片想申请补助；另外央视做产品广告花了200万，补多少？")
    assert {w.rule for w in a.awards} >= {"四.10", "四.17-央媒广告"}
    assert "请问" in a.answer


def test_a_total_asked_after_turns_of_one_award_each_adds_them() -> None:
    from datetime import date

    from assistant.understand.dialogue import answer_awards

    history = ["首轮流片花了500万，能补多少？", "那参展呢？展位费和布展费一共40万。"]
    found = answer_awards("这两项合计多少钱？", history, [], date(2026, 12, 2), rulebook=BOOK)
    assert [(r.rule, r.amount_yuan) for r in found] == [
        ("四.10", 2_000_000),
        ("四.17-展会补贴", 280_000),
    ]


def test_the_growth_reward_names_its_clause() -> None:
    assert "四.2" in BOOK.named_clauses("营收比去年多了，增长奖励怎么算")


@pytest.mark.parametrize(
    ("text", "production"),
    [
        ("新建项目总投资5000万，全部是生产和设备投资，已完工", 50_000_000),
        ("新建项目总投资5000万，已完工", None),  # the rate's base not said: asked back
    ],
)
def test_a_figure_said_wholly_of_another_input_is_that_input(text: str, production) -> None:
    assert _read("四.12", text).get("production_equipment_investment_yuan") == production


def test_a_figure_a_threshold_is_read_on_chooses_its_rule() -> None:
    from assistant.understand.choose import select_rule

    rule = select_rule("新上的信息技术新建项目总投资1200万元，有奖励吗", [], [], rulebook=BOOK)
    assert rule is not None and rule.id == "四.12"
