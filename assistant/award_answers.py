"""The award answers: one award, several in a table with a total, one matter under two
policies (就高不重复), and the overview of a policy's awards with their maxima.

Every number comes from the award trace or the rule book's parameters (quoted clauses)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.answer import AwardResult
from assistant.awards.rules import Rule, RuleBook
from assistant.citations import clause_label
from assistant.compose_base import ComposerBase
from assistant.draft import BASIS, DEPARTMENTS, STEPS, WHOLE_CLAUSE_CHARS, Draft
from assistant.proposed import proposed_amounts
from knowledge.base import ClauseHit
from knowledge.clause import Clause
from knowledge.guide import contact_phrase
from knowledge.parse import split_sentences
from knowledge.tokenize import tokenize

_YES_NO = re.compile(
    r"(能不能|能否|可不可以|可以申请|能申请|能享受|可以享受|符合|算不算|属于|吗|(?<!怎|什|那|这)么)"
)
_HOW_MUCH = re.compile(r"(多少|几|怎么算|如何计算|怎么计算|金额|比例|上限|最高)")

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


_SUPPORT_WORDS = ("补助", "补贴", "奖励", "贴息", "配套")


def not_provided_sentence(rule: Rule | None, award: AwardResult, clause_id: str) -> str:
    """ "本政策没有针对这种情况的补助条款：…；四.10的支持范围是“…”。": a stated fact that fails
    a condition puts the matter outside what the clause provides for — said plainly, built
    from the failed conditions' own sentences (failure, phrase) in the rule book."""
    if rule is None or not award.failed:
        return ""
    failed = [c for c in rule.conditions if c.input in award.failed]
    if not failed:
        return ""
    title = rule.title or ""
    support = max(_SUPPORT_WORDS, key=lambda w: title.rfind(w)) if title else "支持"
    support = support if support in title else "支持"
    why = "；".join(dict.fromkeys(c.failure.rstrip("。") for c in failed))
    scope = "、".join(dict.fromkeys(f"“{c.phrase.rstrip('。')}”" for c in failed))
    return f"本政策没有针对这种情况的{support}条款：{why}；{clause_id}的支持范围是{scope}。"


def _trace(award: AwardResult) -> list[str]:
    """The calculation steps, less the last one when it only repeats the amount (可获…)."""
    steps = [s.rstrip("。") for s in award.steps]
    if steps and re.match(r"^(最高)?可获", steps[-1]):
        steps = steps[:-1]
    return steps


class AwardAnswers(ComposerBase):
    """The answers built from award results and rule books."""

    def _award(
        self, question: str, award: AwardResult, hits: Sequence[ClauseHit], phrases: Sequence[str]
    ) -> Draft:
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
            conclusion += not_provided_sentence(rule, award, clause_id)
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
        draft = Draft(conclusion)
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
    ) -> Draft:
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
        draft = Draft(conclusion)
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
        # an award of the message still missing a figure or a fact: its question back, as a
        # single award's answer asks it ("请问贵企业本次获得的贯标证书是第几级？")
        for award in pending:
            if award.follow_up and not award.error:
                draft.steps.append(f"{award.rule}：{award.follow_up}")
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
    ) -> Draft:
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
        draft = Draft(conclusion)
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

    def _overview(self, fitting: Sequence[str], hits: Sequence[ClauseHit]) -> Draft:
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
        draft = Draft(conclusion)
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


__all__ = ["AwardAnswers", "not_provided_sentence", "rule_cap", "rule_maximum", "short_conditions"]
