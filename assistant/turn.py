"""What flows through the answer chain (``Turn``) and what lets a question in: the cleaning
of typed text and the policy terms the front door keeps whole."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from assistant.answer import AwardResult
from assistant.awards.rules import RuleBook
from assistant.compose import Composed
from assistant.condense import Condensed
from assistant.errors import QuestionError
from assistant.route import Route
from knowledge.base import ClauseHit, KnowledgeBase


class Turn(BaseModel):
    """What flows through the pipeline; each step fills in its part."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    question: str  # NFKC-normalised: what the steps work on
    asked: str  # as typed, less invisible characters: what the answer echoes
    history: list[str]
    started: float
    condensed: Condensed | None = None
    hits: list[ClauseHit] = []
    route: Route | None = None
    award: AwardResult | None = None  # the first of ``awards``
    awards: list[AwardResult] = []
    # awards of earlier turns a follow-up refers to ("这些找哪个部门？"): composed, not reported
    earlier_awards: list[AwardResult] = []
    # clauses of earlier turns a follow-up asks about together ("这两项各自要满足什么条件？")
    earlier_clauses: int = 0
    award_phrases: list[str] = []
    composed: Composed | None = None
    understood: list[str] = []  # what the front door changed ("繁体已转为简体" …)


def clean_question(text: Any, max_chars: int) -> str:
    """Normalise what people type; refuse what cannot be a question (message in Chinese)."""
    if not isinstance(text, str):
        raise QuestionError("问题必须是文字。")
    # Control, zero-width and bidi-override characters carry no meaning here and can hide text.
    text = "".join(
        " " if ch in "\t\r\n" else ch
        for ch in text
        if ch in "\t\r\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    ).strip()
    if not text:
        raise QuestionError("问题不能为空，请输入您想咨询的内容。")
    if len(text) > max_chars:
        raise QuestionError(f"问题太长了（{len(text)}字），请控制在{max_chars}字以内。")
    return text


def policy_terms(books: Sequence[RuleBook], knowledge: KnowledgeBase) -> tuple[str, ...]:
    """Terms of three characters or more the policies' lexicons and metadata name."""
    words = [t for book in books for terms in book.topics.values() for t in terms]
    words += [k for book in books for rule in book.rules.values() for k in rule.keywords]
    words += [t for meta in knowledge.policies() for t in meta.terms]
    return tuple(sorted({w for w in words if len(w) >= 3 and not w.isascii()}))


def sound_terms(books: Sequence[RuleBook], knowledge: KnowledgeBase) -> tuple[str, ...]:
    """What a homophone typo is matched against (assistant/understand/fuzzy.py): the policy's
    terms plus its inputs' own words of four characters or more (首次流片, 场地租赁费, 合同金额)
    — a typo in how a figure is named loses the figure. Not what puts a question in scope."""
    words = [
        alias
        for book in books
        for rule in book.rules.values()
        for spec in rule.inputs
        for alias in [*spec.aliases, *(a for o in spec.options or [] for a in o.aliases)]
    ]
    own = {w for w in words if len(w) >= 4 and not w.isascii()}
    return tuple(sorted(own | set(policy_terms(books, knowledge))))


__all__ = ["Turn", "clean_question", "policy_terms", "sound_terms"]
