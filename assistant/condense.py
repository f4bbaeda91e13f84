"""Condense: make a follow-up question stand alone, using the earlier turns.

No language model: a follow-up ("那上限呢？", "如果是500万呢？", "找哪个部门？") leans on
what came before — it is short, opens with a connective, points back, asks nothing (it
supplies facts), or names no topic of its own. Such a question is searched together
with the latest earlier turns that had a topic; a question with a topic of its own
stands alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

_CONNECTIVE = re.compile(
    r"^(那|那么|那如果|如果|假如|要是|还有|另外|再|并且|而且|同时|此外|然后|这个|那个|它|该)"
)
_POINTS_BACK = re.compile(r"(这个|那个|这项|那项|这条|那条|该项|该条|上面|刚才|前面|上述|它|其)")
_ONLY_ASKS = re.compile(
    r"^(那)?(上限|最高|最多|封顶|条件|要求|门槛|标准|找哪个部门|哪个部门|谁负责|找谁|怎么申请|"
    r"怎么算|怎么计算|依据|出处|原文|有效期|截止)"
)


# A turn that asks nothing ("场地租了30万，布展花了20万", "我们是服务商，合同金额1500万元")
# is supplying facts for what was asked before.
_ASKS = re.compile(r"[？?吗呢么嘛]|多少|怎么|如何|什么|哪|几|是否|能否|可否|有没有|能不能|可不可以")


class Condensed(BaseModel):
    question: str  # as asked
    standalone: str  # what retrieval and routing use
    is_follow_up: bool
    context_turns: list[str]  # earlier turns the standalone question leans on


class Condenser:
    """A follow-up borrows the topic of the most recent earlier turn."""

    def __init__(self, has_topic) -> None:  # has_topic(text) -> bool, from the knowledge base
        self._has_topic = has_topic

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
        context = [turn for turn in earlier if not self.leans_back(turn) and self._has_topic(turn)][
            -2:
        ] or earlier[-1:]
        standalone = "；".join([*context, question])
        return Condensed(
            question=question, standalone=standalone, is_follow_up=True, context_turns=context
        )
