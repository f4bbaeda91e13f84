"""Route: what kind of question this is — or that it is outside the loaded policies.

Out of scope is decided from the question itself (patterns in scope.yaml, places
outside the policy's jurisdiction) and from retrieval evidence: how much of the
question's vocabulary the policies use at all, and how far the best clause stands
above the rest. e5 similarities are compressed (unrelated clauses still score about
0.84), so no absolute similarity cut-off is used alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import jieba.posseg
import yaml
from pydantic import BaseModel

from assistant.understand.lexicon import general_pattern
from knowledge.base import ClauseHit, KnowledgeBase
from knowledge.tokenize import reference_tokens, tokenize

RouteKind = Literal[
    "award", "departments", "eligibility", "validity", "lookup", "fact", "out_of_scope"
]
SCOPE_FILE = Path(__file__).with_name("scope.yaml")

# What kind of question, from its wording (assistant/understand/general_lexicon.yaml).
_DEPARTMENTS = general_pattern("asks_departments")
_ELIGIBILITY = general_pattern("asks_eligibility")
_VALIDITY = general_pattern("asks_validity")
_ADMIN_SUFFIX = general_pattern("admin_suffix")
_LOOKUP = general_pattern("asks_lookup")


class Evidence(BaseModel):
    """What retrieval says about the question, for the route decision and for tests."""

    coverage: float  # IDF-weighted share of the question's words that the policies use
    known_words: list[str]
    unknown_words: list[str]
    top_dense: float | None
    dense_margin: float | None  # top dense similarity minus the 5th
    ranks_agree: bool  # the best clause is in both rankings' top 3
    clause_reference: bool


class Route(BaseModel):
    kind: RouteKind
    reason: str
    evidence: Evidence | None = None


class Router:
    """Decides a route from patterns, places and retrieval evidence."""

    # Evidence is a fallback behind the patterns; colloquial in-scope questions share few
    # words with the text ("去参展摊位加搭建…" shares none), so both signals must be weak.
    # Measured on the labelled single-turn questions (evals/dev + evals/gold): in-scope
    # questions had top dense similarity ≥ 0.85; those with coverage < 0.3 had ≥ 0.879.
    MIN_COVERAGE = 0.3
    LOW_DENSE = 0.87
    NOTHING_CLOSE = 0.84
    WEAK_COVERAGE = 0.55  # below this a turn is not taken to name a topic (condense)

    def __init__(self, knowledge: KnowledgeBase, is_award_question) -> None:
        self._knowledge = knowledge
        self._is_award_question = is_award_question
        scope = yaml.safe_load(SCOPE_FILE.read_text("utf-8"))
        self._refusal_patterns = [
            (name, re.compile(p))
            for name, group in scope.items()
            if isinstance(group, dict) and "patterns" in group
            for p in group["patterns"]
        ]
        documents = [tokenize(c.text + " " + c.title) for c in knowledge.clauses()]
        # Words people use about any policy (政策, 申请, 有效期 …) count as known vocabulary.
        generic = {w for phrase in scope.get("domain_words", []) for w in tokenize(phrase)}
        self._vocabulary = {word for doc in documents for word in doc} | generic
        self._jurisdiction = {w for p in knowledge.policies() for w in p.jurisdiction}
        self._places = [p for p in scope.get("places", []) if p not in self._jurisdiction]

    def evidence(self, question: str, hits: Sequence[ClauseHit]) -> Evidence:
        words = [w for w in dict.fromkeys(tokenize(question)) if not w.isdigit()]
        known = [w for w in words if w in self._vocabulary]
        unknown = [w for w in words if w not in self._vocabulary]

        def weight(word: str) -> int:  # longer words carry more meaning than single characters
            return min(len(word), 4)

        total = sum(weight(w) for w in words) or 1
        coverage = sum(weight(w) for w in known) / total
        dense = sorted((h.dense_score for h in hits if h.dense_score is not None), reverse=True)
        top = hits[0] if hits else None
        return Evidence(
            coverage=round(coverage, 3),
            known_words=known,
            unknown_words=unknown,
            top_dense=dense[0] if dense else None,
            dense_margin=(dense[0] - dense[-1]) if len(dense) >= 2 else None,
            ranks_agree=bool(top and (top.dense_rank or 99) <= 3 and (top.bm25_rank or 99) <= 3),
            clause_reference=bool(reference_tokens(question)),
        )

    def other_place(self, question: str) -> str | None:
        """A place outside the policy's jurisdiction (深圳, 江苏, 北京市 …): one in the
        gazetteer, or a word jieba tags as a place that ends like an administrative unit."""
        for place in self._places:
            if place in question:
                return place
        for word, flag in jieba.posseg.lcut(question):
            is_unit = flag.startswith("ns") and len(word) >= 3 and _ADMIN_SUFFIX.search(word)
            if is_unit and not any(j in word for j in self._jurisdiction):
                return word
        return None

    def refusal(self, question: str) -> str | None:
        """Why this turn, on its own words, is outside what the assistant covers."""
        for name, pattern in self._refusal_patterns:
            if pattern.search(question):
                return f"{name}: {pattern.pattern}"
        place = self.other_place(question)
        return f"other place: {place}" if place else None

    def in_scope(self, question: str, hits: Sequence[ClauseHit]) -> tuple[bool, str, Evidence]:
        """Whether retrieval found the policies talking about this question at all."""
        evidence = self.evidence(question, hits)
        if not hits:
            return False, "no clause found", evidence
        if evidence.clause_reference:
            return True, "names a clause", evidence
        top = evidence.top_dense if evidence.top_dense is not None else 0.0
        if top < self.NOTHING_CLOSE:
            return False, "no clause is even close", evidence
        if evidence.coverage < self.MIN_COVERAGE and top < self.LOW_DENSE:
            return False, "vocabulary not in the policies and no close clause", evidence
        return True, "in scope", evidence

    def kind(self, question: str) -> RouteKind | None:
        """The kind of question from its own wording; None when it does not say."""
        if _DEPARTMENTS.search(question):
            return "departments"
        if _VALIDITY.search(question):
            return "validity"
        if self._is_award_question(question):
            return "award"
        if _ELIGIBILITY.search(question):
            return "eligibility"
        if reference_tokens(question) or _LOOKUP.search(question):
            return "lookup"
        return None

    def run(self, question: str, hits: Sequence[ClauseHit]) -> Route:
        """A single question, no history."""
        refused = self.refusal(question)
        if refused:
            return Route(kind="out_of_scope", reason=refused)
        ok, reason, evidence = self.in_scope(question, hits)
        if not ok:
            return Route(kind="out_of_scope", reason=reason, evidence=evidence)
        return Route(kind=self.kind(question) or "fact", reason=reason, evidence=evidence)
