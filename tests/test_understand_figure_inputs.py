"""Which figure is a rule's input, and when a total is asked back rather than computed.

Each test states a general rule of the understanding stage (assistant/understand/figures.py,
mentions.py, frames.py, dialogue.py); the questions are new, not those of the eval files.
"""

from __future__ import annotations

from datetime import date

from assistant.awards import default_rulebook
from assistant.understand.dialogue import answer_awards
from assistant.understand.normalise import normalise

TODAY = date(2024, 6, 1)
BOOK = default_rulebook()


def _awards(text: str, history: tuple[str, ...] = ()) -> dict[str, int | None]:
    turns = [normalise(t).text for t in (*history, text)]
    results = answer_awards(turns[-1], turns[:-1], [], TODAY, rulebook=BOOK)
    return {r.rule: r.amount_yuan for r in results}


def test_a_condition_said_before_a_figure_in_its_sentence_is_said_of_it() -> None:
    # the second tape-out's figure is said after the words saying it was a re-spin
    text = (
        "我们的北斗芯片去年完成了首轮流片，花费400万元，之后因为功耗问题又重新流了一次，"
        "花了250万。首轮那笔能补多少？"
    )
    assert _awards(text)["四.10"] == 1600000


def test_a_total_of_a_list_holding_other_costs_is_asked_back() -> None:
    # the costs the award does not pay are listed in the sentence before the total
    text = (
        "上个月去广州参加了家博会，特装展位、搭建布展，还有人员差旅住宿，总共花了55万，能补多少？"
    )
    assert _awards(text)["四.17-展会补贴"] is None


def test_a_total_said_to_hold_the_input_among_other_costs_is_asked_back() -> None:
    text = "这款5G射频芯片整个开发花了1500万，流片费也包含在里面，没有分开算。首轮流片能补多少？"
    assert _awards(text)["四.10"] is None


def test_one_figure_said_of_two_topics_joined_with_a_verb_is_asked_back() -> None:
    text = "今年首轮流片和参加博览会一共用了800万，两项补贴一共多少？"
    assert all(v is None for v in _awards(text).values())


def test_a_correction_naming_the_real_part_replaces_the_total() -> None:
    history = ("去年参加了三个展销会，一共花了90万，能补多少？",)
    text = "说错了，90万里有机票和餐饮，真正的展位费和布展费是50万。"
    assert _awards(text, history)["四.17-展会补贴"] == 350000


def test_a_total_broken_down_after_a_colon_is_never_added_to_its_parts() -> None:
    text = (
        "我们搞智能化改造，项目一共投了5000万：车间装修1000万，采购12台ABB IRB6700机器人等设备"
        "合计2500万，工业软件300万，其余是铺底资金。能补多少？"
    )
    assert _awards(text)["四.13-智能化改造"] == 5600000


def test_a_contract_amount_of_a_tape_out_is_its_cost() -> None:
    text = (
        "芯片自主设计，属于5G领域，首轮流片是跟台湾一家代工厂签的，"
        "合同额折合人民币700万元，能补多少？"
    )
    assert _awards(text)["四.10"] == 2800000


def test_a_later_how_to_apply_sentence_does_not_change_the_award_asked() -> None:
    text = (
        "我们新建的显示面板项目已经竣工，总投资1.5亿元，其中生产和设备投资5000万元。"
        "新建项目奖励能拿多少？另外重大产业链项目的一事一议如何申报？"
    )
    assert _awards(text)["四.12"] == 6000000


def test_a_how_to_apply_sentence_of_a_negotiated_rule_is_answered_beside_the_award() -> None:
    text = (
        "新建的光模块项目已建成投产，生产和设备投资6000万元。新建项目奖励有多少？"
        "还有，重大产业链项目一事一议需要什么材料？"
    )
    awards = _awards(text)
    assert awards["四.12"] == 7200000
    assert "四.12-重大产业链项目" in awards and awards["四.12-重大产业链项目"] is None
