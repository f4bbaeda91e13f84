"""Answers, clauses and awards as escaped Markdown for the page.

Everything that came from a user (or passed through the model) is HTML-escaped here, so no
markup or script a user typed is ever interpreted by the browser; Gradio's sanitiser is the
second line, not the first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from assistant.awards.format import format_money

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
_YUAN = Decimal(1)


def esc(text: object) -> str:
    """HTML-escape (so ``<script>`` shows as text); keep line breaks."""
    return html.escape(str(text or ""), quote=True)


def esc_md(text: object) -> str:
    """HTML-escape and neutralise Markdown syntax (for short labels such as titles)."""
    return _MD_SPECIAL.sub(r"\\\1", esc(text))


def money(yuan: int | Decimal | None) -> str:
    """The project's display convention (320万元, 281.4万元, 5000元), to the yuan from 1万 up."""
    if yuan is None:
        return "—"
    value = Decimal(yuan)
    return format_money(value.quantize(_YUAN) if abs(value) >= 10000 else value)


def departments_line(departments: Sequence[str]) -> str:
    """责任单位：… — or nothing for a clause that names none (序, 尾, chapter leads)."""
    return "责任单位：" + "、".join(departments) if departments else ""


def clause_link(ref: str) -> str:
    """The policy browser's address for a clause: /?clause=四.10."""
    return "/?clause=" + quote(str(ref), safe="")


def clause_anchor(ref: str) -> str:
    """A Markdown link to the clause in the policy browser."""
    return f"[{esc_md(ref)}]({clause_link(ref)})"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def citations_markdown(citations: Iterable[Any]) -> str:
    """The body of the collapsible 引用条款 block: id, title, verbatim text, departments."""
    parts = []
    for c in citations:
        text = esc(_get(c, "text", "")).replace("\n", "<br>")
        depts = departments_line(_get(c, "departments", []) or [])
        parts.append(
            f"**{clause_anchor(_get(c, 'id'))}　{esc_md(_get(c, 'title', ''))}**\n\n"
            f"> {text}" + (f"\n\n{esc(depts)}" if depts else "")
        )
    return "\n\n---\n\n".join(parts) if parts else "（本回答未引用条款）"


def eligibility_label(award: Any) -> str:
    eligible = _get(award, "eligible")
    amount = _get(award, "amount_yuan")
    if eligible is False:
        return "不符合条件"
    if amount is None:
        return "条件待补充"
    return "符合条件" if eligible else "待确认"


def award_markdown(award: Any, *, with_heading: bool = True) -> str:
    """Eligibility, amount, steps, assumptions and missing facts of an AwardResult."""
    if award is None:
        return ""
    lines = []
    if with_heading:
        lines.append(f"**计算结果（{esc_md(_get(award, 'rule'))}）**\n")
    lines.append(f"- 资格：{eligibility_label(award)}")
    lines.append(f"- 金额：**{money(_get(award, 'amount_yuan'))}**")
    steps = _get(award, "steps", []) or []
    if steps:
        lines.append("\n**计算步骤**")
        lines.extend(f"{i}. {esc(s)}" for i, s in enumerate(steps, 1))
    assumptions = _get(award, "assumptions", []) or []
    if assumptions:
        lines.append("\n**前提假设**")
        lines.extend(f"- {esc(a)}" for a in assumptions)
    missing = _get(award, "missing", []) or []
    if missing:
        lines.append("\n**尚需提供**")
        lines.extend(f"- {esc(m)}" for m in missing)
    return "\n".join(lines)


def clause_markdown(
    clause: dict[str, Any],
    link: str | None = None,
    guide: Mapping[str, str] | None = None,
    validity: str = "",
) -> str:
    """One clause in full for the 政策原文 tab, with its 申兑指南 folded below."""
    path = " › ".join(esc_md(p) for p in clause.get("path", []) if p)
    text = esc(clause.get("text", "")).replace("\n", "<br>")
    out = [f"### {esc_md(clause['id'])}　{esc_md(clause.get('title', ''))}"]
    if path:
        out.append(f"*{path}*")
    out.append(text)
    depts = departments_line(clause.get("departments", []))
    if depts:
        out.append(f"**{esc(depts)}**")
    if validity:
        out.append(f"有效期：{esc(validity)}")
    if guide:
        out.append(guide_details(guide))
    if link:
        out.append(f"本条链接：[{esc(link)}]({esc(link)})")
    return "\n\n".join(out)


def guide_markdown(guide: Mapping[str, str]) -> str:
    """The 申兑指南 as a two-column table (escaped)."""
    rows = ["| 项目 | 内容 |", "|---|---|"]
    rows += [f"| {esc_md(k)} | {esc_md(v)} |" for k, v in guide.items()]
    return "\n".join(rows)


def guide_details(guide: Mapping[str, str]) -> str:
    """The guide folded: a <details> block the reader opens."""
    return f"<details><summary>申兑指南</summary>\n\n{guide_markdown(guide)}\n\n</details>"


def conclusion_of(answer_text: str) -> str:
    """The answer's first line: the conclusion the composer puts first."""
    return (answer_text or "").strip().split("\n", 1)[0].strip()


def departments_of(answer: Any) -> list[str]:
    """The departments of the clauses an answer cites, first cited first, each once."""
    out: list[str] = []
    for c in _get(answer, "citations", []) or []:
        for d in _get(c, "departments", []) or []:
            if d not in out:
                out.append(d)
    return out


def script_line(answer: Any) -> str:
    """口径: one or two sentences an operator reads aloud — the conclusion and whom to ask."""
    conclusion = conclusion_of(_get(answer, "answer", ""))
    depts = departments_of(answer)
    if not depts or all(d in conclusion for d in depts):
        return conclusion
    return f"{conclusion}具体请向{'、'.join(depts)}咨询。"


def work_order(question: str, answer: Any, when: datetime) -> str:
    """复制工单摘要: plain text for the ticket system (no Markdown, no HTML)."""
    award = _get(answer, "award")
    steps = list(_get(award, "steps", []) or []) if award is not None else []
    for other in (_get(answer, "awards", []) or [])[1:]:
        steps += [f"{_get(other, 'rule')}：{s}" for s in _get(other, "steps", []) or []]
    ids = [str(_get(c, "id")) for c in _get(answer, "citations", []) or []]
    lines = [
        f"来电问题：{question}",
        f"答复结论：{conclusion_of(_get(answer, 'answer', ''))}",
        f"涉及条款：{'、'.join(ids) or '无'}",
        f"责任单位：{'、'.join(departments_of(answer)) or '未列明'}",
        f"测算过程：{'；'.join(steps) if steps else '无'}",
        f"受理时间：{when.strftime('%Y-%m-%d %H:%M')}",
    ]
    return "\n".join(lines)


def conversation_text(turns: Sequence[tuple[str, str]], title: str, when: datetime) -> str:
    """A whole conversation as plain text for 导出对话."""
    out = [title, f"导出时间：{when.strftime('%Y-%m-%d %H:%M')}", ""]
    for n, (question, answer) in enumerate(turns, 1):
        out += [f"【问{n}】{question}", f"【答{n}】{answer}", ""]
    return "\n".join(out)


def question_list_markdown(questions: Sequence[str]) -> str:
    if not questions:
        return "（本次会话尚无问题）"
    return "\n".join(f"{i}. {esc_md(q)}" for i, q in enumerate(reversed(questions), 1))
