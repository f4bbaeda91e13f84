"""How an answer names and quotes a clause: its spoken label, the sentences that answer the
question, and the citation (CONTRACT §2)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from assistant.answer import Citation
from knowledge.base import ClauseHit
from knowledge.clause import Clause
from knowledge.parse import split_sentences
from knowledge.tokenize import tokenize


def clause_label(clause: Clause, ref: str) -> str:
    """How a person reads the clause aloud: 第四部分第10条（四.10）."""
    if clause.kind == "item":
        spoken = f"第{clause.chapter}部分第{clause.item}条"
    elif clause.kind == "section":
        spoken = f"第{clause.chapter}部分（{clause.section}）"
    elif clause.kind == "chapter":
        spoken = f"第{clause.chapter}部分"
    elif clause.kind == "preamble":
        spoken = "开头部分"
    else:
        spoken = "结尾部分"
    return f"{spoken}（{ref}）"


def best_sentences(
    clause: Clause, question: str, *, prefer: Sequence[str] = (), limit: int = 2
) -> list[str]:
    """The sentence(s) of a clause that answer the question, in document order."""
    sentences = [s.strip() for s in split_sentences(clause.text) if s.strip()]
    if len(sentences) <= 1:
        return sentences
    wanted = set(tokenize(question))
    # Rule phrases use full-width punctuation, the policy text half-width: compare under NFKC.
    phrases = [unicodedata.normalize("NFKC", p) for p in prefer if p]

    def score(sentence: str) -> float:
        words = set(tokenize(sentence))
        overlap = sum(min(len(w), 4) for w in wanted & words)
        plain = unicodedata.normalize("NFKC", sentence)
        bonus = sum(6 for phrase in phrases if phrase in plain)
        return overlap + bonus

    scored = sorted(range(len(sentences)), key=lambda i: (-score(sentences[i]), i))
    chosen = [scored[0]]
    for i in scored[1:limit]:
        if score(sentences[i]) >= 0.6 * score(sentences[scored[0]]) > 0:
            chosen.append(i)
    return [sentences[i] for i in sorted(chosen)]


def citation_for(hit: ClauseHit) -> Citation:
    """A retrieved clause as the answer cites it (CONTRACT §2)."""
    c = hit.clause
    return Citation(
        id=hit.ref,
        policy=c.slug,
        title=c.title,
        text=c.text,
        departments=list(c.departments),
        score=hit.score,
    )


__all__ = ["best_sentences", "citation_for", "clause_label"]
