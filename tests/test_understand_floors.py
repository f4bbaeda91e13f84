"""Figures said only as a floor ("两千多万", "30%多", "十几万") are never computed as the floor,
and a round figure ("大概600万条") of a stepped rule's base is asked for when the step count is
in doubt (dialogue.hold_floors, dialogue.hold_near_steps). Questions are new wordings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistant.awards import default_rulebook
from assistant.numbers import extract_quantities
from assistant.understand.dialogue import answer_awards

TODAY = date(2024, 6, 1)
BOOK = default_rulebook()


@pytest.mark.parametrize(
    ("text", "value", "at_least"),
    [
        ("设备花了两千多万", "20000000", True),
        ("收入3000余万元", "30000000", True),
        ("营收两个多亿", "200000000", True),
        ("营收2个多亿", "200000000", True),
        ("布展十几万", "100000", True),
        ("布展几十万", "100000", True),
        ("同比涨了30%多", "30", True),
        ("同比涨了15个百分点多", "15", True),
        ("设备花了大概2000万", "20000000", False),  # about a value, not a floor
        ("设备花了2000万左右", "20000000", False),
        ("设备花了2000万", "20000000", False),
    ],
)
def test_floor_figures(text: str, value: str, at_least: bool) -> None:
    (q,) = extract_quantities(text)
    assert q.value == Decimal(value) and q.at_least is at_least
    assert q.approx or not at_least


def test_percent_before_question_word_is_no_floor() -> None:
    (q,) = extract_quantities("涨了30%多少钱")
    assert not q.at_least and q.raw == "30%"


def _award(text: str):
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    return result


def test_floor_of_a_formula_input_is_asked_back() -> None:
    result = _award("新上的智能产线，设备和软件投资两千多万，能补助多少？")
    assert result.amount_yuan is None
    assert any("超出的部分不明" in a and "两千多万" in a for a in result.assumptions)


def test_floor_past_the_cap_settles_at_the_cap() -> None:
    result = _award("智能化改造项目，设备和软件投资了两个多亿，能补助多少？")
    assert result.amount_yuan == 10_000_000


def test_about_a_value_keeps_the_caveat() -> None:
    result = _award("智能化改造项目，设备和软件投资大概600万，能补助多少？")
    assert result.amount_yuan == 1_200_000
    assert any("约数" in a for a in result.assumptions)


def test_round_figure_near_a_step_boundary_is_asked_back() -> None:
    result = _award("依托郑州标识解析节点做应用，今年新增标识注册量大概600万条，能补多少？")
    assert result.amount_yuan is None
    assert any("分档" in a for a in result.assumptions)


def test_round_figure_inside_one_step_is_computed() -> None:
    result = _award("依托郑州标识解析节点做应用，今年新增标识注册量大概1130万条，能补多少？")
    assert result.amount_yuan == 500_000


def test_denied_earlier_title_leaves_the_level_asked() -> None:
    result = _award("今年刚获评智能工厂，能奖多少？以前从没拿过这类称号。")
    assert result.amount_yuan is None


def test_title_whose_head_word_has_one_level_is_computed() -> None:
    result = _award("我们厂评上了智能车间，能奖多少？以前从没拿过这类称号。")
    assert result.amount_yuan == 300_000


def test_total_of_several_runs_asks_for_the_first() -> None:
    result = _award("北斗芯片一共流了三次片，三次流片费用加起来1200万，能补多少？")
    assert result.amount_yuan is None
    assert any("合计" in a for a in result.assumptions)


def test_first_run_named_beside_its_figure_is_computed() -> None:
    result = _award("北斗芯片首轮流片花了600万，能补多少？")
    assert result.amount_yuan == 2_400_000


def test_request_to_compute_after_stated_facts() -> None:
    history = ["我们的工业互联网平台服务了260家企业，连接设备7000台套，年度服务收入800万"]
    (result,) = answer_awards(
        "不对，年度服务收入应该是900万，就按这个算", history, [], TODAY, rulebook=BOOK
    )
    assert result.amount_yuan == 2_700_000


def test_floor_chosen_as_the_basis_is_computed() -> None:
    result = _award("揭榜挂帅项目合同金额一千多万，先按一千万算，扶持多少？")
    assert result.amount_yuan == 500_000
