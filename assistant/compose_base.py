"""What every kind of answer reads: the rule books, the policy guides and metadata, clause
hits by id, and the quoted basis and departments lines of a clause."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.awards.books import RuleBooks
from assistant.awards.rules import RuleBook
from assistant.citations import best_sentences, clause_label
from assistant.draft import BASIS, DEPARTMENTS
from knowledge.base import ClauseHit, KnowledgeBase
from knowledge.clause import Clause, PolicyMeta
from knowledge.guide import GuideEntry, PolicyGuide, guides


class ComposerBase:
    """The composer's data and quoting; the answer kinds are in its subclasses."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        format_yuan: Callable[[int], str],
        books: RuleBooks,
    ) -> None:
        self._knowledge = knowledge
        self._format_yuan = format_yuan
        self._books = books

    # -- data the composer reads ---------------------------------------------------------------

    def _book_of(self, hits: Sequence[ClauseHit]) -> RuleBook | None:
        """The rule book of the policy the evidence is from (the first hit's), else the
        default policy's."""
        slug = hits[0].clause.slug if hits else None
        return (self._books.book(slug) if slug else None) or self._books.default

    def _guide(self, slug: str) -> PolicyGuide | None:
        return guides(self._knowledge.settings).get(slug)

    def guide_entry(self, clause: Clause) -> GuideEntry | None:
        guide = self._guide(clause.slug)
        return guide.clauses.get(clause.id) if guide is not None else None

    def _meta(self, slug: str) -> PolicyMeta | None:
        return self._knowledge.policy(slug)

    def _hit(self, clause_id: str, hits: Sequence[ClauseHit]) -> ClauseHit | None:
        clause = self._knowledge.clause(clause_id)
        if clause is None:
            return None
        found = next((h for h in hits if h.clause is clause), None)
        score = hits[0].score if hits else 1.0
        return found or ClauseHit(
            clause=clause, ref=self._knowledge.qualified_id(clause), score=score
        )

    def _quote(self, hit: ClauseHit, question: str, prefer: Sequence[str] = ()) -> str:
        sentences = best_sentences(hit.clause, question, prefer=prefer)
        title = f"“{hit.clause.title}”" if hit.clause.title else ""
        return f"{BASIS}{clause_label(hit.clause, hit.ref)}{title}：“{''.join(sentences)}”"

    def _departments_line(self, clause: Clause) -> str:
        if not clause.departments:
            return ""
        return f"{DEPARTMENTS}{'、'.join(clause.departments)}。"


__all__ = ["ComposerBase"]
