"""Figures of the growth's measure said with their years (rises.dated_figures, mentions.py):
the later year is the one claimed and the earlier its base, whichever is said first; three
years with no word of which is claimed, years that do not meet, or a fall whose order is a
guess are asked back, never computed. The year before derived from this year's figure and the
change (上年 = 本年 − 增加额 / + 减少额); a unit written after a figure (amounts.py) and an
English year after a figure (word_order.py).

The questions are new (not those of the eval files).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistant.awards import default_rulebook
from assistant.understand.dialogue import answer_awards, book_context
from assistant.understand.mentions import OTHER_YEAR, extract_turn
from assistant.understand.normalise import normalise

TODAY = date(2024, 6, 1)
BOOK = default_rulebook()
MAIN, BEFORE = "main_revenue_yuan", "last_year_revenue_yuan"


def _read(text: str) -> tuple[dict, dict]:
    approx: dict = {}
    found = extract_turn(BOOK.rules["四.2"], text, approx, book_context(BOOK))
    return found, approx


def _award(text: str):
    results = [r for r in answer_awards(text, [], [], TODAY, rulebook=BOOK) if r.rule == "四.2"]
    assert results
    return results[0]


@pytest.mark.parametrize(
    ("text", "claimed", "base"),
    [
        # calendar years, the measure named with the first, the later year's figure bare
        ("晶圆厂已入库规上，2021年营业收入8000万，2022年实现了1亿", 100_000_000, 80_000_000),
        # said latest first: the order said decides nothing
        ("芯片企业入库规上，2022年营收1亿元，2021年营收8000万元", 100_000_000, 80_000_000),
        # relative years: 前年 is the base of 去年
        ("面板企业已入库，前年销售收入6000万，去年做到了9000万", 90_000_000, 60_000_000),
    ],
)
def test_the_later_year_is_claimed_and_the_earlier_its_base(
    text: str, claimed: int, base: int
) -> None:
    found, _ = _read(text)
    assert found[MAIN] == Decimal(claimed)
    assert found[BEFORE] == Decimal(base)


@pytest.mark.parametrize(
    ("text", "claimed", "base"),
    [
        # a rise from one dated figure to the other in one clause part
        (
            "传感器企业入库规上，销售收入从2022年的4000万增长到2023年的5000万",
            50_000_000,
            40_000_000,
        ),
        ("芯片厂入库规上，主营业务收入由前年9000万提高到去年1.08亿", 108_000_000, 90_000_000),
    ],
)
def test_a_rise_from_one_dated_figure_to_another_reads_the_later_as_claimed(
    text: str, claimed: int, base: int
) -> None:
    found, _ = _read(text)
    assert found[MAIN] == Decimal(claimed)
    assert found[BEFORE] == Decimal(base)


def test_a_dated_range_without_a_verb_of_rise_is_not_read_as_a_rise() -> None:
    found, _ = _read("芯片厂入库规上，营收从2022年5000万到2023年6000万")
    assert found.get(BEFORE) is None


def test_two_years_read_in_year_order_give_the_amount() -> None:
    result = _award("入库规上传感器企业，2022年主营收入5000万，2023年达到6000万，增长奖励多少")
    assert result.amount_yuan == Decimal(1_000_000)  # 20% × 5万


@pytest.mark.parametrize(
    "text",
    [
        "入库规上芯片企业，大前年营收8000万，前年9000万，去年1亿，增长奖励怎么算",
        "晶圆企业入库规上，2020年营收1亿，2021年1.1亿，2022年1.32亿，能奖多少",
    ],
)
def test_three_years_with_no_year_claimed_are_asked_back(text: str) -> None:
    found, approx = _read(text)
    assert MAIN not in found and BEFORE not in found
    (note,) = approx[OTHER_YEAR]
    assert "哪一年度" in note and "增长" in note
    result = _award(text)
    assert result.amount_yuan is None


def test_the_year_the_asking_names_picks_the_pair() -> None:
    text = "入库规上面板企业，2020年营收1亿，2021年1.1亿，2022年1.32亿，申报2021年度能拿多少"
    found, _ = _read(text)
    assert found[MAIN] == Decimal(110_000_000)
    assert found[BEFORE] == Decimal(100_000_000)


def test_years_that_do_not_meet_are_asked_back() -> None:
    found, approx = _read("入库规上芯片企业，2019年营收6000万，2022年营收9000万")
    assert MAIN not in found and BEFORE not in found
    assert any("不是相邻" in n for n in approx[OTHER_YEAR])


@pytest.mark.parametrize(
    "text",
    [
        "入库规上芯片企业，去年营收3亿，今年领到奖励80万",  # a received award, not revenue
        "入库规上芯片企业，去年营收3亿，今年比去年减少了4000万",  # a fall, not a level
    ],
)
def test_a_dated_figure_said_to_be_something_else_is_not_a_years_revenue(text: str) -> None:
    found, _ = _read(text)
    assert found[BEFORE] == Decimal(300_000_000)
    assert found.get(MAIN) != Decimal(80_000_000)
    assert found.get(MAIN) != Decimal(40_000_000)


def test_a_fall_whose_order_is_a_guess_is_asked_back() -> None:
    text = "入库规上晶圆企业，营收1.8亿，之后做到了2.4亿，增长奖励多少"
    found, approx = _read(text)
    assert MAIN not in found and BEFORE not in found
    assert any("哪一年" in n for n in approx[OTHER_YEAR])
    assert _award(text).amount_yuan is None


def test_the_year_before_is_this_year_less_the_increase() -> None:
    result = _award("入库规上芯片企业，今年主营收入1.2亿，比去年增加了2000万，能奖多少")
    assert result.amount_yuan == Decimal(1_000_000)  # 1.2亿 / 1亿 − 1 = 20%
    assert any("12000万元 − 2000万元 = 10000万元" in s for s in result.steps or [])


def test_a_decrease_is_a_fall_and_pays_nothing() -> None:
    result = _award("入库规上芯片企业，今年营收1亿，比上年减少了2000万，能奖多少")
    assert result.amount_yuan == Decimal(0)
    assert any("10000万元 + 2000万元 = 12000万元" in s for s in result.steps or [])


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("营收8,000（万元）", "8000万元"),
        ("营收3.2（单位：亿元）", "3.2亿元"),
        ("revenue 9,500 (10k yuan)", "9500万元"),
        ("revenue of 2,000 in 10k RMB", "2000万元"),
        ("a cost of 800 (thousand yuan)", "80万元"),
    ],
)
def test_a_unit_after_a_figure_scales_it(said: str, read: str) -> None:
    assert read in normalise(said).text


def test_a_bracket_after_a_figure_that_is_no_unit_stays() -> None:
    assert "2000(约数)" in normalise("营收2000（约数）").text


def test_an_english_year_after_a_figure_is_written_before_it() -> None:
    text = normalise("Revenue was 80 million yuan last year and 96 million yuan this year").text
    assert "去年8000万元" in text and "今年9600万元" in text
    text = normalise("revenue of 50 million yuan in 2021 and 60 million yuan in 2022").text
    assert "2021年5000万元" in text and "2022年6000万元" in text
