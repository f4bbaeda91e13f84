"""Condense: make a follow-up question stand alone, using the earlier turns.

No language model: a follow-up ("那上限呢？", "如果是500万呢？", "找哪个部门？") leans on
what came before — it is short, opens with a connective, points back, asks nothing (it
supplies facts), or names no topic of its own. Such a question is searched together
with the latest earlier turns that had a topic; a question with a topic of its own
stands alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from assistant.understand.lexicon import general_pattern

# Follow-up wording lives in data (assistant/understand/general_lexicon.yaml).
_CONNECTIVE = general_pattern("follow_up_connective")
_POINTS_BACK = general_pattern("points_back")
_ONLY_ASKS = general_pattern("only_asks")
# A turn that asks nothing ("场地租了30万，布展花了20万") is supplying facts for what came before.
_ASKS = general_pattern("asks")


class Condensed(BaseModel):
    question: str  # as asked
    standalone: str  # what retrieval and routing use
    is_follow_up: bool
    context_turns: list[str]  # earlier turns the standalone question leans on


class Condenser:
    """A follow-up borrows the topic of the most recent earlier turn."""

    def __init__(self, has_topic, names_policy=lambda text: False) -> None:
        self._has_topic = has_topic  # has_topic(text) -> bool, from the knowledge base
        # names_policy(text) -> bool: names a clause topic ("流片补贴"), so it is context
        # however short it is
        self._names_policy = names_policy

    @staticmethod
    def leans_back(text: str) -> bool:
        """Short, opens with a connective, points back, only asks, or asks nothing."""
        return bool(
            _CONNECTIVE.match(text)
            or _POINTS_BACK.search(text)
            or _ONLY_ASKS.match(text)
            or len(text) <= 8
            or not _ASKS.search(text)
        )

    def run(self, question: str, history: Sequence[str]) -> Condensed:
        earlier = [h.strip() for h in history if h and h.strip()]
        if not earlier:
            return Condensed(
                question=question, standalone=question, is_follow_up=False, context_turns=[]
            )
        leans_back = self.leans_back(question)
        if not leans_back and self._has_topic(question):
            return Condensed(
                question=question, standalone=question, is_follow_up=False, context_turns=[]
            )
        # Borrow from the latest earlier turns that carry a topic of their own (at most two):
        # "如果费用是500万元呢？" and "那上限呢？" lean back themselves and name none.
        context = [
            turn
            for turn in earlier
            if self._names_policy(turn) or (not self.leans_back(turn) and self._has_topic(turn))
        ][-2:] or earlier[-1:]
        standalone = "；".join([*context, question])
        return Condensed(
            question=question, standalone=standalone, is_follow_up=True, context_turns=context
        )
