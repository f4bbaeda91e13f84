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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date

from pydantic import BaseModel

from assistant.answer import AwardResult, Citation
from assistant.awards.books import RuleBooks
from assistant.awards.rules import Rule, RuleBook
from assistant.proposed import proposed_amounts
from assistant.route import Route
from knowledge.base import ClauseHit, KnowledgeBase
from knowledge.clause import Clause, PolicyMeta
from knowledge.guide import (
    GuideEntry,
    PolicyGuide,
    cn_date,
    cn_years,
    contact_phrase,
    guides,
    validity_period,
    validity_status,
)
from knowledge.parse import split_sentences
from knowledge.tokenize import tokenize

WHOLE_CLAUSE_ROUTES = ("lookup", "fact", "eligibility")
WHOLE_CLAUSE_CHARS = 260
# Labels that start the lines after the conclusion (the page and the hotline read them).
STEPS = "计算过程："
CONFIRM = "请确认："
BASIS = "政策依据："
DEPARTMENTS = "责任单位："
VALIDITY = "有效期："
RELATED = "相关条款："
DISCLAIMER = "以上内容依据政策原文整理，仅供参考，最终以{who}的审核认定为准。"

# Questions about applying (申请, 申报 …) get the validity line whatever their route.
_APPLYING = re.compile(r"(申请|申报|申领|兑现|领取|办理|还能|现在|截止|有效)")
_WHERE_HOW = re.compile(
    r"(哪里|在哪|地点|地址|窗口|怎么申请|如何申请|怎么申报|如何申报|流程|材料|手续)"
)
_WHEN = re.compile(r"(还能|现在|有效期|截止|到期|过期|什么时候|何时)")
_YES_NO = re.compile(
    r"(能不能|能否|可不可以|可以申请|能申请|能享受|可以享受|符合|算不算|属于|吗|(?<!怎|什|那|这)么)"
)
_HOW_MUCH = re.compile(r"(多少|几|怎么算|如何计算|怎么计算|金额|比例|上限|最高)")
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


class Validity(BaseModel):
    """Whether the policy is still in force on a date, with the calculation shown."""

    issued: date
    valid_until: date
    expired: bool
    steps: list[str]
    status: str = ""

    @classmethod
    def of(cls, meta: PolicyMeta | None, today: date) -> Validity | None:
        if meta is None or meta.issued is None or meta.valid_until is None:
            return None
        years = meta.valid_years or (meta.valid_until.year - meta.issued.year)
        steps = [
            f"{cn_date(meta.issued)}起实施，有效期{cn_years(years)}",
            f"有效期至{cn_date(meta.valid_until)}",
        ]
        return cls(
            issued=meta.issued,
            valid_until=meta.valid_until,
            expired=today > meta.valid_until,
            steps=steps,
            status=validity_status(meta, today) or "",
        )

    def sentence(self, meta: PolicyMeta) -> str:
        """The whole validity statement as one sentence (a validity question's conclusion)."""
        period = validity_period(meta) or "；".join(self.steps)
        return f"本政策{period}，{self.status}。"

    def note(self, meta: PolicyMeta) -> str:
        """The one validity line of an answer about applying, money or departments."""
        period = validity_period(meta) or "；".join(self.steps)
        who = contact_phrase(meta)
        if self.expired:
            return f"{VALIDITY}本政策{period}，{self.status}，申报前请向{who}确认是否有接续政策。"
        return f"{VALIDITY}本政策{period}，{self.status}，申报以当年申报通知为准。"


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


_QUOTED_ASIDE = re.compile(r"（“[^）]*”）")


def short_conditions(assumption: str) -> list[str]:
    """ "假设贵企业系首次进入…（条件：“…”，…）" → ["贵企业系首次进入…"]: lines to confirm.

    The clause phrase and its reading stay in the trace (award steps, calculator); the answer
    keeps what the caller must confirm, one short line each."""
    text = assumption.split("（条件：", 1)[0].strip()
    text = _QUOTED_ASIDE.sub("", text)
    out = []
    for piece in re.split(r"[；;]", text):
        piece = piece.strip().rstrip("。").removeprefix("假设").strip()
        if piece:
            out.append(piece)
    return out


