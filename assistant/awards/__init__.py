"""Deterministic award computation: rules as data (rules.yaml), formula kinds, slot filling.

Every amount the assistant states comes from here — never from retrieved text or a model.
"""

from assistant.awards.errors import AwardInputError
from assistant.awards.evaluate import evaluate
from assistant.awards.rules import Rule, RuleBook, default_rulebook, load_rulebook
from assistant.awards.slots import (
    answer_award,
    answer_awards,
    asks_about_awards,
    extract_inputs,
    is_award_question,
    select_rule,
)

__all__ = [
    "AwardInputError",
    "Rule",
    "RuleBook",
    "answer_award",
    "answer_awards",
    "asks_about_awards",
    "default_rulebook",
    "evaluate",
    "extract_inputs",
    "is_award_question",
    "load_rulebook",
    "select_rule",
]
