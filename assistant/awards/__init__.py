"""The deterministic rule module: rules as data (rules.yaml), formula kinds, evaluation.

Every amount the assistant states comes from here — never from retrieved text or a model.
How a question is read into a rule and its inputs lives in :mod:`assistant.understand`.
"""

from assistant.awards.books import RuleBooks
from assistant.awards.errors import AwardInputError
from assistant.awards.evaluate import evaluate
from assistant.awards.rules import Rule, RuleBook, default_rulebook, load_rulebook

__all__ = [
    "AwardInputError",
    "Rule",
    "RuleBook",
    "RuleBooks",
    "default_rulebook",
    "evaluate",
    "load_rulebook",
]