def rule_maximum(rule: Rule, fmt: Callable[[int], str]) -> str:
    """The most a rule gives, as the clause states it: 最高500万元, 300万元, 一事一议."""
    if rule.formula.negotiated:
        return "一事一议"
    cap = rule.parameters.get("cap")
    if cap is not None:
        return f"最高{fmt(int(cap.value))}"
    yuan = [p.value for p in rule.parameters.values() if p.unit == "yuan"]
    if not yuan:  # a share without a cap: the clause's own phrase says how much
        first = next(iter(rule.parameters.values()), None)
        return re.split(r"[,，]", first.reference)[-1] if first is not None else "见条款"
    top = fmt(int(max(yuan)))
    return top if rule.formula.amount_is_fixed else f"最高{top}"


def rule_cap(rule: Rule | None, fmt: Callable[[int], str]) -> str:
    """The cap column of the awards table: 每年500万元, 一次性, —."""
    if rule is None:
        return "—"
    cap = rule.parameters.get("cap")
    if cap is not None:
        period = {"per_year": "每年", "one_time": "一次性", "per_item": "每项"}.get(
            cap.cap_period or "", ""
        )
        return f"{period}{fmt(int(cap.value))}"
    if rule.formula.negotiated:
        return "一事一议"
    return "一次性" if rule.formula.amount_is_fixed else "—"


def _trace(award: AwardResult) -> list[str]:
    """The calculation steps, less the last one when it only repeats the amount (可获…)."""
    steps = [s.rstrip("。") for s in award.steps]
    if steps and re.match(r"^(最高)?可获", steps[-1]):
        steps = steps[:-1]
    return steps


class Composed(BaseModel):
    text: str
    citations: list[Citation]
    validity: Validity | None = None
    conclusion: str = ""


class _Draft:
    """The lines of one answer, in the fixed order, plus the clauses it used."""

    def __init__(self, conclusion: str) -> None:
        self.conclusion = conclusion
        self.steps: list[str] = []
        self.confirm: list[str] = []
        self.body: list[str] = []  # quotes, tables, related clauses
        self.departments: str = ""
        self.validity: str = ""
        self.used: list[ClauseHit] = []

    def use(self, hit: ClauseHit) -> None:
        if all(h.clause is not hit.clause for h in self.used):
            self.used.append(hit)

    def lines(self, disclaimer: str) -> list[str]:
        out = [self.conclusion, *self.steps]
        if self.confirm:
            out.append(CONFIRM)
            out.extend(f"· {c}" for c in self.confirm)
        out.extend(self.body)
        if self.departments:
            out.append(self.departments)
        if self.validity:
            out.append(self.validity)
        out.append(disclaimer)
        return [line for line in out if line]


