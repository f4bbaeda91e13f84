"""Compose: the deterministic Chinese answer, built only from clause text and rule results.

Every answer has one shape, so a hotline operator can read its first line aloud:

1. a one-sentence conclusion that answers what was asked (the amount, yes/no, the date,
   the departments, or that the policy does not say);
2. the calculation (award answers), one line;
3. the conditions to confirm, one short line each;
4. the quoted sentence(s) of the clause that carry the rule (not the whole clause);
5. the departments, then one line on validity where the answer concerns applying, money or
   departments — exactly once;
6. one disclaimer.

Every number it writes comes from a quoted clause sentence, the award trace, or the
validity calculation; every office, date and department from the policy's metadata.

The answer's parts live in sibling modules: draft.py (labels, the draft), citations.py
(labels and quotes of clauses), validity_statement.py (the validity line), compose_base.py
(the data the composer reads), award_answers.py (award answers, tables, overview). Every name
they define that others use stays importable from here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel

from assistant.answer import AwardResult, Citation
from assistant.award_answers import AwardAnswers, rule_cap, rule_maximum, short_conditions
from assistant.citations import best_sentences, citation_for, clause_label
from assistant.draft import (
    ASK_WHICH,
    BASIS,
    DISCLAIMER,
    RELATED,
    WHOLE_CLAUSE_CHARS,
    WHOLE_CLAUSE_ROUTES,
    Draft,
)
from assistant.route import NO_AWARD_RULE, Route
from assistant.validity_statement import ValidityStatement
from knowledge.base import ClauseHit
from knowledge.clause import PolicyMeta
from knowledge.guide import cn_date, contact_phrase, validity_period, validity_status
from knowledge.tokenize import tokenize

# The answer's validity statement (not the rule book's period, assistant.awards.rules.Validity).
Validity = ValidityStatement

# Questions about applying (申请, 申报 …) get the validity line whatever their route.
_APPLYING = re.compile(r"(申请|申报|申领|兑现|领取|办理|还能|现在|截止|有效)")
_WHERE_HOW = re.compile(
    r"(哪里|在哪|地点|地址|窗口|怎么申请|如何申请|怎么申报|如何申报|流程|材料|手续)"
)
_WHEN = re.compile(r"(还能|现在|有效期|截止|到期|过期|什么时候|何时)")
# "有哪些补贴", "我们能申请什么": an overview of the award clauses, not one clause.
_OVERVIEW = re.compile(
    r"((有|包括)(哪些|什么)(补贴|补助|奖励|支持|扶持|优惠|政策)"
    r"|(能|可以|可)(申请|享受|拿|领)(哪些|什么|啥)"
    r"|(哪些|什么)(补贴|补助|奖励|支持政策|优惠)(可以|能)?(申请|享受|拿)"
    r"|补贴清单|奖励清单|支持政策清单)"
)


def asks_for_overview(question: str) -> bool:
    """Whether the question asks which awards exist or fit ("有哪些补贴", "能申请什么")."""
    return bool(_OVERVIEW.search(question))


class Composed(BaseModel):
    text: str
    citations: list[Citation]
    validity: Validity | None = None
    conclusion: str = ""


class Composer(AwardAnswers):
    """Builds the answer text and its citations for a route."""

    # -- public ---------------------------------------------------------------------------------

    def refuse(self) -> Composed:
        policies = self._knowledge.policies()
        titles = "、".join(f"《{p.title}》" for p in policies)
        text = (
            f"抱歉，这个问题不在我能解答的范围内。我只解答已收录政策（{titles}）的相关问题，"
            "例如支持条款的内容、补贴金额测算、申报条件和责任单位。"
        )
        contact = next((p.contact for p in policies if p.contact.department), None)
        if contact is not None:
            office = contact.department
            if contact.name and contact.department:
                office = f"{contact.name}（{contact.department}）"
            where = "，或".join(x for x in (contact.hotline, office or contact.name) if x)
            text += f"其他问题建议咨询{where}。"
        return Composed(text=text, citations=[], conclusion=text.split("。", 1)[0] + "。")

    def run(
        self,
        question: str,
        route: Route,
        hits: Sequence[ClauseHit],
        awards: Sequence[AwardResult],
        today: date,
        award_phrases: Sequence[str] = (),
        not_provided: str | None = None,
        clauses_asked: int = 0,
    ) -> Composed:
        if route.kind == "out_of_scope" or not hits:
            return self.refuse()
        awards = [a for a in awards if a is not None]
        main = hits[0]
        meta = self._meta(main.clause.slug)
        if not_provided:
            draft = self._not_provided(not_provided, question, hits, meta)
        elif route.kind == "departments":  # "这些找哪个部门？" after awards: their clauses
            draft = self._departments(question, awards, hits, meta, today)
        elif route.kind == "validity":
            draft = self._validity_answer(question, hits, meta, today)
        elif route.kind == "eligibility" and clauses_asked >= 2:
            draft = self._eligibility_of_several(hits[:clauses_asked])
        elif len({a.policy for a in awards}) > 1:  # two policies, one matter (就高不重复)
            draft = self._cross_policy(question, awards, hits)
        elif len(awards) > 1:
            draft = self._several(question, awards, hits)
        elif awards:
            draft = self._award(question, awards[0], hits, award_phrases)
        elif (
            asks_for_overview(question)
            and len(fitting := self._overview_clauses(question, hits)) != 1
        ):
            draft = self._overview(fitting, hits)
        else:
            draft = self._quote_answer(question, route, hits)
        if not draft.used:
            draft.use(main)

        first = draft.used[0].clause
        validity = ValidityStatement.of(self._meta(first.slug), today)
        meta = self._meta(first.slug)
        if (
            validity is not None
            and meta is not None
            and route.kind != "validity"
            and self._concerns_applying(question, route, draft, awards)
        ):
            draft.validity = validity.note(meta)
        if validity is not None and (draft.validity or route.kind == "validity"):
            closing = self._knowledge.closing_clause(first.slug)
            if closing is not None:
                draft.use(
                    ClauseHit(clause=closing, ref=self._knowledge.qualified_id(closing), score=0.0)
                )
        departments = [d for h in draft.used for d in h.clause.departments]
        who = contact_phrase(meta, list(dict.fromkeys(departments))[:4])
        disclaimer = DISCLAIMER.format(who=f"责任单位（{who}）")
        text = "\n".join(draft.lines(disclaimer))
        return Composed(
            text=text,
            citations=[citation_for(h) for h in draft.used],
            validity=validity if (draft.validity or route.kind == "validity") else None,
            conclusion=draft.conclusion,
        )

    # -- the kinds of answer --------------------------------------------------------------------

    def _concerns_applying(
        self, question: str, route: Route, draft: Draft, awards: Sequence[AwardResult]
    ) -> bool:
        if awards or route.kind in ("award", "departments", "eligibility"):
            return True
        if _APPLYING.search(question):
            return True
        # a fact about a support clause (its rate, its cap) is a question about money
        return any(self.guide_entry(h.clause) is not None for h in draft.used[:1])

    def _departments(
        self,
        question: str,
        awards: Sequence[AwardResult],
        hits: Sequence[ClauseHit],
        meta: PolicyMeta | None,
        today: date,
    ) -> Draft:
        clause_ids = list(dict.fromkeys(a.clause or a.rule.split("-")[0] for a in awards))
        targets = [h for h in (self._hit(c, hits) for c in clause_ids) if h is not None]
        if not targets:
            targets = [hits[0]]
        by_dept: dict[tuple[str, ...], list[str]] = {}
        for hit in targets:
            by_dept.setdefault(tuple(hit.clause.departments), []).append(hit.ref)
        pieces = []
        for depts, refs in by_dept.items():
            who = "、".join(depts) if depts else f"未列明（可咨询{contact_phrase(meta)}）"
            pieces.append(f"{'、'.join(refs)}的责任单位{'均' if len(refs) > 1 else ''}为：{who}")
        if len(targets) == 1:
            hit = targets[0]
            title = f"“{hit.clause.title}”" if hit.clause.title else ""
            depts = hit.clause.departments
            label = clause_label(hit.clause, hit.ref)
            if depts:
                conclusion = f"{label}{title}的责任单位是：{'、'.join(depts)}。"
            elif hit.clause.kind == "closing" and meta is not None and meta.office:
                issued = f"于{cn_date(meta.issued)}" if meta.issued else ""
                conclusion = (
                    f"本政策由{meta.office}{issued}印发；{label}{title}未列明责任单位，"
                    f"申报事宜可咨询{contact_phrase(meta)}。"
                )
            else:  # the text itself may say who does it (五.(一): 领导小组负责统筹…)
                said = "".join(best_sentences(hit.clause, question, limit=1))
                conclusion = (
                    f"{label}{title}未列明责任单位，原文为：“{said}”"
                    f"如需办理，可咨询{contact_phrase(meta)}。"
                )
        else:
            conclusion = "；".join(pieces) + "。"
        draft = Draft(conclusion)
        for hit in targets:
            draft.use(hit)
        if len(targets) == 1 and targets[0].clause.departments:
            draft.body.append(self._quote(targets[0], question))
        if _WHERE_HOW.search(question):
            who = contact_phrase(meta, targets[0].clause.departments)
            draft.body.append(f"申报地点、材料和受理方式原文未规定，请向{who}咨询。")
        if _WHEN.search(question) and meta is not None:
            status = validity_status(meta, today)
            period = validity_period(meta)
            if status and period:  # "现在还能申请吗？" answered in the first line too
                draft.conclusion += f"本政策{period}，{status}。"
        return draft

    def _validity_answer(
        self, question: str, hits: Sequence[ClauseHit], meta: PolicyMeta | None, today: date
    ) -> Draft:
        main = hits[0]
        meta = self._meta(main.clause.slug) or meta
        validity = ValidityStatement.of(meta, today)
        if validity is None or meta is None:
            draft = Draft(f"本政策未规定有效期；{self._quote(main, '有效期')}")
            draft.use(main)
            return draft
        conclusion = validity.sentence(meta)
        if validity.expired:
            who = contact_phrase(meta)
            conclusion = conclusion.rstrip("。") + f"，申报前请向{who}确认是否有接续政策。"
        draft = Draft(conclusion)
        closing = self._knowledge.closing_clause(main.clause.slug)
        if closing is not None:
            hit = ClauseHit(
                clause=closing, ref=self._knowledge.qualified_id(closing), score=main.score
            )
            draft.use(hit)
            if len(closing.text) <= WHOLE_CLAUSE_CHARS:
                label = clause_label(closing, hit.ref)
                draft.body.append(f"{BASIS}{label}：“{closing.text}”")
            else:
                draft.body.append(self._quote(hit, "有效期 实施"))
        self._related(draft, question, hits)
        return draft

    def _quote_answer(self, question: str, route: Route, hits: Sequence[ClauseHit]) -> Draft:
        main = hits[0]
        whole = route.kind in WHOLE_CLAUSE_ROUTES and len(main.clause.text) <= WHOLE_CLAUSE_CHARS
        quote = main.clause.text if whole else "".join(best_sentences(main.clause, question))
        label = clause_label(main.clause, main.ref)
        title = f"“{main.clause.title}”" if main.clause.title else ""
        entry = self.guide_entry(main.clause)
        if route.kind == "eligibility" and entry is not None:
            conclusion = (
                f"{label}{title}的支持对象是：{'；'.join(entry.惠及对象)}；"
                "符合条件的可以申请，是否符合以责任单位审核认定为准。"
            )
            draft = Draft(conclusion)
            draft.confirm = list(entry.申报条件)
            draft.body.append(f"{BASIS}“{quote}”")
        elif route.reason == NO_AWARD_RULE:  # an amount asked, no award named: ask which
            draft = Draft(ASK_WHICH)
            draft.body.append(f"{label}{title}：“{quote}”")
        else:
            draft = Draft(f"根据{label}{title}：“{quote}”")
        draft.use(main)
        self._section_items(draft, main)
        self._related(draft, question, hits)
        draft.departments = self._departments_line(main.clause)
        return draft

    def _eligibility_of_several(self, targets: Sequence[ClauseHit]) -> Draft:
        """Who each of several clauses supports and on what conditions ("这两项各自要满足什么
        条件？" after turns about two awards), each quoted."""
        pieces, confirm, quotes = [], [], []
        for hit in targets:
            label = clause_label(hit.clause, hit.ref)
            title = f"“{hit.clause.title}”" if hit.clause.title else ""
            entry = self.guide_entry(hit.clause)
            if entry is not None:
                conditions = "；".join(entry.申报条件)
                piece = f"{label}{title}的支持对象是：{'；'.join(entry.惠及对象)}"
                pieces.append(piece + (f"，条件：{conditions}" if conditions else ""))
                confirm.extend(c for c in entry.申报条件 if c not in confirm)
            else:
                pieces.append(f"{label}{title}：见原文")
            quotes.append(f"{BASIS}{label}“{hit.clause.text}”")
        draft = Draft("；".join(pieces) + "。是否符合以责任单位审核认定为准。")
        draft.confirm = confirm
        draft.body.extend(quotes)
        for hit in targets:
            draft.use(hit)
        return draft

    def _section_items(self, draft: Draft, main: ClauseHit) -> None:
        """A section whose text is its heading only ("四.(六) 加强企业市场推广") is answered
        with the items under it, each quoted in full (what the section provides is there)."""
        section = main.clause
        if section.kind != "section" or len(section.text) > len(section.title) + 4:
            return
        items = [
            c
            for c in self._knowledge.clauses(section.slug)
            if c.kind == "item" and c.chapter == section.chapter and c.section == section.section
        ]
        for item in items:
            hit = ClauseHit(clause=item, ref=self._knowledge.qualified_id(item), score=main.score)
            draft.use(hit)
            draft.body.append(f"其中{clause_label(item, hit.ref)}“{item.title}”：“{item.text}”")

    def _related(self, draft: Draft, question: str, hits: Sequence[ClauseHit]) -> None:
        """Related clauses that also answer (close in relevance, sharing words with the
        question), one sentence each."""
        main = hits[0]
        for hit in hits[1:3]:
            if hit.score < 0.8 * main.score or any(h.clause is hit.clause for h in draft.used):
                continue
            sentences = best_sentences(hit.clause, question, limit=1)
            overlap = set(tokenize(question)) & set(tokenize("".join(sentences)))
            if not sentences or sum(len(w) for w in overlap) < 4:
                continue
            draft.use(hit)
            label = clause_label(hit.clause, hit.ref)
            draft.body.append(f"{RELATED}{label}“{hit.clause.title}”：“{sentences[0]}”")

    def _not_provided(
        self, topic: str, question: str, hits: Sequence[ClauseHit], meta: PolicyMeta | None
    ) -> Draft:
        main = hits[0]
        who = contact_phrase(meta)
        hotline = meta.contact.hotline if meta is not None else ""
        ask = f"{who}（或{hotline}）" if hotline else who
        draft = Draft(f"本政策没有关于“{topic}”的条款，请向{ask}咨询是否有其他政策支持。")
        sentences = best_sentences(main.clause, question, limit=1)
        title = f"“{main.clause.title}”" if main.clause.title else ""
        draft.body.append(
            f"{RELATED}最接近的是{clause_label(main.clause, main.ref)}{title}："
            f"“{''.join(sentences)}”（并非针对“{topic}”）"
        )
        draft.use(main)
        return draft


# (the draft's line labels live in assistant.draft)
__all__ = [
    "Composed",
    "Composer",
    "Validity",
    "ValidityStatement",
    "asks_for_overview",
    "best_sentences",
    "citation_for",
    "clause_label",
    "rule_cap",
    "rule_maximum",
    "short_conditions",
]
