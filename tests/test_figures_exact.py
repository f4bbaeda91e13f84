"""Figures that are not the enterprise's exact amount never become an input (figures.py):
bounds, ranges, unsettled totals, measures written with 万, other measures of the enterprise,
planned figures beside spent ones, and background figures of sentences that ask nothing.

The questions are new (not those of the eval files); each table row is one class of input.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.awards import default_rulebook
from assistant.numbers import extract_quantities
from assistant.understand.dialogue import answer_awards, book_context
from assistant.understand.figures import OTHER_COST, bound_side, not_exact, other_costs
from assistant.understand.frames import frames
from assistant.understand.mentions import LEFT_OUT, NOT_EXACT, extract_turn
from assistant.understand.names import mask_measures

TODAY = date(2024, 6, 1)
BOOK = default_rulebook()


def _read(rule_id: str, text: str) -> tuple[dict, dict]:
    approx: dict = {}
    found = extract_turn(BOOK.rules[rule_id], text, approx, book_context(BOOK))
    return found, approx


def _money(text: str):
    return next(q for q in extract_quantities(text) if q.kind == "money")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("首轮流片费用超过1000万", "界限"),
        ("展位费不到50万", "界限"),
        ("设备投资3000万以上", "界限"),
        ("广告费至少200万", "界限"),
        ("流片费用在200到300万之间", "区间"),
        ("流片费用200万-300万", "区间"),
        ("总合同3000万，我们分到多少还不确定", "确定"),
        ("合同金额800万，目前还没定下来", "确定"),
        ("流片费用600万还在核算", "确定"),
    ],
)
def test_bounds_ranges_and_unsettled_figures_are_not_exact(text: str, why: str) -> None:
    qs = [q for q in extract_quantities(text) if q.kind == "money"]
    assert any(why in (not_exact(text, q) or "") for q in qs)


@pytest.mark.parametrize(
    "text",
    [
        "首轮流片费用1000万",
        "首轮流片花了1000万，不知道能补多少",  # a question, not an unsettled figure
        "大概花了500万左右",  # a round figure is read as said
        "展位费不是50万，是60万",
        "2022-2023年流片费用300万",
    ],
)
def test_exact_figures_stay_exact(text: str) -> None:
    assert all(not_exact(text, q) is None for q in extract_quantities(text) if q.kind == "money")


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("四.10", "首轮流片费用超过1000万，能补多少？"),
        ("四.10", "首轮流片费用在200到300万之间，能补多少？"),
        ("四.16", "总合同3000万，我们分到多少还不确定，揭榜挂帅项目能补多少？"),
        ("四.17-展会补贴", "展位费和布展费不到50万，能补多少？"),
    ],
)
def test_a_figure_that_is_no_amount_asks_back(rule: str, text: str) -> None:
    found, approx = _read(rule, text)
    base = BOOK.rules[rule].formula.input_fields()["base"]
    assert base not in found
    assert approx.get(NOT_EXACT)
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert result.amount_yuan is None and result.missing


@pytest.mark.parametrize(
    ("text", "masked_money"),
    [
        ("厂房1.2万平方米，展位费40万", [400000]),
        ("员工1.2万人，首轮流片花了450万", [4500000]),
        ("园区占地300亩，投资1500万", [15000000]),
        ("新增标识注册量1300万条", []),  # a count, never money either way
    ],
)
def test_measures_written_with_wan_are_no_money(text: str, masked_money: list[int]) -> None:
    money = [int(q.value) for q in extract_quantities(mask_measures(text)) if q.kind == "money"]
    assert money == masked_money


@given(
    n=st.integers(min_value=1, max_value=9999),
    measure=st.sampled_from(["平方米", "平米", "人", "亩", "吨", "名员工", "辆"]),
)
@settings(max_examples=60, deadline=None)
def test_no_measure_with_wan_is_ever_read_as_money(n: int, measure: str) -> None:
    text = f"公司有{n}万{measure}，另外首轮流片花了300万"
    money = [q for q in extract_quantities(mask_measures(text)) if q.kind == "money"]
    assert [int(q.value) for q in money] == [3000000]


@given(
    bound=st.sampled_from(["超过", "不到", "不足", "至少", "低于", "多于", "不少于"]),
    n=st.integers(min_value=1, max_value=4000),
)
@settings(max_examples=60, deadline=None)
def test_a_bound_never_becomes_the_base(bound: str, n: int) -> None:
    found, _ = _read("四.10", f"首轮流片费用{bound}{n}万，能补多少")
    assert "tapeout_cost_yuan" not in found


@pytest.mark.parametrize(
    ("rule", "text", "name", "value", "left_out"),
    [
        # a guessed figure of another sentence gives way to the one its words name
        (
            "四.13-智能化改造",
            "我们集团体量3亿元。郑州工厂智能化改造，设备和软件投入1500万，能补多少？",
            "equipment_software_investment_yuan",
            15000000,
            "3亿",
        ),
        # measures of the enterprise that no award is computed on are never guessed
        (
            "四.17-央媒广告",
            "去年纳税800万，利润1200万，今年在央视的广告费1600万，能补多少？",
            "ad_spend_yuan",
            16000000,
            "纳税800万",
        ),
        (
            "四.10",
            "注册资本5000万，首轮流片花了450万，能补多少？",
            "tapeout_cost_yuan",
            4500000,
            "注册资本5000万",
        ),
        # what was spent replaces what was planned
        (
            "四.13-智能化改造",
            "智能化改造计划投入5000万，目前设备和软件已投2000万，能补多少？",
            "equipment_software_investment_yuan",
            20000000,
            "5000万",
        ),
    ],
)
def test_the_figure_its_words_name_wins(rule, text, name, value, left_out) -> None:
    found, approx = _read(rule, text)
    assert found[name] == value
    assert any(left_out in said for said in approx.get(LEFT_OUT, []))


def test_parts_of_a_sum_said_in_one_sentence_still_add_up() -> None:
    found, _ = _read("四.17-展会补贴", "场地租了30万，布展花了20万，补多少")
    assert found["exhibition_cost_yuan"] == 500000


def test_only_a_planned_figure_is_computed_as_said() -> None:
    found, _ = _read("四.16", "揭榜挂帅项目合同金额预计800万，能补多少？")
    assert found["contract_amount_yuan"] == 8000000


@pytest.mark.parametrize(
    ("text", "rule", "amount"),
    [
        # a figure in a sentence that asks nothing is background, not a second award
        (
            "我们做芯片设计，团队80多人。去年银行贷款了2000万。今年首轮流片花了450万，请问补贴多少？",
            "四.10",
            1800000,
        ),
        # figures that only inherit a topic named elsewhere make no frame of their own
        (
            "公司有员工150人，去年纳税800万。今年在央视投了产品广告，广告费1600万，可以补多少？",
            "四.17-央媒广告",
            800000,
        ),
    ],
)
def test_background_figures_make_no_frame(text: str, rule: str, amount: int) -> None:
    assert frames(BOOK, text) == []
    results = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert [(r.rule, r.amount_yuan) for r in results] == [(rule, amount)]


def test_a_compound_question_still_gets_every_award() -> None:
    text = "去年首轮流片花了500万。另外央视广告费800万，能补多少？"
    results = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert sorted(r.amount_yuan for r in results) == [400000, 2000000]


@pytest.mark.parametrize(
    ("rule", "text", "name", "value"),
    [
        # a more specific label keeps its figure over a generic one said of something bigger
        (
            "四.8-设备投资补助",
            "MEMS研发中试平台，平台设备投资2800万，整个园区投资了2个亿，能补多少？",
            "equipment_investment_yuan",
            28000000,
        ),
        # a spent figure beside a planned one is that input, even without its own words
        (
            "四.13-智能化改造",
            "智能化改造设备和软件投资预计3000万，目前已投1200万，能补多少？",
            "equipment_software_investment_yuan",
            12000000,
        ),
        # the money right after a verb of growth is the increase, not this year's revenue
        ("四.2", "主营收入增长了500万，去年1亿，能奖多少？", "revenue_increase_yuan", 5000000),
    ],
)
def test_which_figure_an_input_keeps(rule, text, name, value) -> None:
    found, _ = _read(rule, text)
    assert found[name] == value


def test_growth_stated_as_an_amount_is_computed_on_the_base() -> None:
    (result,) = answer_awards(
        "入库规上面板企业，主营收入增长了500万，去年1亿，能奖多少？", [], [], TODAY, rulebook=BOOK
    )
    assert (result.rule, result.amount_yuan) == ("四.2", 250000)


def test_a_condition_word_qualifies_its_figure() -> None:
    # 首轮流片 is the first_round condition of 四.10, so "首轮流片500万" is the tape-out cost
    # (the part named after 其中), and the second round's part is left out
    found, approx = _read("四.10", "流片一共花了800万，其中首轮流片500万，第二轮300万，能补多少？")
    assert found["tapeout_cost_yuan"] == 5000000
    assert any("第二轮" in said for said in approx.get(LEFT_OUT, []))


@pytest.mark.parametrize(
    ("rule", "text", "name"),
    [
        # a part said vaguely leaves a summed input unknown: asked, not computed without it
        ("四.17-展会补贴", "展位费大概三十来万，布展费十几万，能补多少？", "exhibition_cost_yuan"),
        ("四.10", "首轮流片费用几十万，能补多少？", "tapeout_cost_yuan"),
    ],
)
def test_a_vague_amount_asks_back(rule: str, text: str, name: str) -> None:
    found, approx = _read(rule, text)
    assert name not in found and approx.get(NOT_EXACT)


def test_asking_in_vague_words_is_no_vague_input() -> None:
    found, _ = _read("四.10", "首轮流片费用300万，能补几十万？")
    assert found["tapeout_cost_yuan"] == 3000000


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a total broken into parts, one of which fails a condition: the passing part counts
        ("广告费一共1000万，其中央视600万，地方电视台400万，能补多少？", 6000000),
        # a total followed by a further matter that fails: the total counts
        ("在央视和人民日报投的产品广告一共1200万，另外在河南卫视投了300万，能补多少？", 12000000),
    ],
)
def test_a_total_and_its_parts(text: str, value: int) -> None:
    found, _ = _read("四.17-央媒广告", text)
    assert found["ad_spend_yuan"] == value


def test_an_unsettled_share_said_later_in_the_sentence() -> None:
    text = "项目总合同5000万，我们是联合体的一员，我们能分到多少还没定，能扶持多少？"
    q = _money(text)
    assert not_exact(text, q) is not None


def test_asked_for_several_an_award_named_without_its_figure_is_asked_back() -> None:
    text = "展会场地费和布展费花了40万，另外还想申请首轮流片补助，费用还没结算，分别能拿多少？"
    results = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert results[0].amount_yuan == 280000  # the computed award comes first
    assert any(r.rule == "四.10" and r.amount_yuan is None and r.missing for r in results)


def test_the_asking_sentence_naming_a_clause_makes_other_sentences_background() -> None:
    text = (
        "我们是做手机外壳的老厂，前年营收3亿，去年2.6亿。今年车间做了智能化改造，"
        "设备加软件一共投了1500万。智能化改造补贴能拿多少？"
    )
    results = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert [(r.rule, r.amount_yuan) for r in results] == [("四.13-智能化改造", 3000000)]


def test_a_figure_told_in_passing_that_computes_nothing_is_background() -> None:
    text = "我们去年营收2亿，今年首轮流片花了250万，能补多少？"
    results = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert [(r.rule, r.amount_yuan) for r in results] == [("四.10", 1000000)]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        # the award at the lower bound reaches the cap: any larger figure does too
        ("展会的场地费和布展费加起来超过300万，补多少？", 1000000),
        ("首轮流片费用至少1500万，能补多少？", 5000000),
        # below the cap at the bound: the exact figure decides, so it is asked for
        ("首轮流片费用超过600万，能补多少？", None),
        # an upper bound never settles an amount
        ("展位费和布展费不到300万，补多少？", None),
    ],
)
def test_a_lower_bound_settles_the_amount_only_at_the_cap(text: str, amount: int | None) -> None:
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert result.amount_yuan == amount
    if amount is not None:
        assert any("下限" in a for a in result.assumptions)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("标识注册量从年初的300万条增长到年底的1100万条", 8000000),
        ("新增标识注册量从200万条涨到了900万条", 7000000),
    ],
)
def test_a_count_of_what_is_new_said_as_a_rise_is_the_difference(text: str, value: int) -> None:
    found, _ = _read("四.5-标识注册量", text + "，依托郑州节点，补助多少？")
    assert found["new_registrations"] == value


def test_what_the_asking_sentence_names_is_what_is_asked() -> None:
    text = (
        "我们集团在上海，是工信部认定的双跨平台，员工3000多人。今年在郑州设立了控股子公司，"
        "经营情况良好。请问这个子公司能拿什么奖励？"
    )
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert (result.rule, result.amount_yuan) == ("四.4-控股子公司", 2000000)


def test_a_figure_of_a_clause_the_message_does_not_name_is_told_not_asked() -> None:
    text = (
        "MEMS中试平台，今年收入比去年增长了40%，去年平台主营收入是1000万，"
        "为传感器企业服务，奖励多少？"
    )
    assert frames(BOOK, text) == []
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert (result.rule, result.amount_yuan) == ("四.8-服务奖励", 3000000)


def test_frames_come_in_the_order_the_message_names_them() -> None:
    text = (
        "传感器企业规上入库，今年营收1.2亿、同比增长20%，另外参加展会场地费布展费50万，两项分别多少"
    )
    results = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    got = [(r.rule, r.amount_yuan) for r in results]
    assert got == [("四.2", 1000000), ("四.17-展会补贴", 350000)]


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("展位费超过200万", "lower"),
        ("设备投资3000万以上", "lower"),
        ("流片费用不到500万", "upper"),
        ("投资额50万以内", "upper"),
        ("流片费用500万", None),
    ],
)
def test_bound_side_says_which_way_a_figure_bounds(text: str, side: str | None) -> None:
    (q,) = [q for q in extract_quantities(text) if q.kind == "money"]
    assert bound_side(text, q) == side


@pytest.mark.parametrize(
    ("rule", "text", "name", "value", "cost"),
    [
        # a cost the rule does not name is never summed into its input, stated or guessed
        (
            "四.17-展会补贴",
            "参展差旅和住宿花了30万，展位费和布展费合计50万，补多少",
            "exhibition_cost_yuan",
            500000,
            "差旅",
        ),
        (
            "四.17-展会补贴",
            "参加交易会，机票酒店12万，场地租赁费40万，能补多少",
            "exhibition_cost_yuan",
            400000,
            "机票",
        ),
        (
            "四.17-展会补贴",
            "展会：员工餐费3万，布展费20万，展位费10万",
            "exhibition_cost_yuan",
            300000,
            "餐费",
        ),
        (
            "四.10",
            "首轮流片花了600万，出差的交通费8万，能补多少",
            "tapeout_cost_yuan",
            6000000,
            "交通费",
        ),
    ],
)
def test_a_cost_the_rule_does_not_name_is_left_out(rule, text, name, value, cost) -> None:
    found, approx = _read(rule, text)
    assert found[name] == value
    # said as another cost (or, beside a figure said to meet a condition, as no figure of it)
    told = [costs for _, costs in approx.get(OTHER_COST, [])] + approx.get(LEFT_OUT, [])
    assert any(cost in said for said in told)


def test_a_figure_of_another_cost_alone_is_asked_back_and_said() -> None:
    found, _ = _read("四.17-展会补贴", "参加博览会的差旅费一共20万，能补多少")
    assert "exhibition_cost_yuan" not in found
    (result,) = answer_awards("参加博览会的差旅费一共20万，能补多少", [], [], TODAY, rulebook=BOOK)
    assert result.amount_yuan is None and result.missing
    assert any("差旅" in a and "未计入" in a for a in result.assumptions)


@pytest.mark.parametrize(
    ("text", "held"),
    [
        # a total said, after it, to hold costs the rule does not pay: no base, asked back
        ("参加博览会一共投入了45万，里面既有布展搭建，也有人员差旅和住宿，能补多少", "差旅"),
        ("去年参展花费合计36万，包括展台租金和快递托运，没有分开算，补贴多少", "快递"),
    ],
)
def test_a_total_said_to_hold_other_costs_is_asked_back(text: str, held: str) -> None:
    found, approx = _read("四.17-展会补贴", text)
    assert "exhibition_cost_yuan" not in found
    assert any(held in note for note in approx.get(NOT_EXACT, []))
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert result.amount_yuan is None and result.missing


@pytest.mark.parametrize(
    "text",
    [
        # said not to be held, or what is held is the rule's own costs: the figure is the base
        "展位费和布展费一共45万，不包括机票和酒店，能补多少",
        "参展花了45万，里面是展位费和布展费，能补多少",
    ],
)
def test_a_total_said_to_hold_only_its_own_costs_is_the_base(text: str) -> None:
    found, _ = _read("四.17-展会补贴", text)
    assert found["exhibition_cost_yuan"] == 450000


@pytest.mark.parametrize(
    ("before", "costs"),
    [
        ("差旅和住宿花了", ["差旅", "住宿"]),
        ("不含差旅，展位费", []),  # said not to be held
        ("展位费", []),
        ("场地租赁费和布展费合计", []),
    ],
)
def test_other_costs_are_those_no_alias_of_the_input_holds(before: str, costs: list[str]) -> None:
    spec = BOOK.rules["四.17-展会补贴"].input("exhibition_cost_yuan")
    assert other_costs(spec, before) == costs


def test_no_cost_the_rules_name_is_listed_as_another_cost() -> None:
    # a cost item of some input (展位费, 流片费用, 广告费) must never be read as "another cost"
    for rule in BOOK.rules.values():
        for spec in rule.inputs:
            if spec.unit == "yuan":
                for alias in spec.aliases:
                    assert other_costs(spec, alias) == [], (rule.id, alias)


@pytest.mark.parametrize(
    ("rule", "text", "name", "value", "left_out"),
    [
        # one figure is the input: the one whose part says the condition is met, even said first
        (
            "四.10",
            "首轮流片花了500万，后来产品改版重新投了一次花了300万，能补多少",
            "tapeout_cost_yuan",
            5000000,
            "300万",
        ),
        (
            "四.10",
            "MEMS芯片工程批首轮花了260万，之后又做了一版，花了180万，补多少",
            "tapeout_cost_yuan",
            2600000,
            "180万",
        ),
        (
            "四.17-央媒广告",
            "在人民日报投了产品广告400万，另外网站投放了150万，补多少",
            "ad_spend_yuan",
            4000000,
            "150万",
        ),
    ],
)
def test_the_figure_said_to_meet_the_condition_is_the_input(rule, text, name, value, left_out):
    found, approx = _read(rule, text)
    assert found[name] == value
    assert any(left_out in said for said in approx.get(LEFT_OUT, []))


@pytest.mark.parametrize(
    ("rule", "text", "name", "value"),
    [
        # ... but what was spent of a planned figure is the figure, as before
        (
            "四.17-央媒广告",
            "人民日报广告费预算600万，目前实际花了450万，能补多少",
            "ad_spend_yuan",
            4500000,
        ),
        # ... and a rule with two money inputs reads each by its own words
        (
            "四.12",
            "新建项目总投资6000万，生产和设备投资4500万，已完成，能奖多少",
            "total_investment_yuan",
            60000000,
        ),
    ],
)
def test_a_condition_said_of_one_figure_leaves_other_readings_alone(rule, text, name, value):
    found, _ = _read(rule, text)
    assert found[name] == value


def test_a_later_run_of_a_first_round_tapeout_is_no_first_round_cost() -> None:
    text = "自主研发的5G芯片，首轮流片花了800万，后来改版又流了一次花了600万，能补多少？"
    (result,) = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert (result.rule, result.amount_yuan) == ("四.10", 3200000)


@pytest.mark.parametrize(
    ("history", "text", "amount"),
    [
        # a later turn's run said of no condition does not replace the first-round figure
        (["自主研发的5G芯片，首轮流片花了800万"], "后来改版又流了一次花了600万，能补多少", 3200000),
        # ... but a turn that corrects it, or says the condition again, does
        (["自主研发的5G芯片，首轮流片花了800万"], "说错了，首轮流片是600万，能补多少", 2400000),
        (["自主研发的5G芯片，首轮流片花了800万"], "首轮流片其实是600万，能补多少", 2400000),
    ],
)
def test_a_later_turn_keeps_the_figure_said_to_meet_the_condition(history, text, amount) -> None:
    results = answer_awards(text, history, [], TODAY, rulebook=BOOK)
    assert [(r.rule, r.amount_yuan) for r in results] == [("四.10", amount)]


@pytest.mark.parametrize(
    "text",
    [
        # a figure that holds a cost the rule does not name is no exact base: asked back
        "参展总共花了60万，其中差旅10万，能补多少",
        "展位费30万（含差旅5万），能补多少",
        "参加展会花了80万，差旅占了20万，能补多少",
    ],
)
def test_a_figure_holding_another_cost_is_asked_back(text: str) -> None:
    found, approx = _read("四.17-展会补贴", text)
    assert "exhibition_cost_yuan" not in found
    assert any("差旅" in note for note in approx.get(NOT_EXACT, []))
