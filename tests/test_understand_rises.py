"""Rises said by how much (rises.py, figures.py, mentions.py, frames.py): the figure risen to is
derived from a base said with its year and a rise of the same measure, for the year the rule
reads (else asked back); a rise of another measure is no input.

The questions are new (not those of the eval files); each table row is one class of wording.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.awards import default_rulebook
from assistant.understand.dialogue import answer_awards, book_context
from assistant.understand.frames import frames
from assistant.understand.fuzzy import correct_terms
from assistant.understand.mentions import DERIVED, NOT_EXACT, OTHER_YEAR, extract_turn
from assistant.understand.normalise import normalise
from assistant.understand.rises import growth_measure, measures, rise_by, year_in

TODAY = date(2024, 6, 1)
BOOK = default_rulebook()
WORDS = measures(book_context(BOOK).labels)


def _read(rule_id: str, text: str) -> tuple[dict, dict]:
    approx: dict = {}
    found = extract_turn(BOOK.rules[rule_id], text, approx, book_context(BOOK))
    return found, approx


@pytest.mark.parametrize(
    ("rule", "text", "name", "value"),
    [
        # the base compared with, inside the rise's clause (this year's figure risen to)
        (
            "四.4-服务收入补助",
            "平台今年的服务收入较去年的2000万增长了15%",
            "service_revenue_yuan",
            23_000_000,
        ),
        # the base in the clause before, the increase in money
        (
            "四.4-服务收入补助",
            "服务收入去年600万，今年比去年多了150万",
            "service_revenue_yuan",
            7_500_000,
        ),
        # year on year, the base told right after the rise (its measure inherited)
        (
            "四.5-标识解析服务",
            "我们标识解析服务收入同比增长了50%，去年是500万",
            "resolution_service_revenue_yuan",
            7_500_000,
        ),
        # a count of what is new, risen by a count
        (
            "四.5-标识注册量",
            "今年新增标识注册量比去年多了100万条，去年新增是300万条",
            "new_registrations",
            4_000_000,
        ),
        # a rise said with no year over last year's figure: this year's
        (
            "四.4-服务收入补助",
            "平台服务收入增长率达到20%，去年1000万",
            "service_revenue_yuan",
            12_000_000,
        ),
        # an input of the year before: the figure risen to when it is that year's
        (
            "四.8-服务奖励",
            "中试平台去年主营业务收入比前年的1200万增长了10%",
            "platform_last_year_revenue_yuan",
            13_200_000,
        ),
        # ... and the base itself when the base is that year's
        (
            "四.8-服务奖励",
            "中试平台今年主营业务收入比去年的1000万增长了20%",
            "platform_last_year_revenue_yuan",
            10_000_000,
        ),
    ],
)
def test_the_figure_risen_to_is_derived(rule: str, text: str, name: str, value: int) -> None:
    found, _ = _read(rule, text)
    assert found[name] == Decimal(value)


@pytest.mark.parametrize(
    "text",
    [
        # which year the risen figure is of is not said, and the rule reads the year before
        "中试平台主营业务收入比前年的1200万增长了10%",
        "MEMS平台主营收入比前年多了300万，前年是900万，服务奖励多少",
        # the years said do not meet (比去年 … 前年1000万): never computed on the base
        "MEMS中试平台今年主营收入比去年增长了20%，前年1000万，服务奖励多少",
    ],
)
def test_a_rise_to_an_unsaid_year_asks_back(text: str) -> None:
    found, approx = _read("四.8-服务奖励", text)
    assert "platform_last_year_revenue_yuan" not in found
    assert any("哪一年" in n for n in approx.get(NOT_EXACT, []))


def test_years_that_do_not_meet_ask_back_for_a_yearly_input_too() -> None:
    found, approx = _read("四.4-服务收入补助", "今年服务收入比去年增长了20%，前年1000万")
    assert "service_revenue_yuan" not in found
    assert any("哪一年" in n for n in approx.get(NOT_EXACT, []))


@pytest.mark.parametrize(
    "text",
    [
        "我们是入库规上芯片企业，今年员工数增长了40%，营收9000万，能奖多少",
        "规上入库的面板企业，产能比去年提高了50%，主营业务收入6000万，奖励多少",
        "传感器企业入库规上，销量同比增长35%，营收8000万",
        "晶圆企业，规上入库，平台服务收入增长了20%，营收7000万",
        # a change of the growth rate is no growth of the measure by that much
        "入库规上芯片企业，营收增速比去年提高了5个百分点，今年营收8000万",
    ],
)
def test_a_rise_of_another_measure_is_no_revenue_growth(text: str) -> None:
    found, _ = _read("四.2", text)
    assert "growth_percent" not in found


@pytest.mark.parametrize(
    ("text", "growth"),
    [
        ("入库规上芯片企业，营收9000万，同比增长40%", 40),
        ("入库规上芯片企业，主营业务收入比去年增长了12%，今年6000万", 12),
    ],
)
def test_a_rise_of_the_rules_own_measure_stays(text: str, growth: int) -> None:
    found, _ = _read("四.2", text)
    assert found["growth_percent"] == Decimal(growth)


def test_an_increase_is_not_the_level_the_rule_reads() -> None:
    found, _ = _read("四.4-服务收入补助", "平台服务收入增长了200万，服务企业300家")
    assert "service_revenue_yuan" not in found


def test_a_rise_of_another_rules_measure_makes_no_frame_of_its_own() -> None:
    text = (
        "工业互联网平台服务企业300家，设备连接6000台，平台服务收入同比增长20%，"
        "今年达到900万，能补多少"
    )
    assert frames(BOOK, text) == []
    found, _ = _read("四.4-服务收入补助", text)
    assert found["service_revenue_yuan"] == Decimal(9_000_000)


def test_the_derivation_is_the_first_step() -> None:
    text = (
        "工业互联网平台，服务企业300家，设备连接6000台，今年服务收入比去年的1000万增长了20%，补多少"
    )
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert result.amount_yuan == 3_600_000
    assert "1000万元 × (1 + 20%) = 1200万元" in result.steps[0]


def test_words_of_rises_and_years() -> None:
    text = "今年服务收入比去年的1000万增长了20%，去年是800万"
    assert rise_by(text, text.index("20%"))
    assert not rise_by(text, text.index("1000万"))
    assert growth_measure(text, text.index("1000万"), WORDS) == "服务收入"
    assert growth_measure(text, text.index("800万"), WORDS) == "服务收入"
    assert year_in(text, 0, text.index("1000万")) == 1
    assert year_in("上一年度主营收入", 0, 8) == 1
    assert year_in("前年是", 0, 3) == 2
    assert not rise_by("去年新增400万条", 4)  # 新增 is a count of what is new, not a rise
    assert not rise_by("最多300万", 2)  # a bound


def test_a_whole_word_before_a_sound_alike_character_is_kept() -> None:
    terms = ("上一年度", "首轮流片")
    assert correct_terms("比上一年多了300万条", terms)[0] == "比上一年多了300万条"
    assert correct_terms("首论流片花了500万", terms)[0] == "首轮流片花了500万"


@settings(max_examples=60, deadline=None)
@given(
    base=st.integers(min_value=1, max_value=99_999),
    whole=st.integers(min_value=1, max_value=300),
    hundredths=st.integers(min_value=0, max_value=99),
)
def test_derived_figure_is_base_times_one_plus_rise_exactly(
    base: int, whole: int, hundredths: int
) -> None:
    percent = Decimal(whole) + Decimal(hundredths) / 100
    shown = format(percent.normalize(), "f")
    text = f"今年平台服务收入比去年的{base}万增长了{shown}%"
    found, approx = _read("四.4-服务收入补助", text)
    expected = Decimal(base) * 10_000 * (100 + percent) / 100
    assert found["service_revenue_yuan"] == expected
    assert approx[DERIVED + "service_revenue_yuan"]


@settings(max_examples=40, deadline=None)
@given(base=st.integers(min_value=1, max_value=99_999), more=st.integers(1, 99_999))
def test_derived_figure_is_base_plus_increase_exactly(base: int, more: int) -> None:
    text = f"今年服务收入比去年多了{more}万，去年是{base}万"
    found, _ = _read("四.4-服务收入补助", text)
    assert found["service_revenue_yuan"] == Decimal(base + more) * 10_000


def test_a_figure_told_in_a_rise_chooses_the_rule_of_its_measure() -> None:
    text = "MEMS中试平台今年收入比去年的900万增长了100%，为传感器企业服务，奖励多少"
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert result.rule == "四.8-服务奖励"
    assert result.amount_yuan == 2_700_000  # 上一年度 is 去年: the base as said


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("MEMS中试平台今年主营收入1000万，为传感器企业服务，服务奖励多少", "今年"),
        ("MEMS中试平台前年主营业务收入700万，服务奖励多少", "前年"),
    ],
)
def test_a_figure_of_another_year_is_no_input_of_the_year_before(text: str, year: str) -> None:
    found, approx = _read("四.8-服务奖励", text)
    assert "platform_last_year_revenue_yuan" not in found
    assert any(year in n for n in approx.get(OTHER_YEAR, []))
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert result.amount_yuan is None
    assert any(f"是{year}的数额" in a for a in result.assumptions)


def test_the_year_before_is_read_as_said() -> None:
    found, _ = _read("四.8-服务奖励", "MEMS中试平台上一年度主营业务收入700万")
    assert found["platform_last_year_revenue_yuan"] == Decimal(7_000_000)


def test_a_multiple_of_an_earlier_year_is_a_rise_over_it() -> None:
    said = normalise("上一年度主营业务收入是前年的2倍，前年是500万").text
    assert "比前年增长100%" in said
    found, _ = _read("四.8-服务奖励", said)
    assert found["platform_last_year_revenue_yuan"] == Decimal(10_000_000)


def test_a_rise_a_follow_up_leaves_unnamed_is_of_the_measure_named_before() -> None:
    history = ["我们是工业互联网平台，服务企业300家，设备连接6000台，去年服务收入800万"]
    found, _ = _read("四.2", "今年比去年增长了25%，能补多少？")
    assert found["growth_percent"] == Decimal(25)  # alone, a rise of no named measure stays
    results = answer_awards("今年比去年增长了25%，能补多少？", history, [], TODAY, rulebook=BOOK)
    assert all(r.amount_yuan is None for r in results)  # 服务收入's rise is no 四.2 growth


@pytest.mark.parametrize(
    ("rule", "text", "name", "value"),
    [
        # the figure risen to said with the rise: it is the input, nothing is derived
        (
            "四.4-服务收入补助",
            "今年服务收入1200万，比去年增长了20%",
            "service_revenue_yuan",
            12_000_000,
        ),
        (
            "四.5-标识注册量",
            "今年新增标识注册量600万条，比去年多了200万条",
            "new_registrations",
            6_000_000,
        ),
        (
            "四.8-服务奖励",
            "MEMS中试平台上一年度主营收入1200万，比前年增长了50%",
            "platform_last_year_revenue_yuan",
            12_000_000,
        ),
    ],
)
def test_the_figure_risen_to_as_said_stands(rule: str, text: str, name: str, value: int) -> None:
    found, approx = _read(rule, text)
    assert found[name] == Decimal(value)
    assert DERIVED + name not in approx
