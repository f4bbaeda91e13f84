"""Awards already received: "今年已经拿到流片补助200万" states no cost of the award but what this
year's cap has already paid (同一年度合计不超过上限, the rule's ``received_input``). A figure
said with a verb of receiving beside one of the policy's award words is that; said of an
earlier year it counts against nothing and is left out; said without a year it is counted
as this year's only where that does not change the amount — else the year is asked back,
with what each answer would give (a wrong amount is worse than a question back)."""

from __future__ import annotations

from assistant.understand.lexicon import general_words

# The keys under which ``approx`` collects awards said to be received in an earlier year, and
# awards said received without a year (counted as this year's unless that changes the amount).
EARLIER_RECEIVED = "__earlier_received__"
UNDATED_RECEIVED = "__undated_received__"


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


def this_year_said(before: str) -> bool:
    """This year is named in the words before the figure (今年已经拿到…)."""
    return any(w in before for w in general_words("this_year_words"))
