"""Awards already received this year come off a yearly cap; an earlier year's do not."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.awards import default_rulebook
from assistant.understand import dialogue
from assistant.understand.received import of_an_earlier_year, says_received

TODAY = date(2024, 6, 1)


def _awards(question: str):
    return dialogue.answer_awards(question, [], [], TODAY, rulebook=default_rulebook())


@pytest.mark.parametrize(
    ("question", "amount"),
    [
        # 1000万 × 40% = 400万, but 200万 of this year's 500万 is paid: 300万 left
        ("今年已经领了芯片流片补助200万，新一款首轮流片费用1000万，还能补多少", 3000000),
        # an earlier year's award takes nothing off this year's cap
        ("前年拿过流片补助500万，今年首轮流片花了1000万，能补多少", 4000000),
        # the rest of the cap does not bind: the award is as it would be alone
        ("今年已获得展会补贴20万，又参加了博览会，展位费和布展费共50万，还能补多少", 350000),
    ],
)
def test_an_award_received_this_year_comes_off_the_yearly_cap(question, amount) -> None:
    (result,) = _awards(question)
    assert result.amount_yuan == amount


def test_the_answer_says_what_was_counted() -> None:
    (result,) = _awards("去年领了展会补贴80万，今年展位费和布展费共100万，能补多少")
    assert result.amount_yuan == 700000
    assert any("往年获得" in a for a in result.assumptions)


def test_receiving_needs_an_award_word_and_a_verb() -> None:
    assert says_received("今年已经拿到流片补助", "")
    assert not says_received("今年拿到银行贷款", "")  # a loan is no award
    assert not says_received("流片补助", "能补多少")  # asked, not received
    assert of_an_earlier_year("去年领了")
    assert not of_an_earlier_year("去年营收一亿，今年已经领了")


@pytest.mark.parametrize(
    ("question", "amount"),
    [
        # a figure said again within the message replaces the one before (not summed)
        ("首轮流片花了大概600万——确切地说是580万，能补多少", 2320000),
        ("首轮流片费用800万，不对，是850万，能补多少", 3400000),
        # a breakdown is no restatement: 其中 names a part
        ("智能化改造设备投资1000万，其中500万是银行贷款，改造补助多少", 2000000),
    ],
)
def test_a_figure_restated_in_the_message_replaces_the_one_before(question, amount) -> None:
    results = _awards(question)
    assert [r.amount_yuan for r in results] == [amount]


def test_a_story_figure_beside_two_computed_awards_is_background() -> None:
    # 去年营收 leaves 四.2 uncomputable; the message asks for the two it names (这两块)
    results = _awards(
        "我们去年营收2个亿，员工300人。今年一是首轮流片花了500万，二是做了智能化改造，"
        "设备和软件800万。这两块各能拿多少？"
    )
    assert [(r.rule, r.amount_yuan) for r in results] == [
        ("四.10", 2000000),
        ("四.13-智能化改造", 1600000),
    ]


def test_a_part_of_a_total_no_words_name_is_not_guessed_for_the_input() -> None:
    results = _awards(
        "改造项目总投资3000万，其中厂房土建1000万，智能制造设备及软件投资1500万，补多少"
    )
    assert [r.amount_yuan for r in results] == [3000000]  # 1500万 × 20%


def test_a_level_said_not_held_is_no_earlier_award() -> None:
    (result,) = _awards("获评国家级智能制造示范工厂，此前没有获得过省级智能工厂称号，奖多少")
    assert result.amount_yuan == 3000000


def test_an_earlier_title_of_the_ladder_without_its_level_is_asked_for() -> None:
    (result,) = _awards("今年评上了国家级智能制造示范工厂，之前还拿过一个省级的称号，能奖多少")
    assert result.amount_yuan is None and result.follow_up and "请问" in result.follow_up
    # said not to exist: the title in full
    (result,) = _awards("今年评上了国家级智能制造示范工厂，之前没有拿过别的称号，能奖多少")
    assert result.amount_yuan == 3000000


def test_an_award_received_without_a_year_is_asked_when_the_year_decides() -> None:
    # this year's: 500万 − 300万 = 200万; an earlier year's: 1000万 × 40% = 400万
    (result,) = _awards("流片补助已经拿到了300万，又一次首轮流片花了1000万，还能补多少")
    assert result.amount_yuan is None
    assert result.follow_up and "本年度" in result.follow_up
    assert "200万元" in result.follow_up and "400万元" in result.follow_up
    # where the year does not change the amount, it is computed
    (result,) = _awards("展会补贴已经领了10万，又参加博览会，展位费20万，还能补多少")
    assert result.amount_yuan == 140000
