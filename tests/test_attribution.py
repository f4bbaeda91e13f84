"""Attribution without guessing: a figure goes to an input only when nothing says otherwise.

Each test states a general rule of the understanding stage (assistant/understand/mentions.py,
choose.py, dialogue.py, amounts.py); the questions are new, not those of the eval files.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.awards import default_rulebook
from assistant.understand.amounts import foreign_amounts
from assistant.understand.choose import select_rule
from assistant.understand.dialogue import answer_award, answer_awards, book_context
from assistant.understand.figures import WHICH_FIGURE
from assistant.understand.mentions import LEFT_OUT, MIXED, OTHER_YEAR, extract_turn

TODAY = date(2024, 6, 1)
BOOK = default_rulebook()


@pytest.fixture(scope="module")
def book():
    return BOOK


def _read(book, rule_id: str, text: str) -> tuple[dict, dict]:
    approx: dict = {}
    found = extract_turn(book.rules[rule_id], text, approx, book_context(book))
    return found, approx


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("流片费用是40万美元", ["40万美元"]),
        ("USD 2 million spent on booth rental", ["USD 2 million"]),
        ("港币500万的广告费", ["港币500万"]),
        ("€300k on decoration", ["€300k"]),
        ("参展花了80万元", []),
        ("首轮流片800万", []),
    ],
)
def test_amounts_in_another_currency_are_found(text: str, said: list[str]) -> None:
    assert foreign_amounts(text) == said


def test_a_foreign_currency_figure_asks_for_yuan_and_states_no_amount() -> None:
    result = answer_award("首轮流片花了30万美元，能补多少？", [], ["四.10"], TODAY, rulebook=BOOK)
    assert result is not None and result.amount_yuan is None
    assert "人民币" in (result.error or "")


def test_a_foreign_figure_of_an_earlier_turn_is_never_read_as_yuan() -> None:
    history = ["参展的展位费一共是12万欧元，补贴多少？"]
    result = answer_award("换算下来人民币是93万元。", history, ["四.17"], TODAY, rulebook=BOOK)
    assert result is not None and result.amount_yuan is not None
    assert any("93万" in s for s in result.steps)
    assert not any("12万元" in s for s in result.steps)


def test_a_foreign_figure_is_no_input_of_the_turn(book) -> None:
    found, _ = _read(book, "四.10", "首轮流片费用是60万美元")
    assert "tapeout_cost_yuan" not in found and not any(
        isinstance(v, (int, float)) and v == 600_000 for v in found.values()
    )


def test_figures_of_two_calendar_years_for_an_input_of_the_year_before_are_asked(book) -> None:
    found, approx = _read(book, "四.8-服务奖励", "中试平台主营收入2022年650万，2023年780万")
    assert "platform_last_year_revenue_yuan" not in found
    assert any("2022年" in n and "2023年" in n for n in approx.get(OTHER_YEAR, []))


def test_the_year_applied_in_picks_the_year_before(book) -> None:
    text = "中试平台主营收入2022年650万，2023年780万，准备2024年申报"
    found, _ = _read(book, "四.8-服务奖励", text)
    assert found["platform_last_year_revenue_yuan"] == 7_800_000


def test_a_total_of_a_met_and_an_unmet_condition_asks_for_the_part_met(book) -> None:
    text = "公司是制造企业，广告投在人民日报以及两家市级电视台，合计600万"
    found, approx = _read(book, "四.17-央媒广告", text)
    assert found["central_media"] is True
    assert "ad_spend_yuan" not in found
    assert approx[MIXED] and approx[MIXED][0][0] == "人民日报"


def test_a_total_of_only_unmet_parts_stays_ineligible(book) -> None:
    found, approx = _read(book, "四.17-央媒广告", "制造企业，在两家市级电视台投广告，合计600万")
    assert found["central_media"] is False
    assert MIXED not in approx


def test_an_unlabelled_figure_never_replaces_a_stated_one(book) -> None:
    found, approx = _read(book, "四.7", "获评3个国家级工业APP优秀解决方案，团队一共做了8个工业软件")
    assert found["solutions"] == 3
    assert approx[LEFT_OUT]


def test_a_percentage_said_to_be_another_ratio_is_no_growth(book) -> None:
    text = "入库规上传感器企业，上年主营收入8000万，今年1亿，毛利率35%"
    found, _ = _read(book, "四.2", text)
    assert "growth_percent" not in found
    assert found["last_year_revenue_yuan"] == 80_000_000


def test_a_total_is_not_the_part_a_rule_is_based_on(book) -> None:
    found, approx = _read(book, "四.13-智能化改造", "改造项目总投资5000万，设备还在招标")
    assert "equipment_software_investment_yuan" not in found
    assert approx[LEFT_OUT]
    # a word beside an alias that keeps its measure is still the alias (设备投资 ⊃ 设备)
    found, _ = _read(book, "四.13-智能化改造", "智能化改造设备投资700万")
    assert found["equipment_software_investment_yuan"] == 7_000_000


def test_a_figure_said_of_two_joined_clauses_belongs_to_neither(book) -> None:
    found, _ = _read(book, "四.17-展会补贴", "参展和央视广告加起来300万")
    assert "exhibition_cost_yuan" not in found


def test_a_part_that_states_a_condition_false_leaves_its_figure_out(book) -> None:
    found, approx = _read(book, "四.10", "首轮流片费用450万，第三轮流片费用100万")
    assert found["tapeout_cost_yuan"] == 4_500_000
    assert found.get("first_round") is not False
    assert any("第三轮" in s for s in approx[LEFT_OUT])
    # when every figure's part fails the condition, the award is ruled out as before
    found, _ = _read(book, "四.10", "第二轮流片费用100万")
    assert found["first_round"] is False


def test_a_comparison_base_is_not_the_figures_label(book) -> None:
    found, _ = _read(book, "四.2", "今年营收比上年多了900万，上年是6000万")
    assert found["revenue_increase_yuan"] == 9_000_000
    assert found["last_year_revenue_yuan"] == 60_000_000
    # unless the figure is the base itself
    found, _ = _read(book, "四.2", "今年主营收入比上年的6000万多了600万")
    assert found["last_year_revenue_yuan"] == 60_000_000


def test_years_are_read_only_after_their_own_words(book) -> None:
    found, _ = _read(book, "四.13-贷款贴息", "公司成立3年，贷款1000万，年利率3%，贴息2年")
    assert found["years"] == 2
    found, _ = _read(book, "四.13-贷款贴息", "公司成立3年，贷款1000万，年利率3%")
    assert "years" not in found


def test_the_label_next_to_a_figure_decides_its_frame() -> None:
    results = answer_awards(
        "智能化改造项目申请了银行贷款1500万，年利率3.2%，贴息能拿多少？",
        [],
        ["四.13"],
        TODAY,
        rulebook=BOOK,
    )
    assert [r.rule for r in results] == ["四.13-贷款贴息"]
    assert results[0].amount_yuan == 480_000  # 1500万 × 3.2%, one year (no LPR stated)


def test_a_summed_input_adds_across_turns_unless_corrected() -> None:
    history = ["参展的场地租赁费40万能补多少？"]
    added = answer_award("另外还有布展费20万", history, ["四.17"], TODAY, rulebook=BOOK)
    assert added is not None and added.amount_yuan == 420_000  # (40+20)万 × 70%
    fixed = answer_award("说错了，是布展费20万", history, ["四.17"], TODAY, rulebook=BOOK)
    assert fixed is not None and fixed.amount_yuan == 140_000


def test_no_rule_is_chosen_without_evidence_of_its_own(book) -> None:
    assert select_rule("我们获评了一个省级的称号，能奖多少？", [], ["四.14"], rulebook=book) is None
    assert select_rule("去年有600万，能拿多少？", [], ["四.8"], rulebook=book) is None
    rule = select_rule("智能车间评上了省级，能奖多少？", [], ["四.14"], rulebook=book)
    assert rule is not None and rule.clause == "四.15"


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=9000),
    st.sampled_from(["员工", "研发人员", "厂房面积", "注册资本的占比"]),
)
def test_an_unlabelled_second_figure_never_changes_the_award(n: int, what: str) -> None:
    """Adding an unrelated figure after the one asked about never changes the amount."""
    base = answer_award("首轮流片费用600万，能补多少？", [], ["四.10"], TODAY, rulebook=BOOK)
    noisy = answer_award(
        f"首轮流片费用600万，{what}{n}%，能补多少？", [], ["四.10"], TODAY, rulebook=BOOK
    )
    assert base is not None and noisy is not None
    assert noisy.amount_yuan == base.amount_yuan == 2_400_000


# ---------------------------------------------------------------- totals and their parts
def test_a_part_of_a_breakdown_named_as_something_else_is_no_part_of_the_input(book) -> None:
    found, approx = _read(
        book, "四.13-智能化改造", "新产线总投资8000万，其中土建花了3000万，设备和软件投入4500万"
    )
    assert found["equipment_software_investment_yuan"] == 45_000_000
    assert any("土建" in said for said in approx[LEFT_OUT])


def test_a_total_gives_way_to_the_parts_it_is_broken_into(book) -> None:
    text = "这回展会总共花了60万，其中展位费35万，布展费15万"
    found, approx = _read(book, "四.17-展会补贴", text)
    assert found["exhibition_cost_yuan"] == 500_000  # the parts, never the total added to them
    assert any("60万" in said for said in approx[LEFT_OUT])


def test_a_total_opened_by_a_colon_is_read_from_the_part_the_rule_pays_for(book) -> None:
    text = "我们是制造企业，今年广告费合计3000万：人民日报投了1200万，其余1800万投在省台和快手"
    found, _ = _read(book, "四.17-央媒广告", text)
    assert found["ad_spend_yuan"] == 12_000_000


def test_two_figures_no_words_tell_apart_are_asked_for(book) -> None:
    text = "我们是服务商，签了两个合同，一个900万，一个500万，有一个是揭榜挂帅的"
    found, approx = _read(book, "四.16", text)
    assert "contract_amount_yuan" not in found
    assert any("900万" in n and "500万" in n for n in approx[WHICH_FIGURE])
    result = answer_award(text + "，能补多少？", [], ["四.16"], TODAY, rulebook=BOOK)
    assert result is not None and result.amount_yuan is None


def test_a_figure_said_not_to_be_it_is_no_second_candidate(book) -> None:
    found, _ = _read(book, "四.10", "刚才说错了，是900万，不是90万")
    assert found["tapeout_cost_yuan"] == 9_000_000


def test_the_inputs_own_total_holds_its_parts(book) -> None:
    text = "产线改造的设备和软件合计投了2800万，其中设备1900万，软件900万"
    found, _ = _read(book, "四.13-智能化改造", text)
    assert found["equipment_software_investment_yuan"] == 28_000_000  # never 2800万 + parts
