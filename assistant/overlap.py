"""Two loaded policies providing for the same matter (首轮流片 in both): find the other policy's
award, and apply the 就高不重复 rule the policies state — the higher award is taken, the other
shown but not added, and each says why.

"The same matter" is read from the policies' own vocabulary: the question names a clause topic
(lexicon.yaml ``topics``) of the first award's clause and one of a clause of the other policy,
and the other policy's award is for that clause.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer import AwardResult
from assistant.awards.books import RuleBooks
from assistant.awards.format import format_money

HIGHER_RULE = "就高不重复"


def _bare(ref: str | None) -> str:
    return (ref or "").split(":")[-1]


def same_matter_award(
    books: RuleBooks,
    slug: str,
    question: str,
    award: AwardResult,
    awards_of: Callable[[str], list[AwardResult]],
) -> AwardResult | None:
    """The award of policy ``slug`` for the matter of ``award`` (of another policy), or None
    when that policy does not provide for it. ``awards_of(slug)`` computes a policy's awards
    for the turn."""
    first = books.find(award.rule)
    other = books.book(slug)
    if first is None or other is None or first[0] is other:
        return None
    if _bare(award.clause) not in first[0].named_clauses(question):
        return None
    named = other.named_clauses(question)
    if not named:
        return None
    found = [a for a in awards_of(slug) if _bare(a.clause) in named]
    return found[0] if len(found) == 1 else None


def same_matter(books: RuleBooks, rule_a: str, rule_b: str) -> bool:
    """Whether two rules of different policies provide for the same matter, without a
    question (the 一企一策 matcher has none): one clause's topic terms (lexicon.yaml
    ``topics``) name the other's clause in the other policy's vocabulary."""
    a, b = books.find(rule_a), books.find(rule_b)
    if a is None or b is None or a[0] is b[0]:
        return False
    (book_a, rule_of_a), (book_b, rule_of_b) = a, b
    terms_a = " ".join(book_a.topics.get(rule_of_a.clause, []))
    terms_b = " ".join(book_b.topics.get(rule_of_b.clause, []))
    return rule_of_b.clause in book_b.named_clauses(terms_a) or (
        rule_of_a.clause in book_a.named_clauses(terms_b)
    )


def stated_rule(books: RuleBooks, awards: list[AwardResult]) -> list[str]:
    """The 就高不重复 sentences of the awards' policies, in their own words (rules.yaml notes)."""
    slugs = {a.policy for a in awards}
    return [note.reference for book, note in books.notes(HIGHER_RULE) if book.policy in slugs]


def _amount(award: AwardResult) -> str:
    most = "最高" if award.upper_bound else ""
    return f"{most}{format_money(award.amount_yuan or 0)}"


def choose_higher(awards: list[AwardResult], books: RuleBooks) -> list[AwardResult]:
    """``awards`` (one per policy, same matter) marked: ``chosen`` true for the one taken, false
    for the others, each with a ``note`` saying why; the one taken first. When no policy states
    就高不重复, or no amount can be compared yet, nothing is chosen (``chosen`` stays None) and
    the note says what decides."""
    rule = stated_rule(books, awards)
    comparable = [
        a
        for a in awards
        if a.amount_yuan is not None and a.eligible is not False and not a.negotiated
    ]
    if not rule:
        for a in awards:
            a.note = "另有政策对同一事项有规定；能否同时享受，条文未说明，请向责任单位确认"
        return awards
    if not comparable:
        ruled_out = all(a.eligible is False for a in awards)
        for a in awards:
            a.note = (
                "按所述情况，各项政策的该项支持都不符合条件"
                if ruled_out
                else f"同一事项按“{HIGHER_RULE}”只享受一项；金额待补充信息后比较"
            )
        return awards
    best = max(comparable, key=lambda a: a.amount_yuan or 0)  # a tie keeps the first
    tie = sum(1 for a in comparable if a.amount_yuan == best.amount_yuan) > 1
    best.chosen = True
    best.note = (
        f"按“{HIGHER_RULE}”原则取金额较高的一项（{_amount(best)}）"
        if not tie
        else f"两项金额相同（{_amount(best)}），按“{HIGHER_RULE}”原则只享受一项"
    )
    for a in awards:
        if a is best:
            continue
        a.chosen = False
        if a.eligible is False:
            a.note = "按所述情况不符合该项条件"
        elif a.amount_yuan is None:
            a.note = "金额还需补充信息才能测算，未参与比较"
        else:
            a.note = f"金额较低（{_amount(a)}），按“{HIGHER_RULE}”原则不重复享受"
    return [best, *[a for a in awards if a is not best]]
