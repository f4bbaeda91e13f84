"""Stated facts that put a matter outside a clause, and certificate levels said in other
words (9c round): table tests on new wordings, not those of the eval files."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.award_answers import not_provided_sentence
from assistant.awards import default_rulebook
from assistant.awards.evaluate import evaluate
from assistant.chain import _outside_items
from assistant.understand.choose import keyword_score
from assistant.understand.dialogue import book_context
from assistant.understand.mentions import extract_turn

BOOK = default_rulebook()
TODAY = date(2024, 1, 10)


def _read(rule_id: str, text: str) -> dict:
    return extract_turn(BOOK.rules[rule_id], text, {}, book_context(BOOK))


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a scale's order (从低到高) holds 从 but names no earlier level
        ("两化融合证书评为AAAA级（按从低到高算是第四级）", "4"),
        ("贯标证书由低到高排第二级", "2"),
        ("智能制造能力成熟度拿了3A级证书", "3"),
        ("两化融合贯标拿到AAAAA证书", "5"),
    ],
)
def test_certificate_level_said_in_other_words(text: str, level: str) -> None:
    found = _read("四.11", text)
    assert found.get("certificate_level") == level
    assert "previous_level" not in found


def test_an_upgrade_with_letter_grades_is_still_read() -> None:
    found = _read("四.11", "原来是AA级，今年升到AAAA证书")
    assert (found["previous_level"], found["certificate_level"]) == ("2", "4")


@pytest.mark.parametrize(
    "text", ["分级评估实施之前就拿到了贯标证书", "在分级认证实施前首次取得证书"]
)
def test_first_certificate_before_grading_is_named(text: str) -> None:
    assert keyword_score(BOOK.rules["四.11-首次获证"], text) > 0


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("我们厂被认定为区级智能工厂", "其他"),
        ("车间评上了县级智能车间", "其他"),
        # a listed title beside one outside the ladder is the one obtained
        ("以前是县级智能车间，现在评上省级智能工厂", "省级智能工厂"),
        ("获评国家级智能制造示范工厂", "国家级智能制造示范工厂"),
    ],
)
def test_a_title_of_a_level_no_option_is_at(text: str, title: str) -> None:
    assert _read("四.15", text).get("title") == title


def test_a_title_outside_the_ladder_is_ruled_out_with_a_not_provided_sentence() -> None:
    result = evaluate("四.15", {"title": "其他"}, today=TODAY, rulebook=BOOK)
    assert result.eligible is False and result.amount_yuan == 0
    assert result.failed == ["title"]
    sentence = not_provided_sentence(BOOK.rules["四.15"], result, "四.15")
    assert sentence.startswith("本政策没有针对这种情况的奖励条款")
    assert "省级" in sentence


def test_the_sentence_comes_from_the_failed_condition() -> None:
    result = evaluate(
        "四.10", {"tapeout_cost_yuan": "300万", "first_round": False}, today=TODAY, rulebook=BOOK
    )
    sentence = not_provided_sentence(BOOK.rules["四.10"], result, "四.10")
    cond = next(c for c in BOOK.rules["四.10"].conditions if c.input == "first_round")
    assert "本政策没有针对这种情况的补助条款" in sentence
    assert cond.failure in sentence and cond.phrase in sentence
    eligible = evaluate("四.10", {"tapeout_cost_yuan": "300万"}, today=TODAY, rulebook=BOOK)
    assert not_provided_sentence(BOOK.rules["四.10"], eligible, "四.10") == ""


@pytest.mark.parametrize(
    ("text", "covered"),
    [
        ("参展的高铁票和宾馆费用能报吗", False),
        # items outside said beside the venue and booth costs: no failure
        ("展台费10万，高铁票也想一起报", True),
        ("展位费12万能补多少", True),
        # a figure said of a cost outside is asked back and said (figures.py), not ruled out
        ("参展的宾馆费用花了6万，能补吗", None),
    ],
)
def test_costs_outside_the_clause_rule_it_out_only_alone(text: str, covered: bool | None) -> None:
    assert _read("四.17-展会补贴", text).get("venue_and_booth_costs") is covered


def test_costs_outside_the_clause_said_alone_are_not_provided_for() -> None:
    rule = BOOK.rules["四.17-展会补贴"]
    result = evaluate(
        "四.17-展会补贴", {"venue_and_booth_costs": False}, today=TODAY, rulebook=BOOK
    )
    assert _outside_items(rule, result, "展会期间的宾馆和快递费能补吗") == ["宾馆", "快递费"]


def test_a_pilot_platform_said_not_mems() -> None:
    assert (
        _read("四.8-设备投资补助", "我们的中试平台不是MEMS方向的")["is_mems_pilot_platform"]
        is False
    )
    assert _read("四.8-设备投资补助", "建了MEMS中试平台")["is_mems_pilot_platform"] is True