class Composer:
    """Builds the answer text and its citations for a route."""

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
        validity = Validity.of(self._meta(first.slug), today)
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
        self, question: str, route: Route, draft: _Draft, awards: Sequence[AwardResult]
    ) -> bool:
        if awards or route.kind in ("award", "departments", "eligibility"):
            return True
        if _APPLYING.search(question):
            return True
        # a fact about a support clause (its rate, its cap) is a question about money
        return any(self.guide_entry(h.clause) is not None for h in draft.used[:1])

    def _quote(self, hit: ClauseHit, question: str, prefer: Sequence[str] = ()) -> str:
        sentences = best_sentences(hit.clause, question, prefer=prefer)
        title = f"“{hit.clause.title}”" if hit.clause.title else ""
        return f"{BASIS}{clause_label(hit.clause, hit.ref)}{title}：“{''.join(sentences)}”"

    def _departments_line(self, clause: Clause) -> str:
        if not clause.departments:
            return ""
        return f"{DEPARTMENTS}{'、'.join(clause.departments)}。"

    def _award(
        self, question: str, award: AwardResult, hits: Sequence[ClauseHit], phrases: Sequence[str]
    ) -> _Draft:
        rule = self._books.rule(award.rule)
        clause_id = award.clause or award.rule.split("-")[0]
        hit = self._hit(clause_id, hits) or hits[0]
        fmt = self._format_yuan
        name = f"{clause_id}“{award.title}”" if award.title else clause_id
        if award.error:
            conclusion = f"暂时无法测算{name}的金额：{award.error.rstrip('。')}。"
        elif award.negotiated:
            who = contact_phrase(self._meta(hit.clause.slug), hit.clause.departments)
            conclusion = f"{name}采取“一事一议”方式，条款没有规定具体金额，需与{who}具体商议。"
        elif award.eligible is False:
            conclusion = f"按您提供的信息，不符合{name}的条件，不能获得该项支持（测算金额为0元）。"
        elif award.amount_yuan is None:
            most = f"该项{rule_maximum(rule, fmt)}；" if rule is not None else ""
            need = "、".join(award.missing) or "相关数额"
            entry = self.guide_entry(hit.clause)
            if entry is not None and _YES_NO.search(question) and not _HOW_MUCH.search(question):
                conclusion = (
                    f"{name}的支持对象是：{'；'.join(entry.惠及对象)}；符合条件的可以申请"
                    f"（{most}要测算金额请提供{need}）。"
                )
            else:
                conclusion = f"{name}：还需要{need}才能测算金额；{most.rstrip('；')}。"
        else:
            conclusion = self._amount_conclusion(question, award, name)
        draft = _Draft(conclusion)
        draft.use(hit)
        if award.amount_yuan is None and award.follow_up and not award.error:
            draft.steps.append(award.follow_up)
        steps = _trace(award)
        if steps:
            draft.steps.append(STEPS + "；".join(steps) + "。")
        draft.confirm = self._conditions(award)
        exploring = award.amount_yuan is None and not award.negotiated
        if exploring and len(hit.clause.text) <= WHOLE_CLAUSE_CHARS:
            title = f"“{hit.clause.title}”" if hit.clause.title else ""
            label = clause_label(hit.clause, hit.ref)
            draft.body.append(f"{BASIS}{label}{title}：“{hit.clause.text}”")
        else:
            draft.body.append(self._quote(hit, question, phrases))
        draft.departments = self._departments_line(hit.clause)
        return draft

    def _amount_conclusion(self, question: str, award: AwardResult, name: str) -> str:
        assert award.amount_yuan is not None
        most = "最高" if award.upper_bound else ""
        amount = self._format_yuan(award.amount_yuan)
        proposed = proposed_amounts(question)
        if proposed:  # "是不是能拿300万？": answer yes or no first
            if any(p == award.amount_yuan for p in proposed):
                return f"是的，按您提供的信息测算，{most}可获{amount}（{name}）。"
            said = "、".join(self._format_yuan(p) for p in proposed)
            return f"不是{said}：按您提供的信息测算，{most}可获{amount}（{name}）。"
        return f"按您提供的信息测算，{most}可获{amount}（{name}）。"

    @staticmethod
    def _conditions(award: AwardResult) -> list[str]:
        shown = [a for a in award.assumptions if a != award.validity_note and "有效期" not in a]
        return list(dict.fromkeys(c for a in shown for c in short_conditions(a)))

    def _several(
        self, question: str, awards: Sequence[AwardResult], hits: Sequence[ClauseHit]
    ) -> _Draft:
        fmt = self._format_yuan
        rows: list[tuple[AwardResult, Rule | None, str]] = []
        for award in awards:
            rule = self._books.rule(award.rule)
            clause_id = award.clause or award.rule.split("-")[0]
            rows.append((award, rule, clause_id))
        # Awards of one clause that says "就高" are not added: only the highest counts.
        exclusive: dict[str, str] = {}
        for _, _, clause_id in rows:
            clause = self._knowledge.clause(clause_id)
            entry = self.guide_entry(clause) if clause is not None else None
            if entry is not None and entry.合并规则 is not None and entry.合并规则.方式 == "就高":
                exclusive[clause_id] = entry.合并规则.依据
        counted: list[AwardResult] = []
        dropped: list[AwardResult] = []
        for clause_id in dict.fromkeys(c for _, _, c in rows):
            group = [a for a, _, c in rows if c == clause_id and a.amount_yuan]
            if clause_id in exclusive and len(group) > 1:
                best = max(group, key=lambda a: a.amount_yuan or 0)
                counted.append(best)
                dropped.extend(a for a in group if a is not best)
            else:
                counted.extend(group)
        total = sum(a.amount_yuan or 0 for a in counted)
        pending = [a for a, _, _ in rows if a.amount_yuan is None and not a.negotiated]
        parts = "、".join(f"{a.rule} {fmt(a.amount_yuan or 0)}" for a in counted)
        most = "最高" if any(a.upper_bound for a in counted) else ""
        if counted:
            conclusion = f"按您提供的信息测算，合计{most}可获{fmt(total)}（{parts}）。"
        else:
            conclusion = f"您问到的{len(rows)}项支持，按您提供的信息暂时都不能算出金额。"
        if pending:
            conclusion = conclusion.rstrip("。") + f"；另有{len(pending)}项还需补充信息。"
        draft = _Draft(conclusion)
        table = ["| 条款 | 事项 | 金额 | 上限 |", "|---|---|---|---|"]
        for award, rule, _ in rows:
            if award.negotiated:
                amount = "一事一议"
            elif award.eligible is False:
                amount = "不符合（0元）"
            elif award.amount_yuan is None:
                amount = "待补充：" + "、".join(award.missing)
            else:
                amount = ("最高" if award.upper_bound else "") + fmt(award.amount_yuan)
                if award in dropped:
                    amount += "（就高，不计入）"
            cap = rule_cap(rule, fmt)
            table.append(f"| {award.rule} | {award.title or ''} | {amount} | {cap} |")
        draft.body.extend(table)
        if counted and len(counted) > 1 and not dropped:
            added = " + ".join(fmt(a.amount_yuan or 0) for a in counted)
            draft.body.append(f"合计：{added} = {fmt(total)}。")
        for clause_id, basis in exclusive.items():
            if any(c == clause_id for _, _, c in rows) and dropped:
                draft.body.append(f"{clause_id}规定“{basis}”，只按金额最高的一项计算。")
        for award, _, _ in rows:
            steps = _trace(award)
            if steps:
                label = STEPS if award is rows[0][0] else ""
                draft.steps.append(f"{label}{award.rule}：" + "；".join(steps) + "。")
        confirm: list[str] = []
        for award, _, _ in rows:
            confirm.extend(self._conditions(award))
        draft.confirm = list(dict.fromkeys(confirm))
        depts: list[str] = []
        for clause_id in dict.fromkeys(c for _, _, c in rows):
            hit = self._hit(clause_id, hits)
            if hit is None:
                continue
            draft.use(hit)
            rule_words = [a.title or "" for a, _, c in rows if c == clause_id]
            draft.body.append(self._quote(hit, question + "".join(rule_words)))
            depts.extend(hit.clause.departments)
        if depts:
            draft.departments = f"{DEPARTMENTS}{'、'.join(dict.fromkeys(depts))}。"
        closing = self._knowledge.closing_clause(hits[0].clause.slug)
        rule = self._closing_rule(closing)
        if rule:
            draft.body.append(rule)
        return draft

    def _cross_policy(
        self, question: str, awards: Sequence[AwardResult], hits: Sequence[ClauseHit]
    ) -> _Draft:
        """One matter provided for by two policies: both awards, which is taken and why."""
        fmt = self._format_yuan

        def name(a: AwardResult) -> str:
            return f"{a.rule}“{a.title}”" if a.title else a.rule

        def amount(a: AwardResult) -> str:
            if a.negotiated:
                return "一事一议"
            if a.eligible is False:
                return "不符合条件（0元）"
            if a.amount_yuan is None:
                return "待补充：" + "、".join(a.missing)
            return ("最高" if a.upper_bound else "") + fmt(a.amount_yuan)

        each = "；".join(f"{name(a)}{'可获' if a.amount_yuan else ''}{amount(a)}" for a in awards)
        chosen = next((a for a in awards if a.chosen), None)
        conclusion = f"{len(awards)}项政策都对这一事项有规定：{each}。"
        if chosen is not None:
            conclusion += (
                f"按“就高不重复”原则只享受金额较高的一项，即{name(chosen)}（{amount(chosen)}）。"
            )
        elif awards[0].note:
            conclusion += awards[0].note + "。"
        draft = _Draft(conclusion)
        draft.body.append("| 政策 | 条款 | 事项 | 金额 | 说明 |")
        draft.body.append("|---|---|---|---|---|")
        for a in awards:
            meta = self._meta(a.policy or "")
            title = meta.title if meta is not None else a.policy or ""
            draft.body.append(
                f"| 《{title}》 | {a.rule} | {a.title or ''} | {amount(a)} | {a.note or ''} |"
            )
        for a in awards:
            steps = _trace(a)
            if steps:
                draft.steps.append(
                    f"{STEPS if a is awards[0] else ''}{a.rule}：" + "；".join(steps) + "。"
                )
        draft.confirm = list(dict.fromkeys(c for a in awards for c in self._conditions(a)))
        depts: list[str] = []
        for a in awards:
            hit = self._hit(a.clause or a.rule.split("-")[0], hits)
            if hit is None:
                continue
            draft.use(hit)
            draft.body.append(self._quote(hit, question + (a.title or "")))
            depts.extend(hit.clause.departments)
        for book, note in self._books.notes("就高不重复"):
            if any(a.policy == book.policy for a in awards):
                meta = self._meta(book.policy)
                who = f"《{meta.title}》" if meta is not None else book.policy
                draft.body.append(f"{who}规定：“{note.reference.rstrip('。')}”。")
        if depts:
            draft.departments = f"{DEPARTMENTS}{'、'.join(dict.fromkeys(depts))}。"
        return draft

    def _closing_rule(self, closing: Clause | None) -> str:
        """The closing clause's own rule on overlapping policies (就高不重复), quoted."""
        if closing is None:
            return ""
        for sentence in split_sentences(closing.text):
            if "就高不重复" in sentence:
                return f"如同一事项还符合其他政策，按原文“{sentence.strip().rstrip('。')}”。"
        return ""

    def fitting_clauses(self, question: str, book: RuleBook | None = None) -> list[str]:
        """Award clauses whose beneficiaries or topic terms the question names best (芯片 →
        四.2, 四.10). A word counts when at most three clauses' 惠及对象 use it (企业 or
        项目, used by many, say nothing about which clauses fit); clauses scoring well below
        the best one are left out."""
        book = book or self._books.default
        if book is None:
            return []
        clause_ids = list(dict.fromkeys(book.ref(r.clause) for r in book.rules.values()))
        texts: dict[str, str] = {}
        for clause_id in clause_ids:
            clause = self._knowledge.clause(clause_id)
            entry = self.guide_entry(clause) if clause is not None else None
            texts[clause_id] = "".join(entry.惠及对象) if entry is not None else ""
        score = dict.fromkeys(clause_ids, 0)
        for clause_id in book.named_clauses(question):
            score[book.ref(clause_id)] = score.get(book.ref(clause_id), 0) + 4
        for word in {w for w in tokenize(question) if len(w) >= 2}:
            users = [c for c, text in texts.items() if word in text]
            if 1 <= len(users) <= 3:
                for c in users:
                    score[c] += min(len(word), 4)
        best = max(score.values(), default=0)
        if best == 0:
            return []
        return [c for c in clause_ids if score[c] >= 0.6 * best]

    def _overview_clauses(self, question: str, hits: Sequence[ClauseHit]) -> list[str]:
        """The award clauses an overview lists: the items of the section the question is
        about ("强化项目支撑有哪些支持" → 四.12, 四.13), else those the question fits."""
        top = hits[0].clause if hits else None
        book = self._book_of(hits)
        if top is not None and top.kind == "section" and book is not None:
            items = [
                self._knowledge.qualified_id(c)
                for c in self._knowledge.clauses(top.slug)
                if c.kind == "item"
                and c.chapter == top.chapter
                and c.section == top.section
                and book.for_clause(c.id)
            ]
            if items:
                return items
        return self.fitting_clauses(question, book)

    def _overview(self, fitting: Sequence[str], hits: Sequence[ClauseHit]) -> _Draft:
        fmt = self._format_yuan
        book = self._book_of(hits)
        assert book is not None  # an overview is asked only when a policy has award rules
        clause_ids = list(fitting) or list(
            dict.fromkeys(book.ref(r.clause) for r in book.rules.values())
        )
        rules = [r for c in clause_ids for r in book.for_clause(c)]
        # No counts of our own in the text: every number an answer states is in a cited clause.
        if fitting:
            conclusion = f"与您的情况相关的支持条款是{'、'.join(clause_ids)}，各项最高额如下："
        else:
            conclusion = f"本政策{self._awards_chapter(book)}的各项补贴和奖励及其最高额如下："
        draft = _Draft(conclusion)
        draft.body.append("| 条款 | 事项 | 最高 |")
        draft.body.append("|---|---|---|")
        for rule in rules:
            draft.body.append(f"| {book.ref(rule.id)} | {rule.title} | {rule_maximum(rule, fmt)} |")
        draft.body.append(
            "具体能申请哪几项、各多少，可在“一企一策”页填写企业情况逐条测算，或告诉我具体数额。"
        )
        if hits and hits[0].clause.kind == "section" and fitting:
            draft.use(hits[0])  # the section asked about, cited first
        for clause_id in clause_ids:  # every listed maximum is quoted from a cited clause
            hit = self._hit(clause_id, hits)
            if hit is not None:
                draft.use(hit)
        return draft

    def _awards_chapter(self, book: RuleBook) -> str:
        """Where the policy's awards are, in its own headings: 第四部分“支持政策”, or ""."""
        first = next(iter(book.rules.values()), None)
        clause = self._knowledge.clause(book.ref(first.clause)) if first is not None else None
        if clause is None or not clause.path:
            return ""
        number, sep, name = clause.path[0].partition("、")
        return f"第{number}部分“{name}”" if sep else f"“{clause.path[0]}”"

    def _departments(
        self,
        question: str,
        awards: Sequence[AwardResult],
        hits: Sequence[ClauseHit],
        meta: PolicyMeta | None,
        today: date,
    ) -> _Draft:
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
        draft = _Draft(conclusion)
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
    ) -> _Draft:
        main = hits[0]
        meta = self._meta(main.clause.slug) or meta
        validity = Validity.of(meta, today)
        if validity is None or meta is None:
            draft = _Draft(f"本政策未规定有效期；{self._quote(main, '有效期')}")
            draft.use(main)
            return draft
        conclusion = validity.sentence(meta)
        if validity.expired:
            who = contact_phrase(meta)
            conclusion = conclusion.rstrip("。") + f"，申报前请向{who}确认是否有接续政策。"
        draft = _Draft(conclusion)
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

    def _quote_answer(self, question: str, route: Route, hits: Sequence[ClauseHit]) -> _Draft:
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
            draft = _Draft(conclusion)
            draft.confirm = list(entry.申报条件)
            draft.body.append(f"{BASIS}“{quote}”")
        else:
            draft = _Draft(f"根据{label}{title}：“{quote}”")
        draft.use(main)
        self._related(draft, question, hits)
        draft.departments = self._departments_line(main.clause)
        return draft

    def _related(self, draft: _Draft, question: str, hits: Sequence[ClauseHit]) -> None:
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
    ) -> _Draft:
        main = hits[0]
        who = contact_phrase(meta)
        hotline = meta.contact.hotline if meta is not None else ""
        ask = f"{who}（或{hotline}）" if hotline else who
        draft = _Draft(f"本政策没有关于“{topic}”的条款，请向{ask}咨询是否有其他政策支持。")
        sentences = best_sentences(main.clause, question, limit=1)
        title = f"“{main.clause.title}”" if main.clause.title else ""
        draft.body.append(
            f"{RELATED}最接近的是{clause_label(main.clause, main.ref)}{title}："
            f"“{''.join(sentences)}”（并非针对“{topic}”）"
        )
        draft.use(main)
        return draft


__all__ = [
    "Composed",
    "Composer",
    "Validity",
    "asks_for_overview",
    "best_sentences",
    "citation_for",
    "clause_label",
    "rule_cap",
    "rule_maximum",
    "short_conditions",
]
