"""English word order → Chinese word order, for a question the glossary has translated.

English names what a figure measures after it ("120 million yuan revenue", "2 solutions");
the mention reader looks left of a figure for that word, so it would take whatever stood
before ("a software company with 120 million yuan revenue" → 软件). Only figures followed
across a space (or "in"/"of") by a term of ``measured_after_figure`` are moved, and a whole
number before a term of ``counted_after_number`` gets that term's measure word (300 企业 →
300家企业); both are in general_lexicon.yaml. Typed Chinese has no space there, so it is
left as written. An English passive ("was 认定 by 工信部 as a 双跨平台") is written as Chinese
says it (被工信部认定为双跨平台): the agent before the verb, 为 for "as"; the verbs are
``passive_as_verbs``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.understand.lexicon import general_mapping, general_words

_FIGURE = r"(?:RMB|CNY|¥)?\s*\d+(?:\.\d+)?(?:[万亿])?元?"
# a figure the amount rewriter made money (1,000万 as typed keeps its commas)
_MONEY = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[万亿]元?|元)"
# "补贴 for 算力": English names what support is for after it; Chinese before (算力补贴)
_HAN_WORDS = r"[\u4e00-\u9fff]+(?: [\u4e00-\u9fff]+)*"  # translated words, space-separated
# ... also "补贴 for 租金 of 办公用房" → 办公用房租金补贴 (what of what comes last in English)
_SUPPORT_FOR = re.compile(
    r"(?P<support>补贴|奖励|补助|支持|扶持|政策) (?:for|of|on) (?:the |our |a |an )?"
    rf"(?P<topic>{_HAN_WORDS})(?: (?:of|for) (?:the |our |a |an )?(?P<owner>{_HAN_WORDS}))?"
)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    measures = general_mapping("counted_after_number")

    def alternation(name: str) -> str:
        words = measures if name == "counted_after_number" else general_words(name)
        return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))

    terms = alternation("measured_after_figure")
    spent_on = alternation("spent_on_after_figure")
    measured = re.compile(
        rf"(?<![0-9A-Za-z_.,])(?P<figure>{_FIGURE}) (?:(?:in|of|worth of) )?(?P<term>{terms})"
        rf"|(?<![0-9A-Za-z_.,])(?P<spent>{_MONEY}) (?:(?:on|for|in) )?(?:the |our |its |an? )?"
        rf"(?P<object>(?:{spent_on})(?: (?:和 |或 )?(?:{spent_on}))*)"
    )
    counted = re.compile(
        rf"(?<![\w.,])(?P<number>\d{{1,3}}(?:,\d{{3}})+|\d+) (?:of (?:our|the|its|their) )?"
        rf"(?P<between>(?:[\u4e00-\u9fff]+ ){{0,2}})"  # 2 国家级 工业APP: words describing it
        rf"(?P<term>{alternation('counted_after_number')})"
    )
    return measured, counted, measures


# "level 3", "level-2", "3rd level", "grade 4", "4-star": a certificate or rating level
_LEVEL = re.compile(
    r"(?<![A-Za-z])(?:level|grade|tier)[\s-]*([1-5])(?![\d.])"
    r"|(?<![\d.])([1-5])(?:st|nd|rd|th)?[\s-]*(?:level|grade|tier)(?![A-Za-z])",
    re.IGNORECASE,
)
# "about 20万", "around RMB 3m": a round figure (after the amount rewriter: 大约20万)
_ABOUT = re.compile(
    r"(?<![A-Za-z])(?:about|around|approximately|roughly|approx\.?|nearly|almost)\s+"
    r"(?=(?:RMB|CNY|¥)?\s*\d)",
    re.IGNORECASE,
)
_LOAN = re.compile(r"贷款|贷了|本金|借了")
_AT_RATE = re.compile(r"(?<![A-Za-z])at\s+(?=\d+(?:\.\d+)?\s*%)", re.IGNORECASE)
_STAR = re.compile(r"(?<![\d.])([1-5])[\s-]*stars?(?![A-Za-z])", re.IGNORECASE)


def _term_first(m: re.Match[str]) -> str:
    if m["term"]:
        return m["term"] + m["figure"].strip()
    spent = m["spent"].replace(",", "")  # spent on something: money, whatever its form said
    return m["object"].replace(" ", "") + (spent if spent.endswith("元") else spent + "元")


_BE = r"(?:is|are|was|were|be|been|being|has been|have been|had been|got|gets|get|getting)"
_ARTICLE = r"(?:(?:a|an|the|our|its|their)\s+)?"


@lru_cache(maxsize=1)
def _passive() -> re.Pattern[str]:
    words = sorted(general_words("passive_as_verbs"), key=len, reverse=True)
    verbs = "|".join(map(re.escape, words))
    return re.compile(
        rf"(?<![A-Za-z])(?:(?P<be>{_BE})\s+)?(?P<verb>{verbs})"
        rf"(?:\s+by\s+{_ARTICLE}(?P<agent>[\u4e00-\u9fff]+))?(?:\s+(?P<as>as)(?![A-Za-z])\s*{_ARTICLE})?",
        re.IGNORECASE,
    )


@lru_cache(maxsize=1)
def _passive_object_first() -> re.Pattern[str]:
    """ "has been 认定 a 双跨平台 by 工信部" (the glossary took "certified as" whole): the
    object before the agent."""
    words = sorted(general_words("passive_as_verbs"), key=len, reverse=True)
    verbs = "|".join(map(re.escape, words))
    return re.compile(
        rf"(?<![A-Za-z])(?:(?P<be>{_BE})\s+)?(?P<verb>{verbs})\s+(?:as\s+)?{_ARTICLE}"
        rf"(?P<object>[\u4e00-\u9fff]+)(?:\s+by\s+{_ARTICLE}(?P<agent>[\u4e00-\u9fff]+))?",
        re.IGNORECASE,
    )


def _object_first_order(m: re.Match[str]) -> str:
    if not (m["be"] or m["agent"]):
        return m.group(0)
    return "被" + (m["agent"] or "") + m["verb"] + "为" + m["object"]


def _passive_order(m: re.Match[str]) -> str:
    """ "was 认定 by 工信部 as a 双跨平台" → 被工信部认定为双跨平台; "认定 as a" → 认定为."""
    if not (m["agent"] or m["as"]):
        return m.group(0)
    by = "被" if m["be"] or m["agent"] else ""
    agent = (m["agent"] or "").replace(" ", "")
    return by + agent + m["verb"] + ("为" if m["as"] else "")


# "went from 60 million to 90 million yuan": 从6000万增长到9000万元 (two money figures)
_FROM_TO = re.compile(
    r"(?:(?:went|increased|grew|rose|jumped|climbed|增长) ?)?"
    rf"from (?P<a>{_MONEY}|\d+(?:\.\d+)?[万亿]) to (?P<b>{_MONEY})"
)


@lru_cache(maxsize=1)
def _dated_after() -> re.Pattern[str]:
    """ "1.2亿元 去年", "1.5亿元 in 2024": English says a figure's year after it, Chinese before
    (the year words are ``year_offsets``)."""
    words = sorted(general_mapping("year_offsets"), key=len, reverse=True)
    years = "|".join(map(re.escape, words))
    return re.compile(
        rf"(?<![0-9A-Za-z_.,])(?P<figure>{_MONEY}) (?:(?P<word>{years})(?![\u4e00-\u9fff])"
        r"|(?:in|for|of) (?:the year )?(?P<year>(?:19|20)\d{2})(?![\d年]))"
    )


def _year_first(m: re.Match[str]) -> str:
    year = m["word"] or f"{m['year']}年"
    return year + m["figure"]


def english_order(text: str) -> str:
    """``text`` with English "figure term" pairs written "term figure" and English levels
    written as Chinese ones (level 3 → 3级, 4-star → 4星); see the module."""
    measured, counted, measures = _patterns()
    text = _ABOUT.sub("大约", text)
    text = _LEVEL.sub(lambda m: f"{m.group(1) or m.group(2)}级", text)
    text = _STAR.sub(lambda m: f"{m.group(1)}星", text)
    text = _FROM_TO.sub(lambda m: f"从{m['a']}增长到{m['b']}", text)
    text = measured.sub(_term_first, text)
    text = _dated_after().sub(_year_first, text)
    text = _passive().sub(_passive_order, text)
    text = _passive_object_first().sub(_object_first_order, text)
    text = _SUPPORT_FOR.sub(
        lambda m: ((m["owner"] or "") + m["topic"]).replace(" ", "") + m["support"], text
    )
    text = counted.sub(
        lambda m: m["number"].replace(",", "") + measures[m["term"]] + m["between"] + m["term"],
        text,
    )
    if _LOAN.search(text):
        text = _AT_RATE.sub("利率", text)  # "borrowed 20 million at 4%": the loan's rate
    return text
