"""Counts at a level, rises said of one year's figure, and a segment's own words over the
message's topic (r2num round): table tests on new wordings, not those of the eval files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.awards import default_rulebook
from assistant.understand.dialogue import book_context
from assistant.understand.frames import assign
from assistant.understand.mentions import NOT_EXACT, extract_turn

BOOK = default_rulebook()


def _read(rule_id: str, text: str) -> dict:
    return extract_turn(BOOK.rules[rule_id], text, {}, book_context(BOOK))


@pytest.mark.parametrize(
    ("text", "count", "level"),
    [
        # only the items at the level the rule requires are counted
        ("我们有两个方案获评国家级工业APP优秀解决方案，另外还有4个是省级的", 2, True),
        ("工业APP解决方案里有3个省级的，还有1个获评了国家级，能奖多少", 1, True),
        ("一共6个方案入选工业APP优秀解决方案，其中国家级的2个，剩下的都是省级", 2, True),
        # one part holding two counts, the level after or before each count
        ("我们有四个工业APP解决方案获评，两个国家级两个省级，奖励多少", 2, True),
        ("工业APP解决方案国家级2个省级3个，奖多少", 2, True),
        ("工业APP优秀解决方案我们国家级的有两个，省级的三个", 2, True),
        # the level said of the count just before it
        ("我们有3个工业APP方案获评，都是国家级的，另外1个省级的，奖多少", 3, True),
        # a level stated without a contrary part stays what it says
        ("我们的工业APP方案是省级的，有2个，奖多少", 2, False),
        ("我们有2个工业APP解决方案获评国家级，奖多少", 2, True),
    ],
)
def test_only_items_at_the_required_level_are_counted(text: str, count: int, level: bool) -> None:
    found = _read("四.7", text)
    assert found["solutions"] == Decimal(count)
    assert found["national_level"] is level


@pytest.mark.parametrize(
    ("rule", "text", "name", "value"),
    [
        (
            "四.4-服务收入补助",
            "平台年度服务收入从六百万增长到了九百万，服务企业三百家",
            "service_revenue_yuan",
            9_000_000,
        ),
        (
            "四.8-服务奖励",
            "MEMS中试平台为传感器企业服务，上年主营业务收入从1000万提高到1500万",
            "platform_last_year_revenue_yuan",
            15_000_000,
        ),
        (
            "四.4-服务收入补助",
            "平台服务收入由去年的五百万增长到今年的八百万，服务企业210家",
            "service_revenue_yuan",
            8_000_000,
        ),
    ],
)
def test_a_rise_of_one_years_figure_is_the_figure_risen_to(rule, text, name, value) -> None:
    assert _read(rule, text)[name] == Decimal(value)


def test_from_to_without_a_verb_of_rising_is_no_rise() -> None:
    # "从800万到1000万" may be a range: no figure is taken as the base
    found = _read("四.4-服务收入补助", "平台年度服务收入从800万到1000万不等，服务企业三百家")
    assert "service_revenue_yuan" not in found


@pytest.mark.parametrize(
    ("text", "segment", "rule"),
    [
        (
            "入库规上面板企业，去年营收2亿，今年2.4亿；另外参展的展位费30万，各补多少",
            "去年营收2亿",
            "四.2",
        ),
        (
            "我们是晶圆企业，去年销售额9000万，今年1.08亿，另外在央视做广告100万，分别多少",
            "去年销售额9000万",
            "四.2",
        ),
    ],
)
def test_a_segments_own_words_beat_the_messages_topic(text: str, segment: str, rule: str) -> None:
    owner = next(s.rule for s in assign(BOOK, text) if s.text == segment)
    assert owner is not None and owner.id == rule


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # 四.8 reads the year before's revenue: the figure of that year, by what the words say
        ("平台主营业务收入由去年的六百万增长到今年的九百万，为传感器企业服务", 6_000_000),
        ("中试平台主营业务收入从去年400万涨到今年700万", 4_000_000),
        ("中试平台主营收入从300万增长到了今年的500万", 3_000_000),
        # the year said of the measure: the rise happened within it
        ("中试平台上一年度主营业务收入从1000万增长到1200万", 12_000_000),
        # undated: which figure is the year before's is not said → unknown, asked for
        ("中试平台主营业务收入从500万增长到800万", None),
    ],
)
def test_a_rise_said_of_the_year_before_takes_that_years_figure(text: str, value) -> None:
    approx: dict = {}
    found = extract_turn(BOOK.rules["四.8-服务奖励"], text, approx, book_context(BOOK))
    if value is None:
        assert "platform_last_year_revenue_yuan" not in found
        assert approx.get(NOT_EXACT)
    else:
        assert found["platform_last_year_revenue_yuan"] == Decimal(value)


@pytest.mark.parametrize(
    ("text", "level", "previous"),
    [
        # the first "title" is the plain name of the plant that obtained the second: no difference
        ("我们的智能工厂获评国家级智能制造示范工厂", "国家级智能制造示范工厂", None),
        # an earlier award said: the difference (级差)
        # two levels of one ladder named: the earlier is the one held before (级差), in English too
        ("我们的车间是省级智能车间，今年整个工厂成为省级智能工厂", "省级智能工厂", "省级智能车间"),
        # the first title stated as obtained (拿了, 被评为) or of an earlier year: the difference
        ("2021年就拿了省级智能车间的奖励，今年获评了省级智能工厂", "省级智能工厂", "省级智能车间"),
        ("车间早先被评为省级智能车间，今年工厂获评省级智能工厂", "省级智能工厂", "省级智能车间"),
        (
            "原来是省级智能工厂，现在评上国家级智能制造示范工厂",
            "国家级智能制造示范工厂",
            "省级智能工厂",
        ),
        # a title said never obtained before is no earlier award: the full amount
        ("刚评上省级智能制造标杆，以前从没有拿过智能工厂的奖励", "省级智能制造标杆", None),
        ("此前未获得省级智能车间称号，这次评上了省级智能工厂", "省级智能工厂", None),
    ],
)
def test_two_levels_are_an_upgrade_unless_the_first_names_the_plant(text, level, previous) -> None:
    rule = BOOK.rules["四.15"]
    upgrade = rule.formula.upgrade
    found = _read("四.15", text)
    assert found[upgrade.level] == level
    assert found.get(upgrade.previous) == previous


def test_money_in_renminbi_is_no_count_of_people() -> None:
    found = _read("四.17-展会补贴", "参加展会，摊位租金40万人民币，装潢费20万人民币")
    assert found["exhibition_cost_yuan"] == Decimal(600000)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # a bare title word after another level than its option's is not that option
        ("我们工厂被认定为国家级智能工厂，奖多少", None),
        ("获评国家级的智能车间，奖多少", None),
        # the level its option is at, or none said: the option
        ("我们获评省级智能工厂，奖励多少", "省级智能工厂"),
        ("获评了智能车间，奖多少", "省级智能车间"),
        ("国家级智能制造示范工厂奖多少", "国家级智能制造示范工厂"),
    ],
)
def test_a_title_said_at_another_level_is_not_read_as_its_option(text: str, title) -> None:
    assert _read("四.15", text).get("title") == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # a bare title whose head word ends a title at another level: the level is asked
        ("公司的工厂刚评上了智能工厂，奖多少钱", None),
        # said at a level, or a title at one level only: read as before
        ("省里给我们评了智能工厂，奖多少钱", "省级智能工厂"),
        ("刚评上智能车间，奖多少钱", "省级智能车间"),
    ],
)
def test_a_bare_title_at_no_said_level_is_asked(text: str, title) -> None:
    upgrade = BOOK.rules["四.15"].formula.upgrade
    assert _read("四.15", text).get(upgrade.level) == title


@pytest.mark.parametrize(
    ("text", "title", "previous"),
    [
        # one title said with the year obtained is the one asked about, at the level said
        ("厂里去年获评省级智能车间，这次市里奖多少", "省级智能车间", None),
        ("去年被河南省评为智能制造标杆企业，能奖多少", "省级智能制造标杆", None),
        # a bare title of a head word at two levels: still asked, a year said or not
        ("去年我们工厂评上了智能工厂，奖多少", None, None),
        # an award said received that year is an earlier award, not the one asked about
        ("去年领了智能车间的奖励，还能再拿吗", None, "省级智能车间"),
        # beside a second title the year still says which came first
        ("去年评为智能车间，今年获评省级智能工厂", "省级智能工厂", "省级智能车间"),
    ],
)
def test_a_year_said_of_one_title_dates_it_and_makes_it_no_earlier_one(
    text: str, title, previous
) -> None:
    upgrade = BOOK.rules["四.15"].formula.upgrade
    found = _read("四.15", text)
    assert found.get(upgrade.level) == title
    assert found.get(upgrade.previous) == previous


@pytest.mark.parametrize(
    ("text", "first_time"),
    [
        # a list named with words the clause's own name does not hold is another list
        ("我们去年首次入选“中国互联网企业百强”，奖多少", False),
        ("首次进入《中国民营电子信息百强》名单，能拿多少", False),
        # the clause's own list, said with neutral words or in part: no other list
        ("我们首次进入“全国电子信息企业百强”榜单，奖多少", True),
        ("第一次入选“电子信息百强”，能拿多少", True),
        ("我们第一次进入百强，奖多少", True),
        # quoting the clause, or how the list was entered, names no other list
        ("条文说“对首次进入中国电子信息企业百强的企业”奖励，我们是首次进入，能拿多少", True),
        ("我们算“第一次进入百强”吗？能拿多少", True),
    ],
)
def test_a_list_named_otherwise_than_the_clause_is_not_its_list(text: str, first_time) -> None:
    from assistant.understand.mentions import OTHER_TITLE

    approx: dict = {}
    found = extract_turn(BOOK.rules["四.1"], text, approx, book_context(BOOK))
    assert found.get("first_time_top100") is first_time
    assert bool(approx.get(OTHER_TITLE)) is (first_time is False)
