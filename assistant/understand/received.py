"""Awards already received: "今年已经拿到流片补助200万" states no cost of the award but what this
year's cap has already paid (同一年度合计不超过上限, the rule's ``received_input``). A figure
said with a verb of receiving beside one of the policy's award words is that; said of an
earlier year it counts against nothing and is left out; said without a year it is taken as
this year's (the answer says so), since a cap per year is what "还能补多少" asks about."""

from __future__ import annotations

from assistant.awards.rules import Rule
from assistant.understand.lexicon import general_words

# The key under which ``approx`` collects awards said to be received in an earlier year.
EARLIER_RECEIVED = "__earlier_received__"


def received_input(rule: Rule) -> str | None:
    """The input of what was received this year, for a rule capped per year; else None."""
    return next((p.received_input for p in rule.parameters.values() if p.received_input), None)


def says_received(before: str, after: str) -> bool:
    """The words around a figure (its clause part) say it is an award received."""
    around = before + after
    verb = any(v in around for v in general_words("received_verbs"))
    return verb and any(n in around for n in general_words("award_nouns"))


def of_an_earlier_year(before: str) -> bool:
    """Said of an earlier year (去年领了…, 以前拿过…), unless this year is named nearer."""
    earlier = max((before.rfind(w) for w in general_words("earlier_year_words")), default=-1)
    this = max((before.rfind(w) for w in general_words("this_year_words")), default=-1)
    return earlier > this
