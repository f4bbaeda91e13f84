"""Growth said against another base and step-up awards said in other words (round 11 levels):
a rise over an earlier year than the one before is no rise over 上年; a measure no award is
computed on (总营收) labels no input; a character typed for a look-alike one still finds the
policy's term; 前年/拿过 mark the earlier of two titles; an enterprise said not to be industrial
fails a 规模以上工业企业 condition; 证书升级 and 增长奖 name their clauses.

The questions are new (not those of the eval files)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.awards import default_rulebook
from assistant.understand.dialogue import answer_awards, book_context
from assistant.understand.fuzzy import correct_terms
from assistant.understand.mentions import OTHER_YEAR, extract_turn

BOOK = default_rulebook()
TODAY = date(2024, 6, 1)


def _read(rule_id: str, text: str) -> tuple[dict, dict]:
    approx: dict = {}
    return extract_turn(BOOK.rules[rule_id], text, approx, book_context(BOOK)), approx


@pytest.mark.parametrize(
    "text",
    [
        "晶圆企业入库规上，本年度主营业务收入比前年提高了35%",
        "传感器企业已入库，今年销售收入较大前年增长了60%",
    ],
)
def test_a_rise_over_an_earlier_year_than_the_one_before_is_asked_back(text: str) -> None:
    found, approx = _read("四.2", text)
    assert "growth_percent" not in found
    assert any("以上年为基数" in note for note in approx.get(OTHER_YEAR, []))


def test_a_rise_over_the_year_before_is_read() -> None:
    found, approx = _read("四.2", "晶圆企业入库规上，本年度主营业务收入比上年提高了35%")
    assert found["growth_percent"] == 35
    assert not approx.get(OTHER_YEAR)


def test_total_revenue_is_no_main_business_revenue() -> None:
    text = "芯片企业入库规上，营业总收入今年2亿，去年营业总收入1.6亿"
    found, _ = _read("四.2", text)
    assert "main_revenue_yuan" not in found
    assert "last_year_revenue_yuan" not in found
    awards = answer_awards(text, [], [], TODAY, rulebook=BOOK)
    assert all(r.amount_yuan is None for r in awards if r.rule == "四.2")


def test_main_business_named_short_is_main_revenue() -> None:
    found, _ = _read("四.2", "芯片企业入库规上，今年主营业务8000万，去年主营业务6000万")
    assert found["main_revenue_yuan"] == 80_000_000


TERMS = ("省级智能车间", "国家级智能制造示范工厂", "智能车间")


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("我们获评国家级智能制造示范工广了", "我们获评国家级智能制造示范工厂了"),
        ("厂里的智能车问评上了", "厂里的智能车间评上了"),
    ],
)
def test_a_look_alike_character_finds_the_term(text: str, fixed: str) -> None:
    assert correct_terms(text, TERMS)[0] == fixed


def test_a_look_alike_character_in_a_short_term_is_left() -> None:
    # three characters: one look-alike change is too weak a sign
    assert correct_terms("车问题", ("车间题",))[0] == "车问题"


@pytest.mark.parametrize(
    ("text", "level", "previous"),
    [
        ("这次评的是省级智能制造标杆，前年评上过省级智能工厂", "省级智能制造标杆", "省级智能工厂"),
        ("刚获评省级智能工厂，大前年领过省级智能车间的钱", "省级智能工厂", "省级智能车间"),
    ],
)
def test_an_earlier_year_or_a_past_award_marks_the_earlier_title(text, level, previous) -> None:
    upgrade = BOOK.rules["四.15"].formula.upgrade
    found, _ = _read("四.15", text)
    assert found[upgrade.level] == level
    assert found.get(upgrade.previous) == previous


def test_one_title_said_with_an_earlier_year_is_the_one_asked_about() -> None:
    upgrade = BOOK.rules["四.15"].formula.upgrade
    found, _ = _read("四.15", "前年被评为省级智能工厂，能奖多少")
    assert found[upgrade.level] == "省级智能工厂"
    assert found.get(upgrade.previous) is None


@pytest.mark.parametrize(
    ("text", "above"),
    [
        ("我们做咨询服务，并非工业企业，智能制造能力成熟度贯标拿了二级", False),
        ("我们不属于工业类企业，两化融合贯标评了AAA级", False),
        ("我们是规上工业企业，两化融合贯标评了AAA级", True),
        # one part of the joined condition said not met fails it, said before or after the other
        ("我们是规上企业，但并不是工业企业，两化融合贯标评了AAA级", False),
        ("不属于工业企业，不过是规上，智能制造能力成熟度贯标拿了二级", False),
    ],
)
def test_an_enterprise_said_not_industrial_fails_the_industrial_condition(text, above) -> None:
    found, _ = _read("四.11", text)
    assert found.get("above_scale") is above


def test_certificate_upgrade_and_growth_award_name_their_clauses() -> None:
    assert "四.11" in BOOK.named_clauses("证书升级怎么奖")
    assert "四.2" in BOOK.named_clauses("增长奖怎么算")
