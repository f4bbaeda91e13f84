"""What a turn asks: an amount (能补多少, 补不补), what support a topic gets (有什么奖励), or
the difference of an upgrade between two levels of a tiered (级差) rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.awards.rules import RuleBook
from assistant.numbers import NumberError, Quantity, extract_quantities
from assistant.proposed import proposal_spans
from assistant.understand.amounts import foreign_amounts
from assistant.understand.lexicon import general_pattern, general_words
from assistant.understand.mentions import option_mentions
from assistant.understand.names import mask_measures

# Question vocabulary lives in data (assistant/understand/general_lexicon.yaml), not here.
_AWARD_WORDS = general_words("award_words")

_ASK_WORDS = general_words("ask_words")

# Asking what support a topic gets ("双跨平台有什么奖励"): on its own an overview question
# (answered from the clause text), but it opens a calculation that a later turn stating facts
# carries on — and a fixed award named in words is computed (see :func:`answer_award`).
_TOPIC_ASKS = general_words("topic_asks")

_STRONG_ASKS = general_words("strong_asks")

_BARE_ASK = general_pattern("bare_ask")

_COLLOQUIAL_ASK = general_pattern("colloquial_ask")

_CHANGE_MARKERS = general_words("change_markers")

_NOT_ABOUT_AMOUNT = general_words("not_about_amount")

_RATE_QUOTE = general_pattern("rate_quote")


# ask words of two characters or more (多少, 能拿 …): a lone 吗 or 几 is in many a statement
_ASKING_WORDS = tuple(w for w in _ASK_WORDS if len(w) >= 2)


# an ask word right before a figure is the figure's label ("建设金额500万", "额度300万"), no ask
_LABEL_OF_FIGURE = re.compile(
    r"\s*[:：]?\s*(?:是|为|达|有)?\s*(?:\d|[一二两三四五六七八九十][一二两三四五六七八九十百千]*[百千万亿元])"
)


def part_asks(text: str) -> bool:
    """Whether a sentence or a clause part asks: a question mark or an ask word in it (not one
    that labels the figure right after it)."""
    if "？" in text or "?" in text:
        return True
    for word in _ASKING_WORDS:
        start = text.find(word)
        while start >= 0:
            if not _LABEL_OF_FIGURE.match(text, start + len(word)):
                return True
            start = text.find(word, start + 1)
    return False


def quantities_in(text: str) -> list[Quantity]:
    try:
        return extract_quantities(mask_measures(text))
    except NumberError:
        return []


def quotes_rate(text: str) -> bool:
    """Does the text quote an award's rate per step before a money figure ("按每个百分点5万算",
    "每增长一个点给5万")? That figure is what each step pays: the text speaks of the award as
    surely as with a word of it (奖, 补), though the figure is no input (mentions._not_inputs)."""
    for q in quantities_in(text):
        if q.kind != "money":
            continue
        start = q.span[0]
        opens = max(text.rfind(c, 0, start) for c in "，,。；;？?！!\n") + 1
        if _RATE_QUOTE.search(text[max(opens, start - 14) : start]):
            return True
    return False


def is_award_question(text: str, books: Iterable[RuleBook]) -> bool:
    """Does the text ask what an enterprise can get (an amount, a calculation)? ``books``: the
    rule books whose tiered rules make a stated upgrade a question."""
    if not isinstance(text, str) or not text.strip():
        return False
    if any(w in text for w in _STRONG_ASKS) or _COLLOQUIAL_ASK.search(text):
        return True
    has_award = any(w in text for w in _AWARD_WORDS) or quotes_rate(text)
    asks = any(w in text for w in _ASK_WORDS)
    has_money = any(q.kind == "money" for q in quantities_in(text))
    if has_award and (asks or has_money):
        return True
    if proposal_spans(text):
        return True  # "增速10%，是不是50万？": an amount put up to be checked
    if asks and foreign_amounts(text):
        return True  # "HKD 3m … 40% of that would be?": an amount, to be asked for in yuan
    if _BARE_ASK.search(text) and (quantities_in(text) or foreign_amounts(text)):
        return True  # "…, 2 solutions. How much?": a figure and a terse question of its own
    # "原来是省级智能工厂，现在评上国家级示范工厂了呢？": an upgrade between two levels of a
    # 级差 rule asks what the difference pays, with or without a reward word
    return states_upgrade(text, books)


def states_upgrade(text: str, books: Iterable[RuleBook]) -> bool:
    """Does ``text`` state a move from one level of a tiered (级差) rule to a higher or other
    one ("从二级升到四级", "之前是智能车间，现在是标杆")? Two levels alone ("车间和工厂有什么
    区别") are not an upgrade: a word of change must stand between them."""
    if not isinstance(text, str) or any(w in text for w in _NOT_ABOUT_AMOUNT):
        return False
    for rule in (r for book in books for r in book.rules.values()):
        upgrade = rule.formula.upgrade
        if upgrade is None:
            continue
        mentions = option_mentions(rule.input(upgrade.level), text)
        if len({v for _, v in mentions}) < 2:
            continue
        between = text[mentions[0][0] : mentions[-1][0]]
        if any(m in between for m in _CHANGE_MARKERS):
            return True
    return False


def asks_about_awards(text: str, books: Iterable[RuleBook]) -> bool:
    """An award question, or a question what support a topic gets ("…有什么奖励"). A turn
    after one of these that states facts of a rule is computed (see :func:`answer_award`)."""
    if is_award_question(text, books):
        return True
    if not isinstance(text, str):
        return False
    if _BARE_ASK.search(text):
        return True  # "首次进入百强，奖励？" / "…for the first time. How much?"
    return any(w in text for w in _AWARD_WORDS) and any(w in text for w in _TOPIC_ASKS)
