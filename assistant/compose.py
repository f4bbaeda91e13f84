"""Compose: the deterministic Chinese answer, built only from clause text and rule results.

Every number it writes comes from a quoted clause sentence, the award trace, or the
validity calculation — never from free text generation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import date

from pydantic import BaseModel

from assistant.answer import AwardResult, Citation
from assistant.route import Route
from knowledge.base import ClauseHit, KnowledgeBase
from knowledge.clause import Clause
from knowledge.parse import split_sentences
from knowledge.tokenize import tokenize

REFUSAL = (
    "抱歉，这个问题不在我能解答的范围内。我只解答已收录政策（{titles}）的相关问题，"
    "例如支持条款的内容、补贴金额测算、申报条件和责任单位。"
    "其他问题建议拨打12345政务服务便民热线，或咨询郑州市工业和信息化局（市工信局）。"
)
WHOLE_CLAUSE_ROUTES = ("lookup", "fact", "eligibility", "validity", "departments")
WHOLE_CLAUSE_CHARS = 260
CLOSING = "以上内容依据政策原文整理，仅供参考，最终以责任单位（{who}）的审核认定为准。"


class Validity(BaseModel):
    """Whether the policy is still in force on a date, with the calculation shown."""

    issued: date
    valid_until: date
    expired: bool
    steps: list[str]

    @classmethod
    def of(cls, issued: date | None, valid_until: date | None, today: date) -> Validity | None:
        if issued is None or valid_until is None:
            return None
        expired = today > valid_until
        years = valid_until.year - issued.year
        steps = [
            f"{_cn_date(issued)}起实施，有效期{_cn_years(years)}",
            f"有效期至{_cn_date(valid_until)}",
        ]
        return cls(issued=issued, valid_until=valid_until, expired=expired, steps=steps)

    def note(self) -> str:
        if self.expired:
            return (
                f"提示：本政策{self.steps[0]}，{self.steps[1]}，目前已过有效期；"
                "按条款原文测算的结果仅供参考，申报前请向市工信局确认是否有接续政策。"
            )
        return f"提示：本政策{self.steps[0]}，{self.steps[1]}，申报请在有效期内进行。"


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _cn_years(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] + "年" if 1 <= n <= 10 else f"{n}年"


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


class Composed(BaseModel):
    text: str
    citations: list[Citation]
    validity: Validity | None = None


class Composer:
    """Builds the answer text and its citations for a route."""

    def __init__(self, knowledge: KnowledgeBase, format_yuan: Callable[[int], str]) -> None:
        self._knowledge = knowledge
        self._format_yuan = format_yuan

    def refuse(self) -> Composed:
        titles = "、".join(f"《{p.title}》" for p in self._knowledge.policies())
        return Composed(text=REFUSAL.format(titles=titles), citations=[])

    def run(
        self,
        question: str,
        route: Route,
        hits: Sequence[ClauseHit],
        award: AwardResult | None,
        today: date,
        award_phrases: Sequence[str] = (),
    ) -> Composed:
        if route.kind == "out_of_scope" or not hits:
            return self.refuse()
        main = hits[0]
        used: list[ClauseHit] = [main]
        parts: list[str] = []

        # A lookup quotes a short clause whole; otherwise the sentences that answer.
        # An award still missing inputs quotes the clause whole: the user is still exploring.
        exploring = award is not None and award.amount_yuan is None
        whole = (route.kind in WHOLE_CLAUSE_ROUTES or exploring) and len(
            main.clause.text
        ) <= WHOLE_CLAUSE_CHARS
        quote = (
            main.clause.text
            if whole
            else "".join(best_sentences(main.clause, question, prefer=award_phrases))
        )
        label = clause_label(main.clause, main.ref)
        title = f"“{main.clause.title}”" if main.clause.title else ""
        departments = main.clause.departments

        if route.kind == "departments":
            if departments:
                parts.append(f"{label}{title}的责任单位是：{'、'.join(departments)}。")
            else:
                parts.append(f"{label}{title}未列明责任单位；涉及支持政策的申报可咨询市工信局。")
            parts.append(f"条款原文：“{quote}”")
        else:
            parts.append(f"根据{label}{title}：“{quote}”")

        if award is not None:
            parts.extend(self._award_lines(award))

        # Related clauses that also answer (close in relevance, sharing words with the question).
        for hit in hits[1:3]:
            if hit.score < 0.8 * main.score or hit.clause.id == main.clause.id:
                continue
            if award is not None or route.kind == "departments":
                break
            sentences = best_sentences(hit.clause, question, limit=1)
            overlap = set(tokenize(question)) & set(tokenize("".join(sentences)))
            if not sentences or sum(len(w) for w in overlap) < 4:
                continue
            used.append(hit)
            label = clause_label(hit.clause, hit.ref)
            parts.append(f"相关条款：{label}“{hit.clause.title}”：“{sentences[0]}”")

        if departments and route.kind != "departments":
            parts.append(f"责任单位：{'、'.join(departments)}。")

        validity = None
        meta = self._knowledge.policy(main.clause.slug)
        if meta is not None and route.kind in ("award", "eligibility", "validity"):
            validity = Validity.of(meta.issued, meta.valid_until, today)
            if validity is not None:
                parts.append(validity.note())
                closing = self._knowledge.closing_clause(main.clause.slug)
                if closing is not None and all(h.clause is not closing for h in used):
                    ref = self._knowledge.qualified_id(closing)
                    used.append(ClauseHit(clause=closing, ref=ref, score=0.0))

        who = "、".join(departments) if departments else "市工信局"
        parts.append(CLOSING.format(who=who))
        return Composed(
            text="\n".join(parts), citations=[citation_for(h) for h in used], validity=validity
        )

    def _award_lines(self, award: AwardResult) -> list[str]:
        lines: list[str] = []
        extra = award.model_dump()
        if extra.get("error"):
            lines.append(f"无法测算：{extra['error']}")
        elif extra.get("negotiated"):
            lines.append("该项支持采取“一事一议”方式，没有固定金额，需与责任单位具体商议。")
        elif award.eligible is False:
            lines.append("按您提供的信息，暂不符合该项条件，测算金额为0元。")
        elif award.amount_yuan is None:
            lines.append("还需要以下信息才能测算：" + "、".join(award.missing) + "。")
        else:
            most = "最高" if extra.get("upper_bound") else ""
            lines.append(
                f"按您提供的信息测算，{most}可获得{self._format_yuan(award.amount_yuan)}。"
            )
        if award.amount_yuan is None and extra.get("follow_up"):
            lines.append(str(extra["follow_up"]))
        if award.steps:
            lines.append("计算过程：" + "；".join(s.rstrip("。") for s in award.steps) + "。")
        # The validity note has its own line (提示); list the other assumptions one per line.
        shown = [a for a in award.assumptions if a != extra.get("validity_note")]
        if shown:
            lines.append("前提假设：")
            lines.extend(f"· {a.rstrip('。')}。" for a in shown)
        return lines
